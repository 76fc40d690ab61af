import ArgumentParser
import Foundation
import Hydro

/// The D8 direction raster a network command works on, and the stream threshold.
struct NetworkInputs: ParsableArguments {
    @Option(help: "D8 direction raster (from flowdir).") var flowdir: String
    @Option(help: "Encoding of the direction raster, when its metadata does not say.") var encoding: D8Encoding?
    @Option(help: "Channel threshold: upstream area in km² (or cells with --cells).") var threshold = 10.0
    @Flag(help: "The threshold counts cells instead of km².") var cells = false

    func load() throws -> (directions: FlowDirections, areaKm2: Grid<Double>, threshold: Grid<Double>) {
        try OptionCheck.number(threshold, in: Double.leastNonzeroMagnitude...1e12, "--threshold")
        try RasterReader.requireMemory(flowdir, bytesPerCell: 48, purpose: "building the stream network")
        let directions = try readDirections(flowdir, encoding: encoding)
        if !cells { warnIfNoCRS(directions.geometry, flowdir, quiet: false, "the km² threshold takes its cell size as metres") }
        let area = try FlowAccumulation.accumulate(directions, weight: .areaSquareKilometres).values
        let measure = cells ? try FlowAccumulation.accumulate(directions).values : area
        return (directions, area, measure)
    }

    func network(elevation: String?) throws -> (StreamNetwork, FlowDirections, Grid<Double>) {
        let (directions, area, measure) = try load()
        let dem = try elevation.map { try RasterReader.read($0, as: Float.self) }
        return (try StreamNetwork(directions: directions, accumulation: measure, threshold: threshold, elevation: dem, areaKm2: area),
                directions, area)
    }
}

struct StreamsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "streams",
        abstract: "Channel network above a threshold: link raster and connected line features with orders and lengths.",
        discussion: Examples.text([("Streams draining more than 25 km², as raster and lines", "hydrotool streams --flowdir flowdir.tif --threshold 25 --raster streams.tif --vector streams.gpkg"), ("Lines with drop and slope per link, threshold in cells", "hydrotool streams --flowdir flowdir.tif --dem filled.tif --cells --threshold 500 --vector streams.geojson")]))

    @OptionGroup var inputs: NetworkInputs
    @Option(help: "Conditioned DEM, for each link's drop and slope.") var dem: String?
    @Option(help: "Output link-ID raster.") var raster: String?
    @Option(help: "Output line layer (.gpkg or .geojson).") var vector: String?
    @OptionGroup var out: OutputOptions

    func run() throws {
        let inputFiles = [inputs.flowdir] + (dem.map { [$0] } ?? [])
        guard raster != nil || vector != nil else { throw HydroError(.invalidParameter, "--raster/--vector", "give at least one output") }
        try out.checkOutputs(raster.map { [$0] } ?? [], inputs: inputFiles, vectors: vector.map { [$0] } ?? [])
        let (network, _, _) = try inputs.network(elevation: dem)
        if let raster {
            try RasterWriter.write(network.raster, to: raster, options: out.rasterOptions(inputs: inputFiles, bandDescriptions: ["stream link ID"]))
        }
        if let vector {
            try VectorWriter.write(network.layer(), to: vector, overwrite: out.overwrite, inputs: inputFiles)
        }
        if !out.quiet {
            let outletCount = network.links.filter { $0.downstream == nil }.count
            let highest = network.links.map(\.strahler).max() ?? 0
            TerminalProgress.log("\(network.links.count) links, \(outletCount) outlets, highest Strahler order \(highest)")
        }
    }
}

/// Reading point layers and their placement options.
struct PointInputs: ParsableArguments {
    @Option(help: "Field holding each point's ID (default: feature number).") var idField: String?
    @Option(help: "Field holding each point's name.") var nameField: String?
    @Option(help: "Snapping radius in metres (0: no snapping).") var radius = 0.0
    @Flag(name: .customLong("to-stream"), help: "Snap to the nearest stream cell instead of the highest accumulation.") var toStream = false
    @Option(name: .customLong("min-area"), help: "With --to-stream: only stream cells draining at least this many km² (a section on a main river, not the tributary beside it).") var minimumArea = 0.0
    @Option(help: "Warn for points moved farther than this (metres).") var tolerance: Double?

    func place(_ path: String, geometry: GridGeometry, area: Grid<Double>, stream: [Int32]?) throws -> (VectorLayer, [PlacedPoint]) {
        let layer = try VectorReader.read(path, targetCRS: geometry.crs)
        try OptionCheck.number(radius, in: 0...1e7, "--radius")
        if let tolerance { try OptionCheck.number(tolerance, in: 0...1e7, "--tolerance") }
        try OptionCheck.number(minimumArea, in: 0...1e8, "--min-area")
        if minimumArea > 0, !toStream || radius == 0 { throw HydroError(.invalidParameter, "--min-area", "applies to --to-stream snapping with a --radius only") }
        let mode: Snapping.Mode? = radius > 0 ? (toStream ? .nearestStream(radius: radius, minimumAreaKm2: minimumArea) : .highestAccumulation(radius: radius)) : nil
        let placed = try PointPlacement.place(layer, source: path, geometry: geometry, areaKm2: area, stream: stream,
                                              options: .init(idField: idField, nameField: nameField, snap: mode, tolerance: tolerance))
        for p in placed { for w in p.warnings { TerminalProgress.log("hydrotool: warning: \(path): \(w)") } }
        return (layer, placed)
    }
}

