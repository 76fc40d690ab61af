import Foundation

/// What the tiled terrain pipeline accumulates.
public enum TiledUnits: String, Sendable, CaseIterable {
    case cells, km2
}

public struct TiledTerrainOptions: Sendable {
    public var band: Int
    /// Tile size in cells (columns, rows); nil: chosen from `memoryLimit`.
    public var tileWidth: Int?
    public var tileHeight: Int?
    /// Bytes the run may hold at once; nil: the tile size alone decides.
    public var memoryLimit: Int?
    public var units: TiledUnits
    /// A raster whose values are accumulated instead (same grid as the DEM; nodata counts 0), as
    /// `hydrotool accumulate --weight` accumulates them.
    public var weight: String?
    /// One Cloud Optimized GeoTIFF per product instead of tiles and a VRT.
    public var cog: Bool
    public var overwrite: Bool
    /// Processes taking part (1 out of core on one machine; the rank count under MPI).
    public var ranks: Int

    public init(band: Int = 1, tileWidth: Int? = nil, tileHeight: Int? = nil, memoryLimit: Int? = nil,
                units: TiledUnits = .cells, weight: String? = nil, cog: Bool = false, overwrite: Bool = false, ranks: Int = 1) {
        self.band = band
        self.tileWidth = tileWidth
        self.tileHeight = tileHeight
        self.memoryLimit = memoryLimit
        self.units = units
        self.weight = weight
        self.cog = cog
        self.overwrite = overwrite
        self.ranks = ranks
    }
}

public struct TiledTerrainReport: Sendable {
    public var layout: TileLayout
    /// Cells raised by filling.
    public var raisedCells: Int
    /// Labels and crossings of the fill's spill graph.
    public var spillLabels: Int
    public var spillCrossings: Int
    /// Cells of flats that reach a tile edge, drained together.
    public var crossTileFlatCells: Int
    /// Tile visits of the accumulation (one per tile when no chain of tiles feeds back).
    public var accumulationVisits: Int
    /// Cells draining into another tile (the perimeter links).
    public var perimeterLinks: Int
}

/// Fill, D8 directions and flow accumulation by tiles, out of core: tiles are read from the DEM
/// (one large raster or a VRT of many) by windows, intermediate grids live in raw files in a
/// temporary folder, and each product is written as one GeoTIFF a tile with a VRT over them (or one
/// COG). Peak memory is a few tiles plus the perimeter data. Every product equals the in-memory
/// commands' (`fill`, `flowdir`, `accumulate`) cell for cell: `TiledFill`, `TiledFlowDirection`,
/// `TiledAccumulation`.
///
/// Outputs: `filled.vrt`, `flowdir.vrt` (ESRI encoding), `accumulation.vrt` (UInt32 cells or Float64
/// km²) with their tiles in `tiles/`, or `filled.tif`, `flowdir.tif`, `accumulation.tif` as COGs; and
/// `tiling.json` recording the tiling, the rank count and the perimeter figures. The folder appears
/// only when everything is written.
public enum TiledTerrain {
    /// Working bytes per tile cell at the peak of any stage (windows, labels, queues, keys and values).
    static let bytesPerTileCell = 64
    /// A tile's work per cell with these options (a weight raster adds its window, 8 bytes a cell).
    static func bytesPerTileCell(_ options: TiledTerrainOptions) -> Int { bytesPerTileCell + (options.weight != nil ? 8 : 0) }

