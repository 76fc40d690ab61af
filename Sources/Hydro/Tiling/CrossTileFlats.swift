/// The flats that reach a tile's outer ring, drained over all tiles by `FlatResolution`'s rules
/// (Barnes, Lehman & Mulla 2014: two breadth-first distances, away from higher ground and towards
/// the flat's outlets).
///
/// The tiles send the cells of such flats and their neighbours; the leader keeps them in sorted
/// arrays (16 bytes a cell seen) and drains one flat at a time, with arrays the size of that flat
/// only. A flat's directions depend on its own cells alone (the rings stay on the flat, and the
/// flat's height cancels between two cells of the same flat), so draining the flats one by one
/// gives the codes of draining them together.
enum CrossTileFlats {
    /// A cell seen by the tiles: global index, elevation and D8 code before flats were drained.
    struct Cell: Equatable {
        var index: Int
        var z: Float
        var code: UInt8
    }

    /// What one tile contributes: its cells of such flats (global indices, ascending), and those
    /// cells with their neighbours (by global index, ascending, each once).
    struct Part {
        var members: [Int] = []
        var cells: [Cell] = []

        /// The flat cells of `tile` connected to its ring, from the tile-plus-ring window (`width` = columns + 2).
        static func collect(tile: Tile, layout: TileLayout, z: [Float], codes: [UInt8], width: Int, nodata: Float?) -> Part {
            var part = Part()
            var seen = Set<Int>()
            var cells: [Int: Cell] = [:]
            var stack: [Int] = []
            @inline(__always) func window(_ c: Int, _ r: Int) -> Int { (r + 1) * width + c + 1 }
            for r in 0..<tile.rows {
                for c in 0..<tile.columns where tile.onEdge(c, r) && codes[window(c, r)] == D8.noFlow {
                    let w = window(c, r)
                    guard seen.insert(w).inserted else { continue }
                    stack.append(w)
                    while let i = stack.popLast() {
                        let lr = i / width - 1, lc = i % width - 1
                        let g = (tile.row + lr) * layout.width + tile.column + lc
                        part.members.append(g)
                        cells[g] = Cell(index: g, z: z[i], code: codes[i])
                        for k in 0..<8 {
                            let nc = lc + D8.dx[k], nr = lr + D8.dy[k]
                            let ngc = tile.column + nc, ngr = tile.row + nr
                            guard ngc >= 0, ngr >= 0, ngc < layout.width, ngr < layout.height else { continue }
                            let j = window(nc, nr)
                            let ng = ngr * layout.width + ngc
                            cells[ng] = Cell(index: ng, z: z[j], code: codes[j])
                            let inTile = nc >= 0 && nr >= 0 && nc < tile.columns && nr < tile.rows
                            if inTile && codes[j] == D8.noFlow && z[j] == z[i] && seen.insert(j).inserted { stack.append(j) }
                        }
                    }
                }
            }
            part.members.sort()
            part.cells = cells.values.sorted { $0.index < $1.index }
            return part
        }
    }

    /// The gathered cells of every tile, sorted by index without repeats (a cell next to two tiles'
    /// flats is sent by both, with the same elevation and code).
    static func merged(_ cells: inout [Cell]) {
        cells.sort { $0.index < $1.index }
        var kept = 0
        for i in cells.indices where kept == 0 || cells[kept - 1].index != cells[i].index {
            cells[kept] = cells[i]
            kept += 1
        }
        cells.removeLast(cells.count - kept)
    }

