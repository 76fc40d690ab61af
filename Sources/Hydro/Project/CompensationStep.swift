import Foundation

/// A what-if: a party's sources of one pollutant multiplied by a factor.
public struct SourceScaling: Sendable, Equatable {
    public var party: String
    public var pollutant: Pollutant
    public var factor: Double

    /// Parses PARTY:POLLUTANT:FACTOR (e.g. 520300:TP:0.7).
    public init(parsing text: String) throws {
        let parts = text.split(separator: ":").map(String.init)
        guard parts.count == 3, let factor = Double(parts[2]), factor >= 0 else {
            throw HydroError(.invalidParameter, "--scale-source", "'\(text)' is not PARTY:POLLUTANT:FACTOR with a factor of 0 or more")
        }
        party = parts[0]
        pollutant = try Pollutant(parsing: parts[1], parameter: "--scale-source")
        self.factor = factor
    }
}

extension ProjectRun {
    public static let compensationOutputs = ["ledger.csv", "ledger.json", "balances.csv", "monitoring_gaps.csv", "ledger_details.csv", "settlement.xlsx"]

    /// Whether unit `id` (a county code) belongs to `party`: the same ID, or the party is its
    /// prefecture or province code, or a scheme group holding either.
    public static func belongs(_ id: String, to party: String, groups: [String: [String]]) -> Bool {
        if let members = groups[party] { return members.contains { belongs(id, to: $0, groups: [:]) } }
        if id == party { return true }
        return JurisdictionMap.code(id, at: .prefecture) == party || JurisdictionMap.code(id, at: .province) == party
    }

    /// Loads at each scheme section attributed to each upstream party: the attribution step's
    /// result at its finest level (county when computed) summed over each party's units.
    func attributedLoads(_ scheme: Scheme, attribution: AttributionResult?) throws -> AttributedLoads? {
        guard let attribution else { return nil }
        guard let level = ["county", "prefecture", "province"].first(where: attribution.levels.contains) else { return nil }
        let sections = try sections()
        var loads = AttributedLoads()
        for schemeSection in scheme.sections {
            guard sections.contains(where: { $0.id == schemeSection.id }) else {
                warn("scheme section '\(schemeSection.id)' is not among the project's sections; its payments are split equally")
                continue
            }
            let parties = scheme.upstreamParties(of: schemeSection)
            for entry in attribution.sections where entry.level == level && entry.section == schemeSection.id {
                let pollutant = Pollutant(entry.pollutant)
                var byParty: [String: Double] = [:]
                var claimed = 0.0
                for party in parties {
                    var sum = 0.0
                    for origin in entry.origins where Self.belongs(origin.id, to: party, groups: scheme.groups) { sum += origin.loadKgPerYr }
                    byParty[party] = sum
                    claimed += sum
                }
                loads.byParty[schemeSection.id, default: [:]][pollutant] = byParty
                loads.background[schemeSection.id, default: [:]][pollutant] = max(0, entry.totalKgPerYr - claimed)
            }
        }
        return loads
    }

    /// The county-level attribution at the project's sections of other sources than the project's
    /// (a what-if), in memory only: each pollutant routed in the attribution's own pass, one at a
    /// time, with no routed grid held.
    func sectionAttribution(sources: LoadSources, counties: JurisdictionMap) throws -> [PollutantAttribution] {
        try LoadAttribution.attribute(sources: sources, model: try model(), map: counties, reaches: try reachGraph(),
                                      sectionCells: try sections().map(\.cell), crossings: try crossings(), threads: config.threads)
    }

    /// Attributed loads of a what-if's attribution (`sectionAttribution`) at county level.
    func attributedLoads(_ scheme: Scheme, results: [PollutantAttribution], counties: JurisdictionMap) throws -> AttributedLoads? {
        let sections = try sections()
        let ids = counties.units.map(\.id) + ["outside"]
        var entries: [SectionAttribution] = []
        for result in results {
            for (s, section) in sections.enumerated() {
                let split = result.sections[s]
                let origins = (0...counties.units.count).filter { split.byOrigin[$0] > 0 }.map {
                    OriginShare(id: ids[$0], name: ids[$0], loadKgPerYr: split.byOrigin[$0], share: 0, isHome: false)
                }
                entries.append(SectionAttribution(level: "county", section: section.id, name: section.name, pollutant: result.pollutant.name,
                                                  totalKgPerYr: split.total, origins: origins, upstreamTouchesEdgeOrNodata: false, unknownShare: 0))
            }
        }
        return try attributedLoads(scheme, attribution: AttributionResult(levels: ["county"], parameters: "", inputSha256: [:], sections: entries,
                                                                          crossings: [], flux: [], budgets: [], warnings: []))
    }

