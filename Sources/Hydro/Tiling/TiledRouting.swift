import Foundation

/// Weighted accumulation along D8 and links by tiles (load routing: `LoadRouting.route`), bit for
/// bit equal to the pass over `FlowGraph.order` on the whole grid.
///
/// As `TiledAccumulation` (Barnes 2017, doi:10.1016/j.envsoft.2017.02.022), each tile resolves the
/// cells whose donors are all known and hands what leaves it to the tiles downstream; Barnes then
/// adds the perimeter inflows in a second pass, which relies on addition being associative. Double
/// addition is not, so each cell instead folds its donors' contributions in the order the in-memory
/// pass adds them, known from a *key* per cell that reproduces `FlowGraph.order` locally.
///
/// The key. `FlowGraph` starts a depth-first walk from every cell without donors in raster order
/// (its *source*); popping a cell pushes its D8 receiver, then its link targets in link order, each
/// when its last donor was popped. So every walk is a preorder of the tree in which a cell's parent
/// is its last donor, and a parent with links visits its children in the reverse order it pushed
/// them: the last link's target (and everything below it) first, the D8 receiver last. A cell's key
/// is its walk's source and the choices made at link cells on the tree path to it:
///   key(source) = (source, []);
///   key(c) = key(p), extended by K − e when p has links,
/// where p is c's last donor, K the number of links leaving p and e the index of p's last edge to
/// c (0 the D8 step, 1…K the links). Keys compare by source, then choice by choice, a prefix first.
/// Without links every path is empty and this is `TiledAccumulation`'s rule (key = max source).
///
/// Why it orders the donors of one cell exactly: two distinct donors of a cell cannot be a cell and
/// its descendant along a chain without links (the chain's first cell would have its single child
/// on the way, not the common receiver), and two cells whose tree paths part at some cell part at a
/// link cell, where the choices differ. So distinct donors have distinct keys in visit order, and a
/// donor's several edges into one cell (a D8 step and a link, or two links) follow the edge order,
/// as `FlowGraph.forEachReceiver` adds them. Each contribution is value · share, as in memory.
/// The same keys put the outlets (cells whose outflow leaves the domain) in routing order.
enum TiledRouting {
    /// Where a cell falls in the in-memory routing order (see the type's comment).
    struct Key: Comparable, Sendable {
        var source: Int
        var path: [Int32]

        static func < (a: Key, b: Key) -> Bool {
            if a.source != b.source { return a.source < b.source }
            for (x, y) in zip(a.path, b.path) where x != y { return x < y }
            return a.path.count < b.path.count
        }
    }

    /// One edge of the flow graph: the donor cell and its edge index (0 the D8 step, 1… its links
    /// in link order).
    struct Edge: Hashable, Sendable, Comparable {
        var donor: Int
        var edge: Int
        static func < (a: Edge, b: Edge) -> Bool { (a.donor, a.edge) < (b.donor, b.edge) }
    }

    /// What a donor passes along one edge: its key and value · share.
    struct Contribution: Sendable, Equatable {
        var key: Key
        var value: Double
    }

    /// The links of the whole grid (few: karst conduits, diversions), which every tile reads.
    struct Links: Sendable {
        let links: [FlowLink]
        /// Link indices leaving each cell, in link order (`FlowGraph.linksFrom`).
        let from: [Int: [Int]]
        /// Link indices ending at each cell.
        let into: [Int: [Int]]
        /// The edge index of each link at its donor.
        let edge: [Int]

        init(_ links: [FlowLink], cellCount: Int) throws {
            var from: [Int: [Int]] = [:], into: [Int: [Int]] = [:]
            var edge: [Int] = []
            for (k, link) in links.enumerated() {
                guard link.from >= 0, link.from < cellCount, link.to >= 0, link.to < cellCount else {
                    throw HydroError(.invalidInput, "link '\(link.name)'", "an end lies outside the grid or on nodata")
                }
                guard link.share > 0, link.share <= 1 else {
                    throw HydroError(.invalidParameter, "link '\(link.name)'", "share must lie in (0, 1], got \(link.share)")
                }
                guard link.from != link.to else { throw HydroError(.invalidInput, "link '\(link.name)'", "starts and ends on the same cell") }
                from[link.from, default: []].append(k)
                into[link.to, default: []].append(k)
                edge.append(from[link.from, default: []].count)
            }
            for (cell, indices) in from.sorted(by: { $0.key < $1.key }) {
                let total = indices.reduce(0.0) { $0 + links[$1].share }
                guard total <= 1 + 1e-12 else {
                    throw HydroError(.invalidParameter, "link '\(links[indices[0]].name)'", "links leaving cell \(cell) carry \(total) of the flow, more than all of it")
                }
            }
            self.links = links
            self.from = from
            self.into = into
            self.edge = edge
        }

