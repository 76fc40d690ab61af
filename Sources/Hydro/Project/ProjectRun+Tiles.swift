import Foundation

/// How a project run goes by tiles (`run --tiles`): the terrain step fills the DEM and drains it
/// by tiles, the loads step routes each pollutant and the attribution step attributes it by tiles on
/// `executor` (`TiledProjectPass`), with the same figures to the bit as the run in one piece. What a
/// tile keeps between visits goes to a hidden folder beside the outputs; under MPI the leader also
/// writes the passes' per-cell inputs there as raw files (every rank must see the folder). The
/// folder is removed when the run ends. Stream burning, breaching, the
/// upstream area, the network step and the load model are still made in one piece on the leader.
public final class ProjectTiling {
    public let tileWidth: Int
    public let tileHeight: Int
    public let executor: TileExecutor
    /// Steps that ran by tiles in this run (for the manifest).
    public internal(set) var tiledSteps: [String] = []
    /// The leader's raw files for the other ranks: made on first use, kept for the run.
    var work: Work?

    final class Work {
        let folder: String
        var stores: [TiledProjectPass.File: AnyObject] = [:]

        init(folder: String) { self.folder = folder }
        deinit { try? FileManager.default.removeItem(atPath: folder) }

        /// The store of `file`, made (and filled by `cells` when given) on first use.
        func store<Cell: BitwiseCopyable>(_ file: TiledProjectPass.File, width: Int, height: Int, _ cells: TiledLoads.Window<Cell>? = nil) throws -> TileStore<Cell> {
            if let made = stores[file] as? TileStore<Cell> { return made }
            // Only MPI runs write their grids to files, for ranks that may sit on other machines.
            let store = try TileStore<Cell>(path: file.path(in: folder), width: width, height: height, create: true, shared: true)
            if let cells { try store.fill(cells) }
            stores[file] = store
            return store
        }

        /// Forgets a store whose cells change from one pollutant to the next (its file goes with it).
        func drop(_ files: [TiledProjectPass.File]) { for f in files { stores[f] = nil } }
    }

    public init(tileWidth: Int, tileHeight: Int, executor: TileExecutor) {
        self.tileWidth = tileWidth
        self.tileHeight = tileHeight
        self.executor = executor
    }

    /// The raw files' folder, made in `outputFolder` on first use.
    func work(in outputFolder: String) throws -> Work {
        if let work { return work }
        let made = Work(folder: try AtomicOutput.makeStaging(in: outputFolder, label: "tiles"))
        work = made
        return made
    }

    func noteTiled(_ step: String) { if !tiledSteps.contains(step) { tiledSteps.append(step) } }

    /// Removes the raw files of the run (the end of the run, or of a failed one).
    func removeWork() { work = nil }
}

extension ProjectRun {
    /// The job describing a pass of `p` on this run's grid, and its inputs: the run's grids by
    /// window in one process, the raw files (written here) under MPI.
    private func tiledJob(_ kind: TiledProjectPass.Job.Kind, _ p: Pollutant, generated: CellLoads, model: LoadModel,
                          tiling: ProjectTiling) throws -> (TiledProjectPass.Job, TiledProjectPass.Inputs) {
        let g = model.graph.geometry
        var job = TiledProjectPass.Job(kind: kind, pollutant: p.name, width: g.width, height: g.height,
                                       tileWidth: tiling.tileWidth, tileHeight: tiling.tileHeight, links: model.graph.links)
        _ = try job.layout()
        let codes = model.graph.directions.codes, width = g.width
        let generatedWindow: TiledLoads.Window<Double> = { c, r, w, h in
            var out: [Double] = []
            out.reserveCapacity(w * h)
            for row in r..<(r + h) { for i in (row * width + c)..<(row * width + c + w) { out.append(generated[i]) } }
            return out
        }
        let memory = TiledProjectPass.Inputs(codes: TiledLoads.window(codes, width: width), generated: generatedWindow,
                                             transport: model.transportWindow(for: p))
        // What a tile keeps between its visits goes to the folder too, so that one process holds
        // no more than the tiles it visits (out of core), and ranks find what the others kept.
        let work = try tiling.work(in: folder)
        job.folder = work.folder
        guard tiling.executor.size > 1 else { return (job, memory) }
        work.drop([.generated, .transport, .outflow])
        _ = try work.store(.codes, width: g.width, height: g.height, memory.codes)
        _ = try work.store(.generated, width: g.width, height: g.height, memory.generated)
        _ = try work.store(.transport, width: g.width, height: g.height, memory.transport)
        return (job, memory)
    }

