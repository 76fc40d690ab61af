import Foundation

/// The whole main job on a project, step by step: seconds and peak resident bytes per step and
/// for the run, with the in-process fill + D8 + accumulation time on the same DEM for scale.
public enum RunBenchmark {
    public struct Step: Codable, Sendable {
        public var name: String
        public var seconds: Double
        public var peakBytesPerCell: Double?
    }

    public struct Result: Codable, Sendable {
        public var project: String
        public var cells: Int
        public var steps: [Step]
        /// Everything `run` does (the report and manifest included), seconds.
        public var totalSeconds: Double
        public var peakResidentBytes: Int
        public var peakBytesPerCell: Double
        /// `TerrainBenchmark`'s fill + D8 + accumulation on the same DEM, seconds (nil if not asked).
        public var terrainPipelineSeconds: Double?
        /// totalSeconds ÷ terrainPipelineSeconds.
        public var ratioToTerrainPipeline: Double?
    }

    /// Runs every step of `project` into `output` (its step record removed first, so that no step is skipped).
    /// With `tiling`, the loads and attribution passes go by tiles (`run --tiles`).
    public static func run(_ project: String, output: String, compareWithTerrain: Bool, tiling: ProjectTiling? = nil) throws -> Result {
        var config = try ProjectConfig.load(project)
        guard !output.trimmingWhitespace().isEmpty else { throw HydroError(.invalidParameter, "--output", "must name a folder (it is empty)") }
        config.output = output
        // Forgetting the step record is enough for every step to run; deleting the folder would delete
        // whatever else the user keeps there (`--output .` once meant the current folder, whole).
        try? FileManager.default.removeItem(atPath: (output as NSString).appendingPathComponent(".hydrotool-steps.json"))
        let start = Date()
        let run = try ProjectRun(config)
        run.tiling = tiling
        run.measuresPeakMemory = true
        try run.runAll()
        let total = Date().timeIntervalSince(start)
        // Each step resets the peak mark and the run gives freed memory back between steps, so the
        // run's peak is the largest of the steps' peaks (and of the report's, read last).
        let peak = max(MemoryUsage.peakResidentBytes, run.steps.compactMap(\.peakResidentBytes).max() ?? 0)
        let cells = try run.geometry.cellCount
        var steps = run.steps.map { Step(name: $0.name, seconds: $0.seconds, peakBytesPerCell: $0.peakResidentBytes.map { Double($0) / Double(cells) }) }
        steps.append(Step(name: "report and manifest", seconds: max(0, total - run.steps.reduce(0) { $0 + $1.seconds }), peakBytesPerCell: nil))
        var terrain: Double?
        if compareWithTerrain, let dem = config.dem { terrain = try TerrainBenchmark.run(dem, threads: config.threads, epsilon: false).pipelineSeconds }
        return Result(project: project, cells: cells, steps: steps, totalSeconds: total, peakResidentBytes: peak,
                      peakBytesPerCell: Double(peak) / Double(cells), terrainPipelineSeconds: terrain,
                      ratioToTerrainPipeline: terrain.map { total / $0 })
    }

    /// The demo basin (`DemoCase`) generated with about `cells` cells into `folder`, then every step
    /// of the main job on it: for a province-sized grid without a province's data.
    public struct Synthetic: Codable, Sendable {
        public var cells: Int
        public var generationSeconds: Double
        /// Resident peak while the inputs were generated, bytes a cell.
        public var generationPeakBytesPerCell: Double
        public var run: Result
    }

    public static func synthetic(cells: Int, folder: String, seed: UInt64 = 1, tiling: ProjectTiling? = nil) throws -> Synthetic {
        guard cells >= 5400, cells <= 1_350_000_000 else {
            throw HydroError(.invalidParameter, "--cells", "must lie between 5400 and 1350000000, got \(cells)")
        }
        // The demo's grid is size × 1.5·size cells.
        let size = max(60, Int((Double(cells) / 1.5).squareRoot().rounded()))
        let start = Date()
        MemoryUsage.resetPeak()
        let project = try DemoCase.write(into: folder, seed: seed, size: size)
        let generated = Date().timeIntervalSince(start)
        let generationPeak = MemoryUsage.peakResidentBytes
        let result = try run(project, output: (folder as NSString).appendingPathComponent("output"), compareWithTerrain: false, tiling: tiling)
        return Synthetic(cells: result.cells, generationSeconds: generated,
                         generationPeakBytesPerCell: Double(generationPeak) / Double(result.cells), run: result)
    }
}
