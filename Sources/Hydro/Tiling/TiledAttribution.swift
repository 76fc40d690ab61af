/// The reach graph's topology without its whole-grid arrays: what the leader of a tiled run holds
/// to solve the attribution in O(reaches) (`ReachGraph.solve`).
public struct ReachTopology: Sendable, Codable {
    /// The cell each reach ends at, reaches in topological order.
    public var outlet: [Int32]
    /// Edges leaving reach r are `edgeStart[r] ..< edgeStart[r + 1]`: the cell entered, its reach and the share.
    public var edgeStart: [Int32]
    public var edgeEntry: [Int32]
    public var edgeReceiver: [Int32]
    public var edgeShare: [Double]

    public init(outlet: [Int32], edgeStart: [Int32], edgeEntry: [Int32], edgeReceiver: [Int32], edgeShare: [Double]) {
        self.outlet = outlet
        self.edgeStart = edgeStart
        self.edgeEntry = edgeEntry
        self.edgeReceiver = edgeReceiver
        self.edgeShare = edgeShare
    }

    public init(_ reaches: ReachGraph) {
        self.init(outlet: reaches.outlet, edgeStart: reaches.edgeStart, edgeEntry: reaches.edgeEntry,
                  edgeReceiver: reaches.edgeEntry.map { reaches.reachOfCell[Int($0)] }, edgeShare: reaches.edgeShare)
    }
}