        /// The share following the D8 direction, computed as `FlowGraph.d8Share` does.
        @inline(__always) func d8Share(_ cell: Int) -> Double {
            guard let ks = from[cell] else { return 1 }
            return max(0, 1 - ks.reduce(0.0) { $0 + links[$1].share })
        }
    }

    /// A tile's cells resolved so far and their outflow. A cell's key is its source (−1 while not
    /// yet known) and its path, an index into `paths` (0: the empty path, which every key has where
    /// no link is on the way): the hot loop compares and copies two numbers, not arrays.
    struct State {
        var sources: [Int]
        var pathIndex: [Int32]
        var paths: [[Int32]]
        var values: [Double]

        init(cellCount n: Int) {
            sources = [Int](repeating: -1, count: n)
            pathIndex = [Int32](repeating: 0, count: n)
            paths = [[]]
            values = [Double](repeating: .nan, count: n)
        }

        init(sources: [Int], pathIndex: [Int32], paths: [[Int32]], values: [Double]) {
            self.sources = sources
            self.pathIndex = pathIndex
            self.paths = paths
            self.values = values
        }

        func key(_ l: Int) -> Key { Key(source: sources[l], path: paths[Int(pathIndex[l])]) }
        var keys: [Key] { sources.indices.map(key) }
    }

    /// A key inside one visit: its source and the index of its path in the visit's table.
    struct LocalKey {
        var source: Int
        var path: Int32
    }

    struct Visit {
        var state: State
        var complete: Bool
        /// Contributions to cells of other tiles.
        var outflows: [(edge: Edge, receiverTile: Int, flow: Contribution)]
        /// Outlets resolved in this visit: key, cell and the load leaving the domain there.
        var outlets: [(key: Key, cell: Int, load: Double)]
        var resolved: Int
    }

