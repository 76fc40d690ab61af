import Foundation
import XCTest
@testable import Hydro

/// The report map's shortcuts give what the plain computations give.
final class MapDrawingTests: XCTestCase {
    func testTenthsAreFormattedAsPrintfFormatsThem() {
        var rng = SeededGenerator(seed: 3)
        var values: [Double] = [0, -0.0, 0.05, 0.15, 0.25, 0.35, 1.45, 2.5, 959.95, 123.45, -0.04, -3.25, 0.049999, 1e-300,
                                99_999_999.95, 1e9, 1e12, .greatestFiniteMagnitude, 0.1 + 0.2, 2.675, 1.005]
        for _ in 0..<20_000 { values.append(rng.unit() * 2000 - 100) }
        for _ in 0..<5000 { values.append(Double(Int(rng.unit() * 20_000)) / 20) }  // exact ties at .x5
        for v in values { XCTAssertEqual(MapRenderer.f1(v), String(format: "%.1f", v), "\(v)") }
    }

    func testShadingSingleCellsEqualsShadingTheGrid() throws {
        var dem = SyntheticTerrain.valley(width: 40, height: 30, seed: 2, crs: try CoordinateSystem.parse("EPSG:32648"))
        dem.cells[5 * 40 + 7] = -9999  // a hole: its neighbours shade with their own elevation in its place
        let whole = try Hillshade.compute(dem)
        let light = try Hillshade.Light(dem)
        for r in 0..<dem.height { for c in 0..<dem.width { XCTAssertEqual(light.shade(column: c, row: r), whole[r * dem.width + c]) } }
        XCTAssertEqual(whole[5 * 40 + 7], 255)
        XCTAssertTrue(Set(whole).count > 10, "the valley is shaded, not flat")
    }
    func testAMapDrawsTheLinksDrainingMostWhenTheNetworkHasMoreThanItsLimit() {
        let areas: [Double] = [5, 1, 9, 3, 9, 2]
        let all = MapRenderer.drawnLinks(upstreamAreas: areas, limit: 6)
        XCTAssertEqual(all.links, [0, 1, 2, 3, 4, 5])
        XCTAssertNil(all.smallestArea)
        let three = MapRenderer.drawnLinks(upstreamAreas: areas, limit: 3)
        XCTAssertEqual(three.links, [0, 2, 4])
        XCTAssertEqual(three.smallestArea, 5)
        // Links as large as the last one drawn are all drawn, so the rule is the area, not the count.
        let ties = MapRenderer.drawnLinks(upstreamAreas: [4, 4, 1, 4], limit: 2)
        XCTAssertEqual(ties.links, [0, 1, 3])
        XCTAssertEqual(ties.smallestArea, 4)
    }

    func testStreamLinesLeaveOutPointsCloserThanTheSpacing() throws {
        // One cell a map pixel: points a quarter pixel apart along a row.
        let geometry = GridGeometry(width: 12, height: 2, transform: GeoTransform(originX: 0, pixelWidth: 1, originY: 2, pixelHeight: -1),
                                    crs: try CoordinateSystem.parse("EPSG:32648"))
        let points = (0...40).map { Coordinate(1 + 0.25 * Double($0), 1.5) }
        let every = MapRenderer.path(points, geometry, 12, 2)
        XCTAssertEqual(every.components(separatedBy: " L").count, 41, "no spacing: every point")
        let spaced = MapRenderer.path(points, geometry, 12, 2, spacing: 0.5)
        let xs = spaced.dropFirst().components(separatedBy: " L").map { String($0.split(separator: " ")[0]) }
        XCTAssertEqual(xs, (0...20).map { MapRenderer.f1(1 + 0.5 * Double($0)) }, "every other point, both ends kept")
        // The last point stays however close it is to the one before.
        let end = MapRenderer.path([Coordinate(1, 1.5), Coordinate(4, 1.5), Coordinate(4.1, 1.5)], geometry, 12, 2, spacing: 0.5)
        XCTAssertEqual(end, "M1.0 0.5 L4.0 0.5 L4.1 0.5")
    }
}
