import ArgumentParser
import Foundation
import Hydro

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure speed and memory (build with -c release).",
        discussion: Examples.text([("Time fill + D8 + accumulation on two threads", "hydrotool bench terrain dem.tif --threads 2"), ("Compare raster I/O with gdal_translate", "hydrotool bench io dem.tif --repeats 5")]),
        subcommands: [TerrainBench.self, IOBench.self, RoutingBench.self, RunBench.self, CalibrateBench.self, TilesBench.self, SyntheticBench.self])

    struct TerrainBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "terrain", abstract: "Time fill + D8 + accumulation on a DEM, with peak memory.",
        discussion: Examples.text([("Barnes flat resolution (the default)", "hydrotool bench terrain dem.tif"), ("The epsilon fill, as JSON", "hydrotool bench terrain dem.tif --epsilon --json")]))
        @Argument(help: "DEM to process.") var dem: String
        @Option(help: "Threads.") var threads = 2
        @Flag(help: "Drain flats by an epsilon fill (as WhiteboxTools' fix_flats) instead of Barnes' flat resolution.") var epsilon = false
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            try OptionCheck.integer(threads, in: OptionCheck.threads, "--threads")
            try RasterReader.requireMemory(dem, bytesPerCell: 24, purpose: "the terrain benchmark")
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
            commandName: "io", abstract: "Read + write a raster (tiled DEFLATE GeoTIFF) against gdal_translate doing the same.",
        discussion: Examples.text([("Read and write a DEM three times, best kept", "hydrotool bench io dem.tif"), ("Five repeats", "hydrotool bench io dem.tif --repeats 5")]))
        @Argument(help: "Raster to copy.") var file: String
        @Option(help: "Runs of each; the best is kept.") var repeats = 3

        func run() throws {
            try OptionCheck.integer(repeats, in: 1...1000, "--repeats")
            let r = try IOBenchmark.run(file, repeats: repeats)
            print(String(format: "%@: %d cells\n hydrotool read+write %.3f s (%.1f Mcells/s), gdal_translate %.3f s (%.1f Mcells/s), ratio %.2f",
                         r.file, r.cells, r.hydrotoolSeconds, r.hydrotoolMegacellsPerSecond, r.gdalTranslateSeconds,
                         r.gdalTranslateMegacellsPerSecond, r.ratio))
        }
    }

    struct RoutingBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "routing", abstract: "Time load routing (3 pollutants) and attribution (88 units) against one weighted accumulation.",
        discussion: Examples.text([("Load routing and attribution with 88 units", "hydrotool bench routing dem.tif"), ("With 200 units on one thread", "hydrotool bench routing dem.tif --units 200 --threads 1")]))
        @Argument(help: "DEM to process.") var dem: String
        @Option(help: "Number of jurisdictions (a grid of blocks).") var units = 88
        @Option(help: "Runs of each; the fastest is kept.") var repeats = 3
        @Option(help: "Threads routing the pollutants.") var threads = 2

        func run() throws {
            try OptionCheck.integer(repeats, in: 1...1000, "--repeats")
            try OptionCheck.integer(units, in: 1...100_000, "--units")
            try RasterReader.requireMemory(dem, bytesPerCell: 80, purpose: "the routing benchmark")
            try OptionCheck.integer(threads, in: OptionCheck.threads, "--threads")
            try printJSON(try RoutingBenchmark.run(dem, units: units, repeats: repeats, threads: threads))
        }
    }
}

