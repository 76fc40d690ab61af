import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
@testable import Hydro

final class PipelineTests: XCTestCase {
    private func demo(_ folder: URL, size: Int = 90) throws -> (ProjectRun, String) {
        let project = try DemoCase.write(into: folder.path, seed: 7, size: size)
        let run = try ProjectRun(try ProjectConfig.load(project))
        try run.runAll()
        return (run, project)
    }

    func testDemoRunsEndToEndWithConservedMoneyAndShares() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let (run, _) = try demo(folder)
        XCTAssertEqual(run.steps.map(\.name), ["terrain", "network", "loads", "attribution", "compensation"])
        XCTAssertTrue(run.steps.allSatisfy(\.ran))
        // Money is conserved and the fund pays out what it takes in.
        let ledger = try XCTUnwrap(try run.settlementResult())
        let checks = ledger.checks
        XCTAssertEqual(checks.balancesSum, 0, accuracy: 1e-6)
        XCTAssertEqual(checks.fundIntake, 20_000_000, accuracy: 1e-6)
        XCTAssertEqual(checks.fundPayout, checks.fundIntake, accuracy: 1e-6)
        XCTAssertGreaterThan(ledger.settlement.entries.count, 30)
        XCTAssertEqual(ledger.settlement.gaps, ["S3 2024-08: no CODMn, NH3-N, TP measurement"])
        // Shares at every section sum to 1, and the attributed totals equal the routed section loads.
        let attribution = try XCTUnwrap(try run.attributionResult()).sections
        XCTAssertEqual(attribution.count, 4 * 3 * 2, "4 sections × 3 pollutants × 2 levels")
        let sectionLoads = try run.loadsResult().sections
        for entry in attribution {
            XCTAssertEqual(entry.origins.map(\.share).reduce(0, +), 1, accuracy: 1e-12)
            let routed = try XCTUnwrap(sectionLoads.first { $0.id == entry.section }?.loadsKgPerYr[entry.pollutant] ?? nil)
            XCTAssertEqual(entry.totalKgPerYr, routed, accuracy: 1e-9 * routed)
        }
        // The budget closes for every pollutant.
        for b in try run.loadsResult().budgets {
            XCTAssertEqual(b.imbalance, 0, accuracy: 1e-9 * b.generated)
        }
        // Per-unit balances close: in + generated = out + lost.
        let budget = try CSVTable.load(run.path("jurisdiction_budget.csv"))
        for row in 0..<budget.rows.count {
            XCTAssertEqual(try budget.number(row, 9), 0, accuracy: 1e-6 * max(1, try budget.number(row, 4)))
        }
    }

    /// A second run skips every step and loads each step's result back through the one loader:
    /// the loaded values equal the computed ones, field by field.
    /// A section off the grid is named in a warning and left out of the attribution; the other
    /// sections are attributed as before (the run does not stop at the first unplaced point).
    func testSectionOffTheGridIsLeftOutOfTheAttribution() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let project = try DemoCase.write(into: folder.path, seed: 7, size: 90)
        let sectionsFile = folder.appendingPathComponent("inputs/sections.gpkg").path
        var layer = try VectorReader.read(sectionsFile)
        let first = try XCTUnwrap(layer.features.first?.geometry?.points.first)
        layer.features.append(Feature(geometry: .point(Coordinate(first.x - 1e6, first.y)),
                                      attributes: ["id": .string("S9"), "name": .string("far away")]))
        try VectorWriter.write(layer, to: sectionsFile, overwrite: true)
        let run = try ProjectRun(try ProjectConfig.load(project))
        try run.runAll()
        XCTAssertTrue(run.warnings.contains { $0.contains("'S9'") && $0.contains("no attribution") }, "\(run.warnings)")
        let attribution = try XCTUnwrap(try run.attributionResult()).sections
        XCTAssertEqual(Set(attribution.map(\.section)), ["S1", "S2", "S3", "S4"])
        XCTAssertEqual(attribution.count, 4 * 3 * 2)
        for entry in attribution { XCTAssertEqual(entry.origins.map(\.share).reduce(0, +), 1, accuracy: 1e-12) }
    }

    func testSkippedStepsLoadTheResultsTheyComputed() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let (first, project) = try demo(folder)
        let second = try ProjectRun(try ProjectConfig.load(project))
        try second.runAll()
        XCTAssertTrue(second.steps.allSatisfy { !$0.ran }, "\(second.steps.map { "\($0.name) \($0.ran)" })")
        XCTAssertEqual(try second.loadsResult(), try first.loadsResult())
        XCTAssertEqual(try second.attributionResult(), try first.attributionResult())
        let a = try XCTUnwrap(try first.settlementResult()), b = try XCTUnwrap(try second.settlementResult())
        XCTAssertEqual(b.settlement.entries, a.settlement.entries)
        XCTAssertEqual(b.settlement.gaps, a.settlement.gaps)
        XCTAssertEqual(b.checks, a.checks)
        XCTAssertGreaterThan(a.settlement.entries.count, 0)
        XCTAssertEqual(try first.loadsResult().links.count, try first.network().links.count)
        XCTAssertGreaterThan(try first.network().links.count, 1)
        XCTAssertGreaterThan(try XCTUnwrap(try first.attributionResult()).crossings.count, 0)
    }

    func testManifestChecksumsReRunsAndParameterChanges() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let (first, project) = try demo(folder)
        let manifest = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: first.path(Outputs.manifest)))) as? [String: Any])
        let outputs = try XCTUnwrap(manifest["outputs_sha256"] as? [String: String])
        XCTAssertGreaterThan(outputs.count, 15)
        for (name, sum) in outputs { XCTAssertEqual(try SHA256.hex(file: first.path(name)), sum, name) }
        for (file, sum) in try XCTUnwrap(manifest["inputs_sha256"] as? [String: String]) { XCTAssertEqual(try SHA256.hex(file: file), sum) }
        XCTAssertNotNil(manifest["project"] as? String)
        XCTAssertNotNil(manifest["started"] as? String)
        // A second run skips every step and leaves the outputs byte-identical.
        let second = try ProjectRun(try ProjectConfig.load(project))
        try second.runAll()
        XCTAssertTrue(second.steps.allSatisfy { !$0.ran }, "\(second.steps.map { ($0.name, $0.ran) })")
        for (name, sum) in outputs where name != Outputs.report { XCTAssertEqual(try SHA256.hex(file: second.path(name)), sum, name) }
        // Changing a decay rate re-runs loads and what follows, not terrain or network.
        var text = try String(contentsOfFile: project, encoding: .utf8)
        text = text.replacingOccurrences(of: "TP = 0.05", with: "TP = 0.07")
        try text.write(toFile: project, atomically: true, encoding: .utf8)
        let third = try ProjectRun(try ProjectConfig.load(project))
        try third.runAll()
        XCTAssertEqual(third.steps.filter(\.ran).map(\.name), ["loads", "attribution", "compensation"])
        // A changed output file is noticed by its checksum and rebuilt.
        try Data("x".utf8).write(to: URL(fileURLWithPath: third.path(Outputs.streamLines)))
        let fourth = try ProjectRun(try ProjectConfig.load(project))
        try fourth.runAll()
        XCTAssertEqual(fourth.steps.filter(\.ran).map(\.name), ["network"])
    }

    func testSameSeedGivesByteIdenticalOutputs() throws {
        let a = try TestPaths.temporaryFolder(self), b = try TestPaths.temporaryFolder(self)
        let (runA, _) = try demo(a), (runB, _) = try demo(b)
        for name in ["loads.tif", "attribution.csv", "ledger.csv", "flux.csv", "conditioned_dem.tif", Outputs.report, "settlement.xlsx",
                     "ledger_details.csv", "jurisdictions.tif.aux.xml", "jurisdictions.qml", Outputs.streamLines, Outputs.streamLoads] {
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: runA.path(name))),
                           try Data(contentsOf: URL(fileURLWithPath: runB.path(name))), name)
        }
    }

    func testReportIsWellFormedAndSelfContained() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let (run, _) = try demo(folder)
        let html = try String(contentsOfFile: run.path(Outputs.report), encoding: .utf8)
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
        // Well-formed: parses as XML once the doctype is dropped (the report is written as XHTML-compatible markup).
        let xml = html.replacingOccurrences(of: "<!DOCTYPE html>", with: "")
        let parser = XMLParser(data: Data(xml.utf8))
        XCTAssertTrue(parser.parse(), "report is not well-formed: \(parser.parserError.map { "\($0)" } ?? "") line \(parser.lineNumber)")
        // Every image it references is inside it (data URIs), and decodes.
        let references = html.components(separatedBy: "href=\"").dropFirst().map { $0.prefix { $0 != "\"" } }
            .filter { !$0.hasPrefix("#") }
        XCTAssertFalse(references.isEmpty)
        for reference in references {
            XCTAssertTrue(reference.hasPrefix("data:image/png;base64,"), "external reference \(reference.prefix(60))")
            XCTAssertNotNil(Data(base64Encoded: String(reference.dropFirst("data:image/png;base64,".count))))
        }
        XCTAssertFalse(html.contains("src=\"http"))
        for label in ["来源分担", "Shares of the load", "赤水市", "Settlement summary", "Who pays whom", "Mass budget", "manifest.json"] {
            XCTAssertTrue(html.contains(label), label)
        }
    }

    func testBadProjectFilesFailBeforeWorkWithTheKeyAndLine() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let project = try DemoCase.write(into: folder.path, seed: 3, size: 60)
        let good = try String(contentsOfFile: project, encoding: .utf8)
        func attempt(_ text: String) -> String {
            try? text.write(toFile: project, atomically: true, encoding: .utf8)
            do { _ = try ProjectConfig.load(project).preflight(); return "" } catch { return "\(error)" }
        }
        XCTAssertTrue(attempt(good.replacingOccurrences(of: "inputs/dem.tif", with: "inputs/nope.tif")).contains("'inputs.dem' names 'inputs/nope.tif', which does not exist"))
        let typo = attempt(good.replacingOccurrences(of: "stream_threshold_km2", with: "stream_treshold_km2"))
        let line = (good.components(separatedBy: "\n").firstIndex { $0.hasPrefix("stream_threshold_km2") } ?? 0) + 1
        XCTAssertTrue(typo.contains("project.toml:\(line): unknown key 'terrain.stream_treshold_km2' (did you mean 'stream_threshold_km2'?)"), typo)
        let wrongType = attempt(good.replacingOccurrences(of: "stream_threshold_km2 = 5", with: "stream_threshold_km2 = \"five\""))
        XCTAssertTrue(wrongType.contains("'terrain.stream_threshold_km2' must be a number, not a string"), wrongType)
        let badPollutant = attempt(good.replacingOccurrences(of: "CODMn = 0.10", with: "Arsenic = 0.10"))
        XCTAssertTrue(badPollutant.contains("unknown pollutant 'Arsenic'"), badPollutant)
        let badField = attempt(good.replacingOccurrences(of: "id_field = \"code\"", with: "id_field = \"adcode\""))
        XCTAssertTrue(badField.contains("has no field 'adcode'"), badField)
        // A layer without a CRS cannot be matched to the DEM.
        let noCRS = folder.appendingPathComponent("inputs/nocrs.geojson").path
        try "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{\"id\":\"A\"},\"geometry\":{\"type\":\"Point\",\"coordinates\":[1,2]}}]}"
            .write(toFile: noCRS, atomically: true, encoding: .utf8)
        let crs = attempt(good.replacingOccurrences(of: "inputs/sections.gpkg", with: "inputs/nocrs.geojson"))
        XCTAssertTrue(crs.contains("sections") || crs.contains("CRS"), crs)
        XCTAssertEqual(attempt(good), "")
    }
}

