import Foundation
import XCTest
@testable import Hydro

/// County labels in two bytes a cell: values kept, out-of-range labels refused, never truncated.
final class CellLabelsTests: XCTestCase {
    func testLabelsHoldTheirValuesAndRefuseOutOfRange() throws {
        let labels = try CellLabels([-1, 0, 7, Int32(CellLabels.maximumCount - 1)])
        XCTAssertEqual(Array(labels), [-1, 0, 7, Int32(CellLabels.maximumCount - 1)])
        XCTAssertEqual(Array(labels.mapped([5, 0, 0, 0, 0, 0, 0, 3] + [Int32](repeating: 1, count: CellLabels.maximumCount))),
                       [-1, 5, 3, 1])
        XCTAssertThrowsError(try CellLabels([0, Int32(CellLabels.maximumCount)]))
        XCTAssertThrowsError(try CellLabels([-2]))
    }

    func testTooManyPolygonsIsAnErrorNotATruncation() {
        let square = [[[Coordinate(0, 0), Coordinate(1, 0), Coordinate(1, 1), Coordinate(0, 0)]]]
        let polygons = [[[[Coordinate]]]](repeating: square, count: CellLabels.maximumCount + 1)
        XCTAssertThrowsError(try PolygonRasterizer.label(polygons, on: .metric(width: 2, height: 2))) { error in
            XCTAssertTrue("\(error)".contains("at most \(CellLabels.maximumCount)"), "\(error)")
        }
    }
}
