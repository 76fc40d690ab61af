import Foundation

extension ProjectRun {
    public enum Stage: Int, Comparable, Sendable {
        case terrain, network, loads, attribution, compensation, report
        public static func < (a: Stage, b: Stage) -> Bool { a.rawValue < b.rawValue }
    }

    /// Every step in order. Each step's outputs are listed in `Outputs`.
    public func runAll(scenario: [SourceScaling] = []) throws {
        try runThrough(.report, scenario: scenario)
    }

    /// The steps up to and including `last`.
    public func runThrough(_ last: Stage, scenario: [SourceScaling] = []) throws {
        let bounds: [Double] = [0, 0.35, 0.45, 0.65, 0.85, 0.92, 1]
        func part(_ s: Stage) -> TaskProgress {
            let top = bounds[last.rawValue + 1]
            return progress.scaled(from: bounds[s.rawValue] / top, to: bounds[s.rawValue + 1] / top)
        }
        try config.preflight()
        if last >= .loads, config.dem != nil { try config.requirePollutant() }
        let lock = try lockFolder()
        defer { tiling?.removeWork(); withExtendedLifetime(lock) {} }
        try terrainStep(part(.terrain))
        if last >= .network { try networkStep(part(.network)) }
        if last >= .loads { try loadsStep(part(.loads)) }
        if last >= .attribution { try attributionStep(part(.attribution)) }
        if last >= .compensation { try compensationStep(part(.compensation), scenario: scenario) }
        // The report draws from the step results, the network and the flow graph: the load model,
        // the sources and the upstream grids are let go first (made again if anything asks).
        if last >= .report { releaseLoadGrids(); try reportStep(part(.report)) }
        // What later steps wrote before no longer matches what this run changed: remove it.
        if last < .report && steps.contains(where: \.ran) {
            if last < .attribution { try cache.discard("attribution", outputs: Self.attributionOutputs, folder: folder) }
            if last < .compensation { try cache.discard("compensation", outputs: Self.compensationOutputs, folder: folder) }
            for name in [Outputs.report, Outputs.manifest] { try? FileManager.default.removeItem(atPath: path(name)) }
        }
        try progress.report(1)
    }

    /// How the run writes a raster: the run's format and creation options (`--of`, `--co`), the
    /// band descriptions and GDAL unit types, and the project's name in the metadata.
    func rasterOptions(_ inputs: [String], metadata: [String: String] = [:], bands: [String] = [], units: [String] = [],
                       attributeTable: RasterAttributeTable? = nil) -> RasterWriteOptions {
        RasterWriteOptions(format: rasterOutput.format, creationOptions: rasterOutput.creationOptions, overwrite: true,
                           metadata: metadata.merging(["HYDROTOOL_PROJECT": config.name]) { a, _ in a },
                           bandDescriptions: bands, inputs: inputs, bandUnits: units, attributeTable: attributeTable)
    }

    /// CSV text with the run's byte-order-mark setting (`--csv-bom`).
    func csv(_ header: [String], _ rows: [[String]]) -> String {
        CSVWriter.text(header: header, rows: rows, bom: csvByteOrderMark)
    }

