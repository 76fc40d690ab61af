import Foundation
import XCTest
@testable import Hydro

/// The flow graph keeps no receiver array: each cell's receiver comes from its D8 code, a bit and
/// the neighbour offsets. These tests hold it to the directions' own geometric walk.
final class GraphReceiversTests: XCTestCase {
    /// Random codes on a grid with nodata, pits and edge cells pointing off the grid: the graph's
    /// receiver of every cell equals `FlowDirections.downstream(of:)` (−1 for nil), in both reads.
    func testReceiversFromCodesEqualTheDirectionsWalk() throws {
        var generator = SeededGenerator(seed: 20261202)
        for (width, height) in [(1, 1), (1, 7), (9, 1), (13, 11), (64, 3), (65, 5)] {
            let n = width * height
            // Acyclic by construction is not needed for receivers, but the graph orders the cells:
            // every code points east or south (or is a pit, nodata, or leaves the grid).
            let choices: [UInt8] = [0, 1, 2, D8.noFlow, D8.noData]
            let codes = (0..<n).map { _ in choices[Int(generator.next() % UInt64(choices.count))] }
            let directions = try FlowDirections(geometry: .metric(width: width, height: height), codes: codes)
            let graph = try FlowGraph(directions: directions)
            var pointingOff = 0
            graph.withD8Receivers { receivers in
                for c in 0..<n {
                    let expected = directions.downstream(of: c) ?? -1
                    XCTAssertEqual(graph.d8Receiver(of: c), expected, "cell \(c) of \(width)×\(height)")
                    XCTAssertEqual(receivers[c], expected, "cell \(c) of \(width)×\(height)")
                    if codes[c] < 8 && expected < 0 { pointingOff += 1 }
                }
            }
            if n > 20 { XCTAssertGreaterThan(pointingOff, 0, "some codes lead off the grid or onto nodata") }
        }
    }
}
