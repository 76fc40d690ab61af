import Foundation

/// The built-in demonstration case: a synthetic basin with a main river and tributaries crossing
/// four counties in three provinces, point and diffuse sources, a karst conduit, a reservoir,
/// assessment sections with a year of monthly monitoring and a two-way scheme with a pooled fund.
/// Everything is derived from the seed, so the same seed gives byte-identical inputs and outputs.
public enum DemoCase {
    public struct Units {
        public static let counties: [(code: String, name: String)] = [
            ("530627", "镇雄县"), ("520502", "七星关区"), ("510525", "古蔺县"), ("520381", "赤水市"),
        ]
    }

    /// Writes the case's input files and project file into `folder`; returns the project file's path.
    @discardableResult
    public static func write(into folder: String, seed: UInt64, size: Int) throws -> String {
        let fm = FileManager.default
        let inputs = (folder as NSString).appendingPathComponent("inputs")
        do { try fm.createDirectory(atPath: inputs, withIntermediateDirectories: true) } catch {
            throw HydroError(.io, folder, "cannot create the demo folder")
        }
        func path(_ name: String) -> String { (inputs as NSString).appendingPathComponent(name) }
        var rng = SeededGenerator(seed: seed ^ 0xD3A0)
        let crs = try CoordinateSystem.parse("EPSG:32648")
        let width = size * 3 / 2, height = size, cell = 90.0
        var dem = SyntheticTerrain.valley(width: width, height: height, cellSize: cell, seed: seed, tributaries: 5, pits: size / 8, crs: crs)
        // Place the grid in southern Sichuan / northern Guizhou (UTM 48N).
        dem.geometry.transform.originX = 420_000
        dem.geometry.transform.originY = 3_120_000
        let g = dem.geometry
        let options = RasterWriteOptions(overwrite: true)
        try RasterWriter.write(dem, to: path("dem.tif"), options: options)

        // Four counties as vertical strips with slightly slanted borders, west (upstream) to east.
        let e = g.extent
        let step = (e.maxX - e.minX) / 4
        var counties: [Feature] = []
        for (k, unit) in Units.counties.enumerated() {
            let x0 = e.minX + Double(k) * step, x1 = x0 + step
            let tilt = step * 0.15
            let west = k == 0 ? e.minX - 1000 : x0 - tilt, westBottom = k == 0 ? e.minX - 1000 : x0 + tilt
            let east = k == 3 ? e.maxX + 1000 : x1 - tilt, eastBottom = k == 3 ? e.maxX + 1000 : x1 + tilt
            let ring = [Coordinate(west, e.maxY + 1000), Coordinate(east, e.maxY + 1000), Coordinate(eastBottom, e.minY - 1000),
                        Coordinate(westBottom, e.minY - 1000), Coordinate(west, e.maxY + 1000)]
            counties.append(Feature(geometry: .polygon([ring]), attributes: ["code": .string(unit.code), "name": .string(unit.name)]))
        }
        try VectorWriter.write(VectorLayer(name: "counties", fields: [FieldDefinition("code", .string), FieldDefinition("name", .string)],
                                           features: counties, crs: crs), to: path("counties.gpkg"), overwrite: true)

        // Sections on the main river (the valley's middle row) just above each border and at the outlet.
        let midY = (e.minY + e.maxY) / 2
        let names = [("S1", "镇雄出境 Zhenxiong exit"), ("S2", "七星关出境 Qixingguan exit"), ("S3", "古蔺出境 Gulin exit"), ("S4", "赤水入江 Chishui outlet")]
        var sections: [Feature] = []
        for (k, (id, name)) in names.enumerated() {
            let x = k == 3 ? e.maxX - 2 * cell : e.minX + Double(k + 1) * step - step * 0.25
            sections.append(Feature(geometry: .point(Coordinate(x, midY)), attributes: ["id": .string(id), "name": .string(name)]))
        }
        try VectorWriter.write(VectorLayer(name: "sections", fields: [FieldDefinition("id", .string), FieldDefinition("name", .string)],
                                           features: sections, crs: crs), to: path("sections.gpkg"), overwrite: true)

        // Point sources: wastewater plants and an industrial park near the river.
        var points: [Feature] = []
        for k in 0..<5 {
            let x = e.minX + (Double(k) + 0.5) * (e.maxX - e.minX) / 5
            let y = midY + (rng.unit() - 0.5) * 20 * cell
            points.append(Feature(geometry: .point(Coordinate(x, y)), attributes: [
                "name": .string("WWTP \(k + 1)"), "codmn_t": .real(20 + 60 * rng.unit()), "nh3n_t": .real(2 + 8 * rng.unit()),
                "tp_t": .real(0.3 + 1.5 * rng.unit())]))
        }
        try VectorWriter.write(VectorLayer(name: "point_sources", fields: [FieldDefinition("name", .string), FieldDefinition("codmn_t", .real),
                                                                          FieldDefinition("nh3n_t", .real), FieldDefinition("tp_t", .real)],
                                           features: points, crs: crs), to: path("point_sources.gpkg"), overwrite: true)

        // Land use: 1 forest on steep ground, 2 farmland on the valley floor, 3 towns near the river.
        var landuse = Grid<UInt8>(geometry: g, filledWith: 1, nodata: 0)
        for r in 0..<height {
            for c in 0..<width {
                let across = abs(Double(r) - Double(height - 1) / 2) / (Double(height) / 2)
                let noise = rng.unit()
                landuse[c, r] = across < 0.08 && noise < 0.3 ? 3 : across < 0.45 && noise < 0.7 ? 2 : 1
            }
        }
        try RasterWriter.write(landuse, to: path("landuse.tif"), options: options)
        try AtomicOutput.write(CSVWriter.text(header: ["class", "pollutant", "kg_ha_yr"], rows: [
            ["1", "CODMn", "3"], ["1", "NH3-N", "0.2"], ["1", "TP", "0.03"],
            ["2", "CODMn", "15"], ["2", "NH3-N", "2.5"], ["2", "TP", "0.6"],
            ["3", "CODMn", "60"], ["3", "NH3-N", "8"], ["3", "TP", "1.2"],
        ]), to: path("export_coefficients.csv"), overwrite: true)

        // A karst conduit: a tributary sinks and reappears on the main river further east.
        let sinkX = e.minX + (e.maxX - e.minX) * 0.35, springX = e.minX + (e.maxX - e.minX) * 0.47
        let karst = Feature(geometry: .lineString([Coordinate(sinkX, midY + (e.maxY - midY) * 0.55), Coordinate(springX, midY)]),
                            attributes: ["name": .string("落水洞 swallow hole → 出水洞 spring"), "share": .real(0.7)])
        try VectorWriter.write(VectorLayer(name: "karst", fields: [FieldDefinition("name", .string), FieldDefinition("share", .real)],
                                           features: [karst], crs: crs), to: path("karst.gpkg"), overwrite: true)
        // A reservoir on the main river in the third county.
        let reservoir = Feature(geometry: .point(Coordinate(e.minX + step * 2.5, midY)), attributes: ["name": .string("水库 Reservoir")])
        try VectorWriter.write(VectorLayer(name: "reservoirs", fields: [FieldDefinition("name", .string)], features: [reservoir], crs: crs),
                               to: path("reservoirs.gpkg"), overwrite: true)

        // Monthly monitoring: seasonal concentrations that rise downstream; the two middle sections miss
        // Class II for TP in the wet months; the outlet misses NH3-N in winter; one month is not sampled.
        var rows: [[String]] = []
        let base: [[Double]] = [[2.8, 0.25, 0.06], [3.4, 0.38, 0.09], [3.9, 0.42, 0.095], [3.6, 0.47, 0.08]]
        for (s, (id, _)) in names.enumerated() {
            for month in 1...12 {
                if s == 2 && month == 8 { continue }  // a missing sample
                let wet = (month >= 5 && month <= 9) ? 1.0 : 0.0
                let season = 1 + 0.25 * sin(Double(month - 3) / 12 * 2 * .pi)
                let flow = (20 + 40 * Double(s)) * (1 + 1.2 * wet) * (0.9 + 0.2 * rng.unit())
                for (p, parameter) in ["CODMn", "NH3-N", "TP"].enumerated() {
                    var c = base[s][p] * season * (0.9 + 0.2 * rng.unit())
                    if p == 2 { c *= 1 + 0.5 * wet }
                    if p == 1 && s == 3 && (month <= 2 || month == 12) { c *= 1.4 }
                    rows.append([id, String(format: "2024-%02d", month), parameter, String(format: "%.3f", c), String(format: "%.2f", flow)])
                }
            }
        }
        try AtomicOutput.write(CSVWriter.text(header: ["section", "period", "parameter", "concentration", "flow_m3s"], rows: rows),
                               to: path("monitoring.csv"), overwrite: true)

        try AtomicOutput.write("""
        # Two-way compensation between the four counties of the demo basin, settled for 2024.
        [scheme]
        name = "Demo basin two-way compensation"
        year = 2024
        currency = "CNY"

        [[sections]]
        id = "S1"
        name = "镇雄出境 Zhenxiong exit"
        upstream = ["530627"]
        downstream = ["520502"]
        target = "Class II"

        [[sections]]
        id = "S2"
        name = "七星关出境 Qixingguan exit"
        upstream = ["530627", "520502"]
        downstream = ["510525"]
        target = "Class II"

        [[sections]]
        id = "S3"
        name = "古蔺出境 Gulin exit"
        upstream = ["530627", "520502", "510525"]
        downstream = ["520381"]
        target = "Class II"

        [[sections]]
        id = "S4"
        name = "赤水入江 Chishui outlet"
        upstream = ["520381"]
        downstream = ["510525"]
        target = "Class III"

        # Monthly two-way: meeting the target earns the upstream side 300,000 a month; missing it costs
        # the upstream parties the excess load priced per kg, split by Shapley value on the excess.
        [[rules]]
        type = "monthly_two_way"
        sections = ["S1", "S2", "S3"]
        amount_met = 300_000
        mode = "excess_load"
        unit_price = { CODMn = 0.2, "NH3-N" = 2, TP = 20 }
        split = "shapley"

        [[rules]]
        type = "monthly_two_way"
        sections = ["S4"]
        amount = 200_000
        split = "equal"

        # Water quantity at the outlet: a monthly minimum discharge against an ecological flow.
        [[rules]]
        type = "water_quantity"
        sections = ["S4"]
        ecological_flow_m3s = 120
        amount_flow = 100_000

        # A pooled fund in the Chishui style: provinces pay in 1:5:4, receive 3:4:3, and a failing
        # section hands part of the upstream province's allocation downstream.
        [[rules]]
        type = "pooled_fund"
        total = 20_000_000
        contributions = { "530000" = 1, "520000" = 5, "510000" = 4 }
        allocation = { "530000" = 3, "520000" = 4, "510000" = 3 }

        [[rules.failures]]
        section = "S1"
        weight = 0.5
        deduct_from = "530000"
        give_to = { "520000" = 0.5, "510000" = 0.5 }

        [[rules.failures]]
        section = "S3"
        weight = 0.3
        deduct_from = "510000"
        give_to = "520000"
        """, to: path("scheme.toml"), overwrite: true)

        // On a grid large enough for the terrain's finer octaves, tributaries run within a few cells of
        // the main river, and the nearest stream cell to a section can be one of them: sections snap
        // only to streams draining a hundredth of the basin there (the demo's own grids are unchanged).
        let basinKm2 = Double(width) * Double(height) * cell * cell / 1e6
        let sectionMinimumArea = SyntheticTerrain.hasFinerOctaves(width: width)
            ? "\nsnap_min_area_km2 = \(Int((basinKm2 / 100).rounded()))" : ""
        let project = (folder as NSString).appendingPathComponent("project.toml")
        try AtomicOutput.write("""
        # The demo basin: synthetic terrain, four counties in three provinces, seed \(seed).
        [project]
        name = "Demo basin 示范流域 (seed \(seed))"
        output = "output"

        [inputs]
        dem = "inputs/dem.tif"
        jurisdictions = "inputs/counties.gpkg"
        sections = "inputs/sections.gpkg"
        monitoring = "inputs/monitoring.csv"
        scheme = "inputs/scheme.toml"

        [terrain]
        conditioning = "fill"
        stream_threshold_km2 = 5

        [jurisdictions]
        id_field = "code"
        name_field = "name"
        levels = ["county", "province"]

        [sections]
        id_field = "id"
        name_field = "name"
        snap_radius_m = 500\(sectionMinimumArea)
        tolerance_m = 300

        [transport]
        velocity_a = 0.15          # v = a·A^b m/s, A in km²
        velocity_b = 0.2
        delivery_length_scale_m = 1500

        [decay]                    # first-order in-stream decay, 1/day
        CODMn = 0.10
        "NH3-N" = 0.25
        TP = 0.05

        [[point_sources]]
        file = "inputs/point_sources.gpkg"
        unit = "t/yr"
        id_field = "name"
        fields = { CODMn = "codmn_t", "NH3-N" = "nh3n_t", TP = "tp_t" }
        snap_radius_m = 3000

        [[diffuse]]
        landuse = "inputs/landuse.tif"
        coefficients = "inputs/export_coefficients.csv"

        [[reservoirs]]
        file = "inputs/reservoirs.gpkg"
        name_field = "name"
        retained = { CODMn = 0.2, "NH3-N" = 0.15, TP = 0.35 }

        [[links]]
        file = "inputs/karst.gpkg"
        name_field = "name"
        share_field = "share"
        """, to: project, overwrite: true)
        return project
    }
}
