import Foundation
import XCTest
@testable import Hydro

/// A project run with `--tiles` (the DEM filled and drained, the loads routed and attributed by tiles) writes the figures of the run
/// in one piece, to the bit, whatever the tiles; the manifest records the tiling.
final class TiledProjectRunTests: XCTestCase {
    /// The tables the loads and attribution steps write (attribution.json names its folder, so its
    /// figures are compared through attribution.csv, flux.csv and the budgets).
    static let tables = ["section_loads.csv", "section_loads.json", "mass_budget.json", "stream_loads.json", "point_sources.csv",
                         "attribution.csv", "flux.csv", "jurisdiction_budget.csv", "crossings.geojson"]

    func testTiledRunsWriteTheFiguresOfTheRunInOnePiece() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let project = try DemoCase.write(into: folder.path, seed: 7, size: 90)
        var config = try ProjectConfig.load(project)
        config.output = folder.appendingPathComponent("whole").path
        let whole = try ProjectRun(config)
        try whole.runThrough(.attribution)
        let graph = try whole.graph()
        XCTAssertFalse(graph.links.isEmpty, "the demo routes through a karst conduit")
        let pollutants = try whole.sources().pollutants
        XCTAssertGreaterThan(pollutants.count, 1)
        let expectedLoads = try (1...pollutants.count).map { try RasterReader.read(whole.path(Outputs.loadRaster), band: $0, as: Float.self).cells }
        XCTAssertTrue(expectedLoads[0].contains { $0 > 0 })
        let g = graph.geometry
        // Tiles of a quarter, sizes dividing neither side, one-row tiles.
        for (w, h) in [(45, 45), (37, 23), (90, 1), (7, 90)] {
            config.output = folder.appendingPathComponent("tiles-\(w)x\(h)").path
            let run = try ProjectRun(config)
            let tiling = ProjectTiling(tileWidth: w, tileHeight: h, executor: LocalTileExecutor())
            run.tiling = tiling
            try run.runThrough(.attribution)
            XCTAssertEqual(tiling.tiledSteps, ["terrain", "loads", "attribution"])
            // The DEM filled and drained by tiles: the same surface and directions, bit for bit.
            for raster in [Outputs.conditionedDEM, Outputs.upstreamArea] {
                let a = try RasterReader.read(whole.path(raster), as: Double.self).cells.map(\.bitPattern)
                let b = try RasterReader.read(run.path(raster), as: Double.self).cells.map(\.bitPattern)
                XCTAssertEqual(a, b, "\(raster), tiles \(w)×\(h)")
            }
            XCTAssertEqual(try RasterReader.read(whole.path(Outputs.flowDirections), as: UInt8.self).cells,
                           try RasterReader.read(run.path(Outputs.flowDirections), as: UInt8.self).cells, "directions, tiles \(w)×\(h)")
            // The conduit's ends lie in different tiles for these tilings.
            let link = try XCTUnwrap(graph.links.first)
            let layout = try TileLayout(width: g.width, height: g.height, tileWidth: w, tileHeight: h)
            func tile(_ cell: Int) -> Int { layout.tileIndex(column: cell % g.width, row: cell / g.width) }
            XCTAssertNotEqual(tile(link.from), tile(link.to), "\(w)×\(h)")
            for (k, expected) in expectedLoads.enumerated() {
                let loads = try RasterReader.read(run.path(Outputs.loadRaster), band: k + 1, as: Float.self).cells
                XCTAssertEqual(loads.map(\.bitPattern), expected.map(\.bitPattern), "band \(k + 1), tiles \(w)×\(h)")
            }
            for table in Self.tables {
                let a = try Data(contentsOf: URL(fileURLWithPath: whole.path(table)))
                let b = try Data(contentsOf: URL(fileURLWithPath: run.path(table)))
                XCTAssertFalse(a.isEmpty, table)
                XCTAssertEqual(a, b, "\(table), tiles \(w)×\(h)")
            }
        }
    }

    func testTheManifestRecordsTheTilingAndOnlyTheStepsThatRanByTiles() throws {
        let folder = try TestPaths.temporaryFolder(self)
        var config = try ProjectConfig.load(try DemoCase.write(into: folder.path, seed: 3, size: 60))
        config.output = folder.appendingPathComponent("out").path
        let run = try ProjectRun(config)
        run.tiling = ProjectTiling(tileWidth: 25, tileHeight: 16, executor: LocalTileExecutor())
        try run.runAll()
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: URL(fileURLWithPath: run.path(Outputs.manifest))))
        let tiling = try XCTUnwrap(manifest.tiling)
        XCTAssertEqual([tiling.tileWidth, tiling.tileHeight, tiling.ranks], [25, 16, 1])
        XCTAssertEqual(tiling.steps, ["terrain", "loads", "attribution"])
        // Nothing of the tiled passes is left beside the outputs.
        let hidden = try FileManager.default.contentsOfDirectory(atPath: config.output).filter { $0.hasPrefix(AtomicOutput.stagingPrefix) }
        XCTAssertEqual(hidden, [])
        // A second run finds every step up to date: no pass runs by tiles, and the manifest says so.
        let again = try ProjectRun(config)
        again.tiling = ProjectTiling(tileWidth: 25, tileHeight: 16, executor: LocalTileExecutor())
        try again.runAll()
        let second = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: URL(fileURLWithPath: again.path(Outputs.manifest))))
        XCTAssertEqual(second.tiling?.steps, [])
        XCTAssertFalse(second.steps.contains { $0.ran && ($0.name == "loads" || $0.name == "attribution") })
    }
}
