import Foundation
import XCTest
@testable import Hydro

/// A project with a scheme, monitoring and attributed loads from outside, and no DEM.
final class CompensationOnlyProjectTests: XCTestCase {
    private func write(_ folder: URL) throws -> String {
        let scheme = """
        [scheme]
        name = "load targets, compensation only"
        year = 2024
        [parties]
        A = "甲县"
        B = "乙县"
        D = "丁市"
        [[sections]]
        id = "L"
        upstream = ["A", "B"]
        downstream = ["D"]
        load_targets = { TP = "10 t/yr" }
        [[sections]]
        id = "M"
        upstream = ["A"]
        downstream = ["D"]
        load_targets = { CODMn = "15000 kg/month" }
        [[rules]]
        type = "load_target"
        unit_price = { TP = 50, CODMn = 2 }
        amount_met = 1000
        split = "proportional"
        """
        let files = ["scheme.toml": scheme,
                     "monitoring.csv": "section,period,parameter,concentration,volume_m3\n" + CompensationFormsTests.loadMonitoring.joined(separator: "\n") + "\n",
                     "loads.csv": CompensationFormsTests.externalLoads,
                     "project.toml": """
                     [project]
                     name = "compensation only"
                     output = "out"
                     [inputs]
                     scheme = "scheme.toml"
                     monitoring = "monitoring.csv"
                     attributed_loads = "loads.csv"
                     """]
        for (name, text) in files { try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return folder.appendingPathComponent("project.toml").path
    }

    func testCompensationOnlyProjectSettlesWithoutADEM() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let project = try write(folder)
        let config = try ProjectConfig.load(project)
        XCTAssertNil(config.dem)
        let run = try ProjectRun(config)
        try run.compensate()
        XCTAssertEqual(run.steps.map(\.name), ["compensation"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.path(Outputs.conditionedDEM)), "no terrain is touched")
        // The hand ledger: L's 2000 kg of TP over 10 t at 50/kg split 3 : 1; M six months 5000 kg over at 2/kg, six months' bonus.
        let balances = try String(contentsOfFile: run.path("balances.csv"), encoding: .utf8)
        XCTAssertEqual(balances, """
        party,party_name,year,paid,received,net,currency
        A,甲县,2024,135000.00,6000.00,-129000.00,CNY
        B,乙县,2024,25000.00,0.00,-25000.00,CNY
        D,丁市,2024,6000.00,160000.00,154000.00,CNY

        """)
        let ledger = try CSVTable.load(run.path("ledger.csv"))
        XCTAssertEqual(Array(ledger.header.prefix(8)), ["period", "section", "payer", "payer_name", "payee", "payee_name", "amount", "currency"])
        XCTAssertEqual(ledger.rows[0].prefix(7), ["2024", "L", "A", "甲县", "D", "丁市", "75000.00"])
        XCTAssertEqual(ledger.rows[1].prefix(7), ["2024", "L", "B", "乙县", "D", "丁市", "25000.00"])
        let plain = try NSRegularExpression(pattern: "^-?[0-9]+\\.[0-9]{2}$")
        for row in ledger.rows {
            XCTAssertEqual(plain.numberOfMatches(in: row[6], range: NSRange(row[6].startIndex..., in: row[6])), 1, row[6])
        }
        // The JSON holds the same figures, as plain decimal numbers.
        let jsonText = try String(contentsOfFile: run.path("ledger.json"), encoding: .utf8)
        let amounts = try NSRegularExpression(pattern: "\"amount\" : ([^,\n]+)")
        let written = amounts.matches(in: jsonText, range: NSRange(jsonText.startIndex..., in: jsonText)).compactMap { m in
            Range(m.range(at: 1), in: jsonText).map { String(jsonText[$0]) }
        }
        XCTAssertEqual(written.count, ledger.rows.count)
        let decimal = try NSRegularExpression(pattern: "^-?[0-9]+(\\.[0-9]{1,2})?$")
        for text in written { XCTAssertEqual(decimal.numberOfMatches(in: text, range: NSRange(text.startIndex..., in: text)), 1, text) }
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(jsonText.utf8)) as? [String: Any])
        let entries = try XCTUnwrap(json["entries"] as? [[String: Any]])
        XCTAssertEqual(entries.count, ledger.rows.count)
        for (entry, row) in zip(entries, ledger.rows) {
            XCTAssertEqual(String(format: "%.2f", entry["amount"] as? Double ?? .nan), row[6])
            XCTAssertEqual(entry["payer_name"] as? String, row[3])
        }
        XCTAssertEqual((json["balances"] as? [String: Double])?["D"], 154_000)
        XCTAssertEqual((json["checks"] as? [String: Double])?["balances_sum"], 0)
        // Re-running changes nothing and skips the step.
        let again = try ProjectRun(try ProjectConfig.load(project))
        try again.compensate()
        XCTAssertEqual(again.steps.map(\.ran), [false])
        XCTAssertEqual(try String(contentsOfFile: again.path("balances.csv"), encoding: .utf8), balances)
    }

    func testTerrainWithoutADEMIsAClearError() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let project = try write(folder)
        let run = try ProjectRun(try ProjectConfig.load(project))
        XCTAssertThrowsError(try run.runAll()) { error in
            XCTAssertTrue("\(error)".contains("names no dem"), "\(error)")
            XCTAssertTrue("\(error)".contains("hydrotool compensate"), "\(error)")
        }
        XCTAssertThrowsError(try run.compensate(scenario: [try SourceScaling(parsing: "A:TP:0.5")])) { error in
            XCTAssertTrue("\(error)".hasPrefix("--scale-source:"), "\(error)")
        }
        // Terrain inputs without a DEM, or no scheme, are refused at the key.
        let text = try String(contentsOfFile: project, encoding: .utf8)
        try (text + "\nsections = \"sections.geojson\"\n").write(toFile: project, atomically: true, encoding: .utf8)
        try "{}".write(to: folder.appendingPathComponent("sections.geojson"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ProjectConfig.load(project)) { error in
            XCTAssertTrue("\(error)".contains("'inputs.sections' needs a dem"), "\(error)")
        }
        try text.replacingOccurrences(of: "scheme = \"scheme.toml\"\n", with: "").write(toFile: project, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ProjectConfig.load(project)) { error in
            XCTAssertTrue("\(error)".contains("'inputs.dem' is missing"), "\(error)")
        }
    }

    func testCommandLineCompensatesWithoutADEM() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let project = try write(folder)
        let r = try runTool(["compensate", "-q", project])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("ledger.csv"), r.stdout)
        let e = try runTool(["run", "-q", project])
        XCTAssertNotEqual(e.status, 0)
        XCTAssertEqual(e.stderr.split(separator: "\n").count, 1, e.stderr)
    }
}
