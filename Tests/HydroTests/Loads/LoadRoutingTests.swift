import Foundation
import XCTest
@testable import Hydro

final class LoadRoutingTests: XCTestCase {
    private let tp = Pollutant("TP"), nh3 = Pollutant("NH3-N")

    /// A straight channel of `cells` cells of `size` metres, flowing east off the grid.
    private func channel(cells: Int, size: Double) throws -> (FlowGraph, [Bool]) {
        let geometry = GridGeometry.metric(width: cells, height: 1, cellSize: size)
        let d = try FlowDirections(geometry: geometry, codes: [UInt8](repeating: 0, count: cells))
        return (try FlowGraph(directions: d), [Bool](repeating: true, count: cells))
    }

    func testStraightChannelDecaysExponentially() throws {
        let (graph, isChannel) = try channel(cells: 50, size: 200)
        let k = 0.8, v = 0.3  // 1/day, m/s
        let model = try LoadModel(graph: graph, isChannel: isChannel,
                                  parameters: TransportParameters(decayPerDay: [tp: k], velocity: .constant(v)))
        var sources = LoadSources(pollutants: [tp], cellCount: 50)
        sources.add(tp, cell: 0, kgPerYear: 1000)
        let routed = try LoadRouting.route(sources, model: model)
        // Generated mid-reach in the first cell: it travels half that reach and 49 whole ones.
        let length = 49.5 * 200
        let expected = 1000 * exp(-k * length / v / 86400)
        XCTAssertEqual(routed.outflow[tp]?[49] ?? 0, expected, accuracy: expected * 1e-9)
        let budget = try XCTUnwrap(routed.budgets[tp])
        XCTAssertEqual(budget.delivered(at: 49), expected, accuracy: expected * 1e-9)
        XCTAssertEqual(budget.imbalance, 0, accuracy: 1e-9)
        // Velocity as a power of upstream area gives the same answer when the exponent is 0.
        let power = try LoadModel(graph: graph, isChannel: isChannel,
                                  parameters: TransportParameters(decayPerDay: [tp: k], velocity: .powerLaw(a: v, b: 0)))
        XCTAssertEqual(try LoadRouting.route(sources, model: power).outflow[tp]?[49] ?? 0, expected, accuracy: expected * 1e-9)
    }

    /// A reservoir on a decaying channel: the reservoir is charged with what it retains of the load
    /// reaching it, the channel with the decay, and each pollutant keeps its own rate.
    func testReservoirOnADecayingChannelSplitsTheLosses() throws {
        let (graph, isChannel) = try channel(cells: 10, size: 200)
        let k = [tp: 0.8, nh3: 0.3], v = 0.3
        let reservoir = Reservoir(name: "R", cell: 5, retention: .fractions([tp: 0.25]))
        let model = try LoadModel(graph: graph, isChannel: isChannel,
                                  parameters: TransportParameters(decayPerDay: k, velocity: .constant(v)), reservoirs: [reservoir])
        var sources = LoadSources(pollutants: [tp, nh3], cellCount: 10)
        sources.add(tp, cell: 0, kgPerYear: 1000)
        sources.add(nh3, cell: 0, kgPerYear: 500)
        let routed = try LoadRouting.route(sources, model: model)
        func kept(_ p: Pollutant, metres: Double) -> Double { exp(-(k[p] ?? 0) * metres / v / 86400) }
        let reachingReservoir = 1000 * kept(tp, metres: 5.5 * 200)
        let delivered = 1000 * kept(tp, metres: 9.5 * 200) * 0.75
        let budget = try XCTUnwrap(routed.budgets[tp])
        XCTAssertEqual(budget.delivered, delivered, accuracy: 1e-9)
        XCTAssertEqual(budget.lostInReservoirs, reachingReservoir * 0.25, accuracy: 1e-9)
        XCTAssertEqual(budget.lostInStreams, 1000 - delivered - reachingReservoir * 0.25, accuracy: 1e-9)
        XCTAssertEqual(budget.lostOnLand, 0, accuracy: 1e-12)
        let other = try XCTUnwrap(routed.budgets[nh3])
        XCTAssertEqual(other.delivered, 500 * kept(nh3, metres: 9.5 * 200), accuracy: 1e-9)
        XCTAssertEqual(other.lostInReservoirs, 0, accuracy: 1e-12)
        // The whole-grid factors (used by attribution) give the same outflow cell by cell.
        let (pass, own) = model.factors(for: tp)
        var load = own[0] * 1000
        for c in 1..<10 {
            load *= pass[c]
            XCTAssertEqual(routed.outflow[tp]?[c] ?? 0, load, accuracy: 1e-9)
        }
    }