    public static func run(dem: String, output folder: String, options: TiledTerrainOptions,
                           executor: TileExecutor = LocalTileExecutor(), progress: TaskProgress = .silent) throws -> TiledTerrainReport {
        let leader = executor.isLeader
        let progress = leader ? progress : .silent
        // GDAL's block cache takes an eighth of the limit; the tiles' work half of it.
        if let limit = options.memoryLimit { TileMosaic.limitCache(bytes: limit / 8) }
        let source = try RasterWindowSource(path: dem, band: options.band)
        let geometry = source.geometry
        // A weight raster is opened and checked before any work; it is read a tile at a time, on the
        // rank that visits the tile.
        let weights = try options.weight.map { path -> (source: RasterWindowSource, nodata: Double?) in
            let source = try RasterWindowSource(path: path)
            try geometry.requireSame(as: source.geometry, path)
            return (source, try source.nodata(as: Double.self))
        }
        let (tw, th) = try tileSize(options, width: geometry.width, height: geometry.height)
        let layout = try TileLayout(width: geometry.width, height: geometry.height, tileWidth: tw, tileHeight: th)
        let allTiles = Array(0..<layout.count)
        let target = URL(fileURLWithPath: folder).standardizedFileURL
        let parent = target.deletingLastPathComponent().path
        // The leader makes the staging folder and the intermediate files; the others open them.
        var stagingPath: String?
        if leader {
            if FileManager.default.fileExists(atPath: target.path) && !options.overwrite {
                throw HydroError(.io, folder, "already exists (give --overwrite to replace it)")
            }
            AtomicOutput.removeStaleStaging(in: parent)
            stagingPath = try AtomicOutput.makeStaging(in: parent, label: "tiles", naming: folder)
        }
        defer { if let stagingPath { try? FileManager.default.removeItem(atPath: stagingPath) } }
        var message = ByteWriter()
        message.put(stagingPath ?? "")
        var fromLeader = ByteReader(try executor.broadcast(leader ? message.bytes : nil))
        let staging = try fromLeader.string()
        let tilesFolder = (staging as NSString).appendingPathComponent("tiles")
        let filledPath = (staging as NSString).appendingPathComponent(".filled.raw")
        let codesPath = (staging as NSString).appendingPathComponent(".codes.raw")
        if leader {
            try FileManager.default.createDirectory(atPath: tilesFolder, withIntermediateDirectories: true)
        }
        let shared = executor.size > 1
        let created = leader ? (try TileStore<Float>(path: filledPath, width: layout.width, height: layout.height, create: true, shared: shared),
                                try TileStore<UInt8>(path: codesPath, width: layout.width, height: layout.height, create: true, shared: shared)) : nil
        _ = try executor.broadcast(leader ? [1] : nil)
        let filledStore = try created?.0 ?? TileStore<Float>(path: filledPath, width: layout.width, height: layout.height, create: false, shared: shared)
        let codesStore = try created?.1 ?? TileStore<UInt8>(path: codesPath, width: layout.width, height: layout.height, create: false, shared: shared)
        let nodata = try source.nodata(as: Float.self)
        let read = { (c: Int, r: Int, w: Int, h: Int) in try source.read(column: c, row: r, columns: w, rows: h) }
        try progress.report(0)

        // Fill: stage 1 (labels and crossings per tile), stage 2 (the spill graph, on the leader), stage 3.
        let fill = try TiledFill.run(layout: layout, source: read, nodata: nodata, executor: executor) { tile, cells in
            try filledStore.write(cells, column: tile.column, row: tile.row, columns: tile.columns, rows: tile.rows)
            try writeTile(Grid(geometry: tileGeometry(geometry, tile), trustedCells: cells, nodata: nodata),
                          product: "filled", tile: tile, in: tilesFolder, inputs: [dem])
        }
        try progress.report(0.4)

        // Directions: cross-tile flats gathered, drained once on the leader, then every tile's directions written.
        let distances = NeighbourDistances(try CellMetrics(geometry)).distance
        let readFilled = { (c: Int, r: Int, w: Int, h: Int) in try filledStore.read(column: c, row: r, columns: w, rows: h) }
        let encoding = D8Encoding.esri
        let flatMembers = try TiledFlowDirection.run(layout: layout, filled: readFilled, nodata: nodata, distances: distances,
                                                     executor: executor) { tile, codes in
            try codesStore.write(codes, column: tile.column, row: tile.row, columns: tile.columns, rows: tile.rows)
            let directions = try FlowDirections(geometry: tileGeometry(geometry, tile), codes: codes)
            try writeTile(directions.encoded(encoding), product: "flowdir", tile: tile, in: tilesFolder, inputs: [dem],
                          metadata: [D8Encoding.metadataKey: encoding.rawValue, "HYDROTOOL_FLOW_METHOD": "d8"])
        }
        try progress.report(0.7)

        // Accumulation: rounds of tile visits until every cell's donors are known; the leader keeps
        // the perimeter links and sends them out before each round.
        let area = try CellMetrics(geometry).area
        let units = options.units
        let width = layout.width
        func leaving(_ tile: Tile) throws -> (Int, Double) -> Double {
            guard let weights else {
                return units == .cells ? { _, entering in entering + 1 } : { cell, entering in entering + area[cell / width] / 1e6 }
            }
            var w = try weights.source.read(column: tile.column, row: tile.row, columns: tile.columns, rows: tile.rows,
                                            as: Double.self, nodata: weights.nodata)
            for i in w.indices {
                if w[i].isInfinite {
                    throw HydroError(.invalidInput, weights.source.path, "weight at column \(tile.column + i % tile.columns), row \(tile.row + i / tile.columns) is \(w[i]); weights must be finite")
                }
                if w[i].isNaN || w[i] == weights.nodata { w[i] = 0 }
            }
            let local = w
            return { cell, entering in entering + local[(cell / width - tile.row) * tile.columns + cell % width - tile.column] }
        }
        var inflow: [Int: TiledAccumulation.Outflow] = [:]
        var needsVisit = [Bool](repeating: true, count: layout.count)
        var done = [Bool](repeating: false, count: layout.count)
        var visited = [Bool](repeating: false, count: layout.count)
        var lastResolved = [Int](repeating: -1, count: layout.count)
        var visits = 0
        // What a tile's unfinished visit resolved, kept for its next visit: in memory when one process
        // runs and every tile's keys and values (16 B a cell) fit in a quarter of the memory limit (or of
        // the machine's memory), else in raw files in the staging folder (any rank may make the visit).
        var heldStates: [Int: (keys: [Int], values: [Double])] = [:]
        let stateBudget = (options.memoryLimit.map { UInt64(clamping: $0) } ?? ProcessInfo.processInfo.physicalMemory) / 4
        let holdStates = executor.size == 1 && UInt64(layout.width) * UInt64(layout.height) * 16 <= stateBudget
        let keysPath = (staging as NSString).appendingPathComponent(".accumulation-keys.raw")
        let valuesPath = (staging as NSString).appendingPathComponent(".accumulation-values.raw")
        let createdState = leader ? (try TileStore<Int>(path: keysPath, width: layout.width, height: layout.height, create: true, shared: shared),
                                     try TileStore<Double>(path: valuesPath, width: layout.width, height: layout.height, create: true, shared: shared)) : nil
        _ = try executor.broadcast(leader ? [1] : nil)
        let keysStore = try createdState?.0 ?? TileStore<Int>(path: keysPath, width: layout.width, height: layout.height, create: false, shared: shared)
        let valuesStore = try createdState?.1 ?? TileStore<Double>(path: valuesPath, width: layout.width, height: layout.height, create: false, shared: shared)
        while true {
            var round = ByteWriter()
            let pending = allTiles.filter { needsVisit[$0] && !done[$0] }
            if leader {
                round.put(pending.count)
                for t in pending { round.put(t); round.put(visited[t] ? 1 : 0) }
                round.put(inflow.count)
                for (cell, flow) in inflow.sorted(by: { $0.key < $1.key }) { round.put(cell); round.put(flow.key); round.put(flow.value) }
            }
            var reader = ByteReader(try executor.broadcast(leader ? round.bytes : nil))
            var resumes = Set<Int>()
            let tasks = try (0..<(try reader.int())).map { _ in
                let t = try reader.int()
                if try reader.int() == 1 { resumes.insert(t) }
                return t
            }
            guard !tasks.isEmpty else { break }
            var known: [Int: TiledAccumulation.Outflow] = [:]
            for _ in 0..<(try reader.int()) {
                let cell = try reader.int(), key = try reader.int(), value = try reader.double()
                known[cell] = TiledAccumulation.Outflow(key: key, value: value)
            }
            let results = try executor.map(tasks) { t in
                let tile = layout.tile(t)
                let window = try HaloWindow<UInt8>.read(tile, halo: 1, gridWidth: layout.width, gridHeight: layout.height,
                                                        outside: D8.noData) { c, r, w, h in try codesStore.read(column: c, row: r, columns: w, rows: h) }
                let previous = !resumes.contains(t) ? nil : holdStates ? heldStates.removeValue(forKey: t)
                    : (keys: try keysStore.read(column: tile.column, row: tile.row, columns: tile.columns, rows: tile.rows),
                       values: try valuesStore.read(column: tile.column, row: tile.row, columns: tile.columns, rows: tile.rows))
                let visit = TiledAccumulation.visit(tile, layout: layout, codes: window, previous: previous, leaving: try leaving(tile)) { known[$0] }
                if visit.complete {
                    try writeAccumulationTile(visit.values, units: units, weighted: weights != nil, geometry: tileGeometry(geometry, tile), tile: tile,
                                              in: tilesFolder, inputs: [dem] + (options.weight.map { [$0] } ?? []))
                } else if holdStates {
                    heldStates[t] = (visit.keys, visit.values)
                } else {
                    try keysStore.write(visit.keys, column: tile.column, row: tile.row, columns: tile.columns, rows: tile.rows)
                    try valuesStore.write(visit.values, column: tile.column, row: tile.row, columns: tile.columns, rows: tile.rows)
                }
                var w = ByteWriter()
                w.put(visit.complete ? 1 : 0)
                w.put(visit.resolved)
                w.put(visit.outflows.count)
                for o in visit.outflows { w.put(o.cell); w.put(o.receiverTile); w.put(o.flow.key); w.put(o.flow.value) }
                return w.bytes
            }
            guard leader else { continue }
            var progressed = false
            for t in tasks { needsVisit[t] = false; visited[t] = true }
            for (t, bytes) in zip(tasks, results) {
                var r = ByteReader(bytes)
                visits += 1
                if try r.int() == 1 { done[t] = true }
                let resolved = try r.int()
                if resolved != lastResolved[t] { progressed = true; lastResolved[t] = resolved }
                for _ in 0..<(try r.int()) {
                    let cell = try r.int(), receiver = try r.int(), key = try r.int(), value = try r.double()
                    if inflow[cell] == nil {
                        inflow[cell] = TiledAccumulation.Outflow(key: key, value: value)
                        needsVisit[receiver] = true
                        progressed = true
                    }
                }
            }
            try progress.report(0.7 + 0.25 * Double(done.filter { $0 }.count) / Double(layout.count))
            if !progressed || (!done.allSatisfy({ $0 }) && !needsVisit.indices.contains(where: { needsVisit[$0] && !done[$0] })) {
                throw HydroError(.cycle, "flow directions", "the tiles wait on each other's inflows: the directions contain a cycle")
            }
        }
        let report = TiledTerrainReport(layout: layout, raisedCells: fill.raisedCells, spillLabels: fill.labels, spillCrossings: fill.crossings,
                                        crossTileFlatCells: flatMembers, accumulationVisits: visits, perimeterLinks: inflow.count)
        withExtendedLifetime((filledStore, codesStore, keysStore, valuesStore)) {}
        guard leader else { return report }

        // Mosaics, manifest, then the folder moves into place.
        for product in ["filled", "flowdir", "accumulation"] {
            let tiles = allTiles.map { tilePath(product, layout.tile($0), in: tilesFolder) }
            let vrt = (staging as NSString).appendingPathComponent("\(product).vrt")
            try TileMosaic.buildVRT(tiles: tiles, to: vrt)
            if options.cog {
                try TileMosaic.writeCOG(from: vrt, to: (staging as NSString).appendingPathComponent("\(product).tif"))
            }
        }
        if options.cog {
            try FileManager.default.removeItem(atPath: tilesFolder)
            for product in ["filled", "flowdir", "accumulation"] {
                try FileManager.default.removeItem(atPath: (staging as NSString).appendingPathComponent("\(product).vrt"))
            }
        }
        var recorded = options
        recorded.ranks = executor.size
        try writeManifest(report, options: recorded, dem: dem, to: (staging as NSString).appendingPathComponent("tiling.json"))
        try moveIntoPlace(staging: staging, target: target.path, overwrite: options.overwrite)
        try progress.report(1)
        return report
    }