    /// Burn mapped rivers (when given), condition (fill or breach), D8 directions, upstream area.
    func terrainStep(_ part: TaskProgress) throws {
        guard let demFile = config.dem else {
            throw HydroError(.invalidInput, config.source.location("inputs"),
                             "names no dem, so terrain, loads and the report cannot run; a project without a DEM settles compensation only (hydrotool compensate)")
        }
        // Links change the upstream area, so their files and shares are part of the terrain step.
        let inputs = [demFile] + (config.rivers.map { [$0] } ?? []) + config.links.map(\.file)
        let parameters = "band=\(config.demBand) conditioning=\(config.conditioning.rawValue) burn=\(config.rivers != nil ? "\(config.burnDepth)/\(config.burnBuffer)" : "none")"
            + config.links.map { " link=\($0.file) \($0.share) \($0.shareField ?? "")" }.joined()
        try step("terrain", after: [], inputs: inputs, parameters: parameters,
                 outputs: [Outputs.conditionedDEM, Outputs.flowDirections, Outputs.upstreamArea], progress: part) {
            var dem = try RasterReader.read(demFile, band: config.demBand, as: Float.self, progress: part.scaled(from: 0, to: 0.1))
            try ElevationCheck.require(dem, file: demFile)
            if let rivers = config.rivers {
                let layer = try VectorReader.read(rivers, targetCRS: dem.geometry.crs)
                let lines = layer.features.flatMap { $0.geometry?.lineParts ?? [] }
                let burned = try StreamBurning.burn(&dem, lines: lines, depth: config.burnDepth, buffer: config.burnBuffer)
                log("terrain: burned \(burned.burnedCells) river cells")
            }
            let directions: FlowDirections
            if let tiling, config.conditioning == .fill {
                dem = try fillByTiles(dem, tiling: tiling)
                try part.report(0.5)
                directions = try directionsByTiles(dem, tiling: tiling)
                try part.report(0.7)
            } else {
                if config.conditioning == .breach {
                    if tiling != nil { log("terrain: breaching runs in one piece (its paths may cross any tile)") }
                    _ = try DepressionBreaching.breach(&dem, progress: part.scaled(from: 0.1, to: 0.5))
                } else {
                    _ = try DepressionFilling.fill(&dem, progress: part.scaled(from: 0.1, to: 0.5))
                }
                directions = try D8FlowDirection.compute(dem, threads: config.threads, progress: part.scaled(from: 0.5, to: 0.7))
            }
            try setTerrain(conditioned: dem, directions: directions)
            // The conditioned DEM and the directions are written while the flow graph and the upstream
            // area are made (GDAL compresses on both cores but leaves about half of one idle; one raster
            // written at a time, so the block cache sees one writer).
            let conditioned = dem, encoded = directions.encoded(.esri)
            let demPath = path(Outputs.conditionedDEM), directionsPath = path(Outputs.flowDirections)
            let demOptions = rasterOptions(inputs, bands: ["conditioned elevation (m)"], units: ["m"])
            let directionOptions = rasterOptions(inputs, metadata: [D8Encoding.metadataKey: "esri", FlowProportions.methodMetadataKey: "d8"],
                                                 bands: ["D8 flow direction (esri encoding)"])
            var made: Accumulation?
            try Parallel.both(threads: config.threads, {
                try RasterWriter.write(conditioned, to: demPath, options: demOptions)
                try RasterWriter.write(encoded, to: directionsPath, options: directionOptions)
            }) { made = try upstream() }
            let area = try made ?? upstream()
            try RasterWriter.write(area.values, to: path(Outputs.upstreamArea), options: rasterOptions(inputs, bands: ["upstream area (km2)"], units: ["km2"]))
            let incomplete = area.incomplete.filter { $0 }.count
            if incomplete > 0 { log("terrain: \(incomplete) cells may receive inflow from outside the DEM") }
        }
    }

    /// The channel network above the threshold.
    func networkStep(_ part: TaskProgress) throws {
        try step("network", after: ["terrain"], inputs: [], parameters: "threshold_km2=\(config.streamThresholdKm2)",
                 outputs: [Outputs.streamRaster, Outputs.streamLines], progress: part) {
            let network = try network()
            let order = QGISStyle.streamsByOrder(maxOrder: Int(network.links.map(\.strahler).max() ?? 1))
            let raster = network.raster, rasterPath = path(Outputs.streamRaster), options = rasterOptions([], bands: ["stream link ID"])
            // The raster and the lines at once: two files, and the GeoPackage's SQLite work is one core's.
            try Parallel.both(threads: config.threads, { try RasterWriter.write(raster, to: rasterPath, options: options) }) {
                try VectorWriter.write(network.layer(), to: path(Outputs.streamLines), overwrite: true,
                                       styles: [LayerStyle(table: "streams", name: "streams by Strahler order", qml: order,
                                                           description: "line width and colour by Strahler order")])
            }
            log("network: \(network.links.count) links")
        }
    }

