import Foundation
import XCTest
@testable import Hydro

/// `hydrotool tiles`: outputs, manifest and refusals.
final class TilesCommandTests: XCTestCase {
    func testWritesMosaicsAndManifestAndRefusesBadOptions() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let dem = folder.appendingPathComponent("dem.tif").path
        try RasterWriter.write(TiledTerrainTests.dem(width: 30, height: 20, seed: 4), to: dem)
        let out = folder.appendingPathComponent("terrain").path
        let r = try runTool(["tiles", dem, out, "--tile-size", "8x7", "-q"])
        XCTAssertEqual(r.status, 0, r.stderr)
        for name in ["filled.vrt", "flowdir.vrt", "accumulation.vrt", "tiling.json", "tiles/filled_0_0.tif", "tiles/accumulation_14_24.tif"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/" + name), name)
        }
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/tiling.json"))) as? [String: Any]
        XCTAssertEqual(manifest?["tile_columns"] as? Int, 4)
        XCTAssertEqual(manifest?["tile_rows"] as? Int, 3)
        XCTAssertEqual(manifest?["ranks"] as? Int, 1)
        // The VRT refers to its tiles relatively: the folder can move.
        let vrt = try String(contentsOfFile: out + "/filled.vrt", encoding: .utf8)
        XCTAssertTrue(vrt.contains("relativeToVRT=\"1\""), vrt)
        XCTAssertFalse(vrt.contains(".hydrotool-tmp"), vrt)

        let again = try runTool(["tiles", dem, out, "--tile-size", "8", "-q"])
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("already exists"), again.stderr)
        for (option, value) in [("--tile-size", "0"), ("--tile-size", "8x"), ("--memory", "lots"), ("--memory", "10")] {
            let bad = try runTool(["tiles", dem, folder.appendingPathComponent("bad").path, option, value, "-q"])
            XCTAssertNotEqual(bad.status, 0, "\(option) \(value)")
            XCTAssertTrue(bad.stderr.hasPrefix("hydrotool: error: \(option)"), bad.stderr)
            XCTAssertEqual(bad.stderr.split(separator: "\n").count, 1, bad.stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("bad").path))
        // A tile size whose work exceeds half the memory limit is refused; without a size the limit picks one.
        let big = TiledTerrainOptions(tileWidth: 4096, memoryLimit: 1 << 30)
        XCTAssertThrowsError(try TiledTerrain.tileSize(big, width: 100_000, height: 100_000))
        let chosen = try TiledTerrain.tileSize(TiledTerrainOptions(memoryLimit: 1 << 30), width: 100_000, height: 100_000)
        XCTAssertLessThanOrEqual(chosen.0 * chosen.1 * TiledTerrain.bytesPerTileCell, 1 << 29)
        XCTAssertGreaterThan(chosen.0, 2000)
    }

    func testCOGOutput() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let dem = folder.appendingPathComponent("dem.tif").path
        let grid = TiledTerrainTests.dem(width: 30, height: 20, seed: 9)
        try RasterWriter.write(grid, to: dem)
        let out = folder.appendingPathComponent("cog").path
        let r = try runTool(["tiles", dem, out, "--tile-size", "9", "--cog", "-q"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/tiles"))
        XCTAssertEqual(try RasterReader.info(out + "/filled.tif").metadata["LAYOUT"] ?? "COG", "COG")
        var filled = grid
        _ = try DepressionFilling.fill(&filled)
        XCTAssertEqual(try RasterReader.read(out + "/filled.tif", as: Float.self).cells.map { $0.bitPattern }, filled.cells.map { $0.bitPattern })
    }
}
