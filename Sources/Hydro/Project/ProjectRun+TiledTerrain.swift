import Foundation

/// The terrain step by tiles (`run --tiles` with conditioning = "fill"): the DEM filled
/// (`TiledFill`, Barnes 2016) and its D8 directions made (`TiledFlowDirection`) tile by tile, equal
/// cell for cell to `DepressionFilling.fill` and `D8FlowDirection.compute` on the whole grid. In one
/// process the tiles read the run's grids by window; under MPI the leader writes the DEM as a raw
/// file, the other ranks visit the tiles and write their cells into raw files it then reads back.
extension ProjectRun {
    func fillByTiles(_ dem: Grid<Float>, tiling: ProjectTiling) throws -> Grid<Float> {
        let g = dem.geometry
        let job = terrainJob(.fill, dem, tiling: tiling)
        var filled = [Float](repeating: .nan, count: g.cellCount)
        let width = g.width
        var inputs = TiledProjectPass.Inputs(dem: TiledLoads.window(dem.cells, width: width))
        inputs.filledTile = { tile, cells in Self.place(cells, tile, into: &filled, width: width) }
        let dems = inputs.dem
        let (outcome, fromRanks) = try performTerrainPass(job, inputs, tiling: tiling, result: .filled, of: Float.self) { work in
            _ = try work.store(.dem, width: g.width, height: g.height, dems)
        }
        guard case .filled(let summary) = outcome else { throw HydroError(.io, "tiled pass", "the fill pass gave no surface") }
        if let fromRanks { filled = fromRanks }
        log("terrain: filled by \(try job.layout().count) tiles on \(ranks(tiling)): \(summary.raisedCells) cells raised, a spill graph of \(summary.labels) labels and \(summary.crossings) crossings")
        return Grid(geometry: g, trustedCells: filled, nodata: dem.nodata)
    }

    func directionsByTiles(_ filled: Grid<Float>, tiling: ProjectTiling) throws -> FlowDirections {
        let g = filled.geometry
        let job = terrainJob(.directions, filled, tiling: tiling)
        var codes = [UInt8](repeating: D8.noData, count: g.cellCount)
        let width = g.width
        var inputs = TiledProjectPass.Inputs(filled: TiledLoads.window(filled.cells, width: width),
                                             distances: NeighbourDistances(try CellMetrics(g)).distance)
        inputs.codesTile = { tile, cells in Self.place(cells, tile, into: &codes, width: width) }
        let (surface, distances) = (inputs.filled, inputs.distances)
        let (outcome, fromRanks) = try performTerrainPass(job, inputs, tiling: tiling, result: .codes, of: UInt8.self) { work in
            _ = try work.store(.filled, width: g.width, height: g.height, surface)
            _ = try work.store(.distances, width: 8, height: g.height) { _, r, _, h in Array(distances[(r * 8)..<((r + h) * 8)]) }
        }
        guard case .directed(let flatCells) = outcome else { throw HydroError(.io, "tiled pass", "the directions pass gave no directions") }
        if let fromRanks { codes = fromRanks }
        log("terrain: directions by \(try job.layout().count) tiles on \(ranks(tiling)), \(flatCells) cells of flats across tile edges drained together")
        tiling.noteTiled("terrain")
        return try FlowDirections(geometry: g, codes: codes)
    }

    /// Runs a terrain pass on every rank. Under MPI the leader first writes the pass's inputs
    /// (`share`) and an empty raw file for its `result` that the ranks fill, and reads that back after.
    private func performTerrainPass<Cell: BitwiseCopyable>(_ job: TiledProjectPass.Job, _ inputs: TiledProjectPass.Inputs, tiling: ProjectTiling,
                                                           result: TiledProjectPass.File, of: Cell.Type,
                                                           share: (ProjectTiling.Work) throws -> Void) throws -> (TiledProjectPass.Outcome, [Cell]?) {
        var job = job
        var stored: TileStore<Cell>?
        if tiling.executor.size > 1 {
            let work = try tiling.work(in: folder)
            job.folder = work.folder
            try share(work)
            stored = try work.store(result, width: job.width, height: job.height)
            try TiledProjectPass.send(job, tiling.executor)
        }
        let outcome = try TiledProjectPass.perform(job, inputs: inputs, executor: tiling.executor, targets: nil)
        return (outcome, try stored?.read(column: 0, row: 0, columns: job.width, rows: job.height))
    }

    private func terrainJob(_ kind: TiledProjectPass.Job.Kind, _ dem: Grid<Float>, tiling: ProjectTiling) -> TiledProjectPass.Job {
        var job = TiledProjectPass.Job(kind: kind, width: dem.geometry.width, height: dem.geometry.height,
                                       tileWidth: tiling.tileWidth, tileHeight: tiling.tileHeight)
        job.nodata = dem.nodata
        return job
    }

    private func ranks(_ tiling: ProjectTiling) -> String { "\(tiling.executor.size) rank\(tiling.executor.size == 1 ? "" : "s")" }

    /// A tile's row-major cells copied into the whole grid.
    static func place<Cell>(_ cells: [Cell], _ tile: Tile, into grid: inout [Cell], width: Int) {
        for r in 0..<tile.rows {
            let start = (tile.row + r) * width + tile.column
            grid.replaceSubrange(start..<(start + tile.columns), with: cells[(r * tile.columns)..<((r + 1) * tile.columns)])
        }
    }
}