extension TiledLoads {
    /// One pollutant's attribution by tiles, bit for bit `LoadAttribution.attribute`'s:
    /// 1. the routing pass by tiles (`TiledRouting`) with the unit budgets and flux summed per tile;
    /// 2. each cell's fraction reaching its reach outlet, a pass from downstream up (a cell needs only
    ///    its D8 receiver's fraction: tiles resolve what they can and publish their outer ring, as the
    ///    accumulation's perimeter links run the other way; Barnes 2017, doi:10.1016/j.envsoft.2017.02.022);
    /// 3. per tile, the delivered inflow of each (reach, origin) and the outlet and edge factors,
    ///    merged exactly (`ReproducibleSum`), then the reach graph solved once.
    /// `reachOfCell` and `labels` are windows of the reach of every cell (−1 where none) and of the
    /// unit labels (−1 outside every unit; `unitCount` units).
    public static func attribute(_ pollutant: Pollutant, layout: TileLayout, codes: Window<UInt8>, links: [FlowLink],
                                 generated: Window<Double>, transport: Window<CellTransport>,
                                 labels: Window<Int32>, unitCount: Int, reachOfCell: Window<Int32>, topology: ReachTopology,
                                 sectionReaches: [Int?], crossings: [BorderCrossing], crossingReaches: [Int],
                                 executor: TileExecutor = LocalTileExecutor(), stateFolder: String? = nil) throws -> PollutantAttribution? {
        let leader = executor.isLeader
        var budgets = LoadAttribution.UnitBudgets(units: unitCount + 1)
        _ = try route(pollutant, layout: layout, codes: codes, links: links, generated: generated, transport: transport,
                      labels: labels, unitCount: unitCount, budgets: &budgets, executor: executor, stateFolder: stateFolder) { _, _ in }
        let width = layout.width
        let reachCount = topology.outlet.count
        @inline(__always) func isOutlet(_ cell: Int, reach r: Int32) -> Bool { r >= 0 && Int(r) < reachCount && Int(topology.outlet[Int(r)]) == cell }
        let fractions = HeldTiles<[Double]>(folder: stateFolder, name: "fractions", encode: { f in
            var w = ByteWriter()
            for v in f { w.put(v) }
            return w.bytes
        }, decode: { bytes in
            var r = ByteReader(bytes)
            return try (0..<bytes.count / 8).map { _ in try r.double() }
        })

        // 2. Fractions to the reach outlets, downstream first: rounds in which every unfinished tile
        // resolves what it can from the tile-edge fractions known so far (`ring`, kept by the leader).
        var ring: [Int: Double] = [:]
        var pending = leader ? Set(0..<layout.count) : []
        func shareRing() throws -> [Int: Double] {
            var w = ByteWriter()
            if leader {
                w.put(ring.count)
                for (cell, f) in ring.sorted(by: { $0.key < $1.key }) { w.put(cell); w.put(f) }
            }
            var r = ByteReader(try executor.broadcast(leader ? w.bytes : nil))
            var known: [Int: Double] = [:]
            for _ in 0..<(try r.count()) { known[try r.int()] = try r.double() }
            return known
        }
        while true {
            var w = ByteWriter()
            if leader {
                w.put(pending.count)
                for t in pending.sorted() { w.put(t) }
            }
            var r = ByteReader(try executor.broadcast(leader ? w.bytes : nil))
            let tasks = try (0..<(try r.count())).map { _ in try r.int() }
            guard !tasks.isEmpty else { break }
            let known = try shareRing()
            let results = try executor.map(tasks) { t in
                let tile = layout.tile(t)
                let window = try HaloWindow<UInt8>.read(tile, halo: 1, gridWidth: layout.width, gridHeight: layout.height, outside: D8.noData, codes)
                let reach = try reachOfCell(tile.column, tile.row, tile.columns, tile.rows)
                let tr = try transport(tile.column, tile.row, tile.columns, tile.rows)
                var f = try fractions.take(t) ?? [Double](repeating: .nan, count: tile.cellCount)
                let before = f.reduce(0) { $0 + ($1.isNaN ? 0 : 1) }
                fractionPass(tile, layout: layout, codes: window, reach: reach, transport: tr, isOutlet: isOutlet, ring: known, into: &f)
                let after = f.reduce(0) { $0 + ($1.isNaN ? 0 : 1) }
                let valid = (0..<tile.cellCount).reduce(0) { $0 + (window.cells[window.index($1 % tile.columns, $1 / tile.columns)] != D8.noData ? 1 : 0) }
                try fractions.keep(f, for: t)
                var reply = ByteWriter()
                reply.put(after != before ? 1 : 0)
                reply.put(after == valid ? 1 : 0)
                var edge: [(Int, Double)] = []
                for r in 0..<tile.rows {
                    for c in 0..<tile.columns where tile.onEdge(c, r) && !f[r * tile.columns + c].isNaN {
                        edge.append(((tile.row + r) * width + tile.column + c, f[r * tile.columns + c]))
                    }
                }
                reply.put(edge.count)
                for (cell, v) in edge { reply.put(cell); reply.put(v) }
                return reply.bytes
            }
            guard leader else { continue }
            var progressed = false
            for (t, bytes) in zip(tasks, results) {
                var r = ByteReader(bytes)
                if try r.int() == 1 { progressed = true }
                if try r.int() == 1 { pending.remove(t) }
                for _ in 0..<(try r.count()) { ring[try r.int()] = try r.double() }
            }
            if !progressed && !pending.isEmpty {
                throw HydroError(.cycle, "flow directions", "the tiles wait on each other's fractions: the directions contain a cycle")
            }
        }

        // 3. Per tile: delivered inflow by (reach, origin), outlet factors and edge factors, sent to
        // the leader and merged there (exact sums; every outlet and edge factor comes from one cell).
        let known = try shareRing()
        var edgesOfCell: [Int: [Int]] = [:]
        for (e, cell) in topology.edgeEntry.enumerated() { edgesOfCell[Int(cell), default: []].append(e) }
        let parts = try executor.map(Array(0..<layout.count)) { t in
            let tile = layout.tile(t)
            let window = try HaloWindow<UInt8>.read(tile, halo: 1, gridWidth: layout.width, gridHeight: layout.height, outside: D8.noData, codes)
            let reach = try reachOfCell(tile.column, tile.row, tile.columns, tile.rows)
            let tr = try transport(tile.column, tile.row, tile.columns, tile.rows)
            let g = try generated(tile.column, tile.row, tile.columns, tile.rows)
            let label = try labels(tile.column, tile.row, tile.columns, tile.rows)
            let f = try fractions.take(t, expected: true) ?? []
            guard reach.count == tile.cellCount, tr.count == tile.cellCount, g.count == tile.cellCount, label.count == tile.cellCount,
                  f.count == tile.cellCount else {
                throw HydroError(.invalidInput, "tile \(t)", "a window came back with the wrong number of cells")
            }
            var inflow: [Int32: [Int32: ReproducibleSum]] = [:]
            var outlets = ByteWriter(), edges = ByteWriter()
            var outletCount = 0, edgeCount = 0
            let offsets = D8.offsets(width: window.width)
            for l in 0..<tile.cellCount {
                let b = window.index(l % tile.columns, l / tile.columns)
                guard window.cells[b] != D8.noData else { continue }
                let cell = (tile.row + l / tile.columns) * width + tile.column + l % tile.columns
                let origin = Int32(label[l] < 0 ? unitCount : Int(label[l]))
                let r = reach[l]
                if let es = edgesOfCell[cell] {
                    for e in es { edges.put(e); edges.put(topology.edgeShare[e] * f[l]); edgeCount += 1 }
                }
                if isOutlet(cell, reach: r) {
                    outlets.put(Int(r)); outlets.put(tr[l].pass); outlets.put(tr[l].own * g[l]); outlets.put(origin)
                    outletCount += 1
                    continue
                }
                guard g[l] != 0, r >= 0 else { continue }
                let k = window.cells[b]
                guard k < 8 else { continue }
                let d = b &+ offsets[Int(k)]
                guard window.cells[d] != D8.noData else { continue }
                let dc = (tile.row + d / window.width - 1) * width + tile.column + d % window.width - 1
                let local = (d / window.width - 1) * tile.columns + d % window.width - 1
                let inside = d / window.width >= 1 && d / window.width <= tile.rows && d % window.width >= 1 && d % window.width <= tile.columns
                guard let fd = inside ? f[local] : known[dc] else {
                    throw HydroError(.invalidInput, "tile \(t)", "no fraction known at cell \(dc % width),\(dc / width)")
                }
                inflow[r, default: [:]][origin, default: ReproducibleSum()] += g[l] * tr[l].own * fd
            }
            var w = ByteWriter()
            w.put(outletCount); w.put(bytes: outlets.bytes)
            w.put(edgeCount); w.put(bytes: edges.bytes)
            w.put(inflow.reduce(0) { $0 + $1.value.count })
            for (r, byOrigin) in inflow.sorted(by: { $0.key < $1.key }) {
                for (origin, sum) in byOrigin.sorted(by: { $0.key < $1.key }) { w.put(r); w.put(origin); sum.write(to: &w) }
            }
            return w.bytes
        }
        guard leader else { return nil }
        var inflow: [Int: [Int32: ReproducibleSum]] = [:]
        var outletPass = [Double](repeating: 0, count: reachCount), outletLoad = outletPass
        var outletOrigin = [Int32](repeating: 0, count: reachCount)
        var edgeFactor = [Double](repeating: 0, count: topology.edgeEntry.count)
        func reachIndex(_ r: Int) throws -> Int {
            guard r >= 0, r < reachCount else { throw HydroError(.io, "tile message", "names no reach \(r)") }
            return r
        }
        for bytes in parts {
            var r = ByteReader(bytes)
            for _ in 0..<(try r.count()) {
                let reach = try reachIndex(try r.int())
                outletPass[reach] = try r.double()
                outletLoad[reach] = try r.double()
                outletOrigin[reach] = try r.get(Int32.self)
            }
            for _ in 0..<(try r.count()) {
                let e = try r.int()
                guard e >= 0, e < edgeFactor.count else { throw HydroError(.io, "tile message", "names no reach edge \(e)") }
                edgeFactor[e] = try r.double()
            }
            for _ in 0..<(try r.count()) {
                let reach = try reachIndex(Int(try r.get(Int32.self)))
                let origin = try r.get(Int32.self)
                inflow[reach, default: [:]][origin, default: ReproducibleSum()] += try ReproducibleSum.read(from: &r)
            }
        }
        let vectors = (0..<reachCount).map { r -> OriginVector in
            let entries = inflow[r] ?? [:]
            return OriginVector(groups: Array(entries.keys), values: entries.keys.map { entries[$0]?.value ?? 0 })
        }
        let loads = ReachLoads(inflow: vectors, outletPass: outletPass, outletLoad: outletLoad, outletOrigin: outletOrigin, edgeFactor: edgeFactor)
        var kept = [Bool](repeating: false, count: reachCount)
        for r in sectionReaches { if let r { kept[r] = true } }
        for r in crossingReaches { kept[r] = true }
        let out = ReachGraph.solve(loads, keep: kept, edgeStart: topology.edgeStart) { Int(topology.edgeReceiver[$0]) }
        return LoadAttribution.result(pollutant, out: out, sectionReaches: sectionReaches, crossings: crossings,
                                      crossingReaches: crossingReaches, budgets: budgets)
    }

