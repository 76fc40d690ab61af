import Foundation

/// Runs a project's pipeline step by step: terrain → network → loads → attribution →
/// compensation → report, each writing into the output folder under a fixed name. A step
/// whose inputs, parameters and outputs are unchanged since its last run is skipped.
public final class ProjectRun {
    public struct StepReport: Sendable {
        public var name: String
        public var ran: Bool
        public var seconds: Double
        public var outputs: [String]
        /// Peak resident memory during the step (only when `measuresPeakMemory` is set), bytes.
        public var peakResidentBytes: Int?
    }

    /// Set for `run --tiles`: the loads and attribution passes go by tiles (`ProjectTiling`).
    public var tiling: ProjectTiling?
    /// Set by the benchmark: each step then resets the process's peak-memory mark and reads it when done.
    public var measuresPeakMemory = false
    /// How the run writes its rasters: GeoTIFF (tiled, DEFLATE) by default, or a Cloud Optimized
    /// GeoTIFF with overviews; creation options as `-co` gives them. The fixed output names end in
    /// `.tif`, so only the two GeoTIFF drivers are offered.
    public struct RasterOutput: Sendable, Equatable {
        public var format: String
        public var creationOptions: [String]

        public init(format: String = "GTiff", creationOptions: [String] = []) throws {
            guard ["GTIFF", "COG"].contains(format.uppercased()) else {
                throw HydroError(.invalidParameter, "--of", "'\(format)': a project run writes GeoTIFF outputs (.tif); use GTiff or COG")
            }
            self.format = format.uppercased() == "COG" ? "COG" : "GTiff"
            self.creationOptions = creationOptions
            try RasterWriter.validate(RasterWriteOptions(format: self.format, creationOptions: creationOptions))
        }

        /// What a step's cache key must include: a change of format or options rewrites the rasters.
        var cacheKey: String { format == "GTiff" && creationOptions.isEmpty ? "" : "raster=\(format) \(creationOptions.joined(separator: " "))\n" }
    }

    public let config: ProjectConfig
    public let folder: String
    /// The format and creation options of every raster the run writes.
    public let rasterOutput: RasterOutput
    /// Whether CSV outputs start with a UTF-8 byte order mark (for Excel); on by default.
    public let csvByteOrderMark: Bool
    public let started = Date()
    public private(set) var steps: [StepReport] = []
    public private(set) var warnings: [String] = []
    let progress: TaskProgress
    let log: (String) -> Void
    var cache: StepCache
    /// While a step runs, its outputs are written here and moved into `folder` when all succeeded.
    private var staging: (folder: String, outputs: Set<String>)?
    private var inputChecksums: [String: String] = [:]
    private var stepKeys: [String: String] = [:]

    public init(_ config: ProjectConfig, progress: TaskProgress = .silent, rasterOutput: RasterOutput? = nil, csvByteOrderMark: Bool = true,
                log: @escaping (String) -> Void = { _ in }) throws {
        self.config = config
        self.rasterOutput = try rasterOutput ?? RasterOutput()
        self.csvByteOrderMark = csvByteOrderMark
        folder = config.output
        guard !folder.isEmpty else { throw HydroError(.invalidParameter, "output", "must name a folder (it is empty)") }
        // The folder is made when the steps start (`lockFolder`), after the project passed its checks.
        cache = StepCache(folder: folder)
        self.progress = progress
        self.log = log
    }

