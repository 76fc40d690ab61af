import Foundation
import XCTest
@testable import Hydro

/// Grids made on demand, one pollutant at a time, give the figures that held grids give, bit for bit.
final class PollutantGridsTests: XCTestCase {
    private let tp = Pollutant("TP"), nh3 = Pollutant("NH3-N")

    /// A valley with a karst link (so the routing takes its split-flow path) and channel cells.
    private func model() throws -> LoadModel {
        var dem = SyntheticTerrain.valley(width: 90, height: 60, seed: 4)
        _ = try DepressionFilling.fill(&dem)
        let d = try D8FlowDirection.compute(dem)
        let link = FlowLink(name: "conduit", from: 20 * 90 + 30, to: 30 * 90 + 60, share: 0.6)
        let graph = try FlowGraph(directions: d, links: [link])
        let area = graph.accumulate { _ in 900.0 / 1e6 }
        return try LoadModel(graph: graph, isChannel: area.map { $0 >= 0.3 },
                             parameters: TransportParameters(decayPerDay: [tp: 0.2, nh3: 0.5], velocity: .powerLaw(a: 0.1, b: 0.3),
                                                             delivery: .exponential(lengthScale: 300)))
    }

    private func loads(_ p: Pollutant, _ n: Int) -> [Double] {
        var rng = SeededGenerator(seed: p == tp ? 11 : 12)
        return (0..<n).map { _ in rng.unit() < 0.4 ? rng.unit() * 20 : 0 }
    }

    func testOnDemandRoutingEqualsHeldRouting() throws {
        let model = try model()
        let n = model.graph.geometry.cellCount
        var held = LoadSources(pollutants: [tp, nh3], cellCount: n)
        held.generated[tp] = loads(tp, n)
        held.generated[nh3] = loads(nh3, n)
        var made = 0
        let maker = PollutantGrids.GridMaker { p in made += 1; return self.loads(p, n) }
        let onDemand = LoadSources(pollutants: [tp, nh3], cellCount: n, maker: maker)
        XCTAssertEqual(made, 0, "nothing is made before it is asked for")
        XCTAssertTrue(onDemand.generated.contains(tp) && !onDemand.generated.contains(Pollutant("TN")))
        XCTAssertEqual(made, 0, "asking whether a grid exists makes none")

        let routed = try LoadRouting.route(held, model: model)
        let lazy = RoutedLoads.onDemand(onDemand, model: model)
        XCTAssertEqual(lazy.pollutants, routed.pollutants)
        for p in [tp, nh3] {
            let expected = try XCTUnwrap(routed.outflow[p])
            XCTAssertEqual(try XCTUnwrap(lazy.outflow[p]).map(\.bitPattern), expected.map(\.bitPattern), p.name)
            // The single-pollutant pass the loads step runs: the same outflow and budget.
            let one = LoadRouting.route(p, generated: try XCTUnwrap(onDemand.generated[p]), model: model)
            XCTAssertEqual(one.outflow.map(\.bitPattern), expected.map(\.bitPattern), p.name)
            XCTAssertEqual(one.budget, routed.budgets[p], p.name)
        }
        XCTAssertNil(lazy.outflow[Pollutant("TN")])
    }

    func testChangingAMadeGridKeepsTheChange() throws {
        let maker = PollutantGrids.GridMaker { _ in [1, 2, 3] }
        var sources = LoadSources(pollutants: [tp], cellCount: 3, maker: maker)
        sources.add(tp, cell: 1, kgPerYear: 10)
        sources.add(nh3, cell: 0, kgPerYear: 5)
        XCTAssertEqual(sources.generated[tp], [1, 12, 3])
        XCTAssertEqual(sources.generated[nh3], [5, 0, 0])
        XCTAssertEqual(sources.pollutants, [nh3, tp])
        XCTAssertEqual(sources.total(tp), 16)
    }
}

/// Land use kept as class positions gives every cell its class's coefficient, as the class codes do.
final class ClassPositionsTests: XCTestCase {
    func testPositionsLookUpTheSameCoefficients() throws {
        let tp = Pollutant("TP"), tn = Pollutant("TN")
        let geometry = GridGeometry.metric(width: 7, height: 3, cellSize: 100)
        let codes: [Int32] = [1, 1, 2, 3, -1, 42, 2, 3, 3, 3, 1, -1, 7, 7, 1, 2, 2, 42, 1, 3, 1]
        let classes = try Grid(geometry: geometry, cells: codes, nodata: -1)
        // Class 42 has no coefficient; TN is given for class 2 only.
        let rates: [Pollutant: [Int32: Double]] = [tp: [1: 0.2, 2: 0.6, 3: 1.2, 7: 0], tn: [1: 0, 2: 5, 3: 0, 7: 0]]
        guard case .classPositions(let positions, let table) = ProjectInputs.DiffuseLayer.coefficients(classes, rates: rates) else {
            return XCTFail("few classes are kept as positions")
        }
        XCTAssertEqual(positions.count, codes.count)
        for p in [tp, tn] {
            let rate = try XCTUnwrap(table[p])
            for i in codes.indices {
                let expected: Double? = classes.isValid(at: i) ? rates[p]?[codes[i]] : nil
                XCTAssertEqual(rate[positions[i]], expected, "\(p.name) cell \(i)")
            }
        }
        XCTAssertEqual(positions[4], 0, "nodata has position 0")
        XCTAssertFalse(positions.isWide, "a few classes take one byte a cell")
    }

    /// Past 255 classes the positions widen to two bytes, and every cell keeps its class's coefficient.
    func testManyClassesWidenThePositions() throws {
        let tp = Pollutant("TP")
        let geometry = GridGeometry.metric(width: 40, height: 20, cellSize: 100)
        // 300 codes, each on a few cells, met in an order that is not their numeric order.
        let codes = (0..<800).map { Int32(($0 * 37) % 300 + 1000) }
        let classes = try Grid(geometry: geometry, cells: codes, nodata: -1)
        let rates: [Pollutant: [Int32: Double]] = [tp: Dictionary(uniqueKeysWithValues: (1000..<1300).map { (Int32($0), Double($0) / 7) })]
        guard case .classPositions(let positions, let table) = ProjectInputs.DiffuseLayer.coefficients(classes, rates: rates) else {
            return XCTFail("300 classes are kept as positions")
        }
        XCTAssertTrue(positions.isWide)
        let rate = try XCTUnwrap(table[tp])
        for i in codes.indices { XCTAssertEqual(rate[positions[i]], Double(codes[i]) / 7, "cell \(i)") }
    }
}
