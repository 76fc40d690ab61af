import Foundation
import XCTest
@testable import Hydro

/// Tiled fill, directions and accumulation equal the in-memory ones bit for bit, for any tiling.
final class TiledTerrainTests: XCTestCase {
    /// A rough DEM in whole metres (many ties and flats) with a wide bowl and a wide plateau across
    /// the tile edges, a nodata hole, a nodata corner and a walled depression.
    static func dem(width: Int, height: Int, seed: UInt64, cellSize: Double = 30) -> Grid<Float> {
        var rng = SeededGenerator(seed: seed)
        var g = Grid<Float>(geometry: .metric(width: width, height: height, cellSize: cellSize), filledWith: 0, nodata: -9999)
        for r in 0..<height {
            for c in 0..<width {
                let slope = Double(c) * 0.7 + Double(abs(r - height / 2)) * 0.4
                let bowl = max(0, 12 - hypot(Double(c - width / 3), Double(r - height / 3)) * 0.8)
                // (+ 0 turns a rounded −0 into +0: filling may raise a cell to a zero level of either sign.)
                g[c, r] = Float((slope - bowl + Double(rng.next() % 4)).rounded()) + 0
            }
        }
        // A plateau: one elevation over a block spanning several tiles, higher than its surroundings on three sides.
        for r in (height / 2)..<min(height, height / 2 + height / 4) {
            for c in (width / 2)..<min(width, width / 2 + width / 3) { g[c, r] = 30 }
        }
        // A flat valley floor leading out of the east edge at one level.
        for c in (width / 2)..<width { g[c, height - 3] = 5 }
        g[width / 4, 2 * height / 3] = -9999
        g[width / 4 + 1, 2 * height / 3] = -9999
        for r in 0..<3 { for c in 0..<(3 - r) { g[c, r] = -9999 } }
        return g
    }

    struct InMemory {
        var filled: Grid<Float>
        var codes: [UInt8]
        var cells: [Double]
        var km2: [Double]
    }

    static func inMemory(_ dem: Grid<Float>) throws -> InMemory {
        var filled = dem
        _ = try DepressionFilling.fill(&filled)
        let directions = try D8FlowDirection.compute(filled)
        let cells = try FlowAccumulation.accumulate(directions, weight: .cells).values.cells
        let km2 = try FlowAccumulation.accumulate(directions, weight: .areaSquareKilometres).values.cells
        return InMemory(filled: filled, codes: directions.codes, cells: cells, km2: km2)
    }

    /// Accumulation with each cell's donors summed in neighbour order instead of the flow graph's order.
    static func neighbourOrderSums(_ codes: [UInt8], width: Int, height: Int, weight: Double) throws -> [Double] {
        let graph = try FlowGraph(directions: FlowDirections(geometry: .metric(width: width, height: height), codes: codes))
        var total = [Double](repeating: .nan, count: codes.count)
        for c32 in graph.order {
            let c = Int(c32), row = c / width, column = c % width
            var sum = 0.0
            for k in 0..<8 {
                let r = row + D8.dy[k], col = column + D8.dx[k]
                guard r >= 0, col >= 0, r < height, col < width, Int(codes[r * width + col]) == D8.opposite(k) else { continue }
                sum += total[r * width + col]
            }
            total[c] = sum + weight
        }
        return total
    }

