/// The storage types a grid cell can have, mirroring the GDAL band types the tool reads and writes.
public enum CellKind: String, Sendable, CaseIterable {
    case uint8, int16, uint16, int32, uint32, float32, float64

    public var isFloatingPoint: Bool { self == .float32 || self == .float64 }
}

/// A value that can live in a `Grid`: a fixed-size number with a known storage kind.
public protocol GridCell: Sendable, Equatable {
    static var kind: CellKind { get }
    /// The value exactly, or nil when `value` cannot be held by this type (so a nodata value
    /// such as -9999 is rejected for `UInt8` rather than silently wrapped).
    init?(exactly value: Double)
    var doubleValue: Double { get }
    /// True for NaN; integer types are never NaN.
    var isNaN: Bool { get }
}

extension UInt8: GridCell {
    public static var kind: CellKind { .uint8 }
    public var doubleValue: Double { Double(self) }
    public var isNaN: Bool { false }
}

extension Int16: GridCell {
    public static var kind: CellKind { .int16 }
    public var doubleValue: Double { Double(self) }
    public var isNaN: Bool { false }
}

extension UInt16: GridCell {
    public static var kind: CellKind { .uint16 }
    public var doubleValue: Double { Double(self) }
    public var isNaN: Bool { false }
}

extension Int32: GridCell {
    public static var kind: CellKind { .int32 }
    public var doubleValue: Double { Double(self) }
    public var isNaN: Bool { false }
}

extension UInt32: GridCell {
    public static var kind: CellKind { .uint32 }
    public var doubleValue: Double { Double(self) }
    public var isNaN: Bool { false }
}

extension Float: GridCell {
    public static var kind: CellKind { .float32 }
    public init?(exactly value: Double) {
        if value.isNaN { self = .nan; return }
        let narrowed = Float(value)
        guard Double(narrowed) == value else { return nil }
        self = narrowed
    }
    public var doubleValue: Double { Double(self) }
}

extension Double: GridCell {
    public static var kind: CellKind { .float64 }
    public init?(exactly value: Double) { self = value }
    public var doubleValue: Double { self }
}
