import Foundation
import XCTest
@testable import Hydro

/// Bands made one at a time and written as they come (the loads step's loads.tif).
final class BandByBandWriteTests: XCTestCase {
    private func bands(width: Int, height: Int, count: Int) throws -> [Grid<Float>] {
        let geometry = GridGeometry(width: width, height: height,
                                    transform: GeoTransform(originX: 400_000, pixelWidth: 90, originY: 3_100_000, pixelHeight: -90),
                                    crs: try CoordinateSystem.parse("EPSG:32648"))
        var rng = SeededGenerator(seed: 9)
        return (0..<count).map { b in
            var cells = (0..<geometry.cellCount).map { _ in Float(rng.unit() * 1000) * Float(b + 1) }
            cells[b] = .nan
            return Grid(geometry: geometry, trustedCells: cells, nodata: .nan)
        }
    }

    private func options() -> RasterWriteOptions {
        RasterWriteOptions(overwrite: true, bandDescriptions: ["TP load", "NH3-N load", "CODMn load"], bandUnits: ["kg/yr", "kg/yr", "kg/yr"])
    }

    private func interleave(_ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gdalinfo", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text.split(separator: "\n").first { $0.contains("INTERLEAVE=") }.map { String($0.split(separator: "=")[1]) } ?? ""
    }

    private func assertBandsRead(_ path: String, equal expected: [Grid<Float>], file: StaticString = #filePath, line: UInt = #line) throws {
        let info = try RasterReader.info(path)
        XCTAssertEqual(info.bands.map(\.description), ["TP load", "NH3-N load", "CODMn load"], file: file, line: line)
        for (b, grid) in expected.enumerated() {
            let back = try RasterReader.read(path, band: b + 1, as: Float.self)
            XCTAssertEqual(back.cells.map(\.bitPattern), grid.cells.map(\.bitPattern), "band \(b + 1)", file: file, line: line)
        }
    }

    /// A small file: the bands made on demand give the bytes of the same bands handed over together,
    /// in GDAL's pixel-interleaved layout.
    func testBandsMadeOneAtATimeGiveTheSameFile() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let grids = try bands(width: 300, height: 200, count: 3)
        let together = folder.appendingPathComponent("together.tif").path
        let oneByOne = folder.appendingPathComponent("one-by-one.tif").path
        try RasterWriter.write(bands: grids, to: together, options: options())
        var asked: [Int] = []
        try RasterWriter.write(bandCount: 3, geometry: grids[0].geometry, to: oneByOne, options: options()) { b -> Grid<Float> in
            asked.append(b)
            // Made here, as the loads step makes each band from its routed pollutant.
            let made = try bands(width: 300, height: 200, count: 3)[b]
            return made
        }
        XCTAssertEqual(asked, [0, 1, 2])
        let a = try Data(contentsOf: URL(fileURLWithPath: together)), b = try Data(contentsOf: URL(fileURLWithPath: oneByOne))
        XCTAssertEqual(a, b, "byte for byte")
        XCTAssertEqual(try interleave(oneByOne), "PIXEL")
        try assertBandsRead(oneByOne, equal: grids)
    }

    /// Bands that do not fit GDAL's block cache together are written band-interleaved (each tile
    /// compressed once), with the same values.
    func testBandsLargerThanTheCacheAreBandInterleaved() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let grids = try bands(width: 1800, height: 1700, count: 3)  // 36.7 MB of Float32, more than half the 64 MB cache
        let path = folder.appendingPathComponent("large.tif").path
        try RasterWriter.write(bandCount: 3, geometry: grids[0].geometry, to: path, options: options()) { grids[$0] }
        XCTAssertEqual(try interleave(path), "BAND")
        try assertBandsRead(path, equal: grids)
        // The user's choice stands.
        var pixel = options()
        pixel.creationOptions = ["INTERLEAVE=PIXEL"]
        try RasterWriter.write(bandCount: 3, geometry: grids[0].geometry, to: path, options: pixel) { grids[$0] }
        XCTAssertEqual(try interleave(path), "PIXEL")
    }

    func testAnInfiniteCellInALaterBandLeavesNoFile() throws {
        let folder = try TestPaths.temporaryFolder(self)
        var grids = try bands(width: 30, height: 20, count: 3)
        grids[2].cells[45] = .infinity
        let path = folder.appendingPathComponent("bad.tif").path
        XCTAssertThrowsError(try RasterWriter.write(bandCount: 3, geometry: grids[0].geometry, to: path, options: options()) { grids[$0] }) { error in
            XCTAssertTrue("\(error)".contains("column 15, row 1 of band 3"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), [])
    }
}
