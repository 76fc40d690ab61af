import Foundation
import XCTest
@testable import Hydro

/// The report map's shortcuts give what the plain computations give.
final class MapDrawingTests: XCTestCase {
    func testTenthsAreFormattedAsPrintfFormatsThem() {
        var rng = SeededGenerator(seed: 3)
        var values: [Double] = [0, -0.0, 0.05, 0.15, 0.25, 0.35, 1.45, 2.5, 959.95, 123.45, -0.04, -3.25, 0.049999, 1e-300,
                                99_999_999.95, 1e9, 1e12, .greatestFiniteMagnitude, 0.1 + 0.2, 2.675, 1.005]
        for _ in 0..<20_000 { values.append(rng.unit() * 2000 - 100) }
        for _ in 0..<5000 { values.append(Double(Int(rng.unit() * 20_000)) / 20) }  // exact ties at .x5
        for v in values { XCTAssertEqual(MapRenderer.f1(v), String(format: "%.1f", v), "\(v)") }
    }

    func testShadingSingleCellsEqualsShadingTheGrid() throws {
        var dem = SyntheticTerrain.valley(width: 40, height: 30, seed: 2, crs: try CoordinateSystem.parse("EPSG:32648"))
        dem.cells[5 * 40 + 7] = -9999  // a hole: its neighbours shade with their own elevation in its place
        let whole = try Hillshade.compute(dem)
        let light = try Hillshade.Light(dem)
        for r in 0..<dem.height { for c in 0..<dem.width { XCTAssertEqual(light.shade(column: c, row: r), whole[r * dem.width + c]) } }
        XCTAssertEqual(whole[5 * 40 + 7], 255)
        XCTAssertTrue(Set(whole).count > 10, "the valley is shaded, not flat")
    }
    /// Whole rivers, largest first: a main stem of four links (its confluences with small streams
    /// cut it) counts once, so the large tributary is drawn beside it and the small streams are not.
    func testAMapDrawsWholeRiversLargestFirstWithinItsBudget() {
        //            0 M0   1 M1  2 M2  3 M3  4 T  5 T1  6 s1  7 s2
        let areas: [Double] = [100, 90, 80, 70, 30, 20, 2, 2]
        let downstream: [Int?] = [nil, 0, 1, 2, 0, 4, 1, 2]
        let costs = [Double](repeating: 10, count: 8)
        let all = DrawnRivers.select(upstreamAreas: areas, downstream: downstream, costs: costs, budget: 80)
        XCTAssertEqual(all.links, Array(0..<8))
        XCTAssertNil(all.smallestMouthArea)
        XCTAssertEqual(all.rivers, [[0, 1, 2, 3], [4, 5], [6], [7]], "largest first, each from its mouth upstream")
        let two = DrawnRivers.select(upstreamAreas: areas, downstream: downstream, costs: costs, budget: 79)
        XCTAssertEqual(two.links, [0, 1, 2, 3, 4, 5], "the two small streams have one mouth area: both or neither (60 + 20 > 79)")
        XCTAssertEqual(two.rivers, [[0, 1, 2, 3], [4, 5]])
        XCTAssertEqual(two.smallestMouthArea, 30)
        // The largest river is drawn whatever it costs.
        let one = DrawnRivers.select(upstreamAreas: areas, downstream: downstream, costs: costs, budget: 5)
        XCTAssertEqual(one.links, [0, 1, 2, 3])
        XCTAssertEqual(one.riverCount, 1)
        XCTAssertEqual(one.smallestMouthArea, 100)
        // What each river costs beyond its links counts: with 15 a river, the tributary no longer fits.
        let withMarkup = DrawnRivers.select(upstreamAreas: areas, downstream: downstream, costs: costs, riverCost: 15, budget: 79)
        XCTAssertEqual(withMarkup.rivers, [[0, 1, 2, 3]])
        XCTAssertFalse(one.links.contains(4), "the tributary is not drawn")
        // A NaN area (none is expected) ranks last and does not stop the selection.
        let withNaN = DrawnRivers.select(upstreamAreas: areas.enumerated().map { $0.offset == 7 ? .nan : $0.element },
                                         downstream: downstream, costs: costs, budget: 79)
        XCTAssertEqual(withNaN.rivers.first, [0, 1, 2, 3])
        XCTAssertFalse(withNaN.links.contains(7))
    }

