import Foundation
import XCTest
@testable import Hydro

/// Load routing and attribution by tiles equal the in-memory passes bit for bit, for any tiling,
/// with karst links whose ends lie in different tiles.
final class TiledLoadsTests: XCTestCase {
    private let tp = TiledLoadsTests.tp, nh3 = TiledLoadsTests.nh3
    static let tp = Pollutant("TP"), nh3 = Pollutant("NH3-N")

    static let tilings: [(Int, Int)] = [
        (20, 15),         // 2×2 tiles
        (14, 6),          // 3×5
        (5, 4),           // 8×8, not dividing the rows
        (7, 11),          // sizes dividing neither side
        (40, 1),          // tiles of one row
        (13, 1), (1, 9),  // one-row and one-column tiles
    ]

    struct Case {
        var model: LoadModel
        var sources: LoadSources
        var links: [FlowLink]
    }

    /// The tiled terrain tests' DEM (a bowl, a plateau and a valley floor across tile edges, nodata),
    /// filled, with two karst links between far tiles (one taking all, one part of the flow), a
    /// reservoir on the channel and one on land.
    /// `splitBasinsFrom`: as `FlowGraph`'s (0 splits the graph into basin halves however small).
    static func makeCase(width: Int = 40, height: Int = 30, seed: UInt64 = 7, splitBasinsFrom: Int = FlowGraph.basinSplitMinimumCells) throws -> Case {
        var dem = TiledTerrainTests.dem(width: width, height: height, seed: seed)
        _ = try DepressionFilling.fill(&dem)
        let directions = try D8FlowDirection.compute(dem)
        let links = [FlowLink(name: "sink", from: 36 + 4 * width, to: 8 + 21 * width, share: 1),
                     FlowLink(name: "split", from: 31 + 26 * width, to: 12 + 6 * width, share: 0.4)]
        let graph = try FlowGraph(directions: directions, links: links, splitBasinsFrom: splitBasinsFrom)
        let area = graph.accumulate { _ in 900.0 / 1e6 }
        let isChannel = area.map { !$0.isNaN && $0 >= 0.04 }
        let channelCell = try XCTUnwrap((0..<area.count).first { isChannel[$0] && $0 % width > 10 && $0 % width < 30 && $0 / width > 8 })
        let landCell = try XCTUnwrap((0..<area.count).first { !isChannel[$0] && !area[$0].isNaN && $0 / width == 14 && $0 % width >= 18 })
        let model = try LoadModel(graph: graph, isChannel: isChannel,
                                  parameters: TransportParameters(decayPerDay: [tp: 0.4, nh3: 1.1], velocity: .powerLaw(a: 0.1, b: 0.3),
                                                                  delivery: .exponential(lengthScale: 150)),
                                  reservoirs: [Reservoir(name: "R", cell: channelCell, retention: .fractions([tp: 0.25, nh3: 0.1])),
                                               Reservoir(name: "pond", cell: landCell, retention: .fractions([tp: 0.5]))])
        var rng = SeededGenerator(seed: seed &+ 11)
        var sources = LoadSources(pollutants: [tp, nh3], cellCount: width * height)
        for i in 0..<(width * height) where !area[i].isNaN && rng.unit() < 0.6 {
            sources.add(tp, cell: i, kgPerYear: rng.unit() * 3.7)
            sources.add(nh3, cell: i, kgPerYear: rng.unit() * 41)
        }
        return Case(model: model, sources: sources, links: links)
    }

    static func window<T>(_ cells: [T], width: Int) -> TiledLoads.Window<T> { TiledLoads.window(cells, width: width) }

    static func bits(_ values: [Double]) -> [UInt64] { values.map { $0.isNaN ? UInt64.max : $0.bitPattern } }

    /// Every figure of an attribution as bits: sections, crossings, flux and the budgets by unit.
    static func bits(of a: PollutantAttribution) -> [[UInt64]] {
        a.sections.map { bits($0.byOrigin) } + a.crossings.map { bits($0.byOrigin) } + a.flux.map(bits)
            + [a.generated, a.received, a.handedOver, a.deliveredOut, a.lost].map(bits)
    }