struct SnapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snap",
        abstract: "Move points (outlets, sections) onto the modelled river, reporting distance and upstream area.",
        discussion: Examples.text([("Move monitoring sections onto the river within 2 km", "hydrotool snap sections.gpkg snapped.gpkg --flowdir flowdir.tif --radius 2000 --to-stream"), ("Check each point against the river it should be on", "hydrotool snap gauges.geojson snapped.geojson --flowdir flowdir.tif --radius 1000 --rivers rivers.gpkg --river-field river")]))

    @Argument(help: "Point layer (any OGR source).") var points: String
    @Argument(help: "Output point layer (.gpkg or .geojson).") var output: String
    @OptionGroup var inputs: NetworkInputs
    @OptionGroup var placement: PointInputs
    @Option(help: "Mapped rivers to check each point against (with --river-field).") var rivers: String?
    @Option(help: "Field of the point layer naming the river it should be on.") var riverField: String?
    @Option(help: "Field of the river layer holding its name.") var riversNameField = "name"
    @OptionGroup var out: OutputOptions

    func run() throws {
        let inputFiles = [points, inputs.flowdir] + (rivers.map { [$0] } ?? [])
        try out.checkOutputs([], inputs: inputFiles, vectors: [output])
        let (network, directions, area) = try inputs.network(elevation: nil)
        let (layer, placed) = try placement.place(points, geometry: directions.geometry, area: area, stream: network.linkOfCell)
        var checked = placed
        if let rivers, let riverField {
            try layer.requireField(riverField, source: points)
            let riverLayer = try VectorReader.read(rivers, targetCRS: directions.geometry.crs)
            try riverLayer.requireField(riversNameField, source: rivers)
            let lines = riverLayer.features.map { (name: $0[riversNameField].stringValue ?? "", parts: $0.geometry?.lineParts ?? []) }
            let searchRadius = max(abs(directions.geometry.transform.pixelWidth), abs(directions.geometry.transform.pixelHeight)) * 3
            for k in checked.indices {
                guard let at = checked[k].placed, let expected = checked[k].attributes[riverField]?.stringValue else { continue }
                let found = RiverCheck.nearestName(to: at, lines: lines, maxDistance: searchRadius)
                if found != expected {
                    let warning = "point '\(checked[k].id)' should be on '\(expected)' but the nearest mapped river is \(found.map { "'\($0)'" } ?? "none within 3 cells")"
                    checked[k].warnings.append(warning)
                    TerminalProgress.log("hydrotool: warning: \(points): \(warning)")
                }
            }
        }
        try VectorWriter.write(PointPlacement.layer(checked, fields: layer.fields, crs: directions.geometry.crs), to: output,
                               overwrite: out.overwrite, inputs: inputFiles)
    }
}

struct WatershedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watershed",
        abstract: "Catchments of points (incremental between nested points, and whole) as a labelled raster and polygons.",
        discussion: Examples.text([("Incremental and whole catchments of sections", "hydrotool watershed sections.gpkg --flowdir flowdir.tif --raster sheds.tif --vector sheds.gpkg"), ("A catchment for every stream link", "hydrotool watershed --flowdir flowdir.tif --all-links --vector links.gpkg")]))

    @Argument(help: "Outlet points (any OGR source); not needed with --all-links.") var points: String?
    @OptionGroup var inputs: NetworkInputs
    @OptionGroup var placement: PointInputs
    @Flag(name: .customLong("all-links"), help: "A subbasin for every stream link instead of for points.") var allLinks = false
    @Option(help: "Output label raster (incremental catchments).") var raster: String?
    @Option(help: "Output polygons (.gpkg or .geojson).") var vector: String?
    @OptionGroup var out: OutputOptions

    func run() throws {
        let inputFiles = [inputs.flowdir] + (points.map { [$0] } ?? [])
        guard raster != nil || vector != nil else { throw HydroError(.invalidParameter, "--raster/--vector", "give at least one output") }
        try out.checkOutputs(raster.map { [$0] } ?? [], inputs: inputFiles, vectors: vector.map { [$0] } ?? [])
        let (network, directions, area) = try inputs.network(elevation: nil)
        let result: CatchmentSet
        if allLinks {
            result = try CatchmentSet(links: network, graph: try FlowGraph(directions: directions))
        } else {
            guard let points else { throw HydroError(.invalidParameter, "POINTS", "give a point layer or --all-links") }
            let (_, placed) = try placement.place(points, geometry: directions.geometry, area: area, stream: network.linkOfCell)
            result = try CatchmentSet(points: placed, graph: try FlowGraph(directions: directions), source: points)
        }
        if let raster {
            try RasterWriter.write(result.labelRaster, to: raster,
                                   options: out.rasterOptions(inputs: inputFiles, bandDescriptions: ["incremental catchment number"]))
        }
        if let vector {
            try VectorWriter.write(try result.polygonLayer(), to: vector, overwrite: out.overwrite, inputs: inputFiles)
        }
    }
}
