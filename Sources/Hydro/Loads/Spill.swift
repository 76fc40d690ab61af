import Foundation

/// An accidental release followed downstream: arrival times and remaining mass along the path.
public struct SpillTrace: Sendable {
    public struct Stop: Sendable {
        public var cell: Int
        /// Hours after the release.
        public var hours: Double
        /// Mass remaining after first-order decay, kg.
        public var remaining: Double
        public var kind: String
        public var label: String
    }

    public var path: [Int]
    public var stops: [Stop]
    public var outletHours: Double

    /// Follows the main flow path (D8; at a split, the larger share) from `cell`, timing each step by
    /// the channel velocity (overland steps at `overlandVelocity` m/s) and decaying the mass by exp(−k·t),
    /// or by exp(−Σ kᵢ·tᵢ) over the cells passed when `decayAt` gives a rate per cell (calibrated classes).
    public static func trace(from cell: Int, mass: Double, model: LoadModel, decayPerDay k: Double,
                             decayAt: ((Int) -> Double)? = nil,
                             overlandVelocity: Double = 0.1, sections: [(cell: Int, label: String)],
                             units: JurisdictionMap?) -> SpillTrace {
        var path: [Int] = []
        var stops: [Stop] = []
        var hours = 0.0
        var exponent = 0.0 // Σ kᵢ·tᵢ (days) with per-cell rates
        func remaining() -> Double { decayAt == nil ? mass * exp(-k * hours / 24) : mass * exp(-exponent) }
        var c = cell
        var visited = Set<Int>()
        let sectionAt = Dictionary(sections.map { ($0.cell, $0.label) }, uniquingKeysWith: { a, _ in a })
        while visited.insert(c).inserted {
            path.append(c)
            if let label = sectionAt[c] {
                stops.append(Stop(cell: c, hours: hours, remaining: remaining(), kind: "section", label: label))
            }
            let next = model.graph.mainReceiver(of: c)
            let seconds = model.isChannel[c] ? model.travelDays(c) * 86400 : model.reachLength(of: c) / overlandVelocity
            hours += seconds / 3600
            if let decayAt { exponent += decayAt(c) * seconds / 86400 }
            guard let n = next else { break }
            if let units, units.labels[n] != units.labels[c] {
                let from = units.labels[c] >= 0 ? units.units[Int(units.labels[c])].name : "outside"
                let to = units.labels[n] >= 0 ? units.units[Int(units.labels[n])].name : "outside"
                stops.append(Stop(cell: n, hours: hours, remaining: remaining(), kind: "border", label: "\(from) → \(to)"))
            }
            c = n
        }
        return SpillTrace(path: path, stops: stops, outletHours: hours)
    }
}