    /// Monitoring rows for sections the scheme does not assess, and parties that are no unit of the
    /// jurisdiction layer at any level, are named rather than silently ignored or paid.
    func warnAboutUnmatched(_ scheme: Scheme, monitoring: MonitoringData, schemeFile: String, monitoringFile: String) throws {
        let known = Set(scheme.sections.map(\.id))
        let unknown = Set(monitoring.concentrations.keys.map(\.section) + monitoring.volumes.keys.map(\.section)).subtracting(known)
        if !unknown.isEmpty {
            warn("\(monitoringFile): rows for sections the scheme does not assess are ignored: \(unknown.sorted().map { ConfigText.clip($0, 40) }.joined(separator: ", "))")
        }
        guard config.dem != nil, let map = try jurisdictionMap() else { return }
        var units = Set<String>()
        for level in JurisdictionMap.Level.allCases {
            for unit in map.grouping(to: level).units { units.insert(unit.id); units.insert(unit.name) }
        }
        let parties = Set(scheme.sections.flatMap { scheme.upstreamParties(of: $0) + $0.downstream.flatMap { scheme.groups[$0] ?? [$0] } })
        let strangers = parties.subtracting(units)
        if !strangers.isEmpty {
            warn("\(schemeFile): parties that are no unit of the jurisdiction layer: \(strangers.sorted().map { ConfigText.clip($0, 40) }.joined(separator: ", "))")
        }
    }

    /// The settlement for the scheme's year, and optionally a scenario.
    func compensationStep(_ part: TaskProgress, scenario: [SourceScaling] = []) throws {
        guard let schemeFile = config.scheme, let monitoringFile = config.monitoring else {
            log("compensation: no scheme or monitoring given, skipped")
            try cache.discard("compensation", outputs: Self.compensationOutputs, folder: folder)
            return
        }
        let external = config.attributedLoads
        let inputs = [schemeFile, monitoringFile] + [external, config.jurisdictions].compactMap { $0 }
        // A calibration's bootstrap draws give the ledger interval columns: new draws, new step.
        let record = external == nil ? try calibrationRecord() : nil
        let parameters = record == nil ? "" : "intervals=\(try SHA256.hex(file: path(CalibrationRecord.file)))"
        try step("compensation", after: config.dem == nil ? [] : ["attribution"], inputs: inputs, parameters: parameters,
                 outputs: Self.compensationOutputs, progress: part) {
            let scheme = try Scheme.load(schemeFile)
            let monitoring = try MonitoringData.load(monitoringFile)
            try warnAboutUnmatched(scheme, monitoring: monitoring, schemeFile: schemeFile, monitoringFile: monitoringFile)
            // Loads supplied from outside, or the attribution step's result.
            let attributed = try external.map { try AttributedLoads.load($0, scheme: scheme) } ?? (try attributedLoads(scheme, attribution: try attributionResult()))
            let settlement = try Settlement.compute(scheme, monitoring: monitoring, attributed: attributed)
            let intervals = try record.flatMap { try ledgerIntervals($0, scheme: scheme, monitoring: monitoring, point: settlement, attributed: attributed) }
            try writeSettlement(settlement, scheme: scheme, prefix: "", intervals: intervals)
        }
        if !scenario.isEmpty {
            try scenarioSettlement(scenario)
        }
    }