    /// Resolves what it can of a tile's fractions (`ReachGraph.deliveryToOutlets`): 1 at a reach
    /// outlet, 0 without a receiver, pass · the receiver's fraction otherwise, the receiver's read
    /// from `ring` when it lies in another tile. NaN marks what is still unknown.
    static func fractionPass(_ tile: Tile, layout: TileLayout, codes: HaloWindow<UInt8>, reach: [Int32], transport: [CellTransport],
                             isOutlet: (Int, Int32) -> Bool, ring: [Int: Double], into f: inout [Double]) {
        let w = codes.width
        let offsets = D8.offsets(width: w)
        let code = codes.cells
        @inline(__always) func local(_ b: Int) -> Int? {
            let r = b / w - 1, c = b % w - 1
            return r >= 0 && c >= 0 && r < tile.rows && c < tile.columns ? r * tile.columns + c : nil
        }
        @inline(__always) func global(_ b: Int) -> Int { (tile.row + b / w - 1) * layout.width + tile.column + b % w - 1 }
        var stack: [Int] = []
        for l in 0..<tile.cellCount where f[l].isNaN {
            let b = codes.index(l % tile.columns, l / tile.columns)
            guard code[b] != D8.noData else { continue }
            if isOutlet(global(b), reach[l]) { f[l] = 1; stack.append(b); continue }
            let k = code[b]
            let d = k < 8 ? b &+ offsets[Int(k)] : -1
            if d < 0 || code[d] == D8.noData { f[l] = 0; stack.append(b); continue }
            if let ld = local(d) {
                if !f[ld].isNaN { f[l] = transport[l].pass * f[ld]; stack.append(b) }
            } else if let known = ring[global(d)] {
                f[l] = transport[l].pass * known
                stack.append(b)
            }
        }
        // Upstream from every resolved cell through its tile donors.
        while let b = stack.popLast() {
            guard let lb = local(b) else { continue }
            for k in 0..<8 {
                let d = b &+ offsets[k]
                guard Int(code[d]) == D8.opposite(k), let ld = local(d), f[ld].isNaN else { continue }
                f[ld] = isOutlet(global(d), reach[ld]) ? 1 : transport[ld].pass * f[lb]
                stack.append(d)
            }
        }
    }
}