    /// One pollutant routed by tiles: the outflow of every cell and the mass budget, equal to
    /// `LoadRouting.route`'s to the bit.
    func routeByTiles(_ p: Pollutant, generated: CellLoads, model: LoadModel, tiling: ProjectTiling) throws -> (outflow: [Double], budget: MassBudget) {
        let (job, made) = try tiledJob(.route, p, generated: generated, model: model, tiling: tiling)
        let g = model.graph.geometry
        var outflow = [Double](repeating: .nan, count: g.cellCount)
        var inputs = made
        var stored: TileStore<Double>?
        if let work = tiling.work, tiling.executor.size > 1 {
            stored = try work.store(.outflow, width: g.width, height: g.height)
        } else {
            let width = g.width
            inputs.outflow = { tile, values in Self.place(values, tile, into: &outflow, width: width) }
        }
        if tiling.executor.size > 1 { try TiledProjectPass.send(job, tiling.executor) }
        guard case .routed(let routed) = try TiledProjectPass.perform(job, inputs: inputs, executor: tiling.executor, targets: nil) else {
            throw HydroError(.io, "tiled pass", "the routing pass gave no routing")
        }
        if let stored { outflow = try stored.read(column: 0, row: 0, columns: g.width, rows: g.height) }
        log("loads: \(p.name) routed by \(try job.layout().count) tiles in \(routed.visits) visits, \(routed.crossings) edges between tiles, on \(tiling.executor.size) rank\(tiling.executor.size == 1 ? "" : "s")")
        tiling.noteTiled("loads")
        return (outflow, routed.budget)
    }

    /// Every pollutant of `sources` attributed by tiles at the map's level, equal to
    /// `LoadAttribution.attribute(sources:model:map:reaches:…)`'s figures to the bit.
    func attributeByTiles(sources: LoadSources, model: LoadModel, map: JurisdictionMap, reaches: ReachGraph, sectionCells: [Int?],
                          crossings: [BorderCrossing], tiling: ProjectTiling, progress: TaskProgress) throws -> [PollutantAttribution] {
        let g = model.graph.geometry
        try g.requireSame(as: map.geometry, "jurisdictions")
        let (sectionReaches, crossingReaches) = try LoadAttribution.targetReaches(reaches, sectionCells: sectionCells, crossings: crossings)
        let targets = TiledProjectPass.AttributionTargets(sectionReaches: sectionReaches, crossings: crossings, crossingReaches: crossingReaches)
        let labels = map.labels, width = g.width
        let labelWindow: TiledLoads.Window<Int32> = { c, r, w, h in
            var out: [Int32] = []
            out.reserveCapacity(w * h)
            for row in r..<(r + h) { for i in (row * width + c)..<(row * width + c + w) { out.append(labels[i]) } }
            return out
        }
        let pollutants = sources.pollutants.filter { sources.generated.contains($0) }
        var results: [PollutantAttribution] = []
        for (index, p) in pollutants.enumerated() {
            guard let generated = sources.cellLoads(p) else { continue }
            guard generated.count == g.cellCount else {
                throw HydroError(.invalidInput, "sources", "\(p.name) loads cover \(generated.count) cells, the grid has \(g.cellCount)")
            }
            var (job, inputs) = try tiledJob(.attribute, p, generated: generated, model: model, tiling: tiling)
            job.unitCount = map.units.count
            job.topology = ReachTopology(reaches)
            inputs.labels = labelWindow
            inputs.reachOfCell = TiledLoads.window(reaches.reachOfCell, width: width)
            if let work = tiling.work, tiling.executor.size > 1 {
                _ = try work.store(.labels, width: g.width, height: g.height, inputs.labels)
                _ = try work.store(.reaches, width: g.width, height: g.height, inputs.reachOfCell)
                try TiledProjectPass.send(job, tiling.executor)
            }
            guard case .attributed(let result?) = try TiledProjectPass.perform(job, inputs: inputs, executor: tiling.executor, targets: targets) else {
                throw HydroError(.io, "tiled pass", "the attribution pass gave no attribution")
            }
            results.append(result)
            try progress.report(Double(index + 1) / Double(pollutants.count))
        }
        tiling.noteTiled("attribution")
        return results
    }
}
