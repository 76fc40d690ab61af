import ArgumentParser
import Foundation
import Hydro

extension InteriorNodata: ExpressibleByArgument {}
extension D8Encoding: ExpressibleByArgument {}
extension FlowProportions.Method: ExpressibleByArgument {}

struct BreachCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "breach",
        abstract: "Least-cost depression breaching (Lindsay 2016), then filling of what remains.",
        discussion: Examples.text([("Breach depressions, then fill what is left", "hydrotool breach dem.tif breached.tif"), ("Limit breach paths to 50 cells and 10 m of cutting", "hydrotool breach dem.tif breached.tif --max-length 50 --max-depth 10")]))

    @Argument(help: "Input DEM.") var dem: String
    @Argument(help: "Output conditioned DEM.") var output: String
    @Option(help: "Band of the DEM to read.") var band = 1
    @Option(name: .customLong("max-length"), help: "Longest breach channel, in cells.") var maxLength = 1000
    @Option(name: .customLong("max-depth"), help: "Deepest cut, in DEM units.") var maxDepth = Double.infinity
    @OptionGroup var out: OutputOptions

    func run() throws {
        try OptionCheck.integer(band, in: OptionCheck.band, "--band")
        try OptionCheck.integer(maxLength, in: 1...1_000_000, "--max-length")
        try OptionCheck.number(maxDepth, in: 0...1e6, "--max-depth", allowInfinity: true)
        try rewriteDEM(dem, band: band, to: output, out: out, bytesPerCell: 24) { grid, progress in
            let report = try DepressionBreaching.breach(&grid, options: BreachOptions(maxLength: maxLength, maxDepth: maxDepth), progress: progress)
            return "\(report.pits) pits, \(report.breached) breached (\(report.loweredCells) cells lowered), \(report.fill.raisedCells) cells filled"
        }
    }
}

struct BurnCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "burn",
        abstract: "Burn mapped river lines into a DEM so derived streams follow them.",
        discussion: Examples.text([("Lower the DEM 10 m along mapped rivers", "hydrotool burn dem.tif rivers.gpkg burned.tif --depth 10"), ("Burn one layer of a GeoPackage with a tapered 2-cell trench", "hydrotool burn dem.tif 'hydro.gpkg|layername=rivers' burned.tif --buffer 2")]))

    @Argument(help: "Input DEM.") var dem: String
    @Argument(help: "River lines (any OGR source), reprojected to the DEM's CRS.") var rivers: String
    @Argument(help: "Output burned DEM.") var output: String
    @Option(help: "Band of the DEM to read.") var band = 1
    @Option(help: "Layer of the river source (default: the first).") var layer: String?
    @Option(help: "How far burned cells are lowered, in DEM units (metres).") var depth = 10.0
    @Option(help: "Width in cells of a trench tapering from the burned line to the terrain.") var buffer = 0
    @OptionGroup var out: OutputOptions

    func run() throws {
        try OptionCheck.integer(band, in: OptionCheck.band, "--band")
        try OptionCheck.number(depth, in: 0...10_000, "--depth")
        try OptionCheck.integer(buffer, in: 0...1000, "--buffer")
        try rewriteDEM(dem, band: band, to: output, extraInputs: [rivers], out: out, bytesPerCell: 12) { grid, _ in
            let lines = try VectorReader.read(rivers, layer: layer, targetCRS: grid.geometry.crs)
            let parts = lines.features.flatMap { $0.geometry?.lineParts ?? [] }
            guard !parts.isEmpty else { throw HydroError(.invalidInput, rivers, "holds no line features to burn") }
            let report = try StreamBurning.burn(&grid, lines: parts, depth: depth, buffer: buffer)
            guard report.burnedCells > 0 else { throw HydroError(.invalidInput, rivers, "no river line crosses the DEM (check the CRS and extent)") }
            return "burned \(report.burnedCells) cells, trench \(report.trenchCells) cells"
        }
    }
}

