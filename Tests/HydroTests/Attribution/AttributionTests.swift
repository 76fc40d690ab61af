import Foundation
import XCTest
@testable import Hydro

final class AttributionTests: XCTestCase {
    private let tp = Pollutant("TP"), cod = Pollutant("CODMn")

    func testThreeCountyValleyMatchesTheHandComputedAnswer() throws {
        // Nine channel cells of 1 km flowing east: counties A (cells 0–2), B (3–5), C (6–8).
        let geometry = GridGeometry.metric(width: 9, height: 1, cellSize: 1000)
        let d = try FlowDirections(geometry: geometry, codes: [UInt8](repeating: 0, count: 9))
        let graph = try FlowGraph(directions: d)
        let k = 0.5, v = 0.1
        let model = try LoadModel(graph: graph, isChannel: [Bool](repeating: true, count: 9),
                                  parameters: TransportParameters(decayPerDay: [tp: k], velocity: .constant(v)))
        var sources = LoadSources(pollutants: [tp], cellCount: 9)
        sources.add(tp, cell: 0, kgPerYear: 10)
        sources.add(tp, cell: 4, kgPerYear: 20)
        sources.add(tp, cell: 8, kgPerYear: 30)
        let map = try JurisdictionMap(level: .county, units: ["A", "B", "C"].map { .init(id: $0, name: $0) },
                                  labels: [0, 0, 0, 1, 1, 1, 2, 2, 2], geometry: geometry)
        let routed = try LoadRouting.route(sources, model: model)
        let (crossings, results) = try LoadAttribution.attribute(routed, sources: sources, model: model, map: map, sectionCells: [8, 5])
        let step = exp(-k * 1000 / v / 86400)          // one cell's reach
        let half = exp(-k * 500 / v / 86400)           // half a reach
        // At the last cell: each source's load after the cells below it and half its own.
        let a = 10 * half * pow(step, 8), b = 20 * half * pow(step, 4), c = 30 * half
        let section = results[0].sections[0]
        XCTAssertEqual(section.byOrigin[0], a, accuracy: 1e-12)
        XCTAssertEqual(section.byOrigin[1], b, accuracy: 1e-12)
        XCTAssertEqual(section.byOrigin[2], c, accuracy: 1e-12)
        XCTAssertEqual(section.byOrigin[3], 0)
        XCTAssertEqual(section.shares()[0], a / (a + b + c), accuracy: 1e-15)
        XCTAssertEqual(section.total, routed.outflow[tp]?[8] ?? 0, accuracy: 1e-12)
        // At the B/C border section (cell 5): only A and B.
        XCTAssertEqual(results[0].sections[1].byOrigin[2], 0)
        XCTAssertEqual(results[0].sections[1].byOrigin[0], 10 * half * pow(step, 5), accuracy: 1e-12)
        // Crossings A→B and B→C, with what each hands over.
        XCTAssertEqual(crossings.map { [$0.from, $0.to] }, [[0, 1], [1, 2]])
        XCTAssertEqual(results[0].crossings[0].total, 10 * half * pow(step, 2), accuracy: 1e-12)
        XCTAssertEqual(results[0].flux[0][1], 10 * half * pow(step, 2), accuracy: 1e-12)
        XCTAssertEqual(results[0].flux[1][2], results[0].crossings[1].total, accuracy: 1e-12)
        for u in 0...3 {
            let r = results[0]
            XCTAssertEqual(r.received[u] + r.generated[u], r.handedOver[u] + r.deliveredOut[u] + r.lost[u], accuracy: 1e-12)
        }
    }

