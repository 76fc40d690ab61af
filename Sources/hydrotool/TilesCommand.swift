import ArgumentParser
import Foundation
import Hydro

extension TiledUnits: ExpressibleByArgument {}

struct TilesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tiles",
        abstract: "Fill, D8 directions and accumulation by tiles, out of core; equal to fill, flowdir and accumulate cell for cell.",
        discussion: Examples.text([("Process a DEM larger than memory in 4096-cell tiles", "hydrotool tiles big.vrt terrain --tile-size 4096"),
                                   ("Let a 4 GiB limit choose the tiles, accumulate a load raster (kg/yr a cell), one COG per product", "hydrotool tiles dem.tif terrain --memory 4G --weight loads.tif --cog")]))

    @Argument(help: "Input DEM (one raster or a VRT of many).") var dem: String
    @Argument(help: "Output folder (filled, flowdir and accumulation as tiles + VRT, and tiling.json).") var output: String
    @Option(help: "Band of the DEM to read.") var band = 1
    @Option(name: .customLong("tile-size"), help: "Tile size in cells: N or WxH (default: from --memory, else 4096).") var tileSize: String?
    @Option(help: "Memory the run may use (e.g. 4G, 512M): picks or checks the tile size.") var memory: String?
    @Option(help: "What to accumulate: cells (count, the default) or km2 (true cell areas).") var units: TiledUnits?
    @Option(help: "Accumulate this raster's values instead, read by tiles (same grid as the DEM; nodata counts 0).") var weight: String?
    @Flag(help: "Write one Cloud Optimized GeoTIFF per product instead of tiles and a VRT.") var cog = false
    @Flag(help: "Replace an existing output folder.") var overwrite = false
    @Flag(name: [.customShort("q"), .customLong("quiet")], help: "Print no progress.") var quiet = false

    func run() throws {
        try OptionCheck.integer(band, in: OptionCheck.band, "--band")
        if weight != nil, let units {
            throw HydroError(.invalidParameter, "--units", "'\(units.rawValue)' and --weight both say what to accumulate; give one")
        }
        var options = TiledTerrainOptions(band: band, units: units ?? .cells, weight: weight, cog: cog, overwrite: overwrite)
        if let tileSize {
            let (w, h) = try Self.parseTileSize(tileSize)
            options.tileWidth = w
            options.tileHeight = h
        }
        if let memory { options.memoryLimit = try Self.parseBytes(memory, "--memory") }
        let report = try Self.onEveryRank { executor in
            try HydroError.attributing(to: dem) {
                try TiledTerrain.run(dem: dem, output: output, options: options, executor: executor,
                                     progress: quiet || !executor.isLeader ? .silent : TerminalProgress.make())
            }
        }
        let executor = report.executor
        if !quiet && executor.isLeader {
            let r = report.value, l = r.layout
            TerminalProgress.log("\(l.tileColumns)×\(l.tileRows) tiles of \(l.tileWidth)×\(l.tileHeight); filled \(r.raisedCells) cells; spill graph \(r.spillLabels) labels, \(r.spillCrossings) crossings; \(r.crossTileFlatCells) cross-tile flat cells; \(r.perimeterLinks) perimeter links, \(r.accumulationVisits) tile visits")
        }
    }

    /// Runs `body` with this process's tile executor: under `mpirun` every rank runs the command and
    /// rank 0 leads and writes the outputs. A failing rank says why and stops every rank (the outputs
    /// were never moved into place); after success MPI is ended on every rank.
    static func onEveryRank<T>(_ body: (TileExecutor) throws -> T) throws -> (value: T, executor: TileExecutor) {
        let executor = try MPITileExecutor.forThisProcess()
        let mpi = executor as? MPITileExecutor
        let value: T
        do { value = try body(executor) } catch {
            guard let mpi, mpi.size > 1 else { throw error }
            FileHandle.standardError.write((TerminalProgress.lineOpen ? "\n" : "") + "hydrotool: error: rank \(mpi.rank) of \(mpi.size): \(error)\n")
            mpi.abort(code: 1)
        }
        mpi?.finish()
        return (value, executor)
    }

    static func parseTileSize(_ text: String) throws -> (Int, Int) {
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count <= 2, let w = Int(parts[0]), let h = parts.count == 2 ? Int(parts[1]) : w, w >= 1, h >= 1, w <= 1 << 20, h <= 1 << 20 else {
            throw HydroError(.invalidParameter, "--tile-size", "expects N or WxH with whole numbers from 1 to 1048576, got '\(text)'")
        }
        return (w, h)
    }

    static func parseBytes(_ text: String, _ name: String) throws -> Int {
        let t = text.uppercased().replacingOccurrences(of: "IB", with: "").replacingOccurrences(of: "B", with: "")
        let units: [(String, Double)] = [("T", 1_099_511_627_776), ("G", 1_073_741_824), ("M", 1_048_576), ("K", 1024)]
        var factor = 1.0, number = Substring(t)
        if let (suffix, f) = units.first(where: { t.hasSuffix($0.0) }) { factor = f; number = t.dropLast(suffix.count) }
        guard let v = Double(number), v.isFinite, v > 0, v * factor >= 1_048_576, v * factor <= 1e15 else {
            throw HydroError(.invalidParameter, name, "expects a size such as 4G or 512M (at least 1M), got '\(text)'")
        }
        return Int(v * factor)
    }
}

