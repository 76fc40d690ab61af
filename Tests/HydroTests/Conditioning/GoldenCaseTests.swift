import Foundation
import XCTest
@testable import Hydro

/// The hand-worked cases in fixtures/golden (see its README): one folder a case, every expected grid
/// present in a folder is checked, so adding a case is adding files.
final class GoldenCaseTests: XCTestCase {
    func testHandWorkedGoldenCases() throws {
        let root = TestPaths.packageRoot.appendingPathComponent("fixtures/golden")
        let cases = try FileManager.default.contentsOfDirectory(atPath: root.path).filter { !$0.hasSuffix(".md") }.sorted()
        XCTAssertGreaterThanOrEqual(cases.count, 2, "golden cases in \(root.path)")
        var checked = 0
        for name in cases {
            let folder = root.appendingPathComponent(name)
            func file(_ f: String) -> String? {
                let p = folder.appendingPathComponent(f).path
                return FileManager.default.fileExists(atPath: p) ? p : nil
            }
            var dem = try RasterReader.read(try XCTUnwrap(file("dem.asc"), name), as: Float.self)
            _ = try DepressionFilling.fill(&dem)
            if let expected = file("filled.asc") {
                XCTAssertEqual(dem.cells, try RasterReader.read(expected, as: Float.self).cells, "\(name): filled")
                checked += 1
            }
            let d8 = try D8FlowDirection.compute(dem)
            if let expected = file("d8_esri.asc") {
                XCTAssertEqual(d8.encoded(.esri).cells.map(Int.init), try RasterReader.read(expected, as: Int32.self).cells.map(Int.init),
                               "\(name): D8 (esri)")
                checked += 1
            }
            if let expected = file("cells.asc") {
                XCTAssertEqual(try FlowAccumulation.accumulate(d8).values.cells, try RasterReader.read(expected, as: Double.self).cells,
                               "\(name): upstream cells")
                checked += 1
            }
        }
        XCTAssertEqual(checked, 3, "filled, D8 and upstream-cell grids in the two cases")
    }
}