    /// Three units in bands across the case's grid (and cells outside every unit); sections on the
    /// channel, at an outlet, and one off the grid.
    static func bandedUnits(_ c: Case) throws -> (map: JurisdictionMap, labels: [Int32], sectionCells: [Int?]) {
        let geometry = c.model.graph.geometry
        let width = geometry.width
        let labels = (0..<geometry.cellCount).map { i -> Int32 in
            let col = i % width, row = i / width
            return col < 3 && row > 20 ? -1 : Int32(min(2, (col + row / 3) / 14))
        }
        let map = try JurisdictionMap(level: .county, units: ["A", "B", "C"].map { .init(id: $0, name: $0) }, labels: labels, geometry: geometry)
        let channel = (0..<geometry.cellCount).filter { c.model.isChannel[$0] }
        return (map, labels, [channel[channel.count / 2], channel[channel.count / 5], c.model.outletCells.first, nil])
    }

    /// An empty folder for tile states kept in files.
    static func stateFolder() throws -> String {
        let folder = (NSTemporaryDirectory() as NSString).appendingPathComponent("tiled-states-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    func tiledRoute(_ c: Case, _ p: Pollutant, tiles: (Int, Int), stateFolder: String? = nil) throws -> (outflow: [Double], routed: TiledLoads.Routed) {
        let g = c.model.graph.geometry
        let layout = try TileLayout(width: g.width, height: g.height, tileWidth: tiles.0, tileHeight: tiles.1)
        var outflow = [Double](repeating: -1, count: g.cellCount)
        let routed = try TiledLoads.route(p, layout: layout, codes: Self.window(c.model.graph.directions.codes, width: g.width),
                                          links: c.links, generated: Self.window(c.sources.generated[p] ?? [], width: g.width),
                                          transport: Self.window(c.model.cellTransport(for: p), width: g.width),
                                          stateFolder: stateFolder) { tile, values in
            for r in 0..<tile.rows { for col in 0..<tile.columns { outflow[(tile.row + r) * g.width + tile.column + col] = values[r * tile.columns + col] } }
        }
        return (outflow, routed)
    }

    func testTiledRoutingEqualsInMemoryForEveryTiling() throws {
        let c = try Self.makeCase()
        let width = c.model.graph.geometry.width
        for p in [tp, nh3] {
            let expected = LoadRouting.route(p, generated: c.sources.generated[p] ?? [], model: c.model)
            // The fixture routes through what the tiles must get right: both links, both reservoirs, decay.
            XCTAssertGreaterThan(expected.outflow[8 + 21 * width], 0)
            XCTAssertGreaterThan(expected.budget.lostInReservoirs, 0)
            XCTAssertGreaterThan(expected.budget.lostInStreams, 0)
            XCTAssertEqual(expected.budget.imbalance / expected.budget.generated, 0, accuracy: 1e-12, "mass balance in memory")
            for (k, tiles) in Self.tilings.enumerated() {
                let folder = k % 2 == 0 ? try Self.stateFolder() : nil
                defer { if let folder { try? FileManager.default.removeItem(atPath: folder) } }
                let (outflow, routed) = try tiledRoute(c, p, tiles: tiles, stateFolder: folder)
                let label = "\(p.name), tiles \(tiles.0)×\(tiles.1)\(folder == nil ? "" : ", states in files")"
                if let folder { XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), [], "no tile state left, \(label)") }
                let wrong = (0..<outflow.count).filter { Self.bits(outflow)[$0] != Self.bits(expected.outflow)[$0] }
                XCTAssertEqual(wrong.count, 0, "outflow differs at \(wrong.prefix(5).map { ($0 % width, $0 / width, outflow[$0], expected.outflow[$0]) }), \(label)")
                XCTAssertEqual(routed.budget, expected.budget, label)
                XCTAssertEqual(routed.budget.delivered.bitPattern, expected.budget.delivered.bitPattern, label)
                XCTAssertEqual(routed.budget.imbalance / routed.budget.generated, 0, accuracy: 1e-12, "mass balance, \(label)")
            }
        }
        // The links cross tiles and chains of tiles feed back: more visits than tiles.
        let (_, quarters) = try tiledRoute(c, tp, tiles: (20, 15))
        XCTAssertGreaterThan(quarters.crossings, 10)
        let (_, strips) = try tiledRoute(c, tp, tiles: (1, 9))
        XCTAssertGreaterThan(strips.visits, try TileLayout(width: 40, height: 30, tileWidth: 1, tileHeight: 9).count)
    }

    /// The key rule itself, on a grid with many random links (several from one cell, a link to a
    /// cell's own D8 receiver): in one tile covering the grid, donors sorted by key come in the flow
    /// graph's order, and so do the outlets. Summing donors in another order changes some outflow.
    func testKeysReproduceTheFlowGraphOrderWithManyLinks() throws {
        let width = 23, height = 17
        var dem = TiledTerrainTests.dem(width: width, height: height, seed: 3)
        _ = try DepressionFilling.fill(&dem)
        let directions = try D8FlowDirection.compute(dem)
        var rng = SeededGenerator(seed: 99)
        var links: [FlowLink] = []
        let valid = (0..<directions.codes.count).filter { directions.codes[$0] != D8.noData }
        var graph = try FlowGraph(directions: directions)
        // One cell linked to its own D8 receiver and two more cells: edges into one cell from one donor.
        let donor = try XCTUnwrap(valid.first { graph.d8Receiver(of: $0) >= 0 && $0 > width * 5 })
        for candidate in [FlowLink(name: "own receiver", from: donor, to: graph.d8Receiver(of: donor), share: 0.3),
                          FlowLink(name: "second", from: donor, to: valid[valid.count / 3], share: 0.2)]
                        + (0..<60).map({ k in FlowLink(name: "l\(k)", from: valid[Int(rng.next() % UInt64(valid.count))],
                                                       to: valid[Int(rng.next() % UInt64(valid.count))],
                                                       share: [0.25, 0.5, 1][Int(rng.next() % 3)]) }) {
            if let g = try? FlowGraph(directions: directions, links: links + [candidate]) { links.append(candidate); graph = g }
        }
        XCTAssertGreaterThan(links.count, 30)
        XCTAssertGreaterThan(Dictionary(grouping: links, by: \.from).values.map(\.count).max() ?? 0, 1)
        let position = Dictionary(uniqueKeysWithValues: graph.order.enumerated().map { (Int($1), $0) })
        let layout = try TileLayout(width: width, height: height, tileWidth: width, tileHeight: height)
        let tiled = try TiledRouting.Links(links, cellCount: width * height)
        let window = try HaloWindow<UInt8>.read(layout.tile(0), halo: 1, gridWidth: width, gridHeight: height, outside: D8.noData,
                                                Self.window(directions.codes, width: width))
        let visit = TiledRouting.visit(layout.tile(0), layout: layout, codes: window, links: tiled, previous: nil,
                                       leaving: { c, e in e + (1 + Double(c % 7) * 0.1) }, resolved: { _, _, _ in }) { _ in nil }
        XCTAssertTrue(visit.complete)
        let key = visit.state.keys
        var checked = 0
        for c in valid {
            var donors: [(cell: Int, edge: Int)] = []
            for k in 0..<8 {
                let col = c % width + D8.dx[k], row = c / width + D8.dy[k]
                guard col >= 0, row >= 0, col < width, row < height, Int(directions.codes[row * width + col]) == D8.opposite(k),
                      graph.d8Share(of: row * width + col) > 0 else { continue }
                donors.append((row * width + col, 0))
            }
            for (k, link) in links.enumerated() where link.to == c {
                donors.append((link.from, (graph.linksFrom[link.from]?.firstIndex(of: k) ?? -1) + 1))
            }
            let byKey = donors.sorted { key[$0.cell] != key[$1.cell] ? key[$0.cell] < key[$1.cell] : $0.edge < $1.edge }
            let byOrder = donors.sorted { (position[$0.cell] ?? 0, $0.edge) < (position[$1.cell] ?? 0, $1.edge) }
            XCTAssertEqual(byKey.map(\.cell), byOrder.map(\.cell), "donors of \(c % width),\(c / width)")
            XCTAssertEqual(byKey.map(\.edge), byOrder.map(\.edge), "donors of \(c % width),\(c / width)")
            if donors.count > 1 { checked += 1 }
        }
        XCTAssertGreaterThan(checked, 50)
        // Outlets in routing order.
        let outletOrder = graph.order.map(Int.init).filter { graph.leavingShare(of: $0) > 0 }
        XCTAssertEqual(visit.outlets.sorted { $0.key < $1.key }.map(\.cell), outletOrder)
        // The in-memory accumulation equals the tile's; summing donors in raster order does not.
        let expected = graph.accumulate { 1 + Double($0 % 7) * 0.1 }
        XCTAssertEqual(Self.bits(visit.state.values), Self.bits(expected))
        var other = [Double](repeating: .nan, count: width * height)
        for c32 in graph.order {
            let c = Int(c32)
            var inflow: [(Int, Double)] = []
            for d in valid { graph.forEachReceiver(of: d) { j, s in if j == c { inflow.append((d, other[d] * s)) } } }
            other[c] = inflow.sorted { $0.0 < $1.0 }.reduce(0) { $0 + $1.1 } + 1 + Double(c % 7) * 0.1
        }
        XCTAssertGreaterThan((0..<other.count).filter { !other[$0].isNaN && other[$0] != expected[$0] }.count, 0,
                             "the order of the donors shows in the bits, so the comparison can see a wrong one")
    }

    /// Loads on a grid with many random links (several leaving one cell, shares below 1, most ends in
    /// other tiles), where a cell's donors come from both branches below a link cell: the order the
    /// choices at link cells give must hold across tiles too.
    func testTiledRoutingWithManyLinksAcrossTiles() throws {
        let width = 23, height = 17
        var dem = TiledTerrainTests.dem(width: width, height: height, seed: 3)
        _ = try DepressionFilling.fill(&dem)
        let directions = try D8FlowDirection.compute(dem)
        var rng = SeededGenerator(seed: 99)
        let valid = (0..<directions.codes.count).filter { directions.codes[$0] != D8.noData }
        var links: [FlowLink] = []
        var graph = try FlowGraph(directions: directions)
        for k in 0..<60 {
            let candidate = FlowLink(name: "l\(k)", from: valid[Int(rng.next() % UInt64(valid.count))], to: valid[Int(rng.next() % UInt64(valid.count))],
                                     share: [0.25, 0.5, 1][Int(rng.next() % 3)])
            if let g = try? FlowGraph(directions: directions, links: links + [candidate]) { links.append(candidate); graph = g }
        }
        XCTAssertGreaterThan(links.count, 30)
        let area = graph.accumulate { _ in 900.0 / 1e6 }
        let model = try LoadModel(graph: graph, isChannel: area.map { !$0.isNaN && $0 >= 0.03 },
                                  parameters: TransportParameters(decayPerDay: [tp: 0.7], velocity: .constant(0.2),
                                                                  delivery: .exponential(lengthScale: 90)))
        var sources = LoadSources(pollutants: [tp], cellCount: width * height)
        for i in valid { sources.add(tp, cell: i, kgPerYear: rng.unit() * 5) }
        let c = Case(model: model, sources: sources, links: links)
        let expected = LoadRouting.route(tp, generated: sources.generated[tp] ?? [], model: model)
        for tiles in [(12, 9), (8, 6), (5, 4), (7, 11), (width, 1), (1, 5)] {
            let (outflow, routed) = try tiledRoute(c, tp, tiles: tiles)
            let wrong = (0..<outflow.count).filter { Self.bits(outflow)[$0] != Self.bits(expected.outflow)[$0] }
            XCTAssertEqual(wrong.count, 0, "outflow differs at \(wrong.prefix(5).map { ($0 % width, $0 / width) }), tiles \(tiles.0)×\(tiles.1)")
            XCTAssertEqual(routed.budget, expected.budget, "tiles \(tiles.0)×\(tiles.1)")
        }
    }

    func testCyclesThroughLinksBetweenTilesAreRejected() throws {
        let c = try Self.makeCase()
        let width = c.model.graph.geometry.width
        // A link from downstream back to upstream of the "sink" link: water in a circle across tiles.
        let back = FlowLink(name: "back", from: 8 + 21 * width, to: 36 + 4 * width, share: 0.5)
        XCTAssertThrowsError(try FlowGraph(directions: c.model.graph.directions, links: c.links + [back]))
        let layout = try TileLayout(width: width, height: 30, tileWidth: 20, tileHeight: 15)
        XCTAssertThrowsError(try TiledLoads.route(tp, layout: layout, codes: Self.window(c.model.graph.directions.codes, width: width),
                                                  links: c.links + [back], generated: Self.window(c.sources.generated[tp] ?? [], width: width),
                                                  transport: Self.window(c.model.cellTransport(for: tp), width: width)) { _, _ in }) { error in
            XCTAssertTrue("\(error)".contains("cycle"), "\(error)")
        }
    }

    /// Three units in bands across the tiles (and cells outside every unit); sections on the channel.
    func testTiledAttributionEqualsInMemoryForEveryTiling() throws {
        let c = try Self.makeCase()
        let geometry = c.model.graph.geometry
        let width = geometry.width
        let (map, labels, sectionCells) = try Self.bandedUnits(c)
        let routed = try LoadRouting.route(c.sources, model: c.model)
        let (crossings, expected) = try LoadAttribution.attribute(routed, sources: c.sources, model: c.model, map: map, sectionCells: sectionCells)
        XCTAssertGreaterThan(crossings.count, 2)
        let reaches = try ReachGraph(graph: c.model.graph, network: nil, outlets: sectionCells.compactMap { $0 } + crossings.map(\.cell))
        let sectionReaches = sectionCells.map { $0.flatMap { reaches.reach(endingAt: $0) } }
        let crossingReaches = try crossings.map { try XCTUnwrap(reaches.reach(endingAt: $0.cell)) }
        let bits = Self.bits(of:)
        for (index, p) in [nh3, tp].sorted().enumerated() {
            let reference = expected[index]
            XCTAssertEqual(reference.pollutant, p)
            XCTAssertGreaterThan(reference.sections[0].total, 0)
            XCTAssertGreaterThan(reference.sections[0].byOrigin.filter { $0 > 0 }.count, 1, "a section drawing on several units")
            // Budgets balance per unit: generated + received = handed over + delivered + lost.
            for u in 0...3 {
                let inflow = reference.generated[u] + reference.received[u]
                XCTAssertEqual(inflow, reference.handedOver[u] + reference.deliveredOut[u] + reference.lost[u], accuracy: 1e-9 * max(1, inflow))
            }
            for (k, tiles) in Self.tilings.enumerated() {
                let layout = try TileLayout(width: width, height: geometry.height, tileWidth: tiles.0, tileHeight: tiles.1)
                // Every other tiling keeps the tiles' states in files between visits, as ranks do.
                let folder = k % 2 == 1 ? try Self.stateFolder() : nil
                let tiled = try XCTUnwrap(TiledLoads.attribute(p, layout: layout, codes: Self.window(c.model.graph.directions.codes, width: width),
                                                     links: c.links, generated: Self.window(c.sources.generated[p] ?? [], width: width),
                                                     transport: Self.window(c.model.cellTransport(for: p), width: width),
                                                     labels: Self.window(labels, width: width), unitCount: 3,
                                                     reachOfCell: Self.window(reaches.reachOfCell, width: width), topology: ReachTopology(reaches),
                                                     sectionReaches: sectionReaches, crossings: crossings, crossingReaches: crossingReaches,
                                                     stateFolder: folder))
                XCTAssertEqual(bits(tiled), bits(reference), "\(p.name), tiles \(tiles.0)×\(tiles.1)\(folder == nil ? "" : ", states in files")")
                if let folder {
                    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), [], "no tile state is left behind")
                    try FileManager.default.removeItem(atPath: folder)
                }
            }
        }
    }
}
