import Foundation

/// The passes of a project run that go by tiles (`run --tiles`): the DEM's depression filling
/// (`TiledFill`) and flow directions (`TiledFlowDirection`), a pollutant's load routing
/// (`TiledLoads.route`) and its attribution (`TiledLoads.attribute`), and how the ranks of an MPI job
/// take part in them.
///
/// The leader runs the project; before each pass it sends every rank a `Job` naming the pass, the
/// tiling and the folder where it wrote the per-cell inputs as raw files (`TileStore`), and every
/// rank then runs the same pass (`perform`), the other ranks visiting tiles and the leader keeping
/// what passes between them. A rank that is not the leader does nothing else (`serve`). In one
/// process the inputs are read straight from the run's grids and no file is written.
public enum TiledProjectPass {
    struct Job: Codable {
        enum Kind: String, Codable { case fill, directions, route, attribute, end }
        var kind: Kind
        /// The DEM's nodata value as bits (JSON has no NaN).
        var nodataBits: UInt32?
        var pollutant = ""
        var width = 0, height = 0, tileWidth = 0, tileHeight = 0
        var links: [FlowLink] = []
        /// The per-cell inputs' files and the tiles' kept states (under MPI).
        var folder = ""
        var unitCount = 0
        var topology: ReachTopology?

        func layout() throws -> TileLayout { try TileLayout(width: width, height: height, tileWidth: tileWidth, tileHeight: tileHeight) }
        var nodata: Float? {
            get { nodataBits.map(Float.init(bitPattern:)) }
            set { nodataBits = newValue?.bitPattern }
        }
    }

    /// A pass's per-cell inputs by window, and where each finished tile's cells go (on the rank
    /// visiting the tile): the filled DEM, the directions or the routed outflow. A pass reads only
    /// its own.
    struct Inputs {
        var dem: TiledLoads.Window<Float> = { _, _, _, _ in [] }
        var filled: TiledLoads.Window<Float> = { _, _, _, _ in [] }
        /// The grid's neighbour distances, 8 a row.
        var distances: [Double] = []
        var codes: TiledLoads.Window<UInt8> = { _, _, _, _ in [] }
        var generated: TiledLoads.Window<Double> = { _, _, _, _ in [] }
        var transport: TiledLoads.Window<CellTransport> = { _, _, _, _ in [] }
        var labels: TiledLoads.Window<Int32> = { _, _, _, _ in [] }
        var reachOfCell: TiledLoads.Window<Int32> = { _, _, _, _ in [] }
        var filledTile: (Tile, [Float]) throws -> Void = { _, _ in }
        var codesTile: (Tile, [UInt8]) throws -> Void = { _, _ in }
        var outflow: (Tile, [Double]) throws -> Void = { _, _ in }
    }

    /// The leader's side of an attribution: what only it needs to make the figures.
    struct AttributionTargets {
        var sectionReaches: [Int?]
        var crossings: [BorderCrossing]
        var crossingReaches: [Int]
    }

    enum Outcome {
        case filled(TiledFill.Summary)
        /// The count of cells of flats that reach a tile edge.
        case directed(flatCells: Int)
        case routed(TiledLoads.Routed)
        case attributed(PollutantAttribution?)
    }

    /// The names of the raw files of a job's folder.
    enum File: String, CaseIterable {
        case dem, filled, distances, codes, generated, transport, outflow, labels, reaches
        func path(in folder: String) -> String { (folder as NSString).appendingPathComponent("\(rawValue).raw") }
    }

    /// Takes part in the leader's passes until it says the run is over: what every rank but the
    /// leader does in a tiled project run.
    public static func serve(_ executor: TileExecutor) throws {
        while true {
            let job = try receive(executor)
            guard job.kind != .end else { return }
            let (inputs, stores) = try storedInputs(job)
            _ = try perform(job, inputs: inputs, executor: executor, targets: nil)
            withExtendedLifetime(stores) {}
        }
    }

    /// Tells the other ranks that the run is over (the leader, once, whether or not any pass ran).
    public static func end(_ executor: TileExecutor) throws {
        guard executor.size > 1 else { return }
        try send(Job(kind: .end), executor)
    }

    static func send(_ job: Job, _ executor: TileExecutor) throws {
        _ = try executor.broadcast(Array(try JSONEncoder().encode(job)))
    }

