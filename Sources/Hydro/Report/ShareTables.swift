import Foundation

/// The load leaving one section for one pollutant at one level, split by the unit it was generated in.
public struct SectionShares: Sendable, Equatable {
    public struct Origin: Sendable, Equatable {
        public var id: String
        public var name: String
        public var kgPerYear: Double
        public init(id: String, name: String, kgPerYear: Double) {
            self.id = id
            self.name = name
            self.kgPerYear = kgPerYear
        }
    }

    public var level: String
    public var sectionID: String
    public var sectionName: String
    public var pollutant: String
    public var origins: [Origin]
    /// The upstream area touches the DEM's edge or nodata, so the load may be incomplete.
    public var incomplete: Bool

    public init(level: String, sectionID: String, sectionName: String, pollutant: String, origins: [Origin], incomplete: Bool) {
        self.level = level
        self.sectionID = sectionID
        self.sectionName = sectionName
        self.pollutant = pollutant
        self.origins = origins
        self.incomplete = incomplete
    }

    public var totalKgPerYear: Double { origins.map(\.kgPerYear).reduce(0, +) }

    public func share(of id: String) -> Double {
        let total = totalKgPerYear
        guard total > 0 else { return 0 }
        return origins.filter { $0.id == id }.map(\.kgPerYear).reduce(0, +) / total
    }
}

/// Tables of shares by jurisdiction: at a coarse level (a few units) one table with a column per
/// unit and a row per section and pollutant, as in the README's Chishui table; at a fine level a
/// table per section with a row per unit and a column per pollutant.
public enum ShareTables {
    /// Units with more columns than this get one table per section instead of one wide table.
    public static let maximumColumns = 8

    /// With `intervals`, each share reads "15.0 % (12.0–19.0)" and each load "12.3 (10.1–14.8)": the
    /// calibration's bootstrap interval in brackets.
    public static func html(_ entries: [SectionShares], level: String, intervals: ShareIntervals? = nil) -> String {
        let rows = entries.filter { $0.level == level }
        guard !rows.isEmpty else { return "" }
        let units = unitsByWeight(rows)
        if units.count <= maximumColumns { return pivot(rows, units: units, intervals: intervals) }
        var s = ""
        var sections: [String] = []
        for r in rows where !sections.contains(r.sectionID) { sections.append(r.sectionID) }
        for section in sections {
            let here = rows.filter { $0.sectionID == section }
            guard let first = here.first else { continue }
            let present = unitsByWeight(here)
            let header = ["来源 Origin", "代码 Code"] + here.map { r in
                "\(r.pollutant) (\(ShareIntervals.tonnesText(r.totalKgPerYear, intervals?.sectionLoad(level, section, r.pollutant, origins: r.origins.map(\.id)))) t/yr)"
            }
            let body = present.map { u in
                [u.name, u.id] + here.map { ShareIntervals.shareText($0.share(of: u.id), intervals?.origin(level, section, $0.pollutant, u.id)?.share) }
            }
            s += "<h4>\(HTML.escape(first.sectionName)) \(HTML.escape(section))\(first.incomplete ? " · <em>上游不完整 upstream incomplete</em>" : "")</h4>\n"
            s += HTML.table(header, body, numericFrom: 2, tableClass: "shares")
        }
        if let intervals, intervals.has(level: level) {
            s += "<p class=\"note\">\(intervals.note)</p>"
        }
        return s
    }

    /// Units present at a level, the largest overall share first (ties by code), "outside" last.
    static func unitsByWeight(_ rows: [SectionShares]) -> [(id: String, name: String)] {
        var weight: [String: Double] = [:], names: [String: String] = [:]
        for r in rows {
            for o in r.origins {
                weight[o.id, default: 0] += r.totalKgPerYear > 0 ? o.kgPerYear / r.totalKgPerYear : 0
                names[o.id] = o.name
            }
        }
        return weight.keys.sorted { a, b in
            if (a == "outside") != (b == "outside") { return b == "outside" }
            return (weight[a] ?? 0, b) > (weight[b] ?? 0, a)
        }.map { ($0, names[$0] ?? $0) }
    }

    static func pivot(_ rows: [SectionShares], units: [(id: String, name: String)], intervals: ShareIntervals? = nil) -> String {
        let header = ["断面 Section", "污染物 Pollutant", "负荷 Load (t/yr)"] + units.map { "\($0.name) \($0.id)" }
        // Section by section as the README's table reads, pollutants in their order within each.
        var sectionOrder: [String: Int] = [:], pollutantOrder: [String: Int] = [:]
        for r in rows {
            if sectionOrder[r.sectionID] == nil { sectionOrder[r.sectionID] = sectionOrder.count }
            if pollutantOrder[r.pollutant] == nil { pollutantOrder[r.pollutant] = pollutantOrder.count }
        }
        let ordered = rows.sorted { (sectionOrder[$0.sectionID] ?? 0, pollutantOrder[$0.pollutant] ?? 0) < (sectionOrder[$1.sectionID] ?? 0, pollutantOrder[$1.pollutant] ?? 0) }
        let body = ordered.map { r in
            ["\(r.sectionName) \(r.sectionID)\(r.incomplete ? " *" : "")", r.pollutant,
             ShareIntervals.tonnesText(r.totalKgPerYear, intervals?.sectionLoad(r.level, r.sectionID, r.pollutant, origins: r.origins.map(\.id)))]
                + units.map { ShareIntervals.shareText(r.share(of: $0.id), intervals?.origin(r.level, r.sectionID, r.pollutant, $0.id)?.share) }
        }
        var note = rows.contains(where: \.incomplete) ? "<p class=\"note\">* 上游触及DEM边界或无数据区 the upstream area touches the DEM edge or nodata.</p>" : ""
        if let intervals, rows.contains(where: { intervals.has(level: $0.level) }) {
            note += "<p class=\"note\">\(intervals.note)</p>"
        }
        return HTML.table(header, body, numericFrom: 2, tableClass: "shares") + note
    }
}
