import XCTest
@testable import Hydro

/// The flow graph's basin halves: whole basins (joined by links), balanced by cells, and passes run
/// on the two halves at once giving the one-piece figures bit for bit.
final class BasinHalvesTests: XCTestCase {
    /// 9 columns × 3 rows, every cell draining north off the grid, except the top row's first four
    /// cells, which drain east into column 4: one basin of 15 cells (columns 0–4) and four of 3.
    func hand(links: [FlowLink] = []) throws -> FlowGraph {
        let width = 9, height = 3
        var codes = [UInt8](repeating: 6, count: width * height)   // 6: north
        for column in 0..<4 { codes[column] = 0 }                     // 0: east
        let directions = try FlowDirections(geometry: .metric(width: width, height: height, cellSize: 30), codes: codes)
        return try FlowGraph(directions: directions, links: links, splitBasinsFrom: 0)
    }

    func columns(inSecondHalfOf graph: FlowGraph) -> [Int] {
        let width = graph.geometry.width
        var columns = Set<Int>()
        for c in 0..<graph.geometry.cellCount where graph.basinHalves.second.contains(c) { columns.insert(c % width) }
        return columns.sorted()
    }

    func testHalvesHoldWholeBasinsBalancedByCells() throws {
        let graph = try hand()
        XCTAssertEqual(graph.basinPartCount, 2)
        // Largest first to the smaller half: 15 | 3 + 3 + 3 + 3.
        XCTAssertEqual(graph.basinHalves.cells, [15, 12])
        XCTAssertEqual(columns(inSecondHalfOf: graph), [5, 6, 7, 8])
        for row in 0..<3 {
            for column in 0..<9 {
                XCTAssertEqual(graph.basinHalves.second.contains(row * 9 + column), column >= 5, "column \(column), row \(row)")
            }
        }
    }

    func testALinkJoinsTheBasinsItConnects() throws {
        // Column 8's bottom cell sends half its water to column 0: columns 0–4 and 8 are one basin
        // of 18 cells, against 3 + 3 + 3.
        let joined = try hand(links: [FlowLink(name: "conduit", from: 8 + 2 * 9, to: 0 + 2 * 9, share: 0.5)])
        XCTAssertEqual(joined.basinHalves.cells, [18, 9])
        XCTAssertEqual(columns(inSecondHalfOf: joined), [5, 6, 7])
        // Links tying every basin into one leave nothing to split (half the water of each small
        // basin's bottom cell goes on north, half to column 0).
        let one = try hand(links: (5...8).map { FlowLink(name: "c\($0)", from: $0 + 2 * 9, to: 2 * 9, share: 0.5) })
        XCTAssertEqual(one.basinPartCount, 1)
        XCTAssertTrue(one.basinHalves.second.isEmpty)
        // A link taking all of a cell's water cuts it from the cells it would have drained to: the
        // bottom cells of columns 5–8 join column 0's basin (19 cells), the two cells above each
        // stay a basin of their own.
        let cut = try hand(links: (5...8).map { FlowLink(name: "c\($0)", from: $0 + 2 * 9, to: 2 * 9, share: 1) })
        XCTAssertEqual(cut.basinHalves.cells, [19, 8])
        XCTAssertEqual((0..<27).filter { cut.basinHalves.second.contains($0) }, [5, 6, 7, 8, 14, 15, 16, 17])
    }

    func testSmallGridsAreNotSplitByDefault() throws {
        let directions = try hand().directions
        XCTAssertEqual(try FlowGraph(directions: directions).basinPartCount, 1)
    }

    func testRoutingOnBasinHalvesEqualsOnePiece() throws {
        let whole = try TiledLoadsTests.makeCase()
        let split = try TiledLoadsTests.makeCase(splitBasinsFrom: 0)
        XCTAssertEqual(whole.model.graph.basinPartCount, 1)
        XCTAssertEqual(split.model.graph.basinPartCount, 2, "the fixture drains to many edge cells")
        XCTAssertTrue(split.model.graph.basinHalves.cells.allSatisfy { $0 > 100 }, "both halves hold cells: \(split.model.graph.basinHalves.cells)")
        for p in whole.sources.pollutants {
            let expected = LoadRouting.route(p, generated: whole.sources.generated[p] ?? [], model: whole.model, threads: 1)
            XCTAssertGreaterThan(expected.budget.outletCells.count, 2)
            for threads in [1, 2] {
                let got = LoadRouting.route(p, generated: split.sources.generated[p] ?? [], model: split.model, threads: threads)
                XCTAssertEqual(TiledLoadsTests.bits(got.outflow), TiledLoadsTests.bits(expected.outflow), "\(p.name), \(threads) threads")
                // The outlets (links: gathered by half, merged in routing order) and every sum, to the bit.
                XCTAssertEqual(got.budget, expected.budget, "\(p.name), \(threads) threads")
                XCTAssertEqual(got.budget.delivered.bitPattern, expected.budget.delivered.bitPattern)
            }
        }
    }

    func testAttributionOnBasinHalvesEqualsOnePiece() throws {
        let whole = try TiledLoadsTests.makeCase()
        let split = try TiledLoadsTests.makeCase(splitBasinsFrom: 0)
        let (map, _, sectionCells) = try TiledLoadsTests.bandedUnits(whole)
        func attribution(_ c: TiledLoadsTests.Case, threads: Int) throws -> [PollutantAttribution] {
            let crossings = try BorderCrossing.find(on: c.model.graph, map: map, isChannel: c.model.isChannel)
            let reaches = try ReachGraph(graph: c.model.graph, network: nil, outlets: sectionCells.compactMap { $0 } + crossings.map(\.cell))
            return try LoadAttribution.attribute(sources: c.sources, model: c.model, map: map, reaches: reaches, sectionCells: sectionCells,
                                                 crossings: crossings, threads: threads)
        }
        let bits = TiledLoadsTests.bits(of:)
        let expected = try attribution(whole, threads: 1)
        XCTAssertEqual(expected.count, 2)
        XCTAssertGreaterThan(expected[0].flux.joined().filter { $0 > 0 }.count, 1, "loads handed between units")
        XCTAssertGreaterThan(expected[0].sections[0].byOrigin.filter { $0 > 0 }.count, 1, "a section drawing on several units")
        for threads in [1, 2] {
            let got = try attribution(split, threads: threads)
            XCTAssertEqual(got.map { $0.pollutant }, expected.map { $0.pollutant })
            XCTAssertEqual(got.map(bits), expected.map(bits), "\(threads) threads")
        }
    }
}