    func testReservoirAndDeliveryRetainTheirShare() throws {
        let (graph, _) = try channel(cells: 10, size: 100)
        var isChannel = [Bool](repeating: true, count: 10)
        for i in 0..<4 { isChannel[i] = false }  // land: 4 cells upstream of the channel
        let reservoir = Reservoir(name: "R", cell: 7, retention: .fractions([tp: 0.25]))
        let model = try LoadModel(graph: graph, isChannel: isChannel,
                                  parameters: TransportParameters(delivery: .exponential(lengthScale: 200)), reservoirs: [reservoir])
        var sources = LoadSources(pollutants: [tp], cellCount: 10)
        sources.add(tp, cell: 0, kgPerYear: 100)   // 400 m from the stream
        let routed = try LoadRouting.route(sources, model: model)
        XCTAssertEqual(model.cellFactors(for: tp).own(0), exp(-400.0 / 200), accuracy: 1e-12, "delivery over the 400 m to the stream")
        XCTAssertEqual(model.reachLength(of: 0), 100, accuracy: 1e-9)
        let expected = 100 * exp(-400.0 / 200) * 0.75
        XCTAssertEqual(routed.outflow[tp]?[9] ?? 0, expected, accuracy: 1e-9)
        let budget = try XCTUnwrap(routed.budgets[tp])
        XCTAssertEqual(budget.lostOnLand, 100 * (1 - exp(-2.0)), accuracy: 1e-9)
        XCTAssertEqual(budget.lostInReservoirs, 100 * exp(-2.0) * 0.25, accuracy: 1e-9)
        XCTAssertEqual(budget.imbalance, 0, accuracy: 1e-9)
    }

    func testRoutingIsIdenticalForAnyThreadCount() throws {
        let (model, dem) = try valleyModel(seed: 5, k: 0.3)
        let sources = randomSources(dem.count, seed: 8)
        let one = try LoadRouting.route(sources, model: model, threads: 1)
        let two = try LoadRouting.route(sources, model: model, threads: 2)
        for p in [tp, nh3] {
            XCTAssertEqual(one.outflow[p]?.map(\.bitPattern), two.outflow[p]?.map(\.bitPattern), p.name)
            XCTAssertEqual(one.budgets[p], two.budgets[p], p.name)
        }
    }

    private func valleyModel(seed: UInt64, k: Double) throws -> (LoadModel, Grid<Float>) {
        var dem = SyntheticTerrain.valley(width: 150, height: 100, seed: seed)
        _ = try DepressionFilling.fill(&dem)
        let d = try D8FlowDirection.compute(dem)
        let graph = try FlowGraph(directions: d)
        let area = graph.accumulate { _ in 900.0 / 1e6 }
        let model = try LoadModel(graph: graph, isChannel: area.map { $0 >= 0.5 },
                                  parameters: TransportParameters(decayPerDay: [tp: k, nh3: 2 * k], velocity: .powerLaw(a: 0.1, b: 0.3),
                                                                  delivery: .exponential(lengthScale: 300)))
        return (model, dem)
    }

    private func randomSources(_ n: Int, seed: UInt64) -> LoadSources {
        var rng = SeededGenerator(seed: seed)
        var s = LoadSources(pollutants: [tp, nh3], cellCount: n)
        for i in 0..<n where rng.unit() < 0.3 {
            s.add(tp, cell: i, kgPerYear: rng.unit() * 10)
            s.add(nh3, cell: i, kgPerYear: rng.unit() * 40)
        }
        return s
    }