    @discardableResult
    func check(_ dem: Grid<Float>, expected: InMemory, tiles: [(Int, Int)], file: StaticString = #filePath, line: UInt = #line) throws -> [TiledTerrainReport] {
        var reports: [TiledTerrainReport] = []
        let folder = try TestPaths.temporaryFolder(self)
        let demPath = folder.appendingPathComponent("dem.tif").path
        try RasterWriter.write(dem, to: demPath)
        for (tw, th) in tiles {
            for units in TiledUnits.allCases {
                let out = folder.appendingPathComponent("tiled-\(tw)x\(th)-\(units.rawValue)").path
                let report = try TiledTerrain.run(dem: demPath, output: out,
                                                  options: TiledTerrainOptions(tileWidth: tw, tileHeight: th, units: units))
                reports.append(report)
                let label = "tiles \(tw)×\(th) (\(report.layout.tileColumns)×\(report.layout.tileRows)), \(units.rawValue)"
                let filled = try RasterReader.read(out + "/filled.vrt", as: Float.self)
                let wrongFill = (0..<filled.count).filter { filled.cells[$0].bitPattern != expected.filled.cells[$0].bitPattern }
                XCTAssertEqual(wrongFill.count, 0, "filled differs at \(wrongFill.prefix(5).map { ($0 % dem.width, $0 / dem.width, filled.cells[$0], expected.filled.cells[$0], dem.cells[$0]) }), \(label)", file: file, line: line)
                let directions = try FlowDirections(decoding: RasterReader.read(out + "/flowdir.vrt", as: UInt8.self), encoding: .esri, source: "flowdir")
                let wrong = (0..<directions.codes.count).filter { directions.codes[$0] != expected.codes[$0] }
                XCTAssertEqual(wrong.count, 0, "directions differ at \(wrong.prefix(5).map { ($0 % dem.width, $0 / dem.width) }), \(label)", file: file, line: line)
                let accumulation = try RasterReader.read(out + "/accumulation.vrt", as: Double.self)
                let reference = units == .cells ? expected.cells : expected.km2
                let bits = (0..<accumulation.count).map { accumulation.isValid(at: $0) ? accumulation.cells[$0].bitPattern : UInt64.max }
                let expectedBits = reference.map { $0.isNaN ? UInt64.max : $0.bitPattern }
                let wrongSum = (0..<bits.count).filter { bits[$0] != expectedBits[$0] }
                XCTAssertEqual(wrongSum.count, 0, "accumulation differs at \(wrongSum.prefix(5).map { ($0 % dem.width, $0 / dem.width, accumulation.cells[$0], reference[$0]) }), \(label)", file: file, line: line)
            }
        }
        return reports
    }

    func testTiledEqualsInMemoryForManyTilings() throws {
        let width = 40, height = 30
        let dem = Self.dem(width: width, height: height, seed: 7)
        let expected = try Self.inMemory(dem)
        // The fixture has what the tiling must get right across tile edges.
        XCTAssertGreaterThan(zip(expected.filled.cells, dem.cells).filter { $0 != $1 }.count, 50, "a depression to fill")
        XCTAssertGreaterThan(expected.km2.filter { !$0.isNaN && $0 != ($0 / 0.0009).rounded() * 0.0009 }.count, 0)
        // Summing donors in another order changes some km² totals: the comparison can see a wrong order.
        let otherOrder = try Self.neighbourOrderSums(expected.codes, width: width, height: height, weight: 0.0009)
        XCTAssertGreaterThan((0..<otherOrder.count).filter { !otherOrder[$0].isNaN && otherOrder[$0] != expected.km2[$0] }.count, 0)
        let reports = try check(dem, expected: expected, tiles: [
            (20, 15),         // 2×2 tiles
            (14, 6),          // 3×5
            (5, 4),           // 8×8, not dividing the rows
            (7, 11),          // sizes dividing neither side
            (width, 1),       // tiles of one row
            (13, 1), (1, 9),  // one-row and one-column tiles
        ])
        // The plateau and the valley floor are flats crossing tile edges, the bowl a depression filled
        // from labels of several tiles, and rivers run back and forth between tiles.
        let quarters = reports[0]
        XCTAssertGreaterThan(quarters.crossTileFlatCells, 20)
        XCTAssertGreaterThan(quarters.spillCrossings, 4)
        XCTAssertGreaterThan(reports.map(\.accumulationVisits).max() ?? 0, reports.map { $0.layout.count }.max() ?? 0)
    }

    func testTiledEqualsInMemoryOnRandomDEMs() throws {
        for seed: UInt64 in [1, 2, 3] {
            let dem = Self.dem(width: 23 + Int(seed) * 5, height: 19 + Int(seed) * 3, seed: seed)
            try check(dem, expected: try Self.inMemory(dem), tiles: [(6, 5), (9, 9)])
        }
    }
}