extension BenchCommand {
    struct RunBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Time the whole main job on a project: seconds and peak bytes a cell for each step.",
            discussion: Examples.text("""
            Every step runs (the output folder's step record is removed first; nothing else in it is deleted). Peak memory is the process's resident peak during \
            each step. --terrain also times fill + D8 + accumulation on the same DEM in the same process, for the ratio.
            """, [("Every step of the China Chishui benchmark project, with the terrain pipeline for the ratio",
                   "hydrotool bench run Benchmarks/projects/china_chishui.toml --terrain"),
                  ("The demo project as JSON", "hydrotool bench run hydrotool-demo/project.toml --output /tmp/bench-demo --json")]))
        @Argument(help: "Project file (TOML or JSON).") var project: String
        @Option(help: "Output folder for the run (every step reruns).") var output = FileManager.default.temporaryDirectory.appendingPathComponent("hydrotool-bench-run").path
        @Flag(help: "Also time fill + D8 + accumulation on the project's DEM.") var terrain = false
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var tiling: ProjectTileOptions

        func run() throws {
            var result: RunBenchmark.Result?
            let executor = try tiling.onRanks { tiling in
                result = try RunBenchmark.run(project, output: output, compareWithTerrain: terrain, tiling: tiling)
            }
            guard let r = result else { return Self.showRank(executor) }
            if json { try printJSON(r); return }
            Self.show(r)
            Self.showRank(executor, run: r)
        }

        /// Under mpirun, each rank's peak memory. The leader's is the run's highest step peak: it
        /// resets its high-water mark at every step, so its own mark at the end tells only the last.
        static func showRank(_ executor: TileExecutor?, run: RunBenchmark.Result? = nil) {
            guard let executor, executor.size > 1 else { return }
            let peak = run?.peakResidentBytes ?? MemoryUsage.peakResidentBytes
            print(String(format: "rank %d of %d: peak RSS %.0f MiB", executor.rank, executor.size, Double(peak) / 1048576))
        }

        static func show(_ r: RunBenchmark.Result) {
            print("\(r.project): \(r.cells) cells")
            for s in r.steps {
                print("  " + s.name.padding(toLength: 20, withPad: " ", startingAt: 0) + String(format: " %8.2f s", s.seconds) + (s.peakBytesPerCell.map { String(format: "  peak %6.1f B/cell", $0) } ?? ""))
            }
            print(String(format: "  total %.2f s, peak %.0f MiB = %.1f bytes/cell", r.totalSeconds, Double(r.peakResidentBytes) / 1048576, r.peakBytesPerCell))
            if let t = r.terrainPipelineSeconds, let ratio = r.ratioToTerrainPipeline {
                print(String(format: "  fill + D8 + accumulation alone: %.2f s; the whole job is %.1f× that", t, ratio))
            }
        }
    }
}

extension BenchCommand {
    struct SyntheticBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "synthetic",
            abstract: "Generate the demo basin at a given number of cells and time the whole main job on it, step by step.",
            discussion: Examples.text("""
            The inputs (DEM, land use, counties, sources, sections, monitoring, scheme) are written into --output, the run's outputs into \
            its output/ folder. Peak memory is reported for the generation and for each step.
            """, [("The province-scale case: 2×10⁸ cells", "hydrotool bench synthetic --cells 200000000 --output /tmp/bench-2e8"),
                  ("A quick one, as JSON", "hydrotool bench synthetic --cells 1000000 --output /tmp/bench-1m --json")]))
        @Option(help: "Number of cells (about; the grid is 1.5 times wider than high).") var cells = 200_000_000
        @Option(help: "Folder for the generated inputs and the run's outputs.") var output = FileManager.default.temporaryDirectory.appendingPathComponent("hydrotool-bench-synthetic").path
        @Option(help: "Seed of the synthetic case.") var seed: UInt64 = 1
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var tiling: ProjectTileOptions

        func run() throws {
            try OptionCheck.integer(cells, in: 5400...1_350_000_000, "--cells")
            guard !output.trimmingCharacters(in: .whitespaces).isEmpty else { throw HydroError(.invalidParameter, "--output", "must name a folder (it is empty)") }
            var result: RunBenchmark.Synthetic?
            let executor = try tiling.onRanks { tiling in
                result = try RunBenchmark.synthetic(cells: cells, folder: output, seed: seed, tiling: tiling)
            }
            guard let r = result else { return RunBench.showRank(executor) }
            if json { try printJSON(r); return }
            print(String(format: "generated %d cells in %.2f s, peak %.1f bytes/cell", r.cells, r.generationSeconds, r.generationPeakBytesPerCell))
            RunBench.show(r.run)
            RunBench.showRank(executor, run: r.run)
        }
    }
}

/// Prints a value as pretty, key-sorted JSON on stdout.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    // A NaN nodata or an infinite cell is valid raster content; JSON has no such numbers, so they are spelled as strings.
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