    private static func writeAccumulationTile(_ values: [Double], units: TiledUnits, weighted: Bool, geometry g: GridGeometry, tile: Tile,
                                              in folder: String, inputs: [String]) throws {
        let description = weighted ? "accumulated weight" : units == .cells ? "upstream cells" : "upstream area (km2)"
        if units == .cells && !weighted {
            let counts = values.map { $0.isNaN ? UInt32.max : UInt32($0) }
            try writeTile(Grid(geometry: g, trustedCells: counts, nodata: UInt32.max), product: "accumulation", tile: tile,
                          in: folder, inputs: inputs, description: description)
        } else {
            try writeTile(Grid(geometry: g, trustedCells: values, nodata: .nan), product: "accumulation", tile: tile,
                          in: folder, inputs: inputs, description: description)
        }
    }

    /// The tile size asked for, or the largest square tile whose work fits half the memory limit.
    static func tileSize(_ options: TiledTerrainOptions, width: Int, height: Int) throws -> (Int, Int) {
        let bytesPerTileCell = Self.bytesPerTileCell(options)
        if let w = options.tileWidth {
            let h = options.tileHeight ?? w
            if let limit = options.memoryLimit, min(w, width) * min(h, height) * bytesPerTileCell > limit / 2 {
                throw HydroError(.invalidParameter, "--tile-size", "\(w)×\(h) tiles need about \(MemoryBudget.format(min(w, width) * min(h, height) * bytesPerTileCell)) each, more than half of --memory \(MemoryBudget.format(limit)); use smaller tiles")
            }
            return (w, h)
        }
        guard let limit = options.memoryLimit else { return (4096, 4096) }
        let side = Int((Double(limit / 2 / bytesPerTileCell)).squareRoot())
        guard side >= 16 else { throw HydroError(.invalidParameter, "--memory", "\(MemoryBudget.format(limit)) is too little for any tile") }
        return (side, side)
    }