    func testRoutingIsLinearAndBudgetsClose() throws {
        let (model, dem) = try valleyModel(seed: 3, k: 0.5)
        let a = randomSources(dem.count, seed: 1), b = randomSources(dem.count, seed: 2)
        var both = a
        for p in [tp, nh3] { for i in 0..<dem.count { both.generated[p]?[i] += b.generated[p]?[i] ?? 0 } }
        let doubled = a.scaled(tp, by: 2) { _ in true }.scaled(nh3, by: 2) { _ in true }
        let ra = try LoadRouting.route(a, model: model), rb = try LoadRouting.route(b, model: model)
        let rBoth = try LoadRouting.route(both, model: model), rDoubled = try LoadRouting.route(doubled, model: model)
        for p in [tp, nh3] {
            let oa = try XCTUnwrap(ra.outflow[p]), ob = try XCTUnwrap(rb.outflow[p])
            let oBoth = try XCTUnwrap(rBoth.outflow[p]), oDoubled = try XCTUnwrap(rDoubled.outflow[p])
            for i in 0..<dem.count where !oa[i].isNaN {
                XCTAssertEqual(oBoth[i], oa[i] + ob[i], accuracy: 1e-9 * max(1, oBoth[i]))
                XCTAssertEqual(oDoubled[i], 2 * oa[i], accuracy: 1e-9 * max(1, oDoubled[i]))
            }
            for r in [ra, rb, rBoth] {
                let budget = try XCTUnwrap(r.budgets[p])
                XCTAssertEqual(budget.imbalance, 0, accuracy: 1e-9 * budget.generated)
                XCTAssertGreaterThan(budget.lost, 0)
            }
        }
    }

    func testNoDecayDeliversEverythingOnTheChishuiDEM() throws {
        let path = try TestPaths.shared("guizhou_dem_1km/chishui_basin_dem_1km.tif")
        var dem = try RasterReader.read(path, as: Float.self)
        _ = try DepressionFilling.fill(&dem)
        let graph = try FlowGraph(directions: try D8FlowDirection.compute(dem))
        let metrics = try CellMetrics(dem.geometry)
        let area = graph.accumulate { metrics.area[$0 / dem.width] / 1e6 }
        let model = try LoadModel(graph: graph, isChannel: area.map { $0 >= 50 }, parameters: TransportParameters())
        var sources = LoadSources(pollutants: [tp], cellCount: dem.count)
        var rng = SeededGenerator(seed: 11)
        for i in 0..<dem.count where dem.isValid(at: i) { sources.add(tp, cell: i, kgPerYear: rng.unit() * metrics.area[i / dem.width] / 1e4) }
        let routed = try LoadRouting.route(sources, model: model)
        let budget = try XCTUnwrap(routed.budgets[tp])
        XCTAssertEqual(budget.delivered / sources.total(tp), 1, accuracy: 1e-9)
        XCTAssertEqual(budget.lost, 0, accuracy: 1e-9 * budget.generated)
    }

    func testKarstLinksCarryLoadAndCyclesAreRejected() throws {
        // Two parallel rows flowing east; a conduit takes 60 % of what reaches (2, 0) to (5, 1).
        let geometry = GridGeometry.metric(width: 8, height: 2, cellSize: 100)
        let d = try FlowDirections(geometry: geometry, codes: [UInt8](repeating: 0, count: 16))
        let graph = try FlowGraph(directions: d, links: [FlowLink(name: "conduit", from: 2, to: 13, share: 0.6)])
        let model = try LoadModel(graph: graph, isChannel: [Bool](repeating: true, count: 16), parameters: TransportParameters())
        var sources = LoadSources(pollutants: [tp], cellCount: 16)
        sources.add(tp, cell: 0, kgPerYear: 100)
        let routed = try LoadRouting.route(sources, model: model)
        XCTAssertEqual(routed.outflow[tp]?[7] ?? 0, 40, accuracy: 1e-9)
        XCTAssertEqual(routed.outflow[tp]?[15] ?? 0, 60, accuracy: 1e-9)
        let counts = graph.accumulate { _ in 1 }
        XCTAssertEqual(counts[15], 8 + 0.6 * 3, accuracy: 1e-12, "accumulation honours the link")
        // A link back upstream closes a loop.
        XCTAssertThrowsError(try FlowGraph(directions: d, links: [FlowLink(name: "back", from: 5, to: 1)])) { error in
            XCTAssertEqual((error as? HydroError)?.kind, .cycle)
            XCTAssertTrue("\(error)".contains("'back'"), "\(error)")
        }
        XCTAssertThrowsError(try FlowGraph(directions: d, links: [FlowLink(name: "x", from: 2, to: 13, share: 1.5)]))
    }

