import Foundation
import XCTest
@testable import Hydro

/// The reach graph against walks on the flow graph it was cut from, and attribution on it against
/// the same attribution cut into fewer reaches.
final class ReachGraphTests: XCTestCase {
    func testReachesFollowTheFlowGraphAndCarryTheUpstreamArea() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let project = try DemoCase.write(into: folder.path, seed: 7, size: 90)
        let run = try ProjectRun(try ProjectConfig.load(project))
        try run.runAll()
        let graph = try run.graph()
        XCTAssertFalse(graph.links.isEmpty, "the demo has a karst conduit")
        let reaches = try run.reachGraph()
        let network = try run.network()
        let area = try run.upstream().values.cells
        let n = graph.geometry.cellCount

        // Outlets: every link's last cell, every placed section, every crossing cell, every conduit's swallow hole.
        for link in network.links { XCTAssertNotNil(reaches.reach(endingAt: link.cells[link.cells.count - 1]), "link \(link.id)") }
        for s in try run.sections() { if let c = s.cell { XCTAssertNotNil(reaches.reach(endingAt: c), s.id) } }
        for x in try run.crossings() { XCTAssertNotNil(reaches.reach(endingAt: x.cell)) }
        for l in graph.links { XCTAssertNotNil(reaches.reach(endingAt: l.from), l.name) }
        XCTAssertGreaterThan(reaches.count, network.links.count, "sections and crossings cut links")

        // Each cell's reach is the first outlet on its D8 path, found by walking it.
        var isOutlet = [Bool](repeating: false, count: n)
        for c in reaches.outlet { isOutlet[Int(c)] = true }
        for c in 0..<n where graph.directions.codes[c] != D8.noData {
            var walk: Int? = c
            while let w = walk, !isOutlet[w] { walk = graph.directions.downstream(of: w) }
            XCTAssertEqual(reaches.reachOfCell[c], walk.map { reaches.reachOfCell[$0] } ?? -1, "cell \(c)")
        }
        for r in 0..<reaches.count {
            XCTAssertEqual(reaches.link[r], network.linkOfCell[Int(reaches.outlet[r])])
            for e in Int(reaches.edgeStart[r])..<Int(reaches.edgeStart[r + 1]) {
                XCTAssertGreaterThan(reaches.edgeReceiver(e), r, "reaches are in topological order")
            }
        }

