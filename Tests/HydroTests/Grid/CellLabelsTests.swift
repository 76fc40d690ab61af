import Foundation
import XCTest
@testable import Hydro

/// County labels in one byte a cell up to 255 polygons, two bytes beyond: values kept in both
/// widths, out-of-range labels refused, never truncated.
final class CellLabelsTests: XCTestCase {
    func testLabelsHoldTheirValuesAndRefuseOutOfRange() throws {
        let labels = try CellLabels([-1, 0, 7, Int32(CellLabels.maximumCount - 1)])
        XCTAssertTrue(labels.isWide)
        XCTAssertEqual(Array(labels), [-1, 0, 7, Int32(CellLabels.maximumCount - 1)])
        XCTAssertEqual(Array(labels.mapped([5, 0, 0, 0, 0, 0, 0, 3] + [Int32](repeating: 1, count: CellLabels.maximumCount))),
                       [-1, 5, 3, 1])
        XCTAssertThrowsError(try CellLabels([0, Int32(CellLabels.maximumCount)]))
        XCTAssertThrowsError(try CellLabels([-2]))
    }

    /// 254 is the largest label one byte holds beside "none"; 255 needs the second byte.
    func testOneByteUpTo255LabelsAndTwoBeyond() throws {
        let narrow = try CellLabels([-1, 0, 254, 17])
        XCTAssertFalse(narrow.isWide)
        XCTAssertEqual(Array(narrow), [-1, 0, 254, 17])
        let wide = try CellLabels([-1, 0, 255, 17])
        XCTAssertTrue(wide.isWide)
        XCTAssertEqual(Array(wide), [-1, 0, 255, 17])
        // Grouping a wide map into few groups narrows it; equality is by labels, not by width.
        let grouped = wide.mapped([Int32](repeating: 2, count: 256))
        XCTAssertFalse(grouped.isWide)
        XCTAssertEqual(grouped, try CellLabels([-1, 2, 2, 2]))
        var widened = CellLabels(unlabelled: 4, labelCount: 300)
        for (cell, label) in [-1, 2, 2, 2].enumerated() { widened.set(cell, label) }
        XCTAssertEqual(widened, grouped)
    }

    /// A rasterized map of 255 polygons keeps its last polygon's label (the one-byte edge).
    func testRasterizerLabelsTheLastOfManyPolygons() throws {
        let geometry = GridGeometry.metric(width: 300, height: 1)
        let t = geometry.transform
        let polygons: [[[[Coordinate]]]] = (0..<300).map { k in
            let x0 = t.originX + Double(k) * t.pixelWidth, x1 = x0 + t.pixelWidth
            let y0 = t.originY, y1 = t.originY + t.pixelHeight
            return [[[Coordinate(x0, y0), Coordinate(x1, y0), Coordinate(x1, y1), Coordinate(x0, y1), Coordinate(x0, y0)]]]
        }
        for count in [255, 256, 300] {
            let labels = try PolygonRasterizer.label(Array(polygons.prefix(count)), on: geometry).labels
            XCTAssertEqual(labels.isWide, count > 255)
            XCTAssertEqual(Array(labels), (0..<300).map { $0 < count ? Int32($0) : -1 }, "\(count) polygons")
        }
    }

    func testTooManyPolygonsIsAnErrorNotATruncation() {
        let square = [[[Coordinate(0, 0), Coordinate(1, 0), Coordinate(1, 1), Coordinate(0, 0)]]]
        let polygons = [[[[Coordinate]]]](repeating: square, count: CellLabels.maximumCount + 1)
        XCTAssertThrowsError(try PolygonRasterizer.label(polygons, on: .metric(width: 2, height: 2))) { error in
            XCTAssertTrue("\(error)".contains("at most \(CellLabels.maximumCount)"), "\(error)")
        }
    }
}
