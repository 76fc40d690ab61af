import Foundation
import XCTest
@testable import Hydro

/// The demo run's report and exports as their readers meet them: the summary table against
/// balances.csv, flux against the crossings and budgets, CSVs in Excel's and Python's eyes, the
/// workbook, the attribute table and QGIS styles, a COG run, and the report in a real browser.
final class ReportOutputsTests: XCTestCase {
    /// One demo run shared by the tests of this class (the run takes a few seconds).
    nonisolated(unsafe) static var shared: (run: ProjectRun, folder: URL)?

    private func demo() throws -> ProjectRun {
        if let s = Self.shared { return s.run }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hydro-report-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let project = try DemoCase.write(into: folder.path, seed: 7, size: 90)
        let run = try ProjectRun(try ProjectConfig.load(project))
        try run.runAll()
        Self.shared = (run, folder)
        return run
    }

    override class func tearDown() {
        if let folder = shared?.folder { try? FileManager.default.removeItem(at: folder) }
        shared = nil
        super.tearDown()
    }

    private func report(_ run: ProjectRun) throws -> String { try String(contentsOfFile: run.path(Outputs.report), encoding: .utf8) }

    /// The first table after an element id in the report.
    private func table(in html: String, after marker: String) throws -> [[String]] {
        let start = try XCTUnwrap(html.range(of: marker), "no \(marker) in the report")
        let rest = String(html[start.upperBound...])
        let end = rest.range(of: "</table>").map { rest[..<$0.upperBound] } ?? Substring(rest)
        return HTMLTable.rows(String(end))
    }

    func testSummaryTableEqualsBalancesCSV() throws {
        let run = try demo()
        let html = try report(run)
        // The summary comes first, before the maps.
        let summary = try XCTUnwrap(html.range(of: "id=\"summary\"")), map = try XCTUnwrap(html.range(of: "id=\"map\""))
        XCTAssertLessThan(summary.lowerBound, map.lowerBound)
        let rows = try table(in: html, after: "class=\"balances\"").dropFirst()
        let csv = try CSVTable.load(run.path("balances.csv"))
        XCTAssertEqual(csv.header, ["party", "party_name", "year", "paid", "received", "net", "currency"])
        XCTAssertEqual(rows.count, csv.rows.count)
        for line in csv.rows {
            let row = try XCTUnwrap(rows.first { $0[1] == line[0] }, "party \(line[0]) missing from the summary")
            XCTAssertEqual(row[0], line[1], "name beside the code")
            for (cell, column) in [(2, 3), (3, 4), (4, 5)] {
                let yuan = try XCTUnwrap(Double(line[column]))
                XCTAssertEqual(row[cell], ReportNumber.whole(yuan), "\(line[0]) column \(csv.header[column])")
                // And the figure reads back as the CSV's, to the yuan.
                XCTAssertEqual(Double(row[cell].replacingOccurrences(of: ",", with: "")) ?? .nan, yuan.rounded(), accuracy: 0.5)
            }
        }
        // Receivers first, payers last.
        let nets = rows.map { Double($0[4].replacingOccurrences(of: ",", with: "")) ?? .nan }
        XCTAssertEqual(nets, nets.sorted(by: >))
        // Nowhere a figure in scientific notation or float noise in the checks line.
        XCTAssertNil(html.range(of: "[0-9]e-[0-9]", options: .regularExpression))
        XCTAssertTrue(html.contains("balances sum to 0.00"))
        // The payer × payee matrix adds up to the total paid.
        let matrix = try table(in: html, after: "class=\"matrix\"")
        let total = try XCTUnwrap(matrix.last?.last).replacingOccurrences(of: ",", with: "")
        let ledger = try XCTUnwrap(try run.settlementResult())
        XCTAssertEqual(Double(total) ?? .nan, ledger.settlement.totalPaid.rounded(), accuracy: 0.5)
    }