    /// On random trees: each link lies on one river, drawn links never cost more than the budget
    /// (beyond the largest river), and every link draining at least the smallest drawn mouth area is
    /// drawn, which is why the map may draw exactly the crossings on streams that large.
    func testDrawnRiversCoverEveryStreamAsLargeAsTheirSmallestMouth() {
        var rng = SeededGenerator(seed: 21)
        for _ in 0..<200 {
            let n = 1 + Int(rng.next() % 300)
            var downstream: [Int?] = [nil]
            for i in 1..<max(n, 1) { downstream.append(rng.unit() < 0.05 ? nil : Int(rng.next() % UInt64(i))) }
            var areas = (0..<n).map { _ in 0.5 + Double(rng.next() % 4) }
            for i in stride(from: n - 1, through: 0, by: -1) { if let d = downstream[i] { areas[d] += areas[i] } }
            let costs = (0..<n).map { _ in 8 + Double(rng.next() % 20) }
            let budget = rng.unit() * costs.reduce(0, +) * 1.2
            let drawn = DrawnRivers.select(upstreamAreas: areas, downstream: downstream, costs: costs, budget: budget)
            XCTAssertEqual(drawn.links, Array(Set(drawn.links)).sorted())
            guard let smallest = drawn.smallestMouthArea else {
                XCTAssertEqual(drawn.links, Array(0..<n))
                // Within the budget, or all of them one group of the largest mouth area.
                XCTAssertTrue(costs.reduce(0, +) <= budget || Set(drawn.rivers.map { areas[$0[0]] }).count == 1)
                continue
            }
            let isDrawn = Set(drawn.links)
            for i in 0..<n where areas[i] >= smallest { XCTAssertTrue(isDrawn.contains(i), "link \(i) drains \(areas[i]) ≥ \(smallest)") }
            let spent = drawn.links.reduce(0) { $0 + costs[$1] }
            if drawn.riverCount > 1 { XCTAssertLessThanOrEqual(spent, budget) }
            XCTAssertLessThan(drawn.links.count, n, "something was left out")
        }
    }

    /// A crossing's point is the midpoint of its two cells' centres: it touches those cells (and, on
    /// a diagonal, the two others at that corner), no other.
    func testACrossingTouchesTheCellsAroundItsMidpoint() throws {
        let geometry = GridGeometry.metric(width: 6, height: 4, cellSize: 30)
        func centre(_ cell: Int) -> Coordinate {
            let p = geometry.centre(column: cell % 6, row: cell / 6)
            return Coordinate(p.x, p.y)
        }
        func midpoint(_ a: Int, _ b: Int) -> Coordinate {
            Coordinate((centre(a).x + centre(b).x) / 2, (centre(a).y + centre(b).y) / 2)
        }
        // Cardinal step 8 → 9: touches 8 and 9 only.
        XCTAssertTrue(MapRenderer.touches(midpoint(8, 9), [9], geometry))
        XCTAssertTrue(MapRenderer.touches(midpoint(8, 9), [8], geometry))
        XCTAssertFalse(MapRenderer.touches(midpoint(8, 9), [14, 15, 2, 3, 7, 10], geometry))
        // Diagonal step 8 → 15: the corner of 8, 9, 14 and 15.
        for cell in [8, 9, 14, 15] { XCTAssertTrue(MapRenderer.touches(midpoint(8, 15), [cell], geometry), "\(cell)") }
        XCTAssertFalse(MapRenderer.touches(midpoint(8, 15), [7, 10, 16, 20, 2], geometry))
        // Off the grid: nothing.
        XCTAssertFalse(MapRenderer.touches(Coordinate(-100, -100), [0], geometry))
    }

