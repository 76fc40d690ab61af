import Foundation
import XCTest
@testable import Hydro

/// What-ifs (`compensate --scale-source`): a party's sources scaled, attribution and settlement redone.
final class ScenarioTests: XCTestCase {
    /// Scaling one county's TP by f scales its attributed TP at every section by f and leaves every
    /// other origin's bits alone; a factor of 1 settles exactly as the real ledger.
    func testScalingAPartyScalesItsAttributionAndFactorOneChangesNothing() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let project = try DemoCase.write(into: folder.path, seed: 7, size: 90)
        let run = try ProjectRun(try ProjectConfig.load(project))
        try run.runAll()
        let counties = try XCTUnwrap(try run.jurisdictionMap())
        let party = try XCTUnwrap(counties.units.firstIndex { $0.id == "520502" })
        let tp = Pollutant("TP")
        let base = try run.sources()
        let scaled = base.scaled(tp, by: 0.25) { counties.labels[$0] == Int32(party) }
        let before = try run.sectionAttribution(sources: base, counties: counties)
        let after = try run.sectionAttribution(sources: scaled, counties: counties)
        XCTAssertEqual(before.map(\.pollutant), after.map(\.pollutant))
        var touched = 0
        for (b, a) in zip(before, after) {
            for (sb, sa) in zip(b.sections, a.sections) {
                for u in sb.byOrigin.indices {
                    if b.pollutant == tp && u == party {
                        XCTAssertEqual(sa.byOrigin[u], 0.25 * sb.byOrigin[u], accuracy: 1e-12 * max(1, sb.byOrigin[u]))
                        if sb.byOrigin[u] > 0 { touched += 1 }
                    } else {
                        XCTAssertEqual(sa.byOrigin[u].bitPattern, sb.byOrigin[u].bitPattern, "\(b.pollutant.name) origin \(u)")
                    }
                }
            }
        }
        XCTAssertGreaterThan(touched, 0, "the county reaches some section")
        // The section totals equal the routed loads there (the reach solve and the cell pass agree).
        let model = try run.model()
        let routed = try LoadRouting.route(base, model: model)
        for (s, section) in try run.sections().enumerated() {
            guard let cell = section.cell, let outflow = routed.outflow[tp]?[cell] else { continue }
            let total = try XCTUnwrap(before.first { $0.pollutant == tp }).sections[s].total
            XCTAssertEqual(total, outflow, accuracy: 1e-9 * max(1, outflow), section.id)
        }

        try run.compensate(scenario: [try SourceScaling(parsing: "520502:TP:1")])
        let ledger = try CSVTable.load(run.path("ledger.csv")), scenario = try CSVTable.load(run.path("scenario_ledger.csv"))
        XCTAssertFalse(ledger.rows.isEmpty)
        XCTAssertEqual(scenario.rows.map { $0[0...7] }, ledger.rows.map { $0[0...7] }, "period to currency, amount included")
    }
}