final class ChishuiExampleTests: XCTestCase {
    /// The documented real example runs on the shared data and its shares are sensible.
    func testChishuiExampleProjectRuns() throws {
        _ = try TestPaths.shared("guizhou_dem_1km/chishui_basin_dem_1km.tif")
        let project = TestPaths.packageRoot.appendingPathComponent("examples/chishui/project.toml").path
        var config = try ProjectConfig.load(project)
        config.output = try TestPaths.temporaryFolder(self).path
        let run = try ProjectRun(config)
        try run.runAll()
        let sections = try run.sections()
        XCTAssertEqual(sections.compactMap(\.cell).count, 3, "\(sections.map(\.warnings))")
        let attribution = try XCTUnwrap(try run.attributionResult())
        // At Qingshuipu, the Yunnan exit, most of the load comes from Yunnan; at Lianyuxi, from Guizhou.
        func share(_ section: String, _ province: String) -> Double {
            attribution.section(section, pollutant: "TP", level: "province")?.origins.first { $0.name == province }?.share ?? 0
        }
        XCTAssertGreaterThan(share("QSP", "云南省"), 0.5)
        XCTAssertGreaterThan(share("LYX", "贵州省"), 0.5)
        let checks = try XCTUnwrap(try run.settlementResult()).checks
        XCTAssertEqual(checks.fundPayout, checks.fundIntake, accuracy: 1e-6)
    }
}
