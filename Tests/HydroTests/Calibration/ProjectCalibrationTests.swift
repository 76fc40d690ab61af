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
        // diffuse_1 named: the land use's classes share one multiplier.
        let (project, _) = try demo(rows, extra: "[calibration.parameters.diffuse_1]\n")
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

    /// Noisy station loads: attribution.csv gains the bootstrap's interval columns at every level (the
    /// county draws summed to provinces), and each share lies inside its interval.
    func testAttributionCarriesTheIntervals() throws {
        let plain = try demo([])
        let before = try sectionLoads(plain.project)
        let noise = [1.1, 0.9, 1.05, 0.95]
        let rows = before.keys.sorted().enumerated().compactMap { k, id in before[id]?["TP"].map { "\(id),TP,\(1.5 * noise[k] * $0),1" } }
        let (project, _) = try demo(rows, extra: "[calibration.parameters.diffuse_1]\n")
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
            XCTAssertEqual(filled, csv.rows[r][pollutant] == "TP", "row \(csv.lines[r])")
            guard filled else { continue }
            let s = try csv.number(r, share), lo = try csv.number(r, lower), hi = try csv.number(r, upper)
            XCTAssertLessThanOrEqual(lo, s + 1e-9, "row \(csv.lines[r])")
            XCTAssertGreaterThanOrEqual(hi, s - 1e-9, "row \(csv.lines[r])")
            XCTAssertLessThanOrEqual(lo, hi)
            checked += 1
        }
        XCTAssertGreaterThan(checked, 4)
        XCTAssertTrue(csv.rows.contains { $0[level] == "province" && !$0[lower].isEmpty })
    }

    /// After a calibration, ledger.csv and balances.csv gain interval columns whose bounds vary for the
    /// amounts that depend on attributed loads and equal the others; the report shows the calibration's
    /// tables and the record's intervals. Without a calibration the ledger keeps its columns.
    func testLedgerAndReportCarryTheIntervals() throws {
        let plain = try demo([])
        let plainRun = try ProjectRun(try ProjectConfig.load(plain.project))
        try plainRun.runAll()
        let plainLedger = try CSVTable.load(plainRun.path("ledger.csv"))
        XCTAssertEqual(plainLedger.header, ["period", "section", "payer", "payer_name", "payee", "payee_name", "amount", "currency", "rule",
                                            "measured", "target", "excess", "shares"])
        XCTAssertNil(try XCTUnwrap(try plainRun.settlementResult()).intervals)
        XCTAssertFalse(try String(contentsOfFile: plainRun.path("report.html"), encoding: .utf8).contains("id=\"calibration\""))

        var before: [String: [String: Double]] = [:]
        for s in try plainRun.loadsResult().sections { before[s.id] = s.loadsKgPerYr.compactMapValues { $0 } }
        let noise = [1.3, 0.8, 1.2, 0.9]
        let rows = before.keys.sorted().enumerated().compactMap { k, id in before[id]?["TP"].map { "\(id),TP,\(3 * noise[k] * $0),1" } }
        let (project, _) = try demo(rows, extra: "[calibration.parameters.diffuse_1]\n")
        let run = try ProjectRun(try ProjectConfig.load(project))
        _ = try run.calibrate()
        let next = try ProjectRun(try ProjectConfig.load(project))
        try next.runAll()
        let ledger = try CSVTable.load(next.path("ledger.csv"))
        XCTAssertEqual(Array(ledger.header.prefix(13)), plainLedger.header)
        XCTAssertEqual(Array(ledger.header.suffix(3)), ["amount_lower_90", "amount_upper_90", "interval_note"])
        let amount = try ledger.column("amount"), lower = try ledger.column("amount_lower_90"), upper = try ledger.column("amount_upper_90")
        let rule = try ledger.column("rule"), note = try ledger.column("interval_note")
        var varying = 0
        for r in ledger.rows.indices {
            let a = try ledger.number(r, amount), lo = try ledger.number(r, lower), hi = try ledger.number(r, upper)
            XCTAssertLessThanOrEqual(lo, hi, "line \(ledger.lines[r])")
            if ledger.rows[r][rule].contains("split shapley") {
                if lo < hi { varying += 1 }
                XCTAssertTrue(ledger.rows[r][note].contains("CODMn"), "only TP is calibrated: \(ledger.lines[r])")
            } else {
                XCTAssertEqual([lo, hi], [a, a], "not split by load: \(ledger.lines[r])")
                XCTAssertEqual(ledger.rows[r][note], "")
            }
        }
        XCTAssertGreaterThan(varying, 0, "some Shapley splits vary with the TP draws")
        let balances = try CSVTable.load(next.path("balances.csv"))
        XCTAssertEqual(Array(balances.header.suffix(2)), ["net_lower_90", "net_upper_90"])

        // The report: calibration tables and the record's own figures.
        let html = try String(contentsOfFile: next.path("report.html"), encoding: .utf8)
        let record = try XCTUnwrap(try next.calibrationRecord())
        let tp = try XCTUnwrap(record.pollutants.first { $0.pollutant == "TP" })
        let fit = try XCTUnwrap(tp.fit)
        XCTAssertTrue(html.contains("id=\"calibration\""))
        for p in fit.parameters { XCTAssertTrue(html.contains("<td>\(p.name)</td>"), p.name) }
        XCTAssertTrue(html.contains(CalibrationReport.number(try XCTUnwrap(fit.parameters.first).standardError)))
        XCTAssertTrue(html.contains("smearing factor \(ReportNumber.fixed(fit.smearingFactor, decimals: 4))"))
        let normality = try XCTUnwrap(fit.residualNormality)
        XCTAssertTrue(html.contains("Shapiro–Wilk W \(ReportNumber.fixed(normality.shapiroWilkW, decimals: 3))"))
        XCTAssertEqual(try XCTUnwrap(tp.diagnostics).count, 4)
        for d in try XCTUnwrap(tp.diagnostics) { XCTAssertTrue(html.contains("<td class=\"n\">\(CalibrationReport.fixed(d.cooksDistance))</td>"), d.station) }
        let interval = try XCTUnwrap(tp.intervals.first { $0.level == "province" && $0.share.value > 0.05 })
        let range = "(\(ReportNumber.fixed(100 * interval.share.lower, decimals: 1))–\(ReportNumber.fixed(100 * interval.share.upper, decimals: 1)))"
        XCTAssertTrue(html.contains(range), "share interval \(range) of \(interval.origin) at \(interval.section)")
        XCTAssertTrue(html.contains("class=\"errorbars\""))
        let intervals = try XCTUnwrap(try next.settlementResult()?.intervals)
        let varied = try XCTUnwrap(intervals.entries.first { $0.lowerFen < $0.upperFen })
        XCTAssertTrue(html.contains("<td class=\"n\">\(Money.grouped(varied.lowerFen)) – \(Money.grouped(varied.upperFen))</td>"))
        // Origins by name in the record, for summaries.
        XCTAssertTrue(tp.intervals.contains { $0.origin == "520000" && $0.name == "贵州省 520000" })
    }

    func testBadStationLoadsNameTheFileAndLine() throws {
        let cases: [([String], String)] = [
            (["S1,TP,100,1", "S9,TP,100,1"], "station_loads.csv:3: station S9 is not a section of the project (sections: S1, S2, S3, S4)"),
            (["S1,TP,0,1"], "station_loads.csv:2: load is 0; station loads must be positive kg/yr"),
            (["S1,TP,-3,1"], "station_loads.csv:2: load is -3; station loads must be positive kg/yr"),
            (["S1,TP,100,1", "S2,TP,100,1"], "project.toml: TP: has 2 calibration stations for 4 estimated parameters; at least 5 are needed"),
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
