import Foundation
import XCTest
@testable import Hydro

/// Vertices far off the grid (or not numbers) must neither trap in an Int conversion nor cost time
/// in proportion to their distance: only the part over the grid counts.
final class FarCoordinateTests: XCTestCase {
    func testALineFromFarAwayBurnsTheCellsItCrosses() throws {
        // A 10 × 10 grid (origin 0,10, cell 1): a row and a column crossed by lines reaching ±1e300.
        for (far, near) in [([Coordinate(-1e300, 5.5), Coordinate(1e300, 5.5)], [Coordinate(0, 5.5), Coordinate(10, 5.5)]),
                            ([Coordinate(3.5, 1e300), Coordinate(3.5, -1e300)], [Coordinate(3.5, 10), Coordinate(3.5, 0)])] {
            var dem = grid(Array(repeating: Array(repeating: Float(100), count: 10), count: 10))
            var reference = dem
            let a = try StreamBurning.burn(&dem, lines: [far], depth: 5)
            let b = try StreamBurning.burn(&reference, lines: [near], depth: 5)
            XCTAssertEqual(a.burnedCells, 10)
            XCTAssertEqual(b.burnedCells, 10)
            XCTAssertEqual(dem.cells, reference.cells)
        }
        var untouched = grid([[1, 2], [3, 4]])
        XCTAssertEqual(try StreamBurning.burn(&untouched, lines: [[Coordinate(.nan, 0), Coordinate(1, 1)]], depth: 1).burnedCells, 0)
        XCTAssertEqual(try StreamBurning.burn(&untouched, lines: [[Coordinate(50, 50), Coordinate(60, 60)]], depth: 1).burnedCells, 0)
    }

    func testAPolygonWithFarVerticesLabelsTheWholeGrid() throws {
        let geometry = GridGeometry.metric(width: 4, height: 3, cellSize: 1)
        let huge = [[Coordinate(-1e300, -1e300), Coordinate(1e300, -1e300), Coordinate(1e300, 1e300), Coordinate(-1e300, 1e300), Coordinate(-1e300, -1e300)]]
        let result = try PolygonRasterizer.label([[huge]], on: geometry)
        XCTAssertEqual(Array(result.labels), Array(repeating: 0, count: 12))
    }
}