    /// The ledger's bootstrap intervals: the scheme settled with each draw's attributed loads of the
    /// calibration record (county loads summed to each party), nil when the record has no draws or
    /// the run has no attributed loads to vary.
    func ledgerIntervals(_ record: CalibrationRecord, scheme: Scheme, monitoring: MonitoringData, point: Settlement,
                         attributed: AttributedLoads?) throws -> LedgerIntervals? {
        guard let level = record.intervalLevel else { return nil }
        let file = path(CalibrationRecord.file)
        var draws: [Pollutant: [CalibrationRecord.SectionDraws]] = [:]
        for e in record.pollutants {
            if let d = e.draws, !d.isEmpty { draws[try Pollutant(parsing: e.pollutant, parameter: file)] = d }
        }
        guard !draws.isEmpty else { return nil }
        guard let attributed else {
            log("compensation: no attributed loads, so the ledger has no bootstrap intervals")
            return nil
        }
        let drawn = try LedgerIntervals.drawnLoads(scheme, point: attributed, draws: draws, source: file) { Self.belongs($0, to: $1, groups: scheme.groups) }
        var uncalibrated: [String: [Pollutant]] = [:]
        for section in scheme.sections {
            let assessed = Set(section.parameters).union(section.loadTargets.keys).sorted()
            uncalibrated[section.id] = assessed.filter { p in !(draws[p] ?? []).contains { $0.section == section.id } }
        }
        let result = try LedgerIntervals.compute(scheme, monitoring: monitoring, point: point, draws: drawn, level: level, uncalibrated: uncalibrated)
        log("compensation: \(result.intervals.percentText) % intervals of the ledger from \(drawn.count) bootstrap draws of the attributed loads")
        return result.intervals
    }

    /// What `hydrotool compensate` runs: the steps through compensation, or, for a compensation-only
    /// project (no DEM; scheme, monitoring and attributed_loads), the compensation step alone,
    /// without touching terrain.
    public func compensate(scenario: [SourceScaling] = []) throws {
        guard config.dem == nil else {
            try runThrough(.compensation, scenario: scenario)
            return
        }
        guard scenario.isEmpty else {
            throw HydroError(.invalidParameter, "--scale-source", "re-routes loads, so it needs a DEM and jurisdictions; \(config.file) names no [inputs] dem")
        }
        try config.preflight()
        let lock = try lockFolder()
        defer { withExtendedLifetime(lock) {} }
        try compensationStep(progress)
        try progress.report(1)
    }

    /// Names of jurisdictions by code: counties from the layer, prefectures and provinces from their codes.
    func jurisdictionNames() throws -> [String: String] {
        var names: [String: String] = [:]
        // The coarser levels' units by grouping the counties: no map of their cells is made.
        guard let counties = try jurisdictionMap() else { return [:] }
        for level in JurisdictionMap.Level.allCases {
            for unit in counties.grouping(to: level).units where names[unit.id] == nil { names[unit.id] = unit.name }
        }
        return names
    }

    /// Recomputes attribution and settlement as if parties cut (or raised) their loads: measured
    /// concentrations are scaled by the modelled change of load at each section.
    func scenarioSettlement(_ scenario: [SourceScaling]) throws {
        guard let schemeFile = config.scheme, let monitoringFile = config.monitoring, let counties = try jurisdictionMap() else {
            throw HydroError(.invalidParameter, "--scale-source", "needs a scheme, monitoring data and jurisdictions in the project")
        }
        let scheme = try Scheme.load(schemeFile)
        var monitoring = try MonitoringData.load(monitoringFile)
        let base = try sources()
        var scaled = base
        for s in scenario {
            guard counties.units.contains(where: { Self.belongs($0.id, to: s.party, groups: scheme.groups) }) else {
                throw HydroError(.invalidParameter, "--scale-source", "party '\(s.party)' matches no jurisdiction")
            }
            scaled = scaled.scaled(s.pollutant, by: s.factor) { cell in
                let l = counties.labels[cell]
                return l >= 0 && Self.belongs(counties.units[Int(l)].id, to: s.party, groups: scheme.groups)
            }
        }
        // The loads at the sections before and after, from the attribution's reach solve: two passes
        // over the cells per pollutant, and no routed grid held.
        let before = try sectionAttribution(sources: base, counties: counties)
        let after = try sectionAttribution(sources: scaled, counties: counties)
        let sections = try sections()
        for (key, values) in monitoring.concentrations {
            guard let s = sections.firstIndex(where: { $0.id == key.section }) else { continue }
            var adjusted = values
            for (p, c) in values {
                guard let b = before.first(where: { $0.pollutant == p })?.sections[s].total,
                      let a = after.first(where: { $0.pollutant == p })?.sections[s].total else { continue }
                // The ratio first, so an unchanged load leaves the measurement's bits unchanged.
                if b > 0 { adjusted[p] = c * (a / b) }
            }
            monitoring.concentrations[key] = adjusted
        }
        let settlement = try Settlement.compute(scheme, monitoring: monitoring,
                                                attributed: try attributedLoads(scheme, results: after, counties: counties))
        try writeSettlement(settlement, scheme: scheme, prefix: "scenario_")
        log("scenario: \(scenario.map { "\($0.party) \($0.pollutant.name) ×\($0.factor)" }.joined(separator: ", ")) written to scenario_*.csv")
    }