    /// A network too large for the map's budget is drawn as whole rivers, one line a load class: every
    /// stream element is a river's, the largest river's cells are all on the map, the legend says what
    /// was left out, and only crossings on drawn streams are drawn. The same demo with the usual
    /// budget is drawn link by link.
    func testALargeNetworkIsDrawnAsWholeRiversWithTheirCrossings() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let run = try ProjectRun(try ProjectConfig.load(try DemoCase.write(into: folder.path, seed: 5, size: 120)))
        try run.runAll()
        let geometry = try run.geometry, background = try run.mapBackground()
        let whole = try MapRenderer(run: run, geometry: geometry, background: background)
        XCTAssertFalse(whole.drawsWholeRivers)
        XCTAssertTrue(try whole.svg(pollutant: "TP").contains("<title>link "))
        let small = try MapRenderer(run: run, geometry: geometry, background: background, drawingBudget: 60)
        XCTAssertTrue(small.drawsWholeRivers)
        let network = try run.networkForLinks()
        XCTAssertLessThan(small.drawnLinks.count, network.links.count)
        let area = try XCTUnwrap(small.drawn.smallestMouthArea)
        let svg = try small.svg(pollutant: "TP")
        XCTAssertFalse(svg.contains("<title>link "), "no link is drawn on its own")
        let riverLines = svg.components(separatedBy: "<title>river to link ").count - 1
        XCTAssertGreaterThanOrEqual(riverLines, small.drawn.riverCount)
        XCTAssertLessThanOrEqual(riverLines, small.drawnLinks.count)
        // The main river (the first drawn) is drawn from its mouth to its source.
        let main = try XCTUnwrap(small.drawn.rivers.first)
        XCTAssertEqual(network.links[main[0]].downstream, nil)
        XCTAssertTrue(network.links[try XCTUnwrap(main.last)].upstream.isEmpty)
        for link in main { XCTAssertTrue(small.drawnCells.isSuperset(of: network.links[link].cells.map { Int($0) })) }
        // Crossings: those drawn touch drawn cells; fewer than all of them.
        let crossings = try XCTUnwrap(try run.attributionResult()).crossings
        let drawnCrossings = svg.components(separatedBy: "l4.5 8 h-9 z\"><title>").count - 1
        XCTAssertEqual(drawnCrossings, crossings.filter { MapRenderer.touches(Coordinate($0.x, $0.y), small.drawnCells, geometry) }.count)
        XCTAssertLessThan(drawnCrossings, crossings.count)
        XCTAssertTrue(small.legend(bounds: [1, 2], widthFor: { _ in 1 }, shown: { "\($0)" }, unit: "t/yr", byLoad: true)
                        .contains("mouth drains ≥ \(ReportNumber.short(area)) km²"))
    }

    /// stream_loads.json keeps one object a link with the loads by pollutant name; read back, a link
    /// load equals the one written, in the run's pollutant order.
    func testLinkLoadsKeepTheirJSONAndReadBackEqual() throws {
        var load = LinkLoad(link: 7, pollutants: ["CODMn", "NH3-N", "TP"])
        load.loads = [12.5, 1.25, 0.5]
        load.local = [2, 0.25, 0.125]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(load), as: UTF8.self)
        XCTAssertEqual(json, #"{"link":7,"loads_kg_per_yr":{"CODMn":12.5,"NH3-N":1.25,"TP":0.5},"local_kg_per_yr":{"CODMn":2,"NH3-N":0.25,"TP":0.125}}"#)
        XCTAssertEqual(try JSONDecoder().decode(LinkLoad.self, from: Data(json.utf8)), load)
        XCTAssertEqual(load.load("NH3-N"), 1.25)
        XCTAssertNil(load.load("TN"))
    }

    func testStreamLinesLeaveOutPointsCloserThanTheSpacing() throws {
        // One cell a map pixel: points a quarter pixel apart along a row.
        let geometry = GridGeometry(width: 12, height: 2, transform: GeoTransform(originX: 0, pixelWidth: 1, originY: 2, pixelHeight: -1),
                                    crs: try CoordinateSystem.parse("EPSG:32648"))
        let points = (0...40).map { Coordinate(1 + 0.25 * Double($0), 1.5) }
        let every = MapRenderer.path(points, geometry, 12, 2)
        XCTAssertEqual(every.components(separatedBy: " L").count, 41, "no spacing: every point")
        let spaced = MapRenderer.path(points, geometry, 12, 2, spacing: 0.5)
        let xs = spaced.dropFirst().components(separatedBy: " L").map { String($0.split(separator: " ")[0]) }
        XCTAssertEqual(xs, (0...20).map { MapRenderer.f1(1 + 0.5 * Double($0)) }, "every other point, both ends kept")
        // The last point stays however close it is to the one before.
        let end = MapRenderer.path([Coordinate(1, 1.5), Coordinate(4, 1.5), Coordinate(4.1, 1.5)], geometry, 12, 2, spacing: 0.5)
        XCTAssertEqual(end, "M1.0 0.5 L4.0 0.5 L4.1 0.5")
    }
}