extension BenchCommand {
    struct TilesBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tiles", abstract: "Time the tiled fill + D8 + accumulation, with each rank's peak memory (under mpirun: every rank's).",
            discussion: Examples.text([("Out of core under a 4 GiB limit", "hydrotool bench tiles big.tif --memory 4G --work /data/tmp"),
                                       ("Tiles of 4096 cells (prefix with mpirun -np 4 for four ranks)", "hydrotool bench tiles dem.tif --tile-size 4096")]))
        @Argument(help: "DEM to process.") var dem: String
        @Option(name: .customLong("tile-size"), help: "Tile size in cells: N or WxH.") var tileSize: String?
        @Option(help: "Memory limit (e.g. 4G) choosing or checking the tile size.") var memory: String?
        @Option(help: "Folder for the outputs (removed afterwards); default: the system's temporary folder.") var work: String?

        func run() throws {
            var options = TiledTerrainOptions()
            if let tileSize {
                let (w, h) = try TilesCommand.parseTileSize(tileSize)
                options.tileWidth = w
                options.tileHeight = h
            }
            if let memory { options.memoryLimit = try TilesCommand.parseBytes(memory, "--memory") }
            var seconds = 0.0
            let (report, executor) = try TilesCommand.onEveryRank { executor -> TiledTerrainReport in
                let shared = try executor.broadcast(executor.isLeader ? Array("hydrotool-bench-tiles-\(getpid())".utf8) : nil)
                let folder = ((work ?? NSTemporaryDirectory()) as NSString).appendingPathComponent(String(decoding: shared, as: UTF8.self))
                defer { if executor.isLeader { try? FileManager.default.removeItem(atPath: folder) } }
                MemoryUsage.resetPeak()
                let start = Date()
                let report = try TiledTerrain.run(dem: dem, output: folder, options: options, executor: executor)
                seconds = Date().timeIntervalSince(start)
                return report
            }
            let peak = Double(MemoryUsage.peakResidentBytes) / 1048576
            let l = report.layout
            print(String(format: "rank %d of %d: %d cells in %d×%d tiles of %d×%d: %.2f s, peak RSS %.0f MiB",
                         executor.rank, executor.size, l.width * l.height, l.tileColumns, l.tileRows, l.tileWidth, l.tileHeight, seconds, peak))
            if executor.isLeader {
                print("  spill graph \(report.spillLabels) labels, \(report.spillCrossings) crossings; \(report.crossTileFlatCells) cross-tile flat cells; \(report.perimeterLinks) perimeter links, \(report.accumulationVisits) tile visits")
            }
        }
    }
}
