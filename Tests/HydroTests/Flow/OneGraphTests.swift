import Foundation
import XCTest
@testable import Hydro

/// Every step reads the one flow graph with its links: one upstream area per cell, whichever output
/// shows it, and that area equals an independent accumulation over the same directions and links.
final class OneGraphTests: XCTestCase {
    func testEveryStepSeesTheSameUpstreamAreaWithKarstLinks() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let project = try DemoCase.write(into: folder.path, seed: 7, size: 90)
        let run = try ProjectRun(try ProjectConfig.load(project))
        try run.runAll()
        let graph = try run.graph()
        let link = try XCTUnwrap(graph.links.first, "the demo has a karst conduit")
        let area = try run.upstream().values.cells

        // An independent accumulation: donors listed from the D8 codes and the links, Kahn's order.
        let n = graph.geometry.cellCount
        let metrics = try CellMetrics(graph.geometry)
        var donors = [[(cell: Int, share: Double)]](repeating: [], count: n)
        var pending = [Int](repeating: 0, count: n)
        for c in 0..<n where graph.directions.codes[c] != D8.noData {
            let linked = graph.links.filter { $0.from == c }
            let d8Share = 1 - linked.reduce(0) { $0 + $1.share }
            if let d = graph.directions.downstream(of: c), d8Share > 0 { donors[d].append((c, d8Share)); pending[d] += 1 }
            for l in linked { donors[l.to].append((c, l.share)); pending[l.to] += 1 }
        }
        var receivers = [[Int]](repeating: [], count: n)
        for j in 0..<n { for d in donors[j] { receivers[d.cell].append(j) } }
        var reference = [Double](repeating: .nan, count: n)
        var ready = (0..<n).filter { graph.directions.codes[$0] != D8.noData && pending[$0] == 0 }
        while let c = ready.popLast() {
            reference[c] = metrics.area[c / graph.geometry.width] / 1e6 + donors[c].reduce(0) { $0 + $1.share * reference[$1.cell] }
            for j in receivers[c] { pending[j] -= 1; if pending[j] == 0 { ready.append(j) } }
        }
        for c in 0..<n where graph.directions.codes[c] != D8.noData {
            XCTAssertEqual(area[c], reference[c], accuracy: 1e-9 * max(1, reference[c]), "cell \(c)")
        }
        XCTAssertGreaterThan(area[link.to], link.share * area[link.from], "the spring receives the conduit's share")

        // The raster written, the stream network, the load model, the sections: the same numbers.
        let written = try RasterReader.read(run.path(Outputs.upstreamArea), as: Double.self)
        XCTAssertEqual(written.cells.map(\.bitPattern), area.map(\.bitPattern))
        for l in try run.network().links { XCTAssertEqual(l.upstreamArea, area[l.cells[l.cells.count - 1]], "link \(l.id)") }
        let model = try run.model()
        for c in 0..<n { if let a = model.slotAreaKm2(c) { XCTAssertEqual(a.bitPattern, area[c].bitPattern, "cell \(c)") } }
        XCTAssertTrue((0..<n).contains { model.isChannel[$0] && model.slotAreaKm2($0) != nil }, "channel cells keep their area")
        for s in try run.sections() {
            guard let cell = s.cell else { continue }
            XCTAssertEqual(s.upstreamArea, area[cell], s.id)
        }
        // Catchments follow the conduit too: a point at the spring takes in the swallow hole's area
        // when the conduit carries most of its water.
        let ws = try Watersheds(graph: graph, outlets: [link.to])
        XCTAssertEqual(ws.incrementalLabel[link.from], link.share > 0.5 ? 0 : ws.incrementalLabel[graph.directions.downstream(of: link.from) ?? link.from])
        // Spill tracing takes the conduit where it carries the larger share.
        let trace = SpillTrace.trace(from: link.from, mass: 1, model: try run.model(), decayPerDay: 0, sections: [], units: nil)
        XCTAssertEqual(trace.path.count > 1 ? trace.path[1] : -1, link.share > 0.5 ? link.to : graph.directions.downstream(of: link.from) ?? -1)
    }
}
