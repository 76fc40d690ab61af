import Foundation

/// How a pollutant's mass is carried and lost on its way downstream.
public struct TransportParameters: Sendable {
    /// Land-to-water delivery of loads generated off the channel network.
    public enum Delivery: Sendable, Equatable {
        /// A constant fraction (0…1) of the load reaches the stream.
        case constant(Double)
        /// exp(−d/λ), d the flow-path distance to the stream (m), λ the length scale (m),
        /// in the spirit of InVEST NDR's retention along the flow path.
        case exponential(lengthScale: Double)

        /// The fraction of a load generated `distanceToStream` metres from the stream that reaches it.
        func ratio(distanceToStream d: Double) -> Double {
            switch self {
            case .constant(let r): r
            case .exponential(let l): exp(-d / l)
            }
        }
    }

    /// Stream velocity, from which travel time through each channel cell follows.
    public enum Velocity: Sendable, Equatable {
        /// Constant velocity, m/s.
        case constant(Double)
        /// v = a·A^b m/s with A the upstream area in km² (hydraulic geometry).
        case powerLaw(a: Double, b: Double)

        public func value(areaKm2: Double) -> Double {
            switch self {
            case .constant(let v): v
            case .powerLaw(let a, let b): a * pow(max(areaKm2, 1e-9), b)
            }
        }

        /// Days to travel `metres` of channel whose upstream area is `areaKm2`.
        func travelDays(metres: Double, areaKm2: Double) -> Double {
            metres / value(areaKm2: areaKm2) / 86400
        }
    }

    /// First-order in-stream decay rate per pollutant, 1/day: a load travelling for t days keeps exp(−k·t).
    public var decayPerDay: [Pollutant: Double]
    /// Calibrated decay rates by velocity class, per pollutant; where a pollutant has them they
    /// replace its `decayPerDay` on every channel cell.
    public var decayClasses: [Pollutant: [DecayClass]] = [:]

    /// A decay rate for the channel cells whose velocity lies below `maxVelocity` (m/s) and not below
    /// the previous class's; nil: every faster cell.
    public struct DecayClass: Sendable, Equatable {
        public var maxVelocity: Double?
        public var rate: Double
        public init(maxVelocity: Double?, rate: Double) {
            self.maxVelocity = maxVelocity
            self.rate = rate
        }
    }

    /// The class (position in `classes`, ordered by `maxVelocity`, the open class last) of a channel
    /// cell whose velocity is `v`.
    static func decayClass(velocity v: Double, _ classes: [DecayClass]) -> Int {
        for (k, c) in classes.enumerated() { if let top = c.maxVelocity, v < top { return k } }
        return max(0, classes.count - 1)
    }
    public var velocity: Velocity
    public var delivery: Delivery

    public init(decayPerDay: [Pollutant: Double] = [:], velocity: Velocity = .constant(0.5), delivery: Delivery = .constant(1)) {
        self.decayPerDay = decayPerDay
        self.velocity = velocity
        self.delivery = delivery
    }

    /// Checks every value, naming the parameter that is wrong.
    public func validate() throws {
        for (p, k) in decayPerDay.sorted(by: { $0.key < $1.key }) where !(k >= 0 && k.isFinite) {
            throw HydroError(.invalidParameter, "decay.\(p.name)", "must be a rate of zero or more per day, got \(k)")
        }
        switch velocity {
        case .constant(let v) where !(v > 0 && v.isFinite):
            throw HydroError(.invalidParameter, "velocity", "must be positive (m/s), got \(v)")
        case .powerLaw(let a, let b) where !(a > 0 && a.isFinite && b.isFinite):
            throw HydroError(.invalidParameter, "velocity", "v = a·A^b needs a > 0, got a = \(a), b = \(b)")
        default: break
        }
        switch delivery {
        case .constant(let r) where !(r >= 0 && r <= 1):
            throw HydroError(.invalidParameter, "delivery.ratio", "must lie in 0…1, got \(r)")
        case .exponential(let l) where !(l > 0 && l.isFinite):
            throw HydroError(.invalidParameter, "delivery.length_scale", "must be positive (m), got \(l)")
        default: break
        }
    }
}

/// A reservoir or lake that retains part of what flows through it.
public struct Reservoir: Sendable, Equatable {
    public enum Retention: Sendable, Equatable {
        /// Retained fraction (0…1) per pollutant.
        case fractions([Pollutant: Double])
        /// SPARROW's areal hydraulic load form: passes 1/(1 + v_s/q_s); v_s the apparent settling
        /// velocity (m/yr) per pollutant, q_s = outflow / surface area (m/yr).
        case arealHydraulicLoad(settlingVelocity: [Pollutant: Double], hydraulicLoad: Double)

        func passedFraction(_ p: Pollutant) -> Double {
            switch self {
            case .fractions(let f): 1 - (f[p] ?? 0)
            case .arealHydraulicLoad(let vs, let qs): 1 / (1 + (vs[p] ?? 0) / qs)
            }
        }
    }

    public var name: String
    /// The cell where the retention applies: the reservoir's outlet on the channel.
    public var cell: Int
    public var retention: Retention

    public init(name: String, cell: Int, retention: Retention) {
        self.name = name
        self.cell = cell
        self.retention = retention
    }
}
