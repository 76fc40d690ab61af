import Foundation
import XCTest
@testable import Hydro

final class NetworkTests: XCTestCase {
    /// Two tributaries and a side source joining a main channel along the bottom row:
    ///
    ///     . 1 . . 2 . .      links: 1, 2 (tributaries), 3 (a one-cell source),
    ///     . 1 . . 2 . .             4 = main stem between the confluences, 5 = last reach to the outlet
    ///     . 1 . . 2 . .
    ///     . 1 . . 2 . .
    ///     3 4 4 4 5 5 5 →
    private func branching() throws -> (FlowDirections, Grid<Double>) {
        let w = 7, h = 5
        let geometry = GridGeometry.metric(width: w, height: h, cellSize: 10)
        var codes = [UInt8](repeating: 2, count: w * h)          // south everywhere
        for c in 0..<w { codes[4 * w + c] = 0 }                  // bottom row east, the last one off the grid
        var acc = [Double](repeating: 0, count: w * h)
        for c in 0..<w { acc[4 * w + c] = 10 }
        for r in 0..<4 { acc[r * w + 1] = 10; acc[r * w + 4] = 10 }
        return (try FlowDirections(geometry: geometry, codes: codes), try Grid(geometry: geometry, cells: acc))
    }

    func testLinksOrdersTopologyAndLengthsOnAKnownNetwork() throws {
        let (d, acc) = try branching()
        let network = try StreamNetwork(directions: d, accumulation: acc, threshold: 5)
        XCTAssertEqual(network.links.map(\.id), [1, 2, 3, 4, 5])
        XCTAssertEqual(network.links.map(\.downstream), [4, 5, 4, 5, nil])
        XCTAssertEqual(network.links.map(\.upstream), [[], [], [], [1, 3], [2, 4]])
        XCTAssertEqual(network.links.map(\.strahler), [1, 1, 1, 2, 2])
        XCTAssertEqual(network.links.map(\.shreve), [1, 1, 1, 2, 3])
        XCTAssertEqual(network.links.map(\.length), [40, 40, 10, 30, 20])
        XCTAssertEqual(network.links.map { $0.cells.count }, [4, 4, 1, 3, 3])
        // Every line ends exactly where its downstream link's line begins.
        for link in network.links {
            guard let ds = link.downstream else { continue }
            XCTAssertEqual(network.line(of: link).last, network.line(of: network.links[Int(ds) - 1]).first)
        }
        let layer = network.layer()
        XCTAssertEqual(layer.features.count, 5)
        XCTAssertEqual(layer.features[3]["us_ids"], .string("1,3"))
        XCTAssertEqual(network.raster.cells[4 * 7 + 2], 4)
        XCTAssertThrowsError(try StreamNetwork(directions: d, accumulation: acc, threshold: -1))
    }

    func testIncrementalCatchmentsTileTheOuterCatchment() throws {
        var dem = SyntheticTerrain.valley(width: 120, height: 80, seed: 5)
        _ = try DepressionFilling.fill(&dem)
        let d = try D8FlowDirection.compute(dem)
        let area = try FlowAccumulation.accumulate(d, weight: .areaSquareKilometres)
        let network = try StreamNetwork(directions: d, accumulation: area.values, threshold: 0.5)
        // Nested sections: the last cells of the five largest links, plus the main outlet.
        let chosen = network.links.sorted { $0.upstreamArea > $1.upstreamArea }.prefix(6).map { $0.cells[$0.cells.count - 1] }
        let ws = try Watersheds(graph: try FlowGraph(directions: d), outlets: chosen)
        let incremental = try ws.incrementalAreas()
        let whole = try ws.wholeAreas()
        let outlet = 0  // the largest
        XCTAssertEqual(whole[outlet], area.values.cells[chosen[outlet]], accuracy: 1e-9)
        // The incremental catchments of the outlet and of everything upstream of it sum to its whole area:
        let inside = (0..<chosen.count).filter { ws.outletsContaining($0).contains(outlet) }
        XCTAssertEqual(inside.reduce(0.0) { $0 + incremental[$1] }, whole[outlet], accuracy: 1e-9)
        for k in 0..<chosen.count { XCTAssertEqual(whole[k], area.values.cells[chosen[k]], accuracy: 1e-9, "outlet \(k)") }
        // No gap, no overlap: every cell upstream of the outlet carries exactly one label among `inside`.
        let mask = ws.wholeCatchmentMask(outlet)
        let cellArea = 30.0 * 30 / 1e6
        XCTAssertEqual(Double(mask.filter { $0 }.count) * cellArea, whole[outlet], accuracy: 1e-9)
    }