/// A weight raster accumulated by tiles (`hydrotool tiles --weight`) equals `accumulate --weight`.
final class TiledWeightTests: XCTestCase {
    func testTiledWeightsEqualTheInMemoryWeightedAccumulation() throws {
        let width = 40, height = 30
        let dem = TiledTerrainTests.dem(width: width, height: height, seed: 7)
        let folder = try TestPaths.temporaryFolder(self)
        let demPath = folder.appendingPathComponent("dem.tif").path, weightPath = folder.appendingPathComponent("weight.tif").path
        try RasterWriter.write(dem, to: demPath)
        // Fractional weights of both signs (sums that depend on the order of addition), and nodata
        // weights, which count 0; the nodata value has no exact Float32 (the DEM's type).
        var rng = SeededGenerator(seed: 5)
        var weight = Grid<Double>(geometry: dem.geometry, filledWith: 0, nodata: -9999.9)
        for i in weight.cells.indices { weight.cells[i] = rng.unit() < 0.1 ? -9999.9 : (rng.unit() - 0.3) * 17.3 }
        try RasterWriter.write(weight, to: weightPath)
        var filled = dem
        _ = try DepressionFilling.fill(&filled)
        let directions = try D8FlowDirection.compute(filled)
        let expected = try FlowAccumulation.accumulate(directions, weight: .grid(try RasterReader.read(weightPath, as: Double.self))).values.cells
        XCTAssertGreaterThan(expected.filter { !$0.isNaN && $0 < 0 }.count, 0, "negative totals too")
        for (tw, th) in [(20, 15), (14, 6), (5, 4), (7, 11), (13, 1), (1, 9)] {
            let out = folder.appendingPathComponent("tiled-\(tw)x\(th)").path
            _ = try TiledTerrain.run(dem: demPath, output: out, options: TiledTerrainOptions(tileWidth: tw, tileHeight: th, weight: weightPath))
            let accumulation = try RasterReader.read(out + "/accumulation.vrt", as: Double.self)
            let wrong = (0..<accumulation.count).filter {
                (accumulation.isValid(at: $0) ? accumulation.cells[$0].bitPattern : UInt64.max) != (expected[$0].isNaN ? UInt64.max : expected[$0].bitPattern)
            }
            XCTAssertEqual(wrong.count, 0, "weighted accumulation differs at \(wrong.prefix(5).map { ($0 % width, $0 / width) }), tiles \(tw)×\(th)")
            let record = try JSONDecoder().decode(TilingRecord.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/tiling.json")))
            XCTAssertEqual(record.weight, weightPath)
            XCTAssertEqual(record.units, "weight")
            XCTAssertNil(record.memoryLimitBytes)
        }
        let text = try String(contentsOfFile: folder.appendingPathComponent("tiled-20x15/tiling.json").path, encoding: .utf8)
        XCTAssertTrue(text.contains("\"memory_limit_bytes\" : null"), text)
    }

    func testAWeightRasterOnAnotherGridOrBesideUnitsIsRefused() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let demPath = folder.appendingPathComponent("dem.tif").path, weightPath = folder.appendingPathComponent("weight.tif").path
        try RasterWriter.write(TiledTerrainTests.dem(width: 20, height: 10, seed: 3), to: demPath)
        try RasterWriter.write(Grid<Double>(geometry: .metric(width: 19, height: 10, cellSize: 30), filledWith: 1), to: weightPath)
        let other = try runTool(["tiles", demPath, folder.appendingPathComponent("a").path, "--weight", weightPath, "--tile-size", "8", "-q"])
        XCTAssertNotEqual(other.status, 0)
        XCTAssertTrue(other.stderr.contains(weightPath), other.stderr)
        XCTAssertEqual(other.stderr.split(separator: "\n").count, 1, other.stderr)
        let both = try runTool(["tiles", demPath, folder.appendingPathComponent("b").path, "--weight", weightPath, "--units", "km2", "-q"])
        XCTAssertNotEqual(both.status, 0)
        XCTAssertTrue(both.stderr.hasPrefix("hydrotool: error: --units"), both.stderr)
        for name in ["a", "b"] { XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path), name) }
    }
}