    /// The position of global cell `g` in sorted `values` (nil when absent).
    @inline(__always) static func position(of g: Int, in values: [Int]) -> Int? {
        var lo = 0, hi = values.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if values[mid] < g { lo = mid + 1 } else { hi = mid }
        }
        return lo < values.count && values[lo] == g ? lo : nil
    }

    /// The position of global cell `g` among the sorted `cells` (nil when absent).
    @inline(__always) static func position(of g: Int, in cells: [Cell]) -> Int? {
        var lo = 0, hi = cells.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if cells[mid].index < g { lo = mid + 1 } else { hi = mid }
        }
        return lo < cells.count && cells[lo].index == g ? lo : nil
    }

    /// Directions (internal codes) of `members` (ascending global indices), aligned with them, from
    /// `cells` (`merged`: every member and its in-grid neighbours).
    static func solve(members: [Int], cells: [Cell], width: Int, height: Int, nodata: Float?) throws -> [UInt8] {
        guard cells.count < Int(Int32.max) else {
            throw HydroError(.invalidInput, "flow directions", "\(cells.count) cells of flats cross tile edges, more than one drain can hold; use larger tiles")
        }
        @inline(__always) func neighbour(_ n: Int, _ k: Int) -> Int32 {
            let g = cells[n].index, r = g / width + D8.dy[k], c = g % width + D8.dx[k]
            guard r >= 0, c >= 0, r < height, c < width, let j = position(of: r * width + c, in: cells) else { return -1 }
            return Int32(j)
        }
        var isMember = [Bool](repeating: false, count: cells.count)
        let memberNumbers = members.map { position(of: $0, in: cells) ?? -1 }
        for n in memberNumbers where n >= 0 { isMember[n] = true }
        var result = [UInt8](repeating: D8.noFlow, count: members.count)
        var taken = [Bool](repeating: false, count: cells.count)
        var localNumber = [Int32](repeating: -1, count: cells.count)
        var flat: [Int] = [], around: [Int32] = [], stack: [Int] = []
        // One flat at a time: members joined through equal neighbours. Each flat cell's neighbours are
        // looked up once, for the flat's extent and its drainage alike.
        for start in memberNumbers where start >= 0 && !taken[start] {
            flat.removeAll(keepingCapacity: true)
            around.removeAll(keepingCapacity: true)
            taken[start] = true
            stack.append(start)
            while let n = stack.popLast() {
                flat.append(n)
                for k in 0..<8 {
                    let j32 = neighbour(n, k)
                    around.append(j32)
                    let j = Int(j32)
                    guard j >= 0, isMember[j], !taken[j], cells[j].z == cells[n].z else { continue }
                    taken[j] = true
                    stack.append(j)
                }
            }
            let codes = drain(flat, links: &around, localNumber: &localNumber, cells: cells, nodata: nodata)
            for (n, code) in zip(flat, codes) {
                guard let m = position(of: cells[n].index, in: members) else { continue }
                result[m] = code
            }
        }
        return result
    }

    /// The codes of one flat's cells (`flat`: cell numbers), by `FlatResolution`'s rules, on arrays
    /// numbered over the flat and its neighbours only. `links` holds each flat cell's 8 neighbours'
    /// cell numbers (−1: none) and is renumbered in place; `localNumber` (−1 everywhere) is
    /// used and reset.
    private static func drain(_ flat: [Int], links: inout [Int32], localNumber: inout [Int32], cells: [Cell], nodata: Float?) -> [UInt8] {
        @inline(__always) func valid(_ v: Float) -> Bool { !v.isNaN && v != nodata }
        // Local numbers: the flat's cells first, then the neighbours met, in the order met.
        var nodes = flat
        for (i, n) in flat.enumerated() { localNumber[n] = Int32(i) }
        for i in links.indices where links[i] >= 0 {
            let j = Int(links[i])
            if localNumber[j] < 0 {
                localNumber[j] = Int32(nodes.count)
                nodes.append(j)
            }
            links[i] = localNumber[j]
        }
        for n in nodes { localNumber[n] = -1 }
        let count = nodes.count
        let z = nodes.map { cells[$0].z }, code = nodes.map { cells[$0].code }
        // Drained together: the flat and its draining neighbours at the same elevation (the low edges).
        var inSet = [Bool](repeating: false, count: count)
        var lowEdges: [Int] = [], highEdges: [Int] = []
        for i in flat.indices { inSet[i] = true }
        for i in flat.indices {
            var high = false
            for k in 0..<8 {
                let j = Int(links[8 * i + k])
                guard j >= 0, valid(z[j]) else { continue }
                if z[j] > z[i] { high = true }
                if code[j] < 8 && z[j] == z[i] && !inSet[j] { inSet[j] = true; lowEdges.append(j) }
            }
            if high { highEdges.append(i) }
        }
        // Breadth-first ring numbers (1 at the seeds) over the flat's undrained cells; low edges are
        // seeds only (they have no links of their own, being no flat cells).
        func rings(from seeds: [Int]) -> [Int32] {
            var ring = [Int32](repeating: 0, count: count)
            for s in seeds { ring[s] = 1 }
            var current = seeds, next: [Int] = []
            var loops: Int32 = 2
            while !current.isEmpty {
                for i in current {
                    for k in 0..<8 {
                        let j = neighbourOfSeed(i, k)
                        guard j >= 0, inSet[j], code[j] == D8.noFlow, z[j] == z[i], ring[j] == 0 else { continue }
                        ring[j] = loops
                        next.append(j)
                    }
                }
                swap(&current, &next)
                next.removeAll(keepingCapacity: true)
                loops += 1
            }
            return ring
        }
        /// A low edge's neighbours on the flat: the flat cells linked to it.
        var edgeNeighbours: [Int: [(Int, Int)]] = [:]
        for i in flat.indices {
            for k in 0..<8 {
                let j = Int(links[8 * i + k])
                if j >= flat.count && inSet[j] { edgeNeighbours[j, default: []].append((D8.opposite(k), i)) }
            }
        }
        func neighbourOfSeed(_ i: Int, _ k: Int) -> Int {
            if i < flat.count { return Int(links[8 * i + k]) }
            return edgeNeighbours[i]?.first { $0.0 == k }?.1 ?? -1
        }
        let away = rings(from: highEdges), towards = rings(from: lowEdges)
        let top = Int(away.max() ?? 0)
        func mask(_ c: Int) -> Int {
            let a = Int(away[c]), t = Int(towards[c])
            return a > 0 ? top - a + 2 * t : 2 * t
        }
        var result = [UInt8](repeating: D8.noFlow, count: flat.count)
        for i in flat.indices {
            guard towards[i] > 0 else { continue }
            var best = -1
            var lowest = mask(i)
            for k in D8.cardinalFirst {
                let j = Int(links[8 * i + k])
                guard j >= 0, inSet[j], z[j] == z[i], mask(j) < lowest else { continue }
                lowest = mask(j)
                best = k
            }
            if best >= 0 { result[i] = UInt8(best) }
        }
        return result
    }
}
