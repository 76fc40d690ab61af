import Foundation

/// Load one unit hands directly to another (one row of flux.csv).
public struct FluxEdge: Sendable, Equatable {
    public var level: String
    public var fromID: String
    public var fromName: String
    public var toID: String
    public var toName: String
    public var pollutant: String
    public var kgPerYear: Double

    public init(level: String, fromID: String, fromName: String, toID: String, toName: String, pollutant: String, kgPerYear: Double) {
        self.level = level
        self.fromID = fromID
        self.fromName = fromName
        self.toID = toID
        self.toName = toName
        self.pollutant = pollutant
        self.kgPerYear = kgPerYear
    }
}

/// Gross and net flux between two units for one pollutant.
///
/// Gross flux counts the load every time it crosses the border: where a river (or the modelled
/// main stem) zigzags along a border, the same load is counted once per crossing, so gross flux
/// in each direction can exceed the load delivered. Net flux, gross one way minus gross the other,
/// counts each kilogram once: it is what one unit passes on to the other.
public struct FluxPair: Sendable, Equatable {
    public var level: String
    public var pollutant: String
    /// The unit that hands over more (the net flux goes from `upstream` to `downstream`).
    public var upstream: (id: String, name: String)
    public var downstream: (id: String, name: String)
    public var grossForward: Double
    public var grossBack: Double
    public var net: Double { grossForward - grossBack }
    public var gross: Double { grossForward + grossBack }
    /// Whether a noticeable load (1 % or more of the forward flux) crosses back: a border that a
    /// river, or the modelled main stem, runs along and crosses more than once.
    public var recrosses: Bool { grossBack > 0 && grossBack >= 0.01 * grossForward }

    public static func == (a: FluxPair, b: FluxPair) -> Bool {
        a.level == b.level && a.pollutant == b.pollutant && a.upstream == b.upstream && a.downstream == b.downstream
            && a.grossForward == b.grossForward && a.grossBack == b.grossBack
    }
}

public enum FluxSummary {
    /// Pairs of units with their gross flux each way, the larger way first; sorted by net flux.
    public static func pairs(_ edges: [FluxEdge]) -> [FluxPair] {
        struct Key: Hashable { var level: String, pollutant: String, a: String, b: String }
        var byKey: [Key: (forward: Double, back: Double, aName: String, bName: String)] = [:]
        for e in edges where e.fromID != e.toID {
            let ordered = e.fromID < e.toID
            let key = Key(level: e.level, pollutant: e.pollutant, a: ordered ? e.fromID : e.toID, b: ordered ? e.toID : e.fromID)
            var v = byKey[key] ?? (0, 0, ordered ? e.fromName : e.toName, ordered ? e.toName : e.fromName)
            if ordered { v.forward += e.kgPerYear } else { v.back += e.kgPerYear }
            byKey[key] = v
        }
        let pairs = byKey.map { key, v -> FluxPair in
            let aFirst = v.forward >= v.back
            return FluxPair(level: key.level, pollutant: key.pollutant,
                            upstream: aFirst ? (key.a, v.aName) : (key.b, v.bName),
                            downstream: aFirst ? (key.b, v.bName) : (key.a, v.aName),
                            grossForward: aFirst ? v.forward : v.back, grossBack: aFirst ? v.back : v.forward)
        }
        return pairs.sorted { x, y in
            (x.level, x.pollutant, -x.net, x.upstream.id, x.downstream.id) < (y.level, y.pollutant, -y.net, y.upstream.id, y.downstream.id)
        }
    }

    /// The flux table: net first, then gross each way, with the note on re-crossings.
    public static func table(_ pairs: [FluxPair], limit: Int = 40, withNote: Bool = true) -> String {
        let shown = pairs.sorted { ($0.net, $1.upstream.id) > ($1.net, $0.upstream.id) }.prefix(limit)
        let rows = shown.map { p in
            ["\(p.upstream.name) \(p.upstream.id)", "\(p.downstream.name) \(p.downstream.id)", p.pollutant,
             ReportNumber.plain(p.net), ReportNumber.plain(p.grossForward), ReportNumber.plain(p.grossBack),
             p.recrosses ? "是 yes" : ""]
        }
        let note = """
        <p class="note">净通量 Net flux = load handed over one way minus the other way: each kilogram counted once. \
        毛通量 Gross flux counts the load every time it crosses the border, so where a river or the modelled main stem \
        zigzags along a border the same load is counted at each crossing and gross flux can exceed the load delivered.</p>
        """
        return (withNote ? note : "") + HTML.table(["上游 From", "下游 To", "污染物 Pollutant", "净 Net (kg/yr)", "毛 Gross from → to (kg/yr)",
                                  "毛 Gross to → from (kg/yr)", "往复 Re-crosses"], rows, numericFrom: 3, tableClass: "flux")
    }

    /// Gross flux from the stream border crossings alone: the load carried across each crossing,
    /// summed per pair of units (index `names.count` is "outside").
    public static func streamEdges(crossings: [BorderCrossing], attribution: PollutantAttribution, level: String,
                                   ids: [String], names: [String]) -> [FluxEdge] {
        var sums: [Int: [Int: Double]] = [:]
        let outside = ids.count - 1
        for (x, crossing) in crossings.enumerated() where x < attribution.crossings.count {
            let u = crossing.from < 0 ? outside : Int(crossing.from), v = crossing.to < 0 ? outside : Int(crossing.to)
            sums[u, default: [:]][v, default: 0] += attribution.crossings[x].total
        }
        return sums.keys.sorted().flatMap { u in
            (sums[u] ?? [:]).keys.sorted().map { v in
                FluxEdge(level: level, fromID: ids[u], fromName: names[u], toID: ids[v], toName: names[v],
                         pollutant: attribution.pollutant.name, kgPerYear: sums[u]?[v] ?? 0)
            }
        }
    }
}