struct FillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fill",
        abstract: "Fill depressions by Priority-Flood (Barnes et al. 2014, with Zhou et al. 2016's slope tracing).",
        discussion: Examples.text([("Fill every depression, writing a tiled DEFLATE GeoTIFF", "hydrotool fill dem.tif filled.tif"), ("Keep depressions deeper than 5 m as real sinks and write a Cloud Optimized GeoTIFF", "hydrotool fill dem.tif filled.tif --max-depth 5 --of COG --co COMPRESS=ZSTD")]))

    @Argument(help: "Input DEM (any GDAL raster).") var dem: String
    @Argument(help: "Output filled DEM.") var output: String
    @Option(help: "Band of the DEM to read.") var band = 1
    @Flag(help: "Fill with a strictly increasing surface so every cell drains (no flats).") var epsilon = false
    @Option(name: .customLong("max-depth"), help: "Keep depressions deeper than this (DEM units) as real sinks.") var maxDepth: Double?
    @Flag(name: .customLong("nodata-sink"), help: "Declare interior nodata holes sinks instead of outlets.") var nodataSink = false
    @Option(help: "Threads flooding strips of the DEM (results are identical for any count).") var threads = 2
    @OptionGroup var out: OutputOptions

    func run() throws {
        try OptionCheck.integer(band, in: OptionCheck.band, "--band")
        if let maxDepth { try OptionCheck.number(maxDepth, in: 0...1e6, "--max-depth", allowInfinity: true) }
        try OptionCheck.integer(threads, in: OptionCheck.threads, "--threads")
        try rewriteDEM(dem, band: band, to: output, out: out, bytesPerCell: 16) { grid, progress in
            let report = try DepressionFilling.fill(&grid, options: FillOptions(epsilon: epsilon, maxDepth: maxDepth,
                                                                                  interiorNodata: nodataSink ? .sink : .outlet, threads: threads),
                                                    progress: progress)
            return "filled \(report.raisedCells) cells, volume \(String(format: "%.1f", report.volume)) m³, \(report.keptSinks) deep depressions kept"
        }
    }
}

/// Reads a DEM band, changes it in place and writes it: the shape of fill, breach and burn. The
/// outputs are checked before any work; the summary `change` returns is printed unless `-q`.
func rewriteDEM(_ dem: String, band: Int, to output: String, extraInputs: [String] = [], out: OutputOptions, bytesPerCell: Int,
                _ change: (inout Grid<Float>, TaskProgress) throws -> String) throws {
    let inputs = [dem] + extraInputs
    try out.checkOutputs([output], inputs: inputs)
    try RasterReader.requireMemory(dem, bytesPerCell: bytesPerCell, purpose: "conditioning")
    let progress = out.progress
    var grid = try RasterReader.read(dem, band: band, as: Float.self, progress: progress.scaled(from: 0, to: 0.1))
    try ElevationCheck.require(grid, file: dem)
    let summary = try HydroError.attributing(to: dem) { try change(&grid, progress.scaled(from: 0.1, to: 0.8)) }
    try RasterWriter.write(grid, to: output, options: out.rasterOptions(inputs: inputs), progress: progress.scaled(from: 0.8, to: 1))
    if !out.quiet { TerminalProgress.log(summary) }
}