    func testNetAndGrossFluxAgreeWithCrossingsAndBudgets() throws {
        let run = try demo()
        let attribution = try XCTUnwrap(try run.attributionResult())
        let first = try XCTUnwrap(attribution.levels.first)
        let edges = attribution.flux.map(FluxEdge.init)
        let pairs = FluxSummary.pairs(edges)
        // Gross flux from one unit to another includes every stream crossing between them.
        var crossed: [String: Double] = [:]
        for c in attribution.crossings { for (p, v) in c.loadsKgPerYr { crossed["\(c.fromId)>\(c.toId)>\(p)", default: 0] += v } }
        XCTAssertFalse(crossed.isEmpty)
        for (key, load) in crossed {
            let parts = key.split(separator: ">").map(String.init)
            let gross = edges.filter { $0.level == first && $0.fromID == parts[0] && $0.toID == parts[1] && $0.pollutant == parts[2] }.map(\.kgPerYear).reduce(0, +)
            XCTAssertGreaterThanOrEqual(gross, load * (1 - 1e-12), key)
        }
        // Net out of every unit = generated − delivered out of the grid − lost inside (its budget).
        for b in attribution.budgets where b.id != "outside" {
            var netOut = 0.0
            for p in pairs where p.level == b.level && p.pollutant == b.pollutant {
                if p.upstream.id == b.id { netOut += p.net }
                if p.downstream.id == b.id { netOut -= p.net }
            }
            XCTAssertEqual(netOut, b.handedOver - b.received, accuracy: 1e-6 * max(1, b.generated), "\(b.level) \(b.id) \(b.pollutant)")
            XCTAssertEqual(netOut, b.generated - b.deliveredOut - b.lost, accuracy: 1e-6 * max(1, b.generated), "\(b.level) \(b.id) \(b.pollutant)")
        }
        for p in pairs {
            XCTAssertGreaterThanOrEqual(p.net, 0)
            XCTAssertEqual(p.gross, p.grossForward + p.grossBack)
        }
        // The report shows net and gross, says why they differ, and draws net flux.
        let html = try report(run)
        XCTAssertTrue(html.contains("Gross flux counts the load every time it crosses the border"))
        let flux = try table(in: html, after: "class=\"flux\"")
        XCTAssertEqual(flux.first?[3], "净 Net (kg/yr)")
        XCTAssertTrue(html.contains("aria-label=\"flux graph\""))
    }

