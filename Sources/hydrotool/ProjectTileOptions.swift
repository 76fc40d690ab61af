import ArgumentParser
import Foundation
import Hydro

/// `--tiles` for the commands that run a project's steps: the DEM is filled and given its D8
/// directions, and the loads are routed and attributed, by tiles, in this process or over the ranks
/// of `mpirun` (rank 0 runs the project and writes every output; the other ranks process tiles and
/// write nothing).
struct ProjectTileOptions: ParsableArguments {
    @Flag(help: "Fill the DEM, make its D8 directions, and route and attribute the loads by tiles, with the same figures; under mpirun the ranks other than 0 process the tiles.")
    var tiles = false
    @Option(name: .customLong("tile-size"), help: "Tile size for --tiles in cells: N or WxH (default 4096).") var tileSize: String?

    /// Starts the project (`start`) and runs `steps` on it; with `--tiles`, on the leading rank,
    /// while the others take part in its tiled passes.
    func run(start: () throws -> ProjectRun, steps: (ProjectRun) throws -> Void) throws {
        _ = try onRanks { tiling in
            let run = try start()
            run.tiling = tiling
            try steps(run)
        }
    }

    /// Runs `leader` with the tiling `--tiles` asks for (nil without it): on rank 0 under mpirun,
    /// while the other ranks serve its tiled passes. Returns this process's executor (nil without `--tiles`).
    @discardableResult
    func onRanks(_ leader: (ProjectTiling?) throws -> Void) throws -> TileExecutor? {
        guard tiles else {
            if tileSize != nil { throw HydroError(.invalidParameter, "--tile-size", "applies to --tiles; give --tiles too") }
            if let size = ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_SIZE"], size != "1" {
                throw HydroError(.invalidParameter, "mpirun", "\(size) ranks would each run the whole project; give --tiles to share its passes")
            }
            try leader(nil)
            return nil
        }
        let (width, height) = try tileSize.map(TilesCommand.parseTileSize) ?? (4096, 4096)
        return try TilesCommand.onEveryRank { executor in
            guard executor.isLeader else { return try TiledProjectPass.serve(executor) }
            try leader(ProjectTiling(tileWidth: width, tileHeight: height, executor: executor))
            try TiledProjectPass.end(executor)
        }.executor
    }
}
