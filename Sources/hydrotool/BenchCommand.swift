import ArgumentParser
import Foundation
import Hydro

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure speed and memory (build with -c release).",
        subcommands: [TerrainBench.self, IOBench.self, RoutingBench.self])

    struct TerrainBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "terrain", abstract: "Time fill + D8 + accumulation on a DEM, with peak memory.")
        @Argument(help: "DEM to process.") var dem: String
        @Option(help: "Threads.") var threads = 2
        @Flag(help: "Drain flats by an epsilon fill (as WhiteboxTools' fix_flats) instead of Barnes' flat resolution.") var epsilon = false
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let r = try TerrainBenchmark.run(dem, threads: threads, epsilon: epsilon)
            if json {
                try printJSON(r)
            } else {
                print(String(format: "%@: %d cells (%d valid), %d threads\n read %.2f s, fill %.2f s, D8+flats %.2f s, accumulation %.2f s\n pipeline %.2f s = %.1f Mcells/s, peak RSS %.0f MiB = %.1f bytes/cell",
                             r.file, r.cells, r.validCells, r.threads, r.readSeconds, r.fillSeconds, r.flowDirectionSeconds,
                             r.accumulationSeconds, r.pipelineSeconds, r.megacellsPerSecond,
                             Double(r.peakResidentBytes) / 1048576, r.peakBytesPerCell))
            }
        }
    }

    struct IOBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "io", abstract: "Read + write a raster (tiled DEFLATE GeoTIFF) against gdal_translate doing the same.")
        @Argument(help: "Raster to copy.") var file: String
        @Option(help: "Runs of each; the best is kept.") var repeats = 3

        func run() throws {
            let r = try IOBenchmark.run(file, repeats: repeats)
            print(String(format: "%@: %d cells\n hydrotool read+write %.3f s (%.1f Mcells/s), gdal_translate %.3f s (%.1f Mcells/s), ratio %.2f",
                         r.file, r.cells, r.hydrotoolSeconds, r.hydrotoolMegacellsPerSecond, r.gdalTranslateSeconds,
                         r.gdalTranslateMegacellsPerSecond, r.ratio))
        }
    }

    struct RoutingBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "routing", abstract: "Time load routing (3 pollutants) and attribution (88 units) against one weighted accumulation.")
        @Argument(help: "DEM to process.") var dem: String
        @Option(help: "Number of jurisdictions (a grid of blocks).") var units = 88
        @Option(help: "Runs of each; the fastest is kept.") var repeats = 3
        @Option(help: "Threads routing the pollutants.") var threads = 2

        func run() throws {
            guard threads >= 1 else { throw HydroError(.invalidParameter, "--threads", "must be at least 1") }
            try printJSON(try RoutingBenchmark.run(dem, units: units, repeats: repeats, threads: threads))
        }
    }
}

/// Prints a value as pretty, key-sorted JSON on stdout.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