    func testCatchmentPolygonAreasEqualTheirCells() throws {
        var dem = SyntheticTerrain.valley(width: 90, height: 60, seed: 8)
        _ = try DepressionFilling.fill(&dem)
        let d = try D8FlowDirection.compute(dem)
        let area = try FlowAccumulation.accumulate(d, weight: .areaSquareKilometres)
        let network = try StreamNetwork(directions: d, accumulation: area.values, threshold: 0.3)
        let set = try CatchmentSet(links: network, graph: try FlowGraph(directions: d))
        let layer = try set.polygonLayer()
        XCTAssertGreaterThan(layer.features.count, 3)
        for feature in layer.features where feature["kind"] == .string("incremental") {
            guard let g = feature.geometry, case .real(let expected) = feature["area_km2"] else { return XCTFail("no geometry") }
            XCTAssertEqual(planarArea(g) / 1e6, expected, accuracy: 1e-9)
        }
    }

    func testPointPlacementWarnsAndRejectsBadInput() throws {
        let (d, _) = try branching()
        let area = try FlowAccumulation.accumulate(d, weight: .areaSquareKilometres).values
        let layer = VectorLayer(name: "p", fields: [FieldDefinition("code", .string)], features: [
            Feature(geometry: .point(Coordinate(65, 5)), attributes: ["code": .string("A")]),     // the outlet cell
            Feature(geometry: .point(Coordinate(500, 5)), attributes: ["code": .string("B")]),    // outside
            Feature(geometry: .point(Coordinate(63, 7)), attributes: ["code": .string("C")]),     // same cell as A
        ], crs: .unknownMetric)
        let placed = try PointPlacement.place(layer, source: "p.gpkg", geometry: d.geometry, areaKm2: area,
                                              options: .init(idField: "code"))
        XCTAssertEqual(placed[0].cell, 4 * 7 + 6)
        XCTAssertEqual(placed[0].upstreamArea, 35 * 100 / 1e6, accuracy: 1e-12)
        XCTAssertNil(placed[1].cell)
        XCTAssertTrue(placed[1].warnings.first?.contains("outside") ?? false)
        XCTAssertNil(placed[2].cell)
        XCTAssertThrowsError(try PointPlacement.place(layer, source: "p.gpkg", geometry: d.geometry, areaKm2: area,
                                                      options: .init(idField: "nope"))) { error in
            XCTAssertTrue("\(error)".contains("has no field 'nope'"))
        }
        var duplicate = layer
        duplicate.features[1].attributes["code"] = .string("A")
        XCTAssertThrowsError(try PointPlacement.place(duplicate, source: "p.gpkg", geometry: d.geometry, areaKm2: area,
                                                      options: .init(idField: "code"))) { error in
            XCTAssertTrue("\(error)".contains("share the ID 'A'"))
        }
        // Snapping to the highest accumulation nearby moves a point off the channel onto it.
        let off = VectorLayer(name: "p", fields: [], features: [Feature(geometry: .point(Coordinate(25, 25)))], crs: .unknownMetric)
        let snapped = try PointPlacement.place(off, source: "p", geometry: d.geometry, areaKm2: area,
                                               options: .init(snap: .highestAccumulation(radius: 15), tolerance: 5))
        XCTAssertEqual(snapped[0].cell, 3 * 7 + 2)
        XCTAssertEqual(snapped[0].snapDistance, 10, accuracy: 1e-9)
        XCTAssertTrue(snapped[0].warnings.first?.contains("tolerance") ?? false)
    }

    /// A section beside a main river, nearer a small tributary: the nearest stream cell is the
    /// tributary's, unless the snap asks for a minimum upstream area (then the river's nearest cell).
    func testNearestStreamSnapSkipsStreamsDrainingLessThanTheMinimum() throws {
        let geometry = GridGeometry.metric(width: 5, height: 5, cellSize: 10)
        var stream = [Int32](repeating: 0, count: 25), areas = [Double](repeating: 0.01, count: 25)
        for c in 0..<5 { stream[3 * 5 + c] = 1; areas[3 * 5 + c] = 40 + Double(c) }  // the river, row 3
        stream[1 * 5 + 2] = 2; areas[1 * 5 + 2] = 1                                     // a tributary cell
        stream[2 * 5 + 2] = 2; areas[2 * 5 + 2] = 1.2
        let area = Grid(geometry: geometry, trustedCells: areas, nodata: -1)
        let point = Coordinate(25, 33)  // 2 m from the tributary's first cell, 18 m from the river
        let nearest = try Snapping.snap(point, geometry: geometry, accumulation: area, stream: stream, mode: .nearestStream(radius: 30))
        XCTAssertEqual(nearest?.cell, 1 * 5 + 2)
        let onRiver = try Snapping.snap(point, geometry: geometry, accumulation: area, stream: stream,
                                        mode: .nearestStream(radius: 30, minimumAreaKm2: 10))
        XCTAssertEqual(onRiver?.cell, 3 * 5 + 2)
        XCTAssertEqual(onRiver?.distance ?? .nan, 18, accuracy: 1e-9)
        // No stream that large within the radius: not placed (the caller warns).
        XCTAssertNil(try Snapping.snap(point, geometry: geometry, accumulation: area, stream: stream,
                                       mode: .nearestStream(radius: 30, minimumAreaKm2: 100)))
    }