    var loadParameters: String {
        func sorted(_ values: [Pollutant: Double]) -> String {
            values.sorted { $0.key < $1.key }.map { "\($0.key.name)=\($0.value)" }.joined(separator: ",")
        }
        var lines = ["velocity=\(config.transport.velocity)", "delivery=\(config.transport.delivery)", "decay=\(sorted(config.transport.decayPerDay))"]
        for s in config.pointSources {
            lines.append("point=\(s.file) \(s.unit.rawValue) \(s.fields.sorted { $0.key < $1.key }.map { "\($0.key.name):\($0.value)" }) \(s.snapRadius ?? -1) \(s.idField ?? "")")
        }
        for d in config.diffuse {
            switch d {
            case .exportCoefficients(let l, let c): lines.append("diffuse=\(l) \(c)")
            case .loadRaster(let f, let p, let perHectare): lines.append("diffuse=\(f) \(p.name) \(perHectare)")
            case .uniform(let p, let rate): lines.append("diffuse=uniform \(p.name) \(rate)")
            }
        }
        for r in config.reservoirs {
            switch r.retention {
            case .fractions(let f): lines.append("reservoir=\(r.file) \(r.nameField ?? "") retained \(sorted(f))")
            case .arealHydraulicLoad(let vs, let qs): lines.append("reservoir=\(r.file) \(r.nameField ?? "") vs \(sorted(vs)) qs \(qs)")
            }
        }
        for l in config.links { lines.append("link=\(l.file) \(l.share) \(l.shareField ?? "") \(l.nameField ?? "")") }
        lines.append("sections=\(config.sectionIdField ?? "") \(config.sectionNameField ?? "") \(config.sectionSnapRadius) \(config.sectionTolerance ?? -1)"
                     + (config.sectionSnapMinimumAreaKm2 > 0 ? " min_area=\(config.sectionSnapMinimumAreaKm2)" : ""))
        // Calibrated coefficients change the loads: a new calibration reruns the step.
        if let calibrated = try? calibratedCoefficients() {
            for (p, c) in calibrated.sorted(by: { $0.key < $1.key }) {
                lines.append("calibrated=\(p.name) " + c.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: " "))
            }
        }
        return lines.joined(separator: "\n")
    }

    var loadInputs: [String] {
        config.pointSources.map(\.file) + config.reservoirs.map(\.file) + config.links.map(\.file) + (config.sections.map { [$0] } ?? [])
            + config.diffuse.flatMap { d -> [String] in
                switch d {
                case .exportCoefficients(let l, let c): [l, c]
                case .loadRaster(let f, _, _): [f]
                case .uniform: []
                }
            }
            + (config.calibration?.delivery.map(\.raster) ?? [])
    }

    /// Routed loads: delivered-load raster, loads on every link and at every section, mass budget.
    /// One pollutant at a time: its generated load is made, routed, written as its band of loads.tif
    /// and read at the links and sections, then let go before the next (`PollutantGrids`).
    func loadsStep(_ part: TaskProgress) throws {
        try step("loads", after: ["terrain", "network"], inputs: loadInputs, parameters: loadParameters,
                 outputs: [Outputs.loadRaster, Outputs.streamLoads, Outputs.streamLoadsJSON, Outputs.sectionLoadsCSV, Outputs.sectionLoadsJSON, Outputs.massBudget,
                           Outputs.pointSources],
                 progress: part) {
            let sources = try sources()
            guard !sources.pollutants.isEmpty else {
                throw HydroError(.invalidInput, config.file, "names no pollutant: give [decay] rates or sources with load fields")
            }
            // Routing reads neither the upstream area nor the link of every cell (made into the model,
            // the sources and the sections by now): both go before the routed grids are made.
            try releaseUpstreamArea()
            try releaseNetworkCells(afterReachGraph: false)
            try writeLoads(sources: sources, model: try model(), progress: part.scaled(from: 0, to: 0.8))
        }
    }

    func writeLoads(sources: LoadSources, model: LoadModel, progress: TaskProgress) throws {
        let geometry = try geometry
        // The links and their cells; the link of every cell is not read here.
        let network = try networkForLinks()
        let sections = try sections()
        let pollutants = sources.pollutants.filter { sources.generated.contains($0) }
        let names = pollutants.map(\.name)
        var linkLoads = network.links.map { LinkLoad(link: $0.id, pollutants: names) }
        // Per pollutant, the routed load leaving each section cell (NaN off the grid).
        var atSections: [Pollutant: [Double]] = [:]
        var massBudgets: [Pollutant: MassBudget] = [:]
        try RasterWriter.write(bandCount: pollutants.count, geometry: geometry, to: path(Outputs.loadRaster),
                               options: rasterOptions(loadInputs, bands: pollutants.map { "\($0.name) load leaving each cell (kg/yr)" },
                                                      units: pollutants.map { _ in "kg/yr" }),
                               storedAs: .float32, progress: progress) { k -> Grid<Double> in
            let p = pollutants[k]
            guard let generated = sources.cellLoads(p), generated.count == geometry.cellCount else {
                throw HydroError(.invalidInput, "sources", "\(p.name) loads do not cover the grid's \(geometry.cellCount) cells")
            }
            let (outflow, budget) = try tiling.map { try routeByTiles(p, generated: generated, model: model, tiling: $0) }
                ?? LoadRouting.route(p, loads: generated, model: model, threads: config.threads)
            massBudgets[p] = budget
            for (l, link) in network.links.enumerated() {
                linkLoads[l].loads[k] = outflow[link.cells[link.cells.count - 1]]
                linkLoads[l].local[k] = link.cells.reduce(0.0) { $0 + generated[$1] }
            }
            atSections[p] = sections.map { s in s.cell.map { outflow[$0] } ?? .nan }
            // Kept as Float32 in the file, narrowed block by block as GDAL writes (no Float32 copy of the grid).
            return Grid(geometry: geometry, trustedCells: outflow, nodata: Double.nan)
        }
        // The routed grids are gone: their pages go back before the vector outputs are made.
        MemoryReuse.releaseFreedMemory()
        let fields = pollutants.flatMap { p in
            [FieldDefinition("\(p.name)_kg_yr", .real), FieldDefinition("\(p.name)_local_kg_yr", .real)]
        }
        let layer = network.layer(extraFields: fields) { link in
            var values: [String: FieldValue] = [:]
            let record = linkLoads[Int(link.id) - 1]
            for (k, p) in pollutants.enumerated() {
                values["\(p.name)_kg_yr"] = .real(record.loads[k])
                values["\(p.name)_local_kg_yr"] = .real(record.local[k])
            }
            return values
        }
        // One QGIS style per pollutant (load classes as in the report's maps), the first the default.
        let styles = pollutants.enumerated().map { k, p -> LayerStyle in
            let maximum = linkLoads.map { $0.loads[k] }.filter(\.isFinite).max() ?? 0
            let breaks = [0] + MapRenderer.classes(maximum: maximum)
            return LayerStyle(table: layer.name, name: "\(p.name) load (kg/yr)", qml: QGISStyle.loads(field: "\(p.name)_kg_yr", breaks: breaks),
                              description: "links by the \(p.name) load leaving them, kg/yr", isDefault: k == 0)
        }
        var rows: [[String]] = []
        var sectionLoads: [SectionLoad] = []
        for (index, s) in sections.enumerated() {
            var loads: [String: Double?] = [:]
            for p in pollutants {
                let value = atSections[p]?[index] ?? .nan
                rows.append([s.id, s.name, p.name, value.isNaN ? "" : String(format: "%.6g", value), "kg/yr",
                             s.upstreamArea.isNaN ? "" : String(format: "%.3f", s.upstreamArea)])
                loads[p.name] = value.isNaN ? nil : value
            }
            sectionLoads.append(SectionLoad(id: s.id, name: s.name, upstreamAreaKm2: s.upstreamArea.isNaN ? nil : s.upstreamArea,
                                            snapDistanceM: s.snapDistance.isNaN ? nil : s.snapDistance, warnings: s.warnings,
                                            loadsKgPerYr: loads))
        }
        try AtomicOutput.write(csv(["section_id", "section_name", "pollutant", "load", "unit", "upstream_area_km2"], rows),
                               to: path(Outputs.sectionLoadsCSV), overwrite: true)
        var budgets: [BudgetSummary] = []
        for p in pollutants {
            guard let b = massBudgets[p] else { continue }
            let outlets = zip(b.outletCells, b.outletLoads).sorted { ($0.1, $1.0) > ($1.1, $0.0) }.prefix(20).map { cell, load in
                let c = geometry.centre(column: cell % geometry.width, row: cell / geometry.width)
                return OutletLoad(x: c.x, y: c.y, deliveredKgPerYr: load)
            }
            budgets.append(BudgetSummary(pollutant: p.name, generated: b.generated, delivered: b.delivered, lostOnLand: b.lostOnLand,
                                         lostInStreams: b.lostInStreams, lostInReservoirs: b.lostInReservoirs, imbalance: b.imbalance,
                                         outlets: b.outletCells.count, largestOutlets: Array(outlets)))
        }
        let result = LoadsResult(sections: sectionLoads, budgets: budgets, links: linkLoads)
        // The links' loads as JSON and as a GeoPackage layer: two files, encoded at once.
        let linksDocument = LinkLoadsDocument(unit: result.unit, links: linkLoads), linksJSON = path(Outputs.streamLoadsJSON)
        try Parallel.both(threads: config.threads, { try StepResultFile.write(linksDocument, to: linksJSON) }) {
            try VectorWriter.write(layer, to: path(Outputs.streamLoads), overwrite: true, styles: styles)
        }
        try StepResultFile.write(SectionLoadsDocument(unit: result.unit, sections: result.sections), to: path(Outputs.sectionLoadsJSON))
        try StepResultFile.write(BudgetsDocument(budgets: result.budgets), to: path(Outputs.massBudget))
        _loadsResult = result
        // One row per source and pollutant (long format): one value per cell.
        let sourceRows = pointSourceRows.flatMap { row in
            row.dropFirst(7).map { item -> [String] in
                let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
                return Array(row.prefix(7)) + [parts.first ?? "", parts.count > 1 ? parts[1] : ""]
            }
        }
        try AtomicOutput.write(csv(["file", "source_id", "x", "y", "stream_x", "stream_y", "snap_distance_m", "pollutant", "load_kg_yr"], sourceRows),
                               to: path(Outputs.pointSources), overwrite: true)
    }
}
