import Foundation
import XCTest
@testable import Hydro

/// The command line's conventions: exit codes, one-line errors, no partial outputs, GDAL habits.
final class CommandLineTests: XCTestCase {
    func testTerrainPipelineThroughTheCommandLine() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let dem = folder.appendingPathComponent("dem.tif").path
        try RasterWriter.write(SyntheticTerrain.valley(width: 90, height: 60, seed: 2, crs: try CoordinateSystem.parse("EPSG:32648")), to: dem)
        var r = try runTool(["fill", dem, "filled.tif"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("0...10...20...30...40...50...60...70...80...90...100 - done."), r.stderr)
        r = try runTool(["flowdir", "-q", "filled.tif", "dir.tif", "--encoding", "taudem", "-co", "COMPRESS=LZW"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "")
        let info = try RasterReader.info(folder.appendingPathComponent("dir.tif").path)
        XCTAssertEqual(info.metadata[D8Encoding.metadataKey], "taudem")
        XCTAssertTrue(info.metadata["HYDROTOOL_COMMAND"]?.contains("flowdir") ?? false)
        r = try runTool(["accumulate", "-q", "dir.tif", "acc.tif", "--units", "km2", "--of", "COG"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        let acc = try RasterReader.read(folder.appendingPathComponent("acc.tif").path, as: Double.self)
        // The command line gives exactly what the library gives.
        let filled = try RasterReader.read(folder.appendingPathComponent("filled.tif").path, as: Float.self)
        let library = try FlowAccumulation.accumulate(try D8FlowDirection.compute(filled), weight: .areaSquareKilometres)
        XCTAssertEqual(acc.cells.filter { !$0.isNaN }, library.values.cells.filter { !$0.isNaN })
        XCTAssertEqual(library.outletTotal, 90 * 60 * 900 / 1e6, accuracy: 1e-9)
        // Encoding is required when a direction raster does not carry it, and must agree when it does.
        r = try runTool(["accumulate", "-q", "dir.tif", "acc2.tif", "--encoding", "esri"], in: folder)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("taudem"), r.stderr)
        // Same run twice, and at 1 and 2 threads: byte-identical files.
        // (Same output name in separate folders: the command line, recorded in the file, must match.)
        for (threads, run) in [("1", "run1"), ("2", "run2"), ("2", "run3")] {
            let sub = folder.appendingPathComponent(run)
            try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
            XCTAssertEqual(try runTool(["flowdir", "-q", "../filled.tif", "d.tif", "--threads", threads], in: sub).status, 0)
        }
        let d1 = try Data(contentsOf: folder.appendingPathComponent("run1/d.tif"))
        XCTAssertEqual(d1, try Data(contentsOf: folder.appendingPathComponent("run2/d.tif")))
        XCTAssertEqual(d1, try Data(contentsOf: folder.appendingPathComponent("run3/d.tif")))
    }

    func testErrorsAreOneLineWithNonZeroExitAndNoPartialFile() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let dem = folder.appendingPathComponent("dem.tif").path
        try RasterWriter.write(SyntheticTerrain.valley(width: 30, height: 20), to: dem)
        let cases: [([String], String)] = [
            (["info", "missing.tif"], "missing.tif: does not exist"),
            (["fill", "missing.tif", "o.tif"], "missing.tif: does not exist"),
            (["fill", dem, "o.tif", "--band", "3"], "band 3 does not exist"),
            (["fill", dem, "/no/such/dir/o.tif"], "/no/such/dir/o.tif"),
            (["fill", dem, dem, "--overwrite"], "would replace the input"),
            (["fill", dem, "o.tif", "--of", "NoSuchDriver"], "unknown GDAL raster driver"),
            (["fill", dem, "o.tif", "--co", "COMPRESS"], "'COMPRESS' is not NAME=VALUE"),
            (["fill", dem, "o.tif", "--max-depth=-1"], "--max-depth"),
            (["fill", dem], "Missing expected argument"),
        ]
        try "text".write(to: folder.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        for (arguments, expected) in cases + [(["info", "notes.txt"], "notes.txt: cannot open")] {
            let r = try runTool(arguments, in: folder)
            XCTAssertNotEqual(r.status, 0, "\(arguments)")
            XCTAssertTrue(r.stderr.contains(expected), "\(arguments): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "one line: \(r.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("o.tif").path))
        // An existing output is refused without --overwrite and replaced with it.
        XCTAssertEqual(try runTool(["fill", "-q", dem, "o.tif"], in: folder).status, 0)
        let refused = try runTool(["fill", "-q", dem, "o.tif"], in: folder)
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("o.tif: output exists; use --overwrite"), refused.stderr)
        XCTAssertEqual(try runTool(["fill", "-q", dem, "o.tif", "--overwrite"], in: folder).status, 0)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix(".hydrotool") }
        XCTAssertEqual(leftovers, [])
    }

    func testInfoPrintsWhatAHydrologistNeeds() throws {
        let path = try TestPaths.shared("guizhou_dem_1km/chishui_basin_dem_1km.tif")
        let text = try runTool(["info", path])
        XCTAssertEqual(text.status, 0)
        XCTAssertTrue(text.stdout.contains("geographic"))
        XCTAssertTrue(text.stdout.contains("288 x 246"))
        let json = try runTool(["info", "--json", path])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(object?["isGeographic"] as? Bool, true)
        XCTAssertEqual(object?["width"] as? Int, 288)
        let bands = object?["bands"] as? [[String: Any]]
        XCTAssertEqual(bands?.first?["nodata"] as? Double, -999)
        let cell = object?["cellSize"] as? [String: Any]
        let widthMin = cell?["widthMetresMin"] as? Double ?? 0
        XCTAssertGreaterThan(widthMin, 800)
        XCTAssertLessThan(widthMin, 830)
    }
}

/// The network, project and spill commands through the executable.
final class NetworkAndProjectCommandTests: XCTestCase {
    func testStreamsSnapWatershedSpillAndRun() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let project = try DemoCase.write(into: folder.path, seed: 5, size: 80)
        var r = try runTool(["run", "-q", project])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("report.html"))
        let flowdir = folder.appendingPathComponent("output/flowdir_d8.tif").path
        r = try runTool(["streams", "-q", "--flowdir", flowdir, "--threshold", "2", "--vector", "s.gpkg", "--raster", "s.tif"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = try VectorReader.read(folder.appendingPathComponent("s.gpkg").path)
        XCTAssertGreaterThan(lines.features.count, 3)
        XCTAssertTrue(lines.fields.contains { $0.name == "strahler" })
        r = try runTool(["snap", "inputs/sections.gpkg", "snapped.geojson", "--flowdir", flowdir, "--radius", "500",
                         "--id-field", "id", "--tolerance", "50"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        let snapped = try VectorReader.read(folder.appendingPathComponent("snapped.geojson").path)
        XCTAssertEqual(snapped.features.count, 4)
        XCTAssertTrue(snapped.features.allSatisfy { $0["area_km2"].doubleValue ?? 0 > 0 })
        r = try runTool(["watershed", "inputs/sections.gpkg", "--flowdir", flowdir, "--radius", "500", "--to-stream",
                         "--id-field", "id", "--threshold", "2", "--vector", "c.gpkg", "--raster", "c.tif", "-q"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        let catchments = try VectorReader.read(folder.appendingPathComponent("c.gpkg").path)
        XCTAssertEqual(catchments.features.filter { $0["kind"] == .string("incremental") }.count, 4)
        XCTAssertEqual(catchments.features.filter { $0["kind"] == .string("whole") }.count, 3, "S2–S4 have sections upstream")
        let dem = try RasterReader.info(folder.appendingPathComponent("inputs/dem.tif").path).geometry
        let c = dem.centre(column: dem.width / 8, row: dem.height / 2)
        r = try runTool(["spill", "-q", project, "--at", "\(c.x),\(c.y)", "--mass", "500", "--time", "2024-07-01T08:00:00+08:00", "--pollutant", "NH3-N"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("Notify in order: 镇雄县"), r.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("output/spill.geojson").path))
        // Errors stay one line.
        for arguments in [["snap", "inputs/sections.gpkg", "x.geojson", "--flowdir", flowdir, "--id-field", "nope"],
                          ["run", "nope.toml"], ["spill", project, "--at", "1,2", "--mass", "1", "--time", "yesterday"],
                          ["compensate", project, "--scale-source", "520502:TP"]] {
            let e = try runTool(arguments, in: folder)
            XCTAssertNotEqual(e.status, 0, "\(arguments)")
            XCTAssertEqual(e.stderr.split(separator: "\n").count, 1, "\(arguments): \(e.stderr)")
        }
        // A scenario: a county halves its TP; the scenario ledger appears beside the real one.
        r = try runTool(["compensate", "-q", project, "--scale-source", "520502:TP:0.5"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("output/scenario_ledger.csv").path))
    }

    /// A TauDEM D8 file (Int16, 1…8 counter-clockwise from east, nodata −32768) accumulates with
    /// `--encoding taudem` to the same upstream cells as the tool's own ESRI file.
    func testTauDEMInt16DirectionsAccumulate() throws {
        let folder = try TestPaths.temporaryFolder(self)
        var dem = SyntheticTerrain.valley(width: 60, height: 50, seed: 3, pits: 10)
        dem.cells[0] = -9999
        _ = try DepressionFilling.fill(&dem)
        let d8 = try D8FlowDirection.compute(dem)
        let esri = folder.appendingPathComponent("esri.tif").path, taudem = folder.appendingPathComponent("taudem.tif").path
        try RasterWriter.write(d8.encoded(.esri), to: esri, options: RasterWriteOptions(metadata: [D8Encoding.metadataKey: "esri"]))
        let codes = D8Encoding.taudem.codes
        let cells = d8.codes.map { $0 < 8 ? Int16(codes[Int($0)]) : $0 == D8.noFlow ? Int16(0) : Int16.min }
        XCTAssertTrue(cells.contains(Int16.min))
        try RasterWriter.write(Grid(geometry: dem.geometry, trustedCells: cells, nodata: Int16.min), to: taudem, options: RasterWriteOptions())
        XCTAssertEqual(try runTool(["accumulate", "-q", esri, "a.tif"], in: folder).status, 0)
        let r = try runTool(["accumulate", "-q", taudem, "b.tif", "--encoding", "taudem"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        let a = try RasterReader.read(folder.appendingPathComponent("a.tif").path, as: Double.self)
        let b = try RasterReader.read(folder.appendingPathComponent("b.tif").path, as: Double.self)
        XCTAssertEqual(a.cells.map(\.bitPattern), b.cells.map(\.bitPattern))
        XCTAssertEqual((0..<b.count).filter { !b.isValid(at: $0) }.count, 1, "the one nodata cell")
    }

    func testServeRefusesBadOptionsInOneLine() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let project = try DemoCase.write(into: folder.path, seed: 2, size: 60)
        for (arguments, message) in [(["--add-user", "someone"], "--add-user: needs --jurisdiction CODE or --admin"),
                                     (["--port", "70000"], "--port: must lie in 1…65535"),
                                     (["--add-user", "x", "--jurisdiction", "999999"],
                                      "--jurisdiction: '999999' is neither a jurisdiction of the project nor a party of its scheme (known: 510000, 510500, 510525, 520000, 520300, 520381, 520500, 520502, 530000, 530600, 530627)"),
                                     (["--add-user", "x", "--admin", "--bcrypt-cost", "40"], "--bcrypt-cost: must lie in 4…16")] {
            let r = try runTool(["serve", project] + arguments, in: folder)
            XCTAssertNotEqual(r.status, 0, message)
            XCTAssertEqual(r.stderr, "hydrotool: error: \(message)\n")
        }
    }
}