    /// Visits one tile with the contributions from other tiles known so far, going on from an
    /// earlier visit's `previous` state. `leaving(cell, entering)` is the outflow of a cell from what
    /// enters it; `resolved(cell, entering, leaving)` is called once per cell when it is known (for
    /// budgets). Cells are global indices.
    static func visit(_ tile: Tile, layout: TileLayout, codes: HaloWindow<UInt8>, links: Links, previous: State?,
                      leaving: (Int, Double) -> Double, resolved: (Int, Double, Double) -> Void,
                      inflow: (Edge) -> Contribution?) -> Visit {
        let width = codes.width
        let offsets = D8.offsets(width: width)
        let code = codes.cells
        let n = tile.cellCount
        let gridWidth = layout.width
        @inline(__always) func local(_ b: Int) -> Int? {
            let r = b / width - 1, c = b % width - 1
            return r >= 0 && c >= 0 && r < tile.rows && c < tile.columns ? r * tile.columns + c : nil
        }
        @inline(__always) func global(_ b: Int) -> Int { (tile.row + b / width - 1) * gridWidth + tile.column + b % width - 1 }
        @inline(__always) func localOfGlobal(_ g: Int) -> Int? {
            let r = g / gridWidth - tile.row, c = g % gridWidth - tile.column
            return r >= 0 && c >= 0 && r < tile.rows && c < tile.columns ? r * tile.columns + c : nil
        }
        @inline(__always) func buffer(ofLocal l: Int) -> Int { codes.index(l % tile.columns, l / tile.columns) }
        /// The D8 receiver of a tile cell, as a buffer index.
        @inline(__always) func receiver(_ b: Int) -> Int? {
            let k = code[b]
            guard k < 8 else { return nil }
            let t = b &+ offsets[Int(k)]
            return code[t] == D8.noData ? nil : t
        }
        let hasLinks = !links.links.isEmpty
        /// Calls `body(edge, the donor's tile-local index or nil)` for every edge entering tile cell `b`.
        @inline(__always) func forEachDonor(_ b: Int, _ g: Int, _ body: (Edge, Int?) -> Void) {
            for k in 0..<8 {
                let d = b &+ offsets[k]
                guard Int(code[d]) == D8.opposite(k) else { continue }
                let gd = global(d)
                if hasLinks && links.d8Share(gd) <= 0 { continue }
                body(Edge(donor: gd, edge: 0), local(d))
            }
            guard hasLinks, let ks = links.into[g] else { return }
            for k in ks {
                let f = links.links[k].from
                body(Edge(donor: f, edge: links.edge[k]), localOfGlobal(f))
            }
        }
        @inline(__always) func share(_ e: Edge) -> Double {
            e.edge == 0 ? (hasLinks ? links.d8Share(e.donor) : 1) : links.links[links.from[e.donor]?[e.edge - 1] ?? 0].share
        }
        var state = previous ?? State(cellCount: n)
        /// Whether key a comes before key b (as `Key.<`, with the paths looked up in the table).
        @inline(__always) func before(_ a: LocalKey, _ b: LocalKey) -> Bool {
            if a.source != b.source { return a.source < b.source }
            if a.path == b.path { return false }
            let pa = state.paths[Int(a.path)], pb = state.paths[Int(b.path)]
            for (x, y) in zip(pa, pb) where x != y { return x < y }
            return pa.count < pb.count
        }
        /// The table index of a path (a new entry unless it is empty).
        func intern(_ path: [Int32]) -> Int32 {
            guard !path.isEmpty else { return 0 }
            state.paths.append(path)
            return Int32(state.paths.count - 1)
        }
        var waiting = [Int32](repeating: 0, count: n)
        var stack: [Int] = []
        var valid = 0, resolvedCount = 0
        for l in 0..<n {
            let b = buffer(ofLocal: l)
            guard code[b] != D8.noData else { continue }
            valid += 1
            guard state.sources[l] < 0 else { resolvedCount += 1; continue }
            var count: Int32 = 0
            forEachDonor(b, global(b)) { e, ld in
                if let ld { if state.sources[ld] < 0 { count += 1 } } else if inflow(e) == nil { count += 1 }
            }
            waiting[l] = count
            if count == 0 { stack.append(l) }
        }
        var outflows: [(edge: Edge, receiverTile: Int, flow: Contribution)] = []
        var outlets: [(key: Key, cell: Int, load: Double)] = []
        var donors: [(edge: Edge, key: LocalKey, value: Double)] = []
        @inline(__always) func deliver(_ g: Int, _ e: Edge, _ key: LocalKey, _ value: Double) {
            if let lt = localOfGlobal(g) {
                waiting[lt] -= 1
                if waiting[lt] == 0 { stack.append(lt) }
            } else {
                let flow = Contribution(key: Key(source: key.source, path: state.paths[Int(key.path)]), value: value)
                outflows.append((e, layout.tileIndex(column: g % gridWidth, row: g / gridWidth), flow))
            }
        }
        while let l = stack.popLast() {
            let b = buffer(ofLocal: l), g = global(b)
            donors.removeAll(keepingCapacity: true)
            forEachDonor(b, g) { e, ld in
                if let ld {
                    donors.append((e, LocalKey(source: state.sources[ld], path: state.pathIndex[ld]), state.values[ld] * share(e)))
                } else if let f = inflow(e) {
                    donors.append((e, LocalKey(source: f.key.source, path: intern(f.key.path)), f.value))
                }
            }
            if donors.count > 1 {
                donors.sort { before($0.key, $1.key) || (!before($1.key, $0.key) && $0.edge.edge < $1.edge.edge) }
            }
            var entering = 0.0
            for d in donors { entering += d.value }
            let v = leaving(g, entering)
            var key = LocalKey(source: g, path: 0)
            if let last = donors.last {
                key = last.key
                if hasLinks, let ks = links.from[last.edge.donor] {
                    key.path = intern(state.paths[Int(key.path)] + [Int32(ks.count - last.edge.edge)])
                }
            }
            state.sources[l] = key.source
            state.pathIndex[l] = key.path
            state.values[l] = v
            resolvedCount += 1
            resolved(g, entering, v)
            // The receivers in `FlowGraph.forEachReceiver`'s order; what none takes leaves the domain here.
            var passed = 0.0
            let s0 = hasLinks ? links.d8Share(g) : 1
            if s0 > 0, let t = receiver(b) {
                passed += s0
                deliver(global(t), Edge(donor: g, edge: 0), key, v * s0)
            }
            if hasLinks, let ks = links.from[g] {
                for k in ks {
                    let link = links.links[k]
                    passed += link.share
                    deliver(link.to, Edge(donor: g, edge: links.edge[k]), key, v * link.share)
                }
            }
            if passed < 1 { outlets.append((Key(source: key.source, path: state.paths[Int(key.path)]), g, v * (1 - passed))) }
        }
        return Visit(state: state, complete: resolvedCount == valid, outflows: outflows, outlets: outlets, resolved: resolvedCount)
    }
}

