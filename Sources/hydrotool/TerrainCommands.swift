import ArgumentParser
import Foundation
import Hydro

extension InteriorNodata: ExpressibleByArgument {}
extension D8Encoding: ExpressibleByArgument {}

struct FillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fill",
        abstract: "Fill depressions by Priority-Flood (Barnes et al. 2014, with Zhou et al. 2016's slope tracing).")

    @Argument(help: "Input DEM (any GDAL raster).") var dem: String
    @Argument(help: "Output filled DEM.") var output: String
    @Option(help: "Band of the DEM to read.") var band = 1
    @Flag(help: "Fill with a strictly increasing surface so every cell drains (no flats).") var epsilon = false
    @Option(name: .customLong("max-depth"), help: "Keep depressions deeper than this (DEM units) as real sinks.") var maxDepth: Double?
    @Flag(name: .customLong("nodata-sink"), help: "Declare interior nodata holes sinks instead of outlets.") var nodataSink = false
    @OptionGroup var out: OutputOptions

    func run() throws {
        try out.checkOutputs([output], inputs: [dem])
        if let maxDepth, !(maxDepth >= 0) { throw HydroError(.invalidParameter, "--max-depth", "must be zero or positive, got \(maxDepth)") }
        let progress = out.progress
        var grid = try RasterReader.read(dem, band: band, as: Float.self, progress: progress.scaled(from: 0, to: 0.1))
        let report = try DepressionFilling.fill(&grid, options: FillOptions(epsilon: epsilon, maxDepth: maxDepth,
                                                                              interiorNodata: nodataSink ? .sink : .outlet),
                                                progress: progress.scaled(from: 0.1, to: 0.8))
        try RasterWriter.write(grid, to: output, options: out.rasterOptions(inputs: [dem]), progress: progress.scaled(from: 0.8, to: 1))
        if !out.quiet {
            FileHandle.standardError.write("filled \(report.raisedCells) cells, volume \(String(format: "%.1f", report.volume)) m³, \(report.keptSinks) deep depressions kept\n")
        }
    }
}

struct FlowDirectionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flowdir",
        abstract: "D8 flow directions by steepest distance-weighted drop, flats drained (Barnes et al. 2014).")

    @Argument(help: "Depression-filled DEM.") var dem: String
    @Argument(help: "Output direction raster (UInt8).") var output: String
    @Option(help: "Band of the DEM to read.") var band = 1
    @Option(help: "Direction encoding: esri (1=E…128=NE), whitebox, taudem, grass.") var encoding: D8Encoding = .esri
    @Option(help: "Threads for the per-cell pass (results are identical for any count).") var threads = 2
    @OptionGroup var out: OutputOptions

    func run() throws {
        try out.checkOutputs([output], inputs: [dem])
        guard threads >= 1 else { throw HydroError(.invalidParameter, "--threads", "must be at least 1") }
        let progress = out.progress
        let grid = try RasterReader.read(dem, band: band, as: Float.self, progress: progress.scaled(from: 0, to: 0.2))
        let directions = try D8FlowDirection.compute(grid, threads: threads, progress: progress.scaled(from: 0.2, to: 0.8))
        try RasterWriter.write(directions.encoded(encoding), to: output,
                               options: out.rasterOptions(inputs: [dem], metadata: [D8Encoding.metadataKey: encoding.rawValue],
                                                          bandDescriptions: ["D8 flow direction (\(encoding.rawValue) encoding)"]),
                               progress: progress.scaled(from: 0.8, to: 1))
    }
}

/// Reads a direction raster, taking its encoding from its metadata or from `--encoding`.
func readDirections(_ path: String, encoding given: D8Encoding?) throws -> FlowDirections {
    let info = try RasterReader.info(path)
    let recorded = info.metadata[D8Encoding.metadataKey].flatMap(D8Encoding.init(rawValue:))
    if let given, let recorded, given != recorded {
        throw HydroError(.invalidInput, path, "was written with the \(recorded.rawValue) encoding but --encoding says \(given.rawValue)")
    }
    guard let encoding = given ?? recorded else {
        throw HydroError(.invalidInput, path, "does not say which D8 encoding it uses; give --encoding esri|whitebox|taudem|grass")
    }
    let grid = try RasterReader.read(path, as: UInt8.self)
    return try FlowDirections(decoding: grid, encoding: encoding, source: path)
}

struct AccumulateCommand: ParsableCommand {
    enum Units: String, ExpressibleByArgument { case cells, km2 }

    static let configuration = CommandConfiguration(
        commandName: "accumulate",
        abstract: "Flow accumulation over D8 directions: upstream cells, area (km²) or a weighted sum.")

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
        let progress = out.progress
        let directions = try readDirections(flowdir, encoding: encoding)
        let mode: AccumulationWeight
        if let weight {
            mode = .grid(try RasterReader.read(weight, as: Double.self))
        } else {
            mode = units == .km2 ? .areaSquareKilometres : .cells
        }
        var result = try FlowAccumulation.accumulate(directions, weight: mode, interiorNodata: nodataSink ? .sink : .outlet,
                                                     progress: progress.scaled(from: 0, to: 0.7))
        if negative {
            for i in 0..<result.incomplete.count where result.incomplete[i] { result.values.cells[i] = -result.values.cells[i] }
        }
        let description = weight != nil ? "accumulated weight" : units == .km2 ? "upstream area (km2)" : "upstream cells"
        let options = out.rasterOptions(inputs: inputs, bandDescriptions: [description])
        if weight == nil && units == .cells && !negative {
            let counts = result.values.map(nodata: UInt32.max) { $0.isNaN ? UInt32.max : UInt32($0) }
            try RasterWriter.write(counts, to: output, options: options, progress: progress.scaled(from: 0.7, to: 0.95))
        } else {
            try RasterWriter.write(result.values, to: output, options: options, progress: progress.scaled(from: 0.7, to: 0.95))
        }
        if let incompleteMask {
            var mask = Grid<UInt8>(geometry: directions.geometry, filledWith: 0, nodata: 255)
            for i in 0..<mask.count {
                mask.cells[i] = directions.codes[i] == D8.noData ? 255 : result.incomplete[i] ? 1 : 0
            }
            try RasterWriter.write(mask, to: incompleteMask,
                                   options: out.rasterOptions(inputs: inputs, bandDescriptions: ["1 = upstream area may be incomplete"]),
                                   progress: progress.scaled(from: 0.95, to: 1))
        }
    }
}