    static func tileGeometry(_ geometry: GridGeometry, _ tile: Tile) -> GridGeometry {
        var t = geometry.transform
        let origin = t.map(column: Double(tile.column), row: Double(tile.row))
        t.originX = origin.x
        t.originY = origin.y
        return GridGeometry(width: tile.columns, height: tile.rows, transform: t, crs: geometry.crs)
    }

    static func tilePath(_ product: String, _ tile: Tile, in folder: String) -> String {
        (folder as NSString).appendingPathComponent("\(product)_\(tile.row)_\(tile.column).tif")
    }

    private static func writeTile<Cell: GridCell>(_ grid: Grid<Cell>, product: String, tile: Tile, in folder: String, inputs: [String],
                                                  metadata: [String: String] = [:], description: String? = nil) throws {
        let path = tilePath(product, tile, in: folder)
        var options = RasterWriteOptions(format: "GTiff", creationOptions: ["COMPRESS=DEFLATE", "TILED=YES"], overwrite: false)
        options.metadata = metadata
        options.inputs = inputs
        if let description { options.bandDescriptions = [description] }
        try RasterWriter.write(grid, to: path, options: options)
    }

    private static func writeManifest(_ report: TiledTerrainReport, options: TiledTerrainOptions, dem: String, to path: String) throws {
        let l = report.layout
        let record = TilingRecord(dem: dem, weight: options.weight, width: l.width, height: l.height, tileWidth: l.tileWidth, tileHeight: l.tileHeight,
                                  tileColumns: l.tileColumns, tileRows: l.tileRows, ranks: options.ranks,
                                  mode: options.ranks > 1 ? "mpi" : "out-of-core", memoryLimitBytes: options.memoryLimit,
                                  units: options.weight != nil ? "weight" : options.units.rawValue, format: options.cog ? "COG" : "GTiff tiles + VRT",
                                  spillLabels: report.spillLabels, spillCrossings: report.spillCrossings,
                                  crossTileFlatCells: report.crossTileFlatCells, accumulationVisits: report.accumulationVisits,
                                  perimeterLinks: report.perimeterLinks, raisedCells: report.raisedCells)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard FileManager.default.createFile(atPath: path, contents: try encoder.encode(record)) else {
            throw HydroError(.io, path, "cannot write the manifest")
        }
    }

    private static func moveIntoPlace(staging: String, target: String, overwrite: Bool) throws {
        for hidden in [".filled.raw", ".codes.raw"] { try? FileManager.default.removeItem(atPath: (staging as NSString).appendingPathComponent(hidden)) }
        if FileManager.default.fileExists(atPath: target) {
            guard overwrite else { throw HydroError(.io, target, "already exists (give --overwrite to replace it)") }
            try FileManager.default.removeItem(atPath: target)
        }
        guard rename(staging, target) == 0 else {
            throw HydroError(.io, target, "cannot move the finished outputs into place: \(String(cString: strerror(errno)))")
        }
    }
}