    func writeSettlement(_ s: Settlement, scheme: Scheme, prefix: String, intervals: LedgerIntervals? = nil) throws {
        let names = try PartyNames.resolve(s, scheme: scheme, jurisdictions: try jurisdictionNames())
        var named = s
        for i in named.entries.indices {
            named.entries[i].payerName = names[named.entries[i].payer] ?? ""
            named.entries[i].payeeName = names[named.entries[i].payee] ?? ""
        }
        let directory = PartyDirectory(names: names)
        var rows = s.entries.map { e in
            [e.period, e.section, e.payer, names[e.payer] ?? "", e.payee, names[e.payee] ?? "", Money.text(e.fen), s.currency,
             e.rule, e.measured, e.target, e.excess, e.shares]
        }
        var header = ["period", "section", "payer", "payer_name", "payee", "payee_name", "amount", "currency", "rule", "measured", "target",
                      "excess", "shares"]
        if let intervals, intervals.entries.count == rows.count {
            header += ["amount_lower_\(intervals.percentText)", "amount_upper_\(intervals.percentText)", "interval_note"]
            for (k, b) in intervals.entries.enumerated() { rows[k] += [Money.text(b.lowerFen), Money.text(b.upperFen), b.note ?? ""] }
        }
        try AtomicOutput.write(csv(header, rows), to: path("\(prefix)ledger.csv"), overwrite: true)
        let result = SettlementResult(scheme: scheme.name, year: scheme.year, settlement: named, intervals: intervals)
        try StepResultFile.write(result, to: path("\(prefix)ledger.json"))
        if prefix.isEmpty { _settlementResult = result }
        let totals = s.partyTotals
        var balanceHeader = ["party", "party_name", "year", "paid", "received", "net", "currency"]
        var balanceRows = totals.map { [$0.party, names[$0.party] ?? "", String(scheme.year), Money.text($0.paidFen),
                                        Money.text($0.receivedFen), Money.text($0.receivedFen - $0.paidFen), s.currency] }
        if let intervals {
            balanceHeader += ["net_lower_\(intervals.percentText)", "net_upper_\(intervals.percentText)"]
            for (k, t) in totals.enumerated() {
                let b = intervals.balances[t.party]
                balanceRows[k] += [b.map { Money.text($0.lowerFen) } ?? "", b.map { Money.text($0.upperFen) } ?? ""]
            }
        }
        try AtomicOutput.write(csv(balanceHeader, balanceRows), to: path("\(prefix)balances.csv"), overwrite: true)
        // The figures packed into the ledger's text columns, one value per row.
        try AtomicOutput.write(csv(SettlementTables.detailsHeader, SettlementTables.detailRows(s.entries, directory: directory)),
                               to: path("\(prefix)ledger_details.csv"), overwrite: true)
        try AtomicOutput.write(csv(["gap"], s.gaps.map { [$0] }), to: path("\(prefix)monitoring_gaps.csv"), overwrite: true)
        // The same tables, and the attribution, as one Excel workbook written by GDAL's XLSX driver.
        let shares = (try attributionResult()?.sections ?? []).map(SectionShares.init)
        try VectorWriter.write(layers: SettlementTables.workbook(entries: s.entries, totals: totals, shares: shares, year: scheme.year,
                                                                 currency: s.currency, directory: directory),
                               to: path("\(prefix)settlement.xlsx"), format: "XLSX", overwrite: true)
        for gap in s.gaps.prefix(5) { log("compensation: \(gap)") }
        if s.gaps.count > 5 { log("compensation: … \(s.gaps.count - 5) more gaps in \(prefix)monitoring_gaps.csv") }
    }
}
