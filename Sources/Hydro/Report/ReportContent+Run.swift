import Foundation

extension ProjectRun {
    /// The report's content from this run's typed step results.
    func reportContent() throws -> ReportContent {
        let attribution = try attributionResult()
        let settlement = try settlementResult()
        var directory = PartyDirectory(map: try jurisdictionMap())
        directory.adopt(settlement?.settlement.entries ?? [])
        return ReportContent(
            title: config.name,
            versions: "hydrotool \(Provenance.version) · GDAL \(LibraryVersions.gdal) · PROJ \(LibraryVersions.proj)",
            levels: config.jurisdictionLevels, sections: try sections(), budgets: try loadsResult().budgets,
            shares: (attribution?.sections ?? []).map(SectionShares.init), flux: (attribution?.flux ?? []).map(FluxEdge.init),
            settlement: settlement.map { ReportContent.SettlementPart($0.settlement, year: $0.year, intervals: $0.intervals) },
            directory: directory,
            inputs: config.inputFiles.map { (relative($0), (try? checksum($0)) ?? "?") },
            steps: steps.map { "\($0.name) \($0.ran ? "ran" : "up to date")" }, warnings: warnings, calibration: try calibrationRecord())
    }
}

extension SectionShares {
    init(_ a: SectionAttribution) {
        self.init(level: a.level, sectionID: a.section, sectionName: a.name, pollutant: a.pollutant,
                  origins: a.origins.map { Origin(id: $0.id, name: $0.name, kgPerYear: $0.loadKgPerYr) },
                  incomplete: a.upstreamTouchesEdgeOrNodata)
    }
}

extension FluxEdge {
    init(_ f: UnitFlux) {
        self.init(level: f.level, fromID: f.fromId, fromName: f.fromName, toID: f.toId, toName: f.toName, pollutant: f.pollutant,
                  kgPerYear: f.loadKgPerYr)
    }
}
