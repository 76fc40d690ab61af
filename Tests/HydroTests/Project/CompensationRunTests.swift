import Foundation
import XCTest
@testable import Hydro

/// A load target in a project with a DEM: the excess is split by the run's own attribution, and the
/// ledger names the counties from the jurisdiction layer.
final class CompensationRunTests: XCTestCase {
    func testLoadTargetSplitFollowsTheRunsAttributionToTheFen() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let project = try DemoCase.write(into: folder.path, seed: 7, size: 90)
        let schemeFile = folder.appendingPathComponent("inputs/scheme.toml").path
        var scheme = try String(contentsOfFile: schemeFile, encoding: .utf8)
        // S2 (upstream 530627 and 520502) gets a monthly TP load target of 1 kg, missed every month.
        scheme = scheme.replacingOccurrences(of: "upstream = [\"530627\", \"520502\"]\ndownstream = [\"510525\"]\ntarget = \"Class II\"\n",
                                             with: "upstream = [\"530627\", \"520502\"]\ndownstream = [\"510525\"]\ntarget = \"Class II\"\nload_targets = { TP = \"1 kg/month\" }\n")
        XCTAssertTrue(scheme.contains("load_targets"))
        scheme += "\n\n[[rules]]\ntype = \"load_target\"\nunit_price = { TP = 3.7 }\nsplit = \"proportional\"\n"
        try scheme.write(toFile: schemeFile, atomically: true, encoding: .utf8)
        let run = try ProjectRun(try ProjectConfig.load(project))
        try run.runAll()
        let settlement = try XCTUnwrap(try run.settlementResult()).settlement
        let rows = settlement.entries.filter { $0.rule.hasPrefix("load_target") }
        XCTAssertEqual(rows.count, 24, "two upstream counties × twelve months")
        XCTAssertEqual(Set(rows.map(\.payerName)), ["镇雄县", "七星关区"])
        XCTAssertEqual(Set(rows.map(\.payeeName)), ["古蔺县"])
        // Each county's part is its share of the TP attributed to the two at S2.
        let attribution = try XCTUnwrap(try run.attributionResult())
        let entry = try XCTUnwrap(attribution.sections.first { $0.level == "county" && $0.section == "S2" && $0.pollutant == "TP" })
        let load = { (id: String) in entry.origins.first { $0.id == id }?.loadKgPerYr ?? 0 }
        let shareA = load("530627") / (load("530627") + load("520502"))
        let monitoring = try MonitoringData.load(folder.appendingPathComponent("inputs/monitoring.csv").path)
        for month in MonitoringData.months(of: 2024) {
            let key = MonitoringData.Key(section: "S2", period: month)
            let c = try XCTUnwrap(monitoring.concentrations[key]?[Pollutant("TP")]), v = try XCTUnwrap(monitoring.volumes[key])
            let payment = try Money.fen((c * v / 1000 - 1) * 3.7, at: "test")
            let parts = rows.filter { $0.period == month }
            XCTAssertEqual(parts.reduce(0) { $0 + $1.fen }, payment, month)
            let a = try XCTUnwrap(parts.first { $0.payer == "530627" })
            XCTAssertLessThanOrEqual(abs(Double(a.fen) - Double(payment) * shareA), 1, month)
        }
        // ledger.csv carries the same figures and names.
        let csv = try CSVTable.load(run.path("ledger.csv"))
        let csvRows = csv.rows.filter { $0[8].hasPrefix("load_target") }
        XCTAssertEqual(csvRows.map { $0[6] }, rows.map { Money.text($0.fen) })
        XCTAssertEqual(csvRows.map { $0[3] }, rows.map(\.payerName))
    }
}
