import Foundation
import XCTest
@testable import Hydro

final class ProjectCalibrationTests: XCTestCase {
    /// The demo project with a [calibration] table and a station-loads CSV built from `rows`.
    func demo(_ rows: [String], extra: String = "") throws -> (project: String, folder: URL) {
        let folder = try TestPaths.temporaryFolder(self)
        let project = try DemoCase.write(into: folder.path, seed: 2, size: 60)
        try ("station,pollutant,load,weight\n" + rows.joined(separator: "\n") + "\n")
            .write(toFile: folder.appendingPathComponent("station_loads.csv").path, atomically: true, encoding: .utf8)
        let text = try String(contentsOfFile: project, encoding: .utf8)
        try (text + "\n\n[calibration]\nstation_loads = \"station_loads.csv\"\nbootstrap = 40\n" + extra)
            .write(toFile: project, atomically: true, encoding: .utf8)
        return (project, folder)
    }

    func sectionLoads(_ project: String) throws -> [String: [String: Double]] {
        let run = try ProjectRun(try ProjectConfig.load(project))
        try run.runThrough(.loads)
        var out: [String: [String: Double]] = [:]
        for s in try run.loadsResult().sections { out[s.id] = s.loadsKgPerYr.compactMapValues { $0 } }
        return out
    }

    /// Station loads twice the project's own TP loads: every source class's coefficient comes back as 2,
    /// and the next run's TP loads double while the other pollutants stay as they were.
    func testDoubledLoadsGiveCoefficientsOfTwoAndTheRunUsesThem() throws {
        let plain = try demo([])
        let before = try sectionLoads(plain.project)
        let rows = before.keys.sorted().compactMap { id in before[id]?["TP"].map { "\(id),TP,\(2 * $0),1" } }
        XCTAssertEqual(rows.count, 4)
        let (project, _) = try demo(rows)
        let run = try ProjectRun(try ProjectConfig.load(project))
        let results = try run.calibrate()
        XCTAssertEqual(results.map(\.pollutant.name), ["TP"])
        let fit = try XCTUnwrap(results.first).fit
        XCTAssertEqual(fit.model.parameters.map(\.name), ["diffuse_1", "point_1"])
        for (k, p) in fit.model.parameters.enumerated() { XCTAssertEqual(fit.theta[k], 2, accuracy: 2e-6, p.name) }
        // The reach table at coefficients of 1 reproduces the project's own section loads.
        let loads = fit.model.evaluate(fit.model.initialValues, conditioned: false).load
        for (s, station) in fit.model.stations.enumerated() {
            XCTAssertEqual(loads[station.reach], fit.model.stations[s].observedLoad / 2, accuracy: 1e-9 * station.observedLoad)
        }
        let boot = try XCTUnwrap(results.first?.bootstrap)
        for shares in boot.shares { XCTAssertEqual(shares.reduce(0) { $0 + $1.value }, 1, accuracy: 1e-9) }
        XCTAssertTrue(FileManager.default.fileExists(atPath: run.path("calibration/TP/calibration_intervals.csv")))
        XCTAssertTrue(FileManager.default.fileExists(atPath: run.path("calibration/calibration.json")))

        let after = try sectionLoads(project)
        for (id, values) in before {
            XCTAssertEqual(after[id]?["TP"] ?? 0, 2 * (values["TP"] ?? 0), accuracy: 1e-6 * (values["TP"] ?? 0), id)
            XCTAssertEqual(after[id]?["CODMn"], values["CODMn"], id)
        }
    }

    /// Noisy station loads: attribution.csv gains the bootstrap's interval columns at the first level, and
    /// each share lies inside its interval.
    func testAttributionCarriesTheIntervals() throws {
        let plain = try demo([])
        let before = try sectionLoads(plain.project)
        let noise = [1.1, 0.9, 1.05, 0.95]
        let rows = before.keys.sorted().enumerated().compactMap { k, id in before[id]?["TP"].map { "\(id),TP,\(1.5 * noise[k] * $0),1" } }
        let (project, _) = try demo(rows)
        let run = try ProjectRun(try ProjectConfig.load(project))
        _ = try run.calibrate()
        let next = try ProjectRun(try ProjectConfig.load(project))
        try next.runThrough(.attribution)
        let csv = try CSVTable.load(next.path("attribution.csv"))
        XCTAssertEqual(Array(csv.header.suffix(4)), ["load_lower_90", "load_upper_90", "share_lower_90", "share_upper_90"])
        let level = try csv.column("level"), pollutant = try csv.column("pollutant"), share = try csv.column("share")
        let lower = try csv.column("share_lower_90"), upper = try csv.column("share_upper_90")
        var checked = 0
        for r in csv.rows.indices {
            let filled = !csv.rows[r][lower].isEmpty
            XCTAssertEqual(filled, csv.rows[r][level] == "county" && csv.rows[r][pollutant] == "TP", "row \(csv.lines[r])")
            guard filled else { continue }
            let s = try csv.number(r, share), lo = try csv.number(r, lower), hi = try csv.number(r, upper)
            XCTAssertLessThanOrEqual(lo, s + 1e-9, "row \(csv.lines[r])")
            XCTAssertGreaterThanOrEqual(hi, s - 1e-9, "row \(csv.lines[r])")
            XCTAssertLessThanOrEqual(lo, hi)
            checked += 1
        }
        XCTAssertGreaterThan(checked, 4)
    }

    func testBadStationLoadsNameTheFileAndLine() throws {
        let cases: [([String], String)] = [
            (["S1,TP,100,1", "S9,TP,100,1"], "station_loads.csv:3: station S9 is not a section of the project (sections: S1, S2, S3, S4)"),
            (["S1,TP,0,1"], "station_loads.csv:2: load is 0; station loads must be positive kg/yr"),
            (["S1,TP,-3,1"], "station_loads.csv:2: load is -3; station loads must be positive kg/yr"),
            (["S1,TP,100,1", "S2,TP,100,1"], "project.toml: TP: has 2 calibration stations for 2 estimated parameters; at least 3 are needed"),
        ]
        for (rows, expected) in cases {
            let (project, folder) = try demo(rows)
            do {
                _ = try ProjectRun(try ProjectConfig.load(project)).calibrate()
                XCTFail("no error for \(rows)")
            } catch let e as HydroError {
                XCTAssertEqual(e.description.replacingOccurrences(of: folder.path + "/", with: ""), expected)
            }
        }
        let (project, folder) = try demo(["S1,TP,100,1"], extra: "wieghts = \"equal\"\n")
        XCTAssertThrowsError(try ProjectConfig.load(project)) { error in
            let text = "\(error)".replacingOccurrences(of: folder.path + "/", with: "")
            XCTAssertTrue(text.hasPrefix("project.toml:"), text)
            XCTAssertTrue(text.contains("wieghts"), text)
        }
    }
}
