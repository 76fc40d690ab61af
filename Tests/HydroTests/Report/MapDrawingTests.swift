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
}
