import Foundation

/// Bootstrap intervals of a settlement's amounts. The scheme is settled once per bootstrap draw of
/// the attributed loads, by the same `Settlement.compute` as the point ledger, so each draw's ledger
/// conserves money to the fen as the point ledger does. A point entry's amount in a draw is the
/// draw's entry with the same period, section, payer, payee and rule (0 when the draw has none);
/// its bounds are the `level` interval of those amounts by SPARROW's rank rule
/// (`Bootstrap.interval`). An amount that does not depend on attributed loads is the same in every
/// draw, so its bounds equal it.
public struct LedgerIntervals: Codable, Sendable, Equatable {
    public struct Bounds: Codable, Sendable, Equatable {
        public var lowerFen: Int64
        public var upperFen: Int64
        /// Why the interval covers less than the amount's whole uncertainty, when it does.
        public var note: String?

        public init(lowerFen: Int64, upperFen: Int64, note: String? = nil) {
            self.lowerFen = lowerFen
            self.upperFen = upperFen
            self.note = note
        }

        enum CodingKeys: String, CodingKey { case lowerFen = "lower_fen", upperFen = "upper_fen", note }
    }

    /// Interval coverage (0.9 for 90 %).
    public var level: Double
    public var draws: Int
    /// One per entry of the point ledger, in its order.
    public var entries: [Bounds]
    /// Net balance (received − paid) per party.
    public var balances: [String: Bounds]

    /// "90" for 90 % intervals, as column names carry it.
    public var percentText: String { fmtShort(100 * level) }

    /// Settles `scheme` with each of `draws` and returns the intervals with every draw's settlement.
    /// - Parameter uncalibrated: per section, pollutants whose loads are held at their estimates in
    ///   every draw; entries split by attributed load at such a section carry a note saying so.
    public static func compute(_ scheme: Scheme, monitoring: MonitoringData, point: Settlement, draws: [AttributedLoads], level: Double,
                               uncalibrated: [String: [Pollutant]] = [:]) throws -> (intervals: LedgerIntervals, settlements: [Settlement]) {
        let settlements = try draws.map { try Settlement.compute(scheme, monitoring: monitoring, attributed: $0) }
        func keyed(_ entries: [LedgerEntry]) -> [String: [Int64]] {
            var out: [String: [Int64]] = [:]
            for e in entries { out[key(e), default: []].append(e.fen) }
            return out
        }
        let drawn = settlements.map { keyed($0.entries) }
        var occurrence: [String: Int] = [:]
        var entries: [Bounds] = []
        for e in point.entries {
            let k = key(e)
            let n = occurrence[k, default: 0]
            occurrence[k] = n + 1
            var b = bounds(drawn.map { d in d[k].flatMap { n < $0.count ? $0[n] : nil } ?? 0 }, level: level, point: e.fen)
            if e.splitsByAttributedLoad, let missing = uncalibrated[e.section], !missing.isEmpty {
                b.note = "loads of \(missing.map(\.name).joined(separator: ", ")) are not calibrated and are held at their estimates"
            }
            entries.append(b)
        }
        var balances: [String: Bounds] = [:]
        let nets = settlements.map(\.balanceFen)
        for (party, net) in point.balanceFen {
            balances[party] = bounds(nets.map { $0[party] ?? 0 }, level: level, point: net)
        }
        return (LedgerIntervals(level: level, draws: draws.count, entries: entries, balances: balances), settlements)
    }

    static func key(_ e: LedgerEntry) -> String { [e.period, e.section, e.payer, e.payee, e.rule].joined(separator: "\u{1F}") }

    /// The interval of whole-fen amounts (exact as doubles below 2^53 fen); the point amount without draws.
    static func bounds(_ fen: [Int64], level: Double, point: Int64) -> Bounds {
        guard !fen.isEmpty else { return Bounds(lowerFen: point, upperFen: point) }
        let b = Bootstrap.interval(fen.map(Double.init), level: level)
        return Bounds(lowerFen: Int64(exactly: b.lower) ?? point, upperFen: Int64(exactly: b.upper) ?? point)
    }

    /// The attributed loads of every bootstrap draw: `point` with, at every scheme section and pollutant
    /// that has draws, each upstream party's load the sum of the draw's loads from the origins that
    /// `belongs(origin, party)`, and the rest of the draw's total as background.
    /// - Throws: `HydroError` naming `source` when the sections' draws are not equally many.
    public static func drawnLoads(_ scheme: Scheme, point: AttributedLoads, draws: [Pollutant: [CalibrationRecord.SectionDraws]], source: String,
                                  belongs: (_ origin: String, _ party: String) -> Bool) throws -> [AttributedLoads] {
        let counts = Set(draws.values.flatMap { $0.map(\.loads.count) })
        guard counts.count <= 1 else {
            throw HydroError(.invalidInput, source, "holds bootstrap draws of unequal number (\(counts.sorted().map(String.init).joined(separator: ", "))); run hydrotool calibrate again")
        }
        guard let count = counts.first, count > 0 else { return [] }
        var out = [AttributedLoads](repeating: point, count: count)
        for (pollutant, sections) in draws.sorted(by: { $0.key < $1.key }) {
            for d in sections {
                guard let section = scheme.section(d.section) else { continue }
                let parties = scheme.upstreamParties(of: section)
                let member = parties.map { party in d.origins.map { belongs($0, party) } }
                for k in 0..<count {
                    let loads = d.loads[k]
                    var byParty: [String: Double] = [:]
                    var claimed = 0.0
                    for (p, party) in parties.enumerated() {
                        var sum = 0.0
                        for o in loads.indices where member[p][o] { sum += loads[o] }
                        byParty[party] = sum
                        claimed += sum
                    }
                    out[k].byParty[d.section, default: [:]][pollutant] = byParty
                    out[k].background[d.section, default: [:]][pollutant] = max(0, loads.reduce(0, +) - claimed)
                }
            }
        }
        return out
    }
}

extension LedgerEntry {
    /// Whether the payment was split among its payers by attributed load (proportionally or by Shapley
    /// value), as the rule text of `Settlement`'s monthly and load-target rules says.
    public var splitsByAttributedLoad: Bool { rule.contains("split proportional") || rule.contains("split shapley") }
}
