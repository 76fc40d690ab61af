/// TaskProgress of a long computation as a fraction from 0 to 1.
///
/// Library functions never print: they call a `TaskProgress`, and only the command line renders it
/// (in GDAL's `0...10...20` style). Stages of a pipeline take `scaled(from:to:)` sub-ranges,
/// as GDAL's `GDALCreateScaledProgress` does. Returning `false` from the handler asks the
/// computation to stop; it then throws `HydroError.Kind.cancelled`.
public struct TaskProgress {
    private let handler: ((Double) -> Bool)?
    private let lower: Double
    private let upper: Double

    /// A progress that reports nowhere.
    public static var silent: TaskProgress { TaskProgress(nil) }

    public init(_ handler: ((Double) -> Bool)?) {
        self.handler = handler
        self.lower = 0
        self.upper = 1
    }

    private init(handler: ((Double) -> Bool)?, lower: Double, upper: Double) {
        self.handler = handler
        self.lower = lower
        self.upper = upper
    }

    /// A progress covering `[from, to]` of this one.
    public func scaled(from: Double, to: Double) -> TaskProgress {
        let span = upper - lower
        return TaskProgress(handler: handler, lower: lower + span * from, upper: lower + span * to)
    }

    /// Reports `fraction` (0…1) of this range; throws when the handler asks to stop.
    public func report(_ fraction: Double) throws {
        guard let handler else { return }
        let clamped = min(max(fraction, 0), 1)
        if !handler(lower + (upper - lower) * clamped) {
            throw HydroError(.cancelled, "", "cancelled")
        }
    }

    /// Whether anybody listens; lets loops skip the arithmetic of reporting.
    public var isActive: Bool { handler != nil }

    /// The handler in terms of the overall fraction, for bridging to C progress callbacks.
    func overallFraction(_ fraction: Double) -> Double {
        lower + (upper - lower) * min(max(fraction, 0), 1)
    }

    var rawHandler: ((Double) -> Bool)? { handler }
}

/// Calls `progress` about every 1/`steps` of `total` iterations without costing the loop a division.
struct ProgressTicker {
    private let progress: TaskProgress
    private let total: Int
    private let stride: Int
    private var next: Int

    init(_ progress: TaskProgress, total: Int, steps: Int = 100) {
        self.progress = progress
        self.total = max(total, 1)
        self.stride = progress.isActive ? max(self.total / steps, 1) : Int.max
        self.next = stride
    }

    /// Call with the number of iterations done so far.
    @inline(__always)
    mutating func tick(_ done: Int) throws {
        if done >= next {
            next = done &+ stride
            try progress.report(Double(done) / Double(total))
        }
    }
}

extension Dictionary where Key: Comparable, Value == Double {
    /// The sum of the values in key order: dictionary order changes from run to run, and
    /// floating-point sums depend on order, so every figure is summed this way.
    var orderedSum: Double { sorted { $0.key < $1.key }.reduce(0) { $0 + $1.value } }
}