struct FlowDirectionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flowdir",
        abstract: "D8 flow directions by steepest distance-weighted drop, flats drained (Barnes et al. 2014).",
        discussion: Examples.text([("D8 directions in the ESRI encoding", "hydrotool flowdir filled.tif flowdir.tif"), ("D-infinity angles as a COG, with LZW compression", "hydrotool flowdir filled.tif dinf.tif --method dinf --of COG --co COMPRESS=LZW")]))

    @Argument(help: "Depression-filled DEM.") var dem: String
    @Argument(help: "Output direction raster (UInt8).") var output: String
    @Option(help: "Band of the DEM to read.") var band = 1
    @Option(help: "Direction encoding: esri (1=E…128=NE), whitebox, taudem, grass.") var encoding: D8Encoding = .esri
    @Option(help: "d8 (UInt8 directions), dinf (Float32 angles, radians counter-clockwise from east) or mfd (8 bands of shares).")
    var method: FlowProportions.Method = .d8
    @Option(help: "MFD exponent p: shares proportional to slope^p (Freeman 1991: 1.1).") var exponent = 1.1
    @Option(help: "Threads for the per-cell pass (results are identical for any count).") var threads = 2
    @OptionGroup var out: OutputOptions

    func run() throws {
        try OptionCheck.integer(band, in: OptionCheck.band, "--band")
        try OptionCheck.integer(threads, in: OptionCheck.threads, "--threads")
        try OptionCheck.number(exponent, in: 0.01...100, "--exponent")
        try out.checkOutputs([output], inputs: [dem])
        try RasterReader.requireMemory(dem, bytesPerCell: method == .d8 ? 16 : 48, purpose: "computing flow directions")
        let progress = out.progress
        let grid = try RasterReader.read(dem, band: band, as: Float.self, progress: progress.scaled(from: 0, to: 0.2))
        try ElevationCheck.require(grid, file: dem)
        warnIfNoCRS(grid.geometry, dem, quiet: out.quiet, "slopes take its cell size as metres")
        let directions = try HydroError.attributing(to: dem) {
            try D8FlowDirection.compute(grid, threads: threads, progress: progress.scaled(from: 0.2, to: 0.8))
        }
        let methodTag = [FlowProportions.methodMetadataKey: method.rawValue]
        switch method {
        case .d8:
            break
        case .dinf:
            let angles = try DInfinity.compute(grid, d8: directions).dinfAngles()
            try RasterWriter.write(angles, to: output,
                                   options: out.rasterOptions(inputs: [dem], metadata: methodTag,
                                                              bandDescriptions: ["D-infinity flow angle (radians counter-clockwise from east; -1 = no outflow)"]),
                                   progress: progress.scaled(from: 0.8, to: 1))
            return
        case .mfd:
            let shares = try MultipleFlowDirection.compute(grid, d8: directions, exponent: exponent)
            var tags = methodTag
            tags["HYDROTOOL_MFD_EXPONENT"] = "\(exponent)"
            try RasterWriter.write(bands: shares.bands(), to: output,
                                   options: out.rasterOptions(inputs: [dem], metadata: tags,
                                                              bandDescriptions: ["E", "SE", "S", "SW", "W", "NW", "N", "NE"].map { "share of flow to \($0)" }),
                                   progress: progress.scaled(from: 0.8, to: 1))
            return
        }
        try RasterWriter.write(directions.encoded(encoding), to: output,
                               options: out.rasterOptions(inputs: [dem], metadata: [D8Encoding.metadataKey: encoding.rawValue,
                                                                                    FlowProportions.methodMetadataKey: "d8"],
                                                          bandDescriptions: ["D8 flow direction (\(encoding.rawValue) encoding)"]),
                               progress: progress.scaled(from: 0.8, to: 1))
    }
}

/// What a flow raster holds: D8 directions or split-flow proportions.
enum FlowInput {
    case d8(FlowDirections)
    case split(FlowProportions)

    var geometry: GridGeometry {
        switch self {
        case .d8(let d): d.geometry
        case .split(let p): p.geometry
        }
    }
}

/// Reads a D8, D-infinity or MFD raster written by `flowdir`, by its method metadata
/// (a single UInt8 band without it is taken as D8 with the encoding given).
func readFlow(_ path: String, encoding: D8Encoding?) throws -> FlowInput {
    let info = try RasterReader.info(path)
    switch info.metadata[FlowProportions.methodMetadataKey] {
    case "dinf":
        return .split(try FlowProportions(dinfAngles: try RasterReader.read(path, as: Float.self), source: path))
    case "mfd":
        let bands = try (1...max(info.bands.count, 1)).map { try RasterReader.read(path, band: $0, as: Float.self) }
        return .split(try FlowProportions(bands: bands, method: .mfd, source: path))
    default:
        return .d8(try readDirections(path, encoding: encoding, info: info))
    }
}

/// Reads a direction raster, taking its encoding from its metadata or from `--encoding`.
func readDirections(_ path: String, encoding given: D8Encoding?, info: RasterInfo? = nil) throws -> FlowDirections {
    let info = try info ?? RasterReader.info(path)
    let recorded = info.metadata[D8Encoding.metadataKey].flatMap(D8Encoding.init(rawValue:))
    if let given, let recorded, given != recorded {
        throw HydroError(.invalidInput, path, "was written with the \(recorded.rawValue) encoding but --encoding says \(given.rawValue)")
    }
    guard let encoding = given ?? recorded else {
        throw HydroError(.invalidInput, path, "does not say which D8 encoding it uses; give --encoding esri|whitebox|taudem|grass")
    }
    return try FlowDirections(decoding: try RasterReader.read(path, as: Int32.self), encoding: encoding, source: path)
}

struct AccumulateCommand: ParsableCommand {
    enum Units: String, ExpressibleByArgument { case cells, km2 }

