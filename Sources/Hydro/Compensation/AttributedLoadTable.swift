extension AttributedLoads {
    /// The party name that marks load from no party of the scheme (natural background, unknown origin).
    public static let backgroundParty = "background"

    /// Reads attributed loads supplied from outside the run: a CSV with columns party, section,
    /// pollutant, load (kg/yr; or the unit in an optional `unit` column, kg/yr or t/yr). A row whose
    /// party is not upstream of its section, or is `background`, counts as background load there.
    /// - Throws: `HydroError` naming the file and line for an unknown section, party or pollutant,
    ///   a load that is not a non-negative number, an unknown unit, or a row given twice.
    public static func load(_ path: String, scheme: Scheme) throws -> AttributedLoads {
        try parse(try CSVTable.load(path), scheme: scheme)
    }

    public static func parse(_ table: CSVTable, scheme: Scheme) throws -> AttributedLoads {
        let partyColumn = try table.column("party", "party_code")
        let sectionColumn = try table.column("section", "section_id")
        let pollutantColumn = try table.column("pollutant", "parameter")
        let loadColumn = try table.column("load", "load_kg_yr")
        let unitColumn = table.optionalColumn("unit")
        var loads = AttributedLoads()
        var seen: [String: String] = [:]
        for row in 0..<table.rows.count {
            let fields = table.rows[row]
            let at = table.location(row)
            let party = fields[partyColumn], sectionID = fields[sectionColumn]
            guard let section = scheme.section(sectionID) else {
                throw HydroError(.invalidInput, at, "section '\(sectionID)' is not defined in the scheme (\(short(scheme.file)))")
            }
            if scheme.groups[party] != nil {
                throw HydroError(.invalidInput, at, "'\(party)' is a group of the scheme; give the load of each member (\(scheme.groups[party]?.joined(separator: ", ") ?? ""))")
            }
            guard party == backgroundParty || scheme.partyLines[party] != nil else {
                throw HydroError(.invalidInput, at, "party '\(party)' is not named in the scheme (\(short(scheme.file))); use '\(backgroundParty)' for load from no party")
            }
            let pollutant = try Pollutant(parsing: fields[pollutantColumn], parameter: at)
            var load = try table.number(row, loadColumn)
            guard load.isFinite, load >= 0 else { throw HydroError(.invalidInput, at, "load must be a non-negative number, got \(fields[loadColumn])") }
            if let u = unitColumn, !fields[u].isEmpty {
                switch fields[u] {
                case "kg/yr": break
                case "t/yr": load *= 1000
                default: throw HydroError(.invalidInput, at, "unit '\(fields[u])' is not kg/yr or t/yr")
                }
            }
            let key = "\(sectionID)\u{1F}\(pollutant.name)\u{1F}\(party)"
            if let earlier = seen[key] {
                throw HydroError(.invalidInput, at, "\(party) \(pollutant.name) at \(sectionID) is given twice (first at \(short(earlier)))")
            }
            seen[key] = at
            if party != backgroundParty && scheme.upstreamParties(of: section).contains(party) {
                loads.byParty[sectionID, default: [:]][pollutant, default: [:]][party] = load
            } else {
                loads.background[sectionID, default: [:]][pollutant, default: 0] += load
            }
        }
        // Every upstream party of a section with figures has an entry (zero when not listed).
        for (sectionID, byPollutant) in loads.byParty {
            guard let section = scheme.section(sectionID) else { continue }
            for (p, _) in byPollutant {
                for party in scheme.upstreamParties(of: section) where loads.byParty[sectionID]?[p]?[party] == nil {
                    loads.byParty[sectionID]?[p]?[party] = 0
                }
            }
        }
        return loads
    }
}