    func testLinkCellsAreFoundWhereverTheyLieInTheGrid() throws {
        // Two rows of 70 cells flowing east: link sources in different 64-cell words of the grid and
        // at a word's last cell (63); their neighbours have their D8 receiver alone.
        let geometry = GridGeometry.metric(width: 70, height: 2, cellSize: 100)
        let d = try FlowDirections(geometry: geometry, codes: [UInt8](repeating: 0, count: 140))
        let graph = try FlowGraph(directions: d, links: [FlowLink(name: "a", from: 63, to: 75, share: 0.25),
                                                         FlowLink(name: "b", from: 66, to: 135, share: 1),
                                                         FlowLink(name: "c", from: 100, to: 130, share: 0.5)])
        func receivers(_ c: Int) -> [String] {
            var out: [String] = []
            graph.forEachReceiver(of: c) { j, s in out.append("\(j):\(s)") }
            return out
        }
        XCTAssertEqual(receivers(63), ["64:0.75", "75:0.25"])
        XCTAssertEqual(receivers(66), ["135:1.0"], "all of it takes the link")
        XCTAssertEqual(receivers(100), ["101:0.5", "130:0.5"])
        for c in [0, 62, 64, 65, 67, 99, 101, 128] { XCTAssertEqual(receivers(c), ["\(c + 1):1.0"], "cell \(c)") }
        XCTAssertEqual(receivers(69), [], "the east edge")
        XCTAssertEqual(graph.d8Share(of: 63), 0.75)
        XCTAssertEqual(graph.d8Share(of: 64), 1)
        XCTAssertEqual(graph.d8Share(of: 66), 0)
        XCTAssertEqual(graph.leavingShare(of: 69), 1)
        // Cells counted by hand: 64 reach cell 63, 16 of them go down link a; 51 reach 66 and all go
        // to 135; 67 receives nothing; 47 reach 100 and half go to 130.
        let counts = graph.accumulate { _ in 1 }
        XCTAssertEqual(counts[64], 49)
        XCTAssertEqual(counts[67], 1)
        XCTAssertEqual(counts[75], 22)
        XCTAssertEqual(counts[130], 77)
        XCTAssertEqual(counts[135], 133)
        XCTAssertEqual(counts[69] + counts[139], 140, "every cell leaves at the east edge")
    }

    func testParametersAreValidatedByName() {
        XCTAssertThrowsError(try TransportParameters(decayPerDay: [tp: -1]).validate()) { XCTAssertTrue("\($0)".hasPrefix("decay.TP")) }
        XCTAssertThrowsError(try TransportParameters(velocity: .constant(0)).validate()) { XCTAssertTrue("\($0)".hasPrefix("velocity")) }
        XCTAssertThrowsError(try TransportParameters(delivery: .constant(1.5)).validate())
        XCTAssertThrowsError(try Pollutant(parsing: "arsenic", parameter: "pollutants")) { XCTAssertTrue("\($0)".contains("unknown pollutant 'arsenic'")) }
        XCTAssertEqual(try Pollutant(parsing: "nh3n", parameter: "p").name, "NH3-N")
        XCTAssertEqual(try Pollutant(parsing: "Permanganate index", parameter: "p").name, "CODMn")
        XCTAssertThrowsError(try LoadUnit(parsing: "furlongs", parameter: "unit")) { XCTAssertTrue("\($0)".contains("not understood")) }
        XCTAssertEqual(try LoadUnit(parsing: "t/a", parameter: "u").kilogramsPerYear, 1000)
    }
}