    static let configuration = CommandConfiguration(
        commandName: "accumulate",
        abstract: "Flow accumulation over D8 directions: upstream cells, area (km²) or a weighted sum.",
        discussion: Examples.text([("Upstream area in km² from true cell areas", "hydrotool accumulate flowdir.tif area.tif --units km2"), ("Upstream cells, with a mask of cells that may receive water from beyond the grid", "hydrotool accumulate flowdir.tif cells.tif --incomplete-mask incomplete.tif")]))

    @Argument(help: "D8 direction raster.") var flowdir: String
    @Argument(help: "Output accumulation raster.") var output: String
    @Option(help: "Encoding of the direction raster, when its metadata does not say.") var encoding: D8Encoding?
    @Option(help: "What to accumulate: cells (count) or km2 (true cell areas).") var units: Units = .cells
    @Option(help: "Accumulate this raster's values instead (same grid as the directions).") var weight: String?
    @Option(name: .customLong("incomplete-mask"), help: "Also write a UInt8 mask: 1 where the upstream area may receive inflow from outside the grid.") var incompleteMask: String?
    @Flag(help: "Write incomplete cells as negative values (as GRASS r.watershed does).") var negative = false
    @Flag(name: .customLong("nodata-sink"), help: "Interior nodata holes are sinks: they give no inflow.") var nodataSink = false
    @OptionGroup var out: OutputOptions

    func run() throws {
        var inputs = [flowdir]
        if let weight { inputs.append(weight) }
        try out.checkOutputs([output] + (incompleteMask.map { [$0] } ?? []), inputs: inputs)
        try RasterReader.requireMemory(flowdir, bytesPerCell: 40, purpose: "accumulating flow")
        let progress = out.progress
        let flow = try readFlow(flowdir, encoding: encoding)
        if units == .km2 && weight == nil { warnIfNoCRS(flow.geometry, flowdir, quiet: out.quiet, "areas take its cell size as metres") }
        let mode: AccumulationWeight
        if let weight {
            let grid = try RasterReader.read(weight, as: Double.self)
            if let i = grid.cells.firstIndex(where: { $0.isInfinite }) {
                throw HydroError(.invalidInput, weight, "weight at column \(i % grid.width), row \(i / grid.width) is \(grid.cells[i]); weights must be finite")
            }
            mode = .grid(grid)
        } else {
            mode = units == .km2 ? .areaSquareKilometres : .cells
        }
        var result = try HydroError.attributing(to: flowdir) { () throws -> Accumulation in
            switch flow {
            case .d8(let directions):
                return try FlowAccumulation.accumulate(directions, weight: mode, interiorNodata: nodataSink ? .sink : .outlet,
                                                       progress: progress.scaled(from: 0, to: 0.7))
            case .split(let proportions):
                return try FlowAccumulation.accumulate(proportions, weight: mode, progress: progress.scaled(from: 0, to: 0.7))
            }
        }
        if negative {
            for i in 0..<result.incomplete.count where result.incomplete[i] { result.values.cells[i] = -result.values.cells[i] }
        }
        let description = weight != nil ? "accumulated weight" : units == .km2 ? "upstream area (km2)" : "upstream cells"
        let options = out.rasterOptions(inputs: inputs, bandDescriptions: [description])
        if case .d8 = flow, weight == nil, units == .cells, !negative {
            let counts = result.values.map(nodata: UInt32.max) { $0.isNaN ? UInt32.max : UInt32($0) }
            try RasterWriter.write(counts, to: output, options: options, progress: progress.scaled(from: 0.7, to: 0.95))
        } else {
            try RasterWriter.write(result.values, to: output, options: options, progress: progress.scaled(from: 0.7, to: 0.95))
        }
        if let incompleteMask {
            var mask = Grid<UInt8>(geometry: flow.geometry, filledWith: 0, nodata: 255)
            for i in 0..<mask.count {
                mask.cells[i] = result.values.cells[i].isNaN ? 255 : result.incomplete[i] ? 1 : 0
            }
            try RasterWriter.write(mask, to: incompleteMask,
                                   options: out.rasterOptions(inputs: inputs, bandDescriptions: ["1 = upstream area may be incomplete"]),
                                   progress: progress.scaled(from: 0.95, to: 1))
        }
    }
}

/// Distances and areas of a grid without a CRS are taken in its own units as metres: say so.
func warnIfNoCRS(_ geometry: GridGeometry, _ file: String, quiet: Bool, _ consequence: String) {
    guard !geometry.crs.isKnown, !quiet else { return }
    FileHandle.standardError.write("hydrotool: warning: \(file) has no CRS; \(consequence)\n")
}