    static func receive(_ executor: TileExecutor) throws -> Job {
        let bytes = try executor.broadcast(nil)
        do { return try JSONDecoder().decode(Job.self, from: Data(bytes)) } catch {
            throw HydroError(.io, "rank \(executor.rank)", "cannot read the leader's tiled pass (\(bytes.count) bytes): \(error)")
        }
    }

    /// Runs the job's pass on every rank alike; the leader gets the outcome.
    static func perform(_ job: Job, inputs: Inputs, executor: TileExecutor, targets: AttributionTargets?) throws -> Outcome {
        let layout = try job.layout()
        let pollutant = Pollutant(job.pollutant)
        let states = job.folder.isEmpty ? nil : job.folder
        switch job.kind {
        case .fill:
            return .filled(try TiledFill.run(layout: layout, source: inputs.dem, nodata: job.nodata, executor: executor, finished: inputs.filledTile))
        case .directions:
            return .directed(flatCells: try TiledFlowDirection.run(layout: layout, filled: inputs.filled, nodata: job.nodata, distances: inputs.distances,
                                                                   executor: executor, finished: inputs.codesTile))
        case .route:
            return .routed(try TiledLoads.route(pollutant, layout: layout, codes: inputs.codes, links: job.links, generated: inputs.generated,
                                                transport: inputs.transport, executor: executor, stateFolder: states, outflow: inputs.outflow))
        case .attribute:
            guard let topology = job.topology else { throw HydroError(.io, "tiled pass", "an attribution without its reach graph") }
            return .attributed(try TiledLoads.attribute(pollutant, layout: layout, codes: inputs.codes, links: job.links, generated: inputs.generated,
                                                        transport: inputs.transport, labels: inputs.labels, unitCount: job.unitCount,
                                                        reachOfCell: inputs.reachOfCell, topology: topology,
                                                        sectionReaches: targets?.sectionReaches ?? [], crossings: targets?.crossings ?? [],
                                                        crossingReaches: targets?.crossingReaches ?? [], executor: executor, stateFolder: states))
        case .end:
            throw HydroError(.io, "tiled pass", "asked to run the end of the run")
        }
    }

    /// The inputs read from the raw files the leader wrote into the job's folder (the stores stay
    /// open as long as the second value lives).
    static func storedInputs(_ job: Job) throws -> (Inputs, [AnyObject]) {
        let (w, h, folder) = (job.width, job.height, job.folder)
        func open<Cell>(_ file: File, _: Cell.Type, width: Int? = nil) throws -> TileStore<Cell> {
            try TileStore<Cell>(path: file.path(in: folder), width: width ?? w, height: h, create: false, shared: true)
        }
        var inputs = Inputs()
        switch job.kind {
        case .fill:
            let dem = try open(.dem, Float.self), filled = try open(.filled, Float.self)
            inputs.dem = dem.window
            inputs.filledTile = { tile, cells in try filled.write(cells, column: tile.column, row: tile.row, columns: tile.columns, rows: tile.rows) }
            return (inputs, [dem, filled])
        case .directions:
            let filled = try open(.filled, Float.self), codes = try open(.codes, UInt8.self)
            inputs.filled = filled.window
            inputs.distances = try open(.distances, Double.self, width: 8).read(column: 0, row: 0, columns: 8, rows: h)
            inputs.codesTile = { tile, cells in try codes.write(cells, column: tile.column, row: tile.row, columns: tile.columns, rows: tile.rows) }
            return (inputs, [filled, codes])
        case .route, .attribute:
            let codes = try open(.codes, UInt8.self), generated = try open(.generated, Double.self)
            let transport = try open(.transport, CellTransport.self)
            inputs.codes = codes.window
            inputs.generated = generated.window
            inputs.transport = transport.window
            var stores: [AnyObject] = [codes, generated, transport]
            if job.kind == .route {
                let outflow = try open(.outflow, Double.self)
                inputs.outflow = { tile, values in try outflow.write(values, column: tile.column, row: tile.row, columns: tile.columns, rows: tile.rows) }
                stores.append(outflow)
            } else {
                let labels = try open(.labels, Int32.self), reaches = try open(.reaches, Int32.self)
                inputs.labels = labels.window
                inputs.reachOfCell = reaches.window
                stores += [labels, reaches]
            }
            return (inputs, stores)
        case .end:
            return (inputs, [])
        }
    }
}

extension TileStore {
    /// The store read by windows, as the tiled passes read their inputs.
    var window: TiledLoads.Window<Cell> { { c, r, w, h in try self.read(column: c, row: r, columns: w, rows: h) } }
}