        // Incremental areas routed over the reaches (with the conduit's share) give the cell-level
        // upstream area at every outlet.
        let metrics = try CellMetrics(graph.geometry)
        let incremental = reaches.incrementalSum { metrics.area[$0 / graph.geometry.width] / 1e6 }
        var total = incremental
        for r in 0..<reaches.count {
            for e in Int(reaches.edgeStart[r])..<Int(reaches.edgeStart[r + 1]) {
                total[reaches.edgeReceiver(e)] += reaches.edgeShare[e] * total[r]
            }
            let expected = area[Int(reaches.outlet[r])]
            XCTAssertEqual(total[r], expected, accuracy: 1e-9 * max(1, expected), "reach \(r)")
        }
        let drained = (0..<n).filter { reaches.reachOfCell[$0] >= 0 }.reduce(0.0) { $0 + metrics.area[$1 / graph.geometry.width] / 1e6 }
        XCTAssertEqual(incremental.reduce(0, +), drained, accuracy: 1e-9 * drained)
    }

    func testAttributionRoutingInItsOwnPassEqualsTheAttributionOfHeldRoutedLoads() throws {
        // The demo has a karst conduit and a reservoir: links split the flow, so the budgets' inflow
        // is summed along links too.
        let folder = try TestPaths.temporaryFolder(self)
        let project = try DemoCase.write(into: folder.path, seed: 5, size: 70)
        let run = try ProjectRun(try ProjectConfig.load(project))
        try run.runThrough(.loads)
        let model = try run.model(), sources = try run.sources()
        XCTAssertFalse(model.graph.links.isEmpty)
        let map = try XCTUnwrap(try run.jurisdictionMap())
        let sections = try run.sections().map(\.cell)
        let crossings = try run.crossings()
        let reaches = try run.reachGraph()
        let held = try LoadAttribution.attribute(try LoadRouting.route(sources, model: model), sources: sources, model: model, map: map,
                                                 reaches: reaches, sectionCells: sections, crossings: crossings)
        let fused = try LoadAttribution.attribute(sources: sources, model: model, map: map, reaches: reaches,
                                                  sectionCells: sections, crossings: crossings)
        XCTAssertEqual(held.count, 3)
        XCTAssertEqual(held.map(\.pollutant), fused.map(\.pollutant))
        // Bit for bit (NaN marks a section off the grid in both).
        func same(_ a: [Double], _ b: [Double], _ what: String) {
            XCTAssertEqual(a.count, b.count, what)
            for (x, y) in zip(a, b) { XCTAssertTrue(x == y || (x.isNaN && y.isNaN), "\(what): \(x) vs \(y)") }
        }
        for (a, b) in zip(held, fused) {
            let p = a.pollutant.name
            for (s, t) in zip(a.sections + a.crossings, b.sections + b.crossings) { same(s.byOrigin, t.byOrigin, "\(p) origins") }
            same(a.generated, b.generated, "\(p) generated")
            same(a.lost, b.lost, "\(p) lost")
            same(a.deliveredOut, b.deliveredOut, "\(p) delivered")
            same(a.received, b.received, "\(p) received")
            same(a.handedOver, b.handedOver, "\(p) handed over")
            same(a.flux.flatMap { $0 }, b.flux.flatMap { $0 }, "\(p) flux")
            XCTAssertGreaterThan(a.lost.reduce(0, +), 0, "decay and delivery lose load")
            XCTAssertGreaterThan(a.flux.flatMap { $0 }.reduce(0, +), 0, "load crosses borders")
        }
    }

    func testCuttingTheNetworkIntoMoreReachesLeavesTheAttributionUnchanged() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let project = try DemoCase.write(into: folder.path, seed: 3, size: 80)
        let run = try ProjectRun(try ProjectConfig.load(project))
        try run.runThrough(.loads)
        let model = try run.model(), sources = try run.sources()
        let routed = try LoadRouting.route(sources, model: model)
        let map = try XCTUnwrap(try run.jurisdictionMap())
        let sections = try run.sections().map(\.cell)
        let crossings = try run.crossings()
        let outlets = sections.compactMap { $0 } + crossings.map(\.cell)
        let coarse = try ReachGraph(graph: model.graph, network: nil, outlets: outlets)
        let fine = try run.reachGraph()
        XCTAssertGreaterThan(fine.count, coarse.count)
        let a = try LoadAttribution.attribute(routed, sources: sources, model: model, map: map, reaches: coarse, sectionCells: sections, crossings: crossings)
        let b = try LoadAttribution.attribute(routed, sources: sources, model: model, map: map, reaches: fine, sectionCells: sections, crossings: crossings)
        for (x, y) in zip(a, b) {
            for (s, t) in zip(x.sections + x.crossings, y.sections + y.crossings) {
                XCTAssertGreaterThan(s.total, 0)
                for (u, v) in zip(s.byOrigin, t.byOrigin) { XCTAssertEqual(u, v, accuracy: 1e-12 * max(1, s.total)) }
            }
            // Each section's origins add up to the routed load there.
            for (split, cell) in zip(y.sections, sections) {
                guard let cell, let routedValue = routed.outflow[y.pollutant]?[cell] else { continue }
                XCTAssertEqual(split.total, routedValue, accuracy: 1e-9 * max(1, routedValue))
            }
        }
    }

    func testOriginVectorMergesLikeDenseArrays() {
        var rng = SeededGenerator(seed: 5)
        for _ in 0..<200 {
            var a = OriginVector(), b = OriginVector()
            var da = [Double](repeating: 0, count: 12), db = da
            for _ in 0..<Int(rng.unit() * 8) {
                let g = Int32(rng.unit() * 12), v = rng.unit()
                a.add(g, v); da[Int(g)] += v
            }
            for _ in 0..<Int(rng.unit() * 8) {
                let g = Int32(rng.unit() * 12), v = rng.unit()
                b.add(g, v); db[Int(g)] += v
            }
            a.sortByGroup(); b.sortByGroup()
            let f = rng.unit()
            a.add(b, times: f)
            for i in 0..<12 { da[i] += db[i] * f }
            XCTAssertEqual(a.dense(count: 12), da)
            XCTAssertEqual(a.groups, a.groups.sorted())
            XCTAssertEqual(Set(a.groups).count, a.groups.count)
        }
    }
}
