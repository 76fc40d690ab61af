import Hydro

/// Range checks for numeric options, so an out-of-range value is refused by name before it can
/// overflow a conversion or make a result infinite.
enum OptionCheck {
    static func integer(_ value: Int, in range: ClosedRange<Int>, _ name: String) throws {
        guard range.contains(value) else {
            throw HydroError(.invalidParameter, name, "must be a whole number from \(range.lowerBound) to \(range.upperBound), got \(value)")
        }
    }

    /// A finite number in `range` (infinity is allowed only where `allowInfinity` says so, as "no limit").
    static func number(_ value: Double, in range: ClosedRange<Double>, _ name: String, allowInfinity: Bool = false) throws {
        if allowInfinity && value == .infinity { return }
        guard value.isFinite, range.contains(value) else {
            throw HydroError(.invalidParameter, name, "must be a finite number from \(range.lowerBound) to \(range.upperBound), got \(value)")
        }
    }

    static let band = 1...65535
    static let threads = 1...256
}