    /// Locks the output folder for the steps about to run (a second run into it waits), removes the
    /// staging folders a killed run left, and re-reads the step record the previous holder wrote.
    /// The lock lasts as long as the returned value.
    func lockFolder() throws -> FolderLock {
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw HydroError(.io, folder, "cannot create the output folder: \(AtomicOutput.reason(error))")
        }
        let lock = try FolderLock(folder: folder, waiting: log)
        AtomicOutput.removeStaleStaging(in: folder)
        cache = StepCache(folder: folder)
        return lock
    }

    /// Where the output `name` is: inside the running step's staging folder when it is one of that step's outputs.
    public func path(_ name: String) -> String {
        if let staging, staging.outputs.contains(name) { return (staging.folder as NSString).appendingPathComponent(name) }
        return (folder as NSString).appendingPathComponent(name)
    }

    func warn(_ message: String) {
        guard !warnings.contains(message) else { return }
        warnings.append(message)
        log("warning: \(message)")
    }

    /// SHA-256 of an input file, computed once per run.
    public func checksum(_ file: String) throws -> String {
        if let known = inputChecksums[file] { return known }
        let sum = try SHA256.hex(file: VectorReader.splitLayer(file).file)
        inputChecksums[file] = sum
        return sum
    }

    public var allInputChecksums: [String: String] { inputChecksums }

    /// Runs `body` unless the step is up to date; `parameters` must describe everything the step's
    /// result depends on besides its input files and the steps before it.
    func step(_ name: String, after: [String], inputs: [String], parameters: String, outputs: [String],
              progress part: TaskProgress, _ body: () throws -> Void) throws {
        var key = SHA256()
        key.update("\(name)\n\(Provenance.version)\n\(parameters)\n\(rasterOutput.cacheKey)\(csvByteOrderMark ? "" : "csv_bom=false\n")")
        for file in inputs.sorted() { key.update("\(file)=\(try checksum(file))\n") }
        for previous in after { key.update("\(previous)=\(stepKeys[previous] ?? "")\n") }
        let digest = key.finalize()
        stepKeys[name] = digest
        let start = Date()
        if cache.isUpToDate(name, key: digest, folder: folder) {
            log("\(name): up to date, skipped")
            for w in cache.warnings(name) where !warnings.contains(w) { warnings.append(w) }
            steps.append(StepReport(name: name, ran: false, seconds: 0, outputs: outputs))
            try part.report(1)
            return
        }
        log("\(name): running")
        let warningsBefore = warnings.count
        if measuresPeakMemory { MemoryUsage.resetPeak() }
        try runStaged(name, inputs: inputs, outputs: outputs, body)
        let peak = measuresPeakMemory ? MemoryUsage.peakResidentBytes : nil
        MemoryReuse.releaseFreedMemory()
        try cache.record(name, key: digest, outputs: outputs, warnings: Array(warnings[warningsBefore...]), folder: folder)
        let seconds = Date().timeIntervalSince(start)
        steps.append(StepReport(name: name, ran: true, seconds: seconds, outputs: outputs, peakResidentBytes: peak))
        log("\(name): done in \(String(format: "%.1f", seconds)) s")
    }

    /// Runs a step's body with its outputs redirected into a staging folder, then moves them into
    /// place only when every one was written: a failing step leaves none of its new outputs behind,
    /// and the folder keeps the previous complete set.
    private func runStaged(_ name: String, inputs: [String], outputs: [String], _ body: () throws -> Void) throws {
        // Checked here on the final names: inside the step the writers only see staging paths.
        let protected = (config.inputFiles + [config.file]).map { VectorReader.splitLayer($0).file }
        for output in outputs {
            try AtomicOutput.checkTarget((folder as NSString).appendingPathComponent(output), overwrite: true, inputs: protected)
        }
        let stagingFolder = try AtomicOutput.makeStaging(in: folder, label: "step-\(name)")
        staging = (stagingFolder, Set(outputs))
        defer {
            staging = nil
            try? FileManager.default.removeItem(atPath: stagingFolder)
        }
        do { try body() } catch let e as HydroError where e.subject.hasPrefix(stagingFolder) {
            // Name the output where the user will look for it, not its staging copy.
            throw HydroError(e.kind, folder + e.subject.dropFirst(stagingFolder.count), e.message)
        } catch let bad as NonFiniteResult {
            let from = inputs.isEmpty ? "the steps before it" : inputs.map { ($0 as NSString).lastPathComponent }.joined(separator: ", ")
            throw HydroError(.invalidInput, "\(name) step", "\(bad.description) (computed from \(from) and the project's parameters); none of this step's outputs were written")
        }
        let fm = FileManager.default
        let produced = Set((try? fm.contentsOfDirectory(atPath: stagingFolder)) ?? [])
        for output in outputs where !produced.contains(output) {
            throw HydroError(.io, (folder as NSString).appendingPathComponent(output), "the \(name) step did not write it; nothing of this step was kept")
        }
        // The step's old entry goes first: a kill while moving leaves the step marked as not done.
        try cache.forget(name)
        try AtomicOutput.moveProducts(from: stagingFolder, into: folder, mainFiles: outputs)
    }

    // MARK: products shared between steps (computed on demand, read back from files when a step was skipped)

    private var _directions: FlowDirections?
    private var _conditioned: Grid<Float>?
    private var _mapBackground: MapRenderer.Background?
    private var _graph: FlowGraph?
    var _upstream: Accumulation?
    /// What is kept of the upstream area once the whole grid is let go (`releaseUpstreamArea`).
    var _upstreamKept: UpstreamKept?
    /// Step results: set by the step that computed them, or loaded back when it was skipped.
    var _loadsResult: LoadsResult?
    var _attributionResult: AttributionResult?
    var _settlementResult: SettlementResult?
    var _network: StreamNetwork?
    /// The network's cell array was let go (`releaseNetworkCells`); `network()` rebuilds it from the links.
    var networkCellsReleased = false
    private var _model: LoadModel?
    private var _sources: LoadSources?
    let lastGeneratedGrid = LastGrid()
    private var _sections: [PlacedPoint]?
    var _jurisdictionMap: JurisdictionMap?
    var _crossings: [BorderCrossing]?
    var _reachGraph: ReachGraph?
    var _aggregatedMaps: [JurisdictionMap.Level: JurisdictionMap] = [:]
    /// Where each point source was placed: file, id, original x/y, stream cell x/y, distance (m), loads (kg/yr).
    var pointSourceRows: [[String]] = []

    public func conditionedDEM() throws -> Grid<Float> {
        if let d = _conditioned { return d }
        let d = try RasterReader.read(path(Outputs.conditionedDEM), as: Float.self)
        _conditioned = d
        return d
    }

    public func directions() throws -> FlowDirections {
        if let d = _directions { return d }
        let grid = try RasterReader.read(path(Outputs.flowDirections), as: UInt8.self)
        let d = try FlowDirections(decoding: grid, encoding: .esri, source: path(Outputs.flowDirections))
        _directions = d
        return d
    }

    public var geometry: GridGeometry { get throws { try directions().geometry } }

    /// The one flow graph of the run: the D8 directions plus the project's karst conduits and
    /// diversions, built once.
    public func graph() throws -> FlowGraph {
        if let g = _graph { return g }
        let g = try FlowGraph(directions: try directions(), links: try ProjectInputs.links(config, geometry: try geometry, run: self))
        _graph = g
        return g
    }

    /// Upstream area (km²) of every cell on the flow graph, links included, with the cells whose
    /// upstream area may be incomplete: computed once and used by every step.
    public func upstream() throws -> Accumulation {
        if let u = _upstream { return u }
        let u = try graph().upstream(.areaSquareKilometres)
        _upstream = u
        return u
    }

    public func network() throws -> StreamNetwork {
        if let n = _network {
            guard networkCellsReleased else { return n }
            var rebuilt = n
            rebuilt.linkOfCell = n.cellsFromLinks()
            _network = rebuilt
            networkCellsReleased = false
            return rebuilt
        }
        let area = try upstream().values
        let n = try StreamNetwork(directions: try directions(), accumulation: area, threshold: config.streamThresholdKm2,
                                  elevation: try conditionedDEM(), areaKm2: area)
        _network = n
        // The network is the DEM's last user in a run (the report's map keeps its own background):
        // let it go, 4 bytes a cell for the steps after.
        if _mapBackground != nil { _conditioned = nil }
        return n
    }

    /// The report map's size and hillshade, made while the DEM is in memory (or from the conditioned DEM's file).
    func mapBackground() throws -> MapRenderer.Background {
        if let b = _mapBackground { return b }
        let b = try MapRenderer.Background(dem: try conditionedDEM())
        _mapBackground = b
        return b
    }

    public func model() throws -> LoadModel {
        if let m = _model { return m }
        // Calibrated decay rates and settling velocities replace the project's own (ProjectCalibratedTransport).
        let m = try loadModel(calibrated: try calibratedCoefficients())
        _model = m
        return m
    }

    /// The sources of every pollutant; their grids are made one pollutant at a time when a step asks
    /// for one, the latest kept in `lastGeneratedGrid` until the next is asked for.
    public func sources() throws -> LoadSources {
        if let s = _sources { return s }
        var s = try ProjectInputs.sources(config, network: try network(), run: self, cache: lastGeneratedGrid)
        if let calibrated = try calibratedCoefficients() { s = try calibratedSources(calibrated, plain: s) }
        _sources = s
        return s
    }

    public func sections() throws -> [PlacedPoint] {
        if let s = _sections { return s }
        guard let file = config.sections else { _sections = []; return [] }
        let layer = try VectorReader.read(file, targetCRS: try geometry.crs)
        let network = try network()
        let area = try upstream().values.cells
        let mode: Snapping.Mode? = config.sectionSnapRadius > 0 ? .nearestStream(radius: config.sectionSnapRadius, minimumAreaKm2: config.sectionSnapMinimumAreaKm2) : nil
        let placed = try PointPlacement.place(layer, source: file, geometry: try geometry,
                                              areaKm2: Grid(geometry: try geometry, trustedCells: area, nodata: .nan),
                                              stream: network.linkOfCell,
                                              options: .init(idField: config.sectionIdField, nameField: config.sectionNameField,
                                                             snap: mode, tolerance: config.sectionTolerance))
        for p in placed { for w in p.warnings { warn("\(file): \(w)") } }
        _sections = placed
        return placed
    }

    /// The loads step's result, loaded back from its JSON outputs when the step was skipped.
    public func loadsResult() throws -> LoadsResult {
        if let r = _loadsResult { return r }
        let sections = try StepResultFile.read(SectionLoadsDocument.self, from: path(Outputs.sectionLoadsJSON))
        let budgets = try StepResultFile.read(BudgetsDocument.self, from: path(Outputs.massBudget))
        let links = try StepResultFile.read(LinkLoadsDocument.self, from: path(Outputs.streamLoadsJSON))
        let r = LoadsResult(unit: sections.unit, sections: sections.sections, budgets: budgets.budgets, links: links.links)
        _loadsResult = r
        return r
    }

    /// The routed loads of every cell, routed one pollutant at a time each time a pollutant's outflow
    /// is asked for (`RoutedLoads.onDemand`): a run holds one pollutant's grids, not all of them. Its
    /// budgets are empty; the loads step's result has them (`loadsResult`).
    public func routedLoads() throws -> RoutedLoads {
        RoutedLoads.onDemand(try sources(), model: try model(), threads: config.threads)
    }

    /// The attribution step's result, loaded back from attribution.json when the step was skipped;
    /// nil for a project without jurisdictions.
    public func attributionResult() throws -> AttributionResult? {
        if let r = _attributionResult { return r }
        guard config.jurisdictions != nil else { return nil }
        let r = try StepResultFile.read(AttributionResult.self, from: path("attribution.json"))
        _attributionResult = r
        return r
    }

    /// The compensation step's result, loaded back from ledger.json when the step was skipped; nil
    /// for a project without a scheme and monitoring data.
    public func settlementResult() throws -> SettlementResult? {
        if let r = _settlementResult { return r }
        guard config.scheme != nil, config.monitoring != nil else { return nil }
        let r = try StepResultFile.read(SettlementResult.self, from: path("ledger.json"))
        _settlementResult = r
        return r
    }

    /// Lets go of the whole-grid values the loads, attribution and compensation steps use (the load
    /// model, the sources, the last generated grid, upstream area): recomputed on demand if asked for again.
    func releaseLoadGrids() {
        _model = nil
        _sources = nil
        lastGeneratedGrid.clear()
        _upstream = nil
        _upstreamKept = nil
        MemoryReuse.releaseFreedMemory()
    }

    func setTerrain(conditioned: Grid<Float>, directions: FlowDirections) throws {
        _conditioned = conditioned
        _directions = directions
        _mapBackground = try MapRenderer.Background(dem: conditioned)
    }
}

/// The fixed names of everything a run writes.
public enum Outputs {
    public static let conditionedDEM = "conditioned_dem.tif"
    public static let flowDirections = "flowdir_d8.tif"
    public static let upstreamArea = "upstream_area_km2.tif"
    public static let streamRaster = "streams.tif"
    public static let streamLines = "streams.gpkg"
    public static let loadRaster = "loads.tif"
    public static let streamLoads = "stream_loads.gpkg"
    public static let streamLoadsJSON = "stream_loads.json"
    public static let sectionLoadsCSV = "section_loads.csv"
    public static let sectionLoadsJSON = "section_loads.json"
    public static let massBudget = "mass_budget.json"
    public static let pointSources = "point_sources.csv"
    public static let manifest = "manifest.json"
    public static let report = "report.html"
}