extension TiledRouting {
    /// What one tile needs to resolve its cells: the outflow of a cell from what enters it, what to
    /// note once a cell is known (both by global cell index), and what the visit summed, handed to
    /// the leader (`run`'s `merge`; exact sums merge to the same bits in any order).
    struct TilePass {
        var leaving: (Int, Double) -> Double
        var resolved: (Int, Double, Double) -> Void
        var summary: () -> [UInt8] = { [] }
    }

    struct Result {
        /// Outlets in routing order: cell and the load leaving the domain there.
        var outlets: [(cell: Int, load: Double)]
        var visits: Int
        /// Edges that cross from one tile to another (perimeter links and links between tiles).
        var crossings: Int
    }

    /// Rounds of tile visits until every cell is known: each round visits the tiles that received
    /// something new, with every contribution sent to them so far. Every rank calls it with the same
    /// arguments; the tiles are visited where `executor` sends them, the leader keeps the
    /// contributions between tiles and returns the result (the other ranks an empty one).
    /// `pass(tile)` is asked at each visit of a tile and `finished(tile, outflow)` once per tile,
    /// on the rank visiting it when all its cells are known; `merge` gets every visit's summary on
    /// the leader. An unfinished tile's state waits for its next visit in memory, or in a file of
    /// `stateFolder` when one is given (needed when several ranks visit the tiles).
    static func run(layout: TileLayout, codes: (Int, Int, Int, Int) throws -> [UInt8], links: Links,
                    executor: TileExecutor = LocalTileExecutor(), stateFolder: String? = nil,
                    pass: (Tile) throws -> TilePass, finished: (Tile, [Double]) throws -> Void,
                    merge: ([UInt8]) throws -> Void = { _ in }) throws -> Result {
        // Link ends must be valid cells, as `FlowGraph` requires.
        for link in links.links {
            for end in [link.from, link.to] {
                guard try codes(end % layout.width, end / layout.width, 1, 1).first.map({ $0 != D8.noData }) ?? false else {
                    throw HydroError(.invalidInput, "link '\(link.name)'", "an end lies outside the grid or on nodata")
                }
            }
        }
        let leader = executor.isLeader
        let states = State.held(in: stateFolder)
        // The leader's book: contributions by receiving tile, what waits, what is done.
        var inflow = [[Edge: Contribution]](repeating: [:], count: leader ? layout.count : 0)
        var pending = leader ? Set(0..<layout.count) : []
        var done = [Bool](repeating: false, count: layout.count)
        var visited = done
        var lastResolved = [Int](repeating: -1, count: layout.count)
        var outlets: [(key: Key, cell: Int, load: Double)] = []
        var visits = 0
        while true {
            var round = ByteWriter()
            if leader {
                let tasks = pending.sorted().filter { !done[$0] }
                pending = []
                round.put(tasks.count)
                for t in tasks {
                    round.put(t)
                    round.put(visited[t] ? 1 : 0)
                    round.put(inflow[t].count)
                    for (edge, flow) in inflow[t].sorted(by: { $0.key < $1.key }) {
                        round.put(edge.donor); round.put(edge.edge); round.put(flow)
                    }
                }
            }
            var reader = ByteReader(try executor.broadcast(leader ? round.bytes : nil))
            var tasks: [Int] = [], resumes = Set<Int>(), known: [Int: [Edge: Contribution]] = [:]
            for _ in 0..<(try reader.count()) {
                let t = try reader.int()
                tasks.append(t)
                if try reader.int() == 1 { resumes.insert(t) }
                var flows: [Edge: Contribution] = [:]
                for _ in 0..<(try reader.count()) {
                    let edge = Edge(donor: try reader.int(), edge: try reader.int())
                    flows[edge] = try reader.contribution()
                }
                known[t] = flows
            }
            guard !tasks.isEmpty else { break }
            let results = try executor.map(tasks) { t in
                let tile = layout.tile(t)
                let window = try HaloWindow<UInt8>.read(tile, halo: 1, gridWidth: layout.width, gridHeight: layout.height,
                                                        outside: D8.noData, codes)
                let p = try pass(tile)
                let flows = known[t] ?? [:]
                let visit = TiledRouting.visit(tile, layout: layout, codes: window, links: links,
                                               previous: resumes.contains(t) ? try states.take(t, expected: true) : nil,
                                               leaving: p.leaving, resolved: p.resolved) { flows[$0] }
                if visit.complete { try finished(tile, visit.state.values) } else { try states.keep(visit.state, for: t) }
                var w = ByteWriter()
                w.put(visit.complete ? 1 : 0)
                w.put(visit.resolved)
                w.put(visit.outflows.count)
                for o in visit.outflows { w.put(o.edge.donor); w.put(o.edge.edge); w.put(o.receiverTile); w.put(o.flow) }
                w.put(visit.outlets.count)
                for o in visit.outlets { w.put(o.key); w.put(o.cell); w.put(o.load) }
                let summary = p.summary()
                w.put(summary.count)
                w.put(bytes: summary)
                return w.bytes
            }
            guard leader else { continue }
            // A round's contributions reach the next round together, whatever the visiting order.
            var progressed = false
            for (t, bytes) in zip(tasks, results) {
                var r = ByteReader(bytes)
                visits += 1
                visited[t] = true
                if try r.int() == 1 { done[t] = true }
                let resolved = try r.int()
                if resolved != lastResolved[t] { progressed = true; lastResolved[t] = resolved }
                for _ in 0..<(try r.count()) {
                    let edge = Edge(donor: try r.int(), edge: try r.int()), receiver = try r.int(), flow = try r.contribution()
                    guard receiver >= 0, receiver < layout.count else { throw HydroError(.io, "tile message", "names no tile \(receiver)") }
                    if inflow[receiver][edge] == nil {
                        inflow[receiver][edge] = flow
                        pending.insert(receiver)
                        progressed = true
                    }
                }
                for _ in 0..<(try r.count()) { outlets.append((try r.key(), try r.int(), try r.double())) }
                try merge(try r.bytes(count: try r.count()))
            }
            if !progressed || (pending.isEmpty && !done.allSatisfy({ $0 })) {
                throw HydroError(.cycle, links.links.isEmpty ? "flow directions" : "links",
                                 "the tiles wait on each other's inflows: the flow graph contains a cycle")
            }
        }
        outlets.sort { $0.key < $1.key }
        return Result(outlets: outlets.map { ($0.cell, $0.load) }, visits: visits, crossings: inflow.reduce(0) { $0 + $1.count })
    }
}