    /// `[sections] snap_min_area_km2` reaches the snapping: a minimum no stream near a section meets
    /// leaves it unplaced; a negative one is refused naming the key; the demo's small grid has none.
    func testProjectSectionsSnapOnlyToStreamsAsLargeAsAsked() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let project = try DemoCase.write(into: folder.path, seed: 3, size: 90)
        let text = try String(contentsOfFile: project, encoding: .utf8)
        XCTAssertFalse(text.contains("snap_min_area_km2"))
        let first = try ProjectRun(try ProjectConfig.load(project))
        try first.runAll()
        let plain = try first.sections()
        XCTAssertEqual(plain.compactMap(\.cell).count, 4)
        func config(_ minimum: String) throws -> ProjectConfig {
            try text.replacingOccurrences(of: "snap_radius_m = 500", with: "snap_radius_m = 500\nsnap_min_area_km2 = \(minimum)")
                .write(toFile: project, atomically: true, encoding: .utf8)
            return try ProjectConfig.load(project)
        }
        XCTAssertThrowsError(try config("-1")) { XCTAssertTrue("\($0)".contains("snap_min_area_km2"), "\($0)") }
        let small = try config("1")
        XCTAssertEqual(small.sectionSnapMinimumAreaKm2, 1)
        XCTAssertEqual(try ProjectRun(small).sections().map(\.cell), plain.map(\.cell), "the demo's sections lie on streams draining more than 1 km²")
        let huge = try ProjectRun(try config("1e7")).sections()
        XCTAssertEqual(huge.map(\.cell), [nil, nil, nil, nil])
    }

    func testChishuiMainStemFollowsTheMappedRiver() throws {
        let demPath = try TestPaths.shared("guizhou_dem_1km/chishui_basin_dem_1km.tif")
        let riversPath = try TestPaths.shared("rivers_wdb2_gshhg_guizhou/wdb2_rivers_guizhou_region.geojson")
        var dem = try RasterReader.read(demPath, as: Float.self)
        _ = try DepressionFilling.fill(&dem)
        let d = try D8FlowDirection.compute(dem)
        let area = try FlowAccumulation.accumulate(d, weight: .areaSquareKilometres)
        let network = try StreamNetwork(directions: d, accumulation: area.values, threshold: 100, elevation: dem)
        // The main outlet drains off the DEM's edge.
        guard let outletLink = network.links.filter({ $0.downstream == nil }).max(by: { $0.upstreamArea < $1.upstreamArea }) else {
            return XCTFail("no outlet")
        }
        XCTAssertGreaterThan(outletLink.upstreamArea, 10_000, "the Chishui basin above the DEM's edge")
        let last = outletLink.cells[outletLink.cells.count - 1]
        let (r, c) = (last / dem.width, last % dem.width)
        XCTAssertTrue(r == 0 || c == 0 || r == dem.height - 1 || c == dem.width - 1 || d.downstream(of: last) == nil)
        // Main stem: from the outlet, always up the larger tributary.
        var stem: [Int] = []
        var link = outletLink
        while true {
            stem.append(contentsOf: link.cells)
            guard let up = link.upstream.map({ network.links[Int($0) - 1] }).max(by: { $0.upstreamArea < $1.upstreamArea }) else { break }
            link = up
        }
        let rivers = try VectorReader.read(riversPath, targetCRS: dem.geometry.crs)
        let lines = rivers.features.map { (name: "", parts: $0.geometry?.lineParts ?? []) }
        let twoCells = 2 * abs(dem.geometry.transform.pixelWidth)
        let near = stem.filter { cell in
            let p = dem.geometry.centre(column: cell % dem.width, row: cell / dem.width)
            return RiverCheck.nearestName(to: Coordinate(p.x, p.y), lines: lines, maxDistance: twoCells) != nil
        }
        let share = Double(near.count) / Double(stem.count)
        print("Chishui main stem: \(stem.count) cells, \(String(format: "%.1f", share * 100)) % within 2 cells of the mapped river")
        XCTAssertGreaterThan(share, 0.5, "most of the derived main stem lies within 2 cells of the mapped river")
    }
}

/// Planar area of a (multi)polygon with holes, by the shoelace formula.
func planarArea(_ geometry: Geometry) -> Double {
    func ring(_ points: [Coordinate]) -> Double {
        var sum = 0.0
        for (a, b) in zip(points, points.dropFirst()) { sum += a.x * b.y - b.x * a.y }
        return abs(sum) / 2
    }
    return geometry.polygonParts.reduce(0.0) { total, rings in
        total + ring(rings[0]) - rings.dropFirst().reduce(0.0) { $0 + ring($1) }
    }
}