    func testChishuiCountiesSuperpositionSharesAndLevels() throws {
        let demPath = try TestPaths.shared("guizhou_dem_1km/chishui_basin_dem_1km.tif")
        let countyPath = try TestPaths.shared("counties_cgcs2000_guizhou_region/counties_guizhou_region_cgcs2000.gpkg")
        var dem = try RasterReader.read(demPath, as: Float.self)
        _ = try DepressionFilling.fill(&dem)
        let d = try D8FlowDirection.compute(dem)
        let graph = try FlowGraph(directions: d)
        let metrics = try CellMetrics(dem.geometry)
        let area = graph.accumulate { metrics.area[$0 / dem.width] / 1e6 }
        let model = try LoadModel(graph: graph, isChannel: area.map { $0 >= 50 },
                                  parameters: TransportParameters(decayPerDay: [tp: 0.3, cod: 0.1], velocity: .powerLaw(a: 0.05, b: 0.25),
                                                                  delivery: .exponential(lengthScale: 2000)))
        var sources = LoadSources(pollutants: [tp, cod], cellCount: dem.count)
        var rng = SeededGenerator(seed: 21)
        for i in 0..<dem.count where dem.isValid(at: i) {
            sources.add(tp, cell: i, kgPerYear: rng.unit() * 50)
            sources.add(cod, cell: i, kgPerYear: rng.unit() * 900)
        }
        let layer = try VectorReader.read(countyPath, targetCRS: dem.geometry.crs)
        let polygons = layer.features.map { f in
            (unit: JurisdictionMap.Unit(id: f["adcode"].stringValue ?? "", name: f["name"].stringValue ?? ""), parts: f.geometry?.polygonParts ?? [])
        }
        let counties = try JurisdictionMap(polygons: polygons, geometry: dem.geometry)
        let provinces = counties.aggregated(to: .province)
        XCTAssertTrue(Set(provinces.units.map(\.name)).isSuperset(of: ["贵州省", "四川省", "云南省"]))
        // Sections: the last cells of the ten largest stream links.
        let network = try StreamNetwork(directions: d, accumulation: Grid(geometry: dem.geometry, trustedCells: area, nodata: .nan), threshold: 50)
        let sections = network.links.sorted { $0.upstreamArea > $1.upstreamArea }.prefix(10).map { Optional($0.cells[$0.cells.count - 1]) }
        let routed = try LoadRouting.route(sources, model: model)
        let (_, byCounty) = try LoadAttribution.attribute(routed, sources: sources, model: model, map: counties, sectionCells: sections)
        let (_, byProvince) = try LoadAttribution.attribute(routed, sources: sources, model: model, map: provinces, sectionCells: sections)
        // Shares sum to 1; totals equal the routed loads.
        for result in byCounty {
            for (s, split) in result.sections.enumerated() {
                XCTAssertEqual(split.shares().reduce(0, +), 1, accuracy: 1e-12)
                let routedValue = try XCTUnwrap(routed.outflow[result.pollutant]?[sections[s] ?? 0])
                XCTAssertEqual(split.total / routedValue, 1, accuracy: 1e-12)
            }
        }
        // County shares summed by province equal the province-level run.
        let provinceOfCounty = counties.units.map { u in provinces.units.firstIndex { $0.id == JurisdictionMap.code(u.id, at: .province) } ?? -1 }
        for (result, provinceResult) in zip(byCounty, byProvince) {
            for (split, provinceSplit) in zip(result.sections, provinceResult.sections) {
                var summed = [Double](repeating: 0, count: provinces.units.count + 1)
                for (u, value) in split.byOrigin.enumerated() {
                    summed[u < counties.units.count ? provinceOfCounty[u] : provinces.units.count] += value
                }
                for (a, b) in zip(summed, provinceSplit.byOrigin) { XCTAssertEqual(a, b, accuracy: 1e-9 * max(1, b)) }
            }
        }
        // Superposition: a unit's share equals the load arriving with only its sources on.
        let outlet = sections[0] ?? 0
        let tpResult = try XCTUnwrap(byCounty.first { $0.pollutant == tp })
        XCTAssertEqual(byCounty.count, 2)
        let ranked = tpResult.sections[0].byOrigin.enumerated().filter { $0.offset < counties.units.count }.sorted { $0.element > $1.element }
        for (u, value) in ranked.prefix(4) {
            let alone = sources.scaled(tp, by: 0) { counties.labels[$0] != Int32(u) }.scaled(cod, by: 0) { _ in true }
            let only = try LoadRouting.route(alone, model: model)
            let arriving = try XCTUnwrap(only.outflow[tp]?[outlet])
            XCTAssertEqual(value / arriving, 1, accuracy: 1e-9, "county \(counties.units[u].name)")
        }
        // The flux graph conserves mass at every unit: in + generated = out + lost.
        for result in byCounty + byProvince {
            for u in 0..<result.generated.count {
                let lhs = result.received[u] + result.generated[u]
                let rhs = result.handedOver[u] + result.deliveredOut[u] + result.lost[u]
                XCTAssertEqual(lhs, rhs, accuracy: 1e-9 * max(1, lhs))
            }
        }
        // A coarser level's centres from the county labels are the province map's own, exactly.
        let grouping = counties.grouping(to: .province)
        let centres = counties.centres(grouping: grouping.mapping, groups: grouping.units.count)
        XCTAssertEqual(centres.count, provinces.units.count)
        for (a, b) in zip(centres, provinces.centres()) {
            XCTAssertEqual(a?.x, b?.x)
            XCTAssertEqual(a?.y, b?.y)
        }
        print("Chishui outlet TP by province:", zip(provinces.units.map(\.name) + ["outside"], (byProvince.first { $0.pollutant == tp } ?? byProvince[0]).sections[0].shares())
            .map { "\($0) \(String(format: "%.3f", $1))" }.joined(separator: ", "))
    }
}

final class LayerOffsetTests: XCTestCase {
    /// The Amap county layer is GCJ-02 labelled WGS 84; against the CGCS2000 layer it shows a systematic shift.
    func testGCJ02ShiftedLayerIsDetected() throws {
        let amap = try TestPaths.shared("counties_amap_gcj02_guizhou/amap_gcj02_counties_guizhou_region.geojson")
        let cgcs = try TestPaths.shared("counties_cgcs2000_guizhou_region/counties_guizhou_region_cgcs2000.gpkg")
        let wgs84 = try CoordinateSystem.parse("EPSG:4326")
        func units(_ path: String) throws -> [(id: String, parts: [[[Coordinate]]])] {
            try VectorReader.read(path, targetCRS: wgs84).features.compactMap { f in f["adcode"].stringValue.map { ($0, f.geometry?.polygonParts ?? []) } }
        }
        let shifted = LayerOffset.compare(try units(amap), reference: try units(cgcs), geographic: true)
        print("GCJ-02 vs CGCS2000: \(shifted)")
        XCTAssertTrue(shifted.looksSystematic, "\(shifted)")
        XCTAssertGreaterThan(shifted.matched, 50)
        XCTAssertGreaterThan(shifted.east, 100)
        XCTAssertLessThan(shifted.north, -100)
        // A layer against itself shows no shift.
        let same = LayerOffset.compare(try units(cgcs), reference: try units(cgcs), geographic: true)
        XCTAssertFalse(same.looksSystematic)
        XCTAssertEqual(same.magnitude, 0, accuracy: 1e-6)
    }
}