extension TiledRouting.State {
    /// What an unfinished tile's state waits in between visits: in memory, or a file a tile in
    /// `folder` (any rank may make a tile's next visit).
    static func held(in folder: String?) -> HeldTiles<TiledRouting.State> {
        HeldTiles(folder: folder, name: "routing-state", encode: { state in
            var w = ByteWriter()
            w.put(state.sources.count)
            w.put(state.paths.count)
            for path in state.paths {
                w.put(path.count)
                for step in path { w.put(step) }
            }
            for k in state.sources { w.put(k) }
            for p in state.pathIndex { w.put(p) }
            for v in state.values { w.put(v) }
            return w.bytes
        }, decode: { bytes in
            var r = ByteReader(bytes)
            let n = try r.count(), pathCount = try r.count()
            let paths = try (0..<pathCount).map { _ in try (0..<(try r.count())).map { _ in try r.get(Int32.self) } }
            let sources = try (0..<n).map { _ in try r.int() }
            let pathIndex = try (0..<n).map { _ in try r.get(Int32.self) }
            guard paths.first == [], pathIndex.allSatisfy({ $0 >= 0 && Int($0) < paths.count }) else {
                throw HydroError(.io, "tile state", "a routing state whose paths do not match its cells")
            }
            return TiledRouting.State(sources: sources, pathIndex: pathIndex, paths: paths, values: try (0..<n).map { _ in try r.double() })
        })
    }
}

extension ByteWriter {
    mutating func put(_ key: TiledRouting.Key) {
        put(key.source)
        put(Int32(truncatingIfNeeded: key.path.count))
        for step in key.path { put(step) }
    }

    mutating func put(_ flow: TiledRouting.Contribution) {
        put(flow.key)
        put(flow.value)
    }
}

extension ByteReader {
    mutating func key() throws -> TiledRouting.Key {
        let source = try int()
        let n = try get(Int32.self)
        guard n >= 0, n <= 1 << 24 else { throw HydroError(.io, "tile message", "a routing key of \(n) steps") }
        return TiledRouting.Key(source: source, path: try (0..<Int(n)).map { _ in try get(Int32.self) })
    }

    mutating func contribution() throws -> TiledRouting.Contribution {
        TiledRouting.Contribution(key: try key(), value: try double())
    }
}