    func testCSVsHaveAByteOrderMarkAndReadTheSameInPython() throws {
        let run = try demo()
        let names = try FileManager.default.contentsOfDirectory(atPath: run.folder).filter { $0.hasSuffix(".csv") }.sorted()
        XCTAssertGreaterThanOrEqual(names.count, 8)
        for name in names {
            let data = try Data(contentsOf: URL(fileURLWithPath: run.path(name)))
            XCTAssertEqual(Array(data.prefix(3)), [0xEF, 0xBB, 0xBF], "\(name) starts with the UTF-8 byte order mark")
            XCTAssertNotNil(String(data: data.dropFirst(3), encoding: .utf8), "\(name) is UTF-8")
        }
        guard let python = try runExternal("python3", ["-c", "print(1)"]), python.status == 0 else { throw XCTSkip("python3 not installed") }
        // Python's csv module with utf-8-sig reads exactly the cells the tool's own reader reads.
        let script = """
        import csv, json, sys
        out = {}
        for path in sys.argv[1:]:
            with open(path, encoding="utf-8-sig", newline="") as f:
                out[path] = list(csv.reader(f))
        print(json.dumps(out, ensure_ascii=False))
        """
        let paths = names.map(run.path)
        let r = try XCTUnwrap(try runExternal("python3", ["-c", script] + paths))
        XCTAssertEqual(r.status, 0, r.stderr)
        let decoded = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: [[String]]])
        for path in paths {
            let table = try CSVTable.load(path)
            let rows = try XCTUnwrap(decoded[path])
            XCTAssertEqual(rows.first, table.header, path)
            XCTAssertEqual(Array(rows.dropFirst()).filter { !$0.isEmpty }, table.rows, path)
            XCTAssertFalse(rows.first?.first?.hasPrefix("\u{FEFF}") ?? true, "the mark is not part of the first header")
        }
        // Chinese names arrive intact, beside their codes, one value per cell.
        let ledger = try CSVTable.load(run.path("ledger.csv"))
        let payerName = try XCTUnwrap(ledger.header.firstIndex(of: "payer_name"))
        XCTAssertTrue(ledger.rows.contains { $0[payerName] == "镇雄县" })
        let sources = try CSVTable.load(run.path(Outputs.pointSources))
        XCTAssertEqual(sources.header.suffix(2), ["pollutant", "load_kg_yr"])
        XCTAssertTrue(sources.rows.allSatisfy { Double($0[8]) != nil && !$0[7].contains("=") })
    }

    func testCSVWithoutByteOrderMarkWhenAsked() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let project = try DemoCase.write(into: folder.path, seed: 3, size: 60)
        let r = try runTool(["compensate", "-q", project, "--csv-bom", "false"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let data = try Data(contentsOf: folder.appendingPathComponent("output/ledger.csv"))
        XCTAssertEqual(Array(data.prefix(6)), Array("period".utf8))
    }

    func testWorkbookHasTheLedgersRows() throws {
        let run = try demo()
        let path = run.path("settlement.xlsx")
        let ledger = try XCTUnwrap(try run.settlementResult()).settlement
        guard let info = try runExternal("ogrinfo", ["-ro", "-so", path, "ledger"]) else { throw XCTSkip("ogrinfo not installed") }
        XCTAssertEqual(info.status, 0, info.stderr)
        XCTAssertTrue(info.stdout.contains("Feature Count: \(ledger.entries.count)"), info.stdout)
        let sheet = try VectorReader.read(path + "|layername=ledger")
        XCTAssertEqual(sheet.features.count, ledger.entries.count)
        for (feature, entry) in zip(sheet.features, ledger.entries) {
            XCTAssertEqual(feature["payer"].stringValue, entry.payer)
            XCTAssertEqual(feature["payee"].stringValue, entry.payee)
            XCTAssertEqual(feature["amount"].doubleValue ?? .nan, entry.amount, accuracy: 1e-6 * max(1, entry.amount))
        }
        let balances = try VectorReader.read(path + "|layername=balances")
        XCTAssertEqual(balances.features.count, ledger.partyTotals.count)
        let attribution = try VectorReader.read(path + "|layername=attribution")
        XCTAssertEqual(attribution.features.count, try CSVTable.load(run.path("attribution.csv")).rows.count)
    }

    func testJurisdictionRasterListsEveryJurisdictionAndCarriesStyles() throws {
        let run = try demo()
        let table = try XCTUnwrap(try RasterReader.attributeTable(run.path("jurisdictions.tif")))
        let counties = DemoCase.Units.counties
        XCTAssertEqual(table.rows.map(\.code), counties.map(\.code))
        XCTAssertEqual(table.rows.map(\.name), counties.map(\.name))
        XCTAssertEqual(table.rows.map(\.value), Array(1...counties.count))
        // Every class value in the raster has a row.
        let labels = try RasterReader.read(run.path("jurisdictions.tif"), as: Int32.self)
        XCTAssertEqual(Set(labels.cells.filter { $0 > 0 }.map(Int.init)), Set(table.rows.map(\.value)))
        let qml = try String(contentsOfFile: run.path("jurisdictions.qml"), encoding: .utf8)
        for c in counties { XCTAssertTrue(qml.contains("label=\"\(c.name) \(c.code)\""), c.name) }
        // Units and descriptions on the run's rasters.
        let loads = try XCTUnwrap(try runExternal("gdalinfo", [run.path(Outputs.loadRaster)]))
        XCTAssertEqual(loads.stdout.components(separatedBy: "Unit Type: kg/yr").count - 1, 3, loads.stdout)
        let dem = try XCTUnwrap(try runExternal("gdalinfo", [run.path(Outputs.conditionedDEM)]))
        XCTAssertTrue(dem.stdout.contains("Unit Type: m"))
        // QGIS styles in both GeoPackages.
        let streams = try VectorReader.read(run.path(Outputs.streamLines) + "|layername=layer_styles")
        XCTAssertEqual(streams.features.map { $0["styleName"].stringValue }, ["streams by Strahler order"])
        let loadStyles = try VectorReader.read(run.path(Outputs.streamLoads) + "|layername=layer_styles")
        XCTAssertEqual(loadStyles.features.count, 3)
        XCTAssertEqual(loadStyles.features.map { $0["useAsDefault"].doubleValue ?? -1 }, [1, 0, 0])
        XCTAssertTrue(loadStyles.features[0]["styleQML"].stringValue?.contains("attr=\"CODMn_kg_yr\"") ?? false)
    }

    func testRunAsCOGPassesGDALsValidator() throws {
        let python = try systemPythonWithGDAL()
        let folder = try TestPaths.temporaryFolder(self)
        let project = try DemoCase.write(into: folder.path, seed: 4, size: 60)
        let r = try runTool(["loads", "-q", project, "--of", "COG", "--co", "COMPRESS=ZSTD"])
        XCTAssertEqual(r.status, 0, r.stderr)
        for name in [Outputs.conditionedDEM, Outputs.flowDirections, Outputs.upstreamArea, Outputs.streamRaster, Outputs.loadRaster] {
            let path = folder.appendingPathComponent("output/\(name)").path
            let v = try XCTUnwrap(try runExternal(python, ["-m", "osgeo_utils.samples.validate_cloud_optimized_geotiff", path]))
            XCTAssertEqual(v.status, 0, "\(name): \(v.stdout) \(v.stderr)")
            XCTAssertTrue(v.stdout.contains("is a valid cloud optimized GeoTIFF"), "\(name): \(v.stdout)")
            let info = try XCTUnwrap(try runExternal("gdalinfo", [path]))
            XCTAssertTrue(info.stdout.contains("Overviews:"), name)
            XCTAssertTrue(info.stdout.contains("COMPRESSION=ZSTD"), name)
        }
        // A different format re-runs the steps that write rasters; the same one again skips them.
        let again = try runTool(["loads", project, "--of", "COG", "--co", "COMPRESS=ZSTD"])
        XCTAssertTrue(again.stderr.contains("terrain: up to date"), again.stderr)
    }

    /// The screenshot script renders the report in headless Chromium at 1200 and 420 px and prints
    /// it to PDF; the PDF has a page per section at least, and the tables that are collapsed on
    /// screen are printed open.
    func testReportRendersAndPrintsInChromium() throws {
        guard try runExternal("chromium", ["--version"])?.status == 0 else { throw XCTSkip("chromium not installed (scripts/install-test-deps-report.sh)") }
        let run = try demo()
        let folder = try TestPaths.temporaryFolder(self)
        let out = folder.appendingPathComponent("shot").path
        let script = TestPaths.packageRoot.appendingPathComponent("scripts/screenshot-report.sh").path
        let r = try XCTUnwrap(try runExternal("bash", [script, run.path(Outputs.report), out, "2000"]))
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        for suffix in [".png", "-420.png", ".pdf"] {
            let size = (try? FileManager.default.attributesOfItem(atPath: out + suffix)[.size] as? Int) ?? 0
            XCTAssertGreaterThan(size, 10_000, suffix)
        }
        // PNG widths: 1200 and 420 pixels (bytes 16–19 of the IHDR chunk).
        for (suffix, width) in [(".png", 1200), ("-420.png", 420)] {
            let header = try Data(contentsOf: URL(fileURLWithPath: out + suffix)).prefix(24)
            XCTAssertEqual(header.suffix(8).prefix(4).reduce(0) { $0 << 8 | Int($1) }, width, suffix)
        }
        guard let text = try runExternal("pdftotext", ["-layout", out + ".pdf", "-"]), text.status == 0 else { return }
        // The ledger, collapsed on screen, is printed in full: its last transfer's period is in the PDF.
        let ledger = try XCTUnwrap(try run.settlementResult()).settlement.entries
        XCTAssertTrue(text.stdout.contains("Settlement ledger"))
        XCTAssertTrue(text.stdout.contains(ReportNumber.whole(try XCTUnwrap(ledger.last).amount)), "the ledger's last amount is printed")
        if let pages = try runExternal("pdfinfo", [out + ".pdf"])?.stdout.split(separator: "\n").first(where: { $0.hasPrefix("Pages:") }) {
            XCTAssertGreaterThanOrEqual(Int(pages.split(separator: " ").last ?? "") ?? 0, 7, "a page per section")
        }
    }
}
