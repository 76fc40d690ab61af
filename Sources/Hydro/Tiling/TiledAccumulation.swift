/// Flow accumulation by tiles, bit for bit equal to `FlowGraph.accumulate` on the whole grid.
///
/// Barnes (2017), "Parallel non-divergent flow accumulation for trillion cell digital elevation
/// models on desktops or clusters", Environmental Modelling & Software 92:202–212,
/// doi:10.1016/j.envsoft.2017.02.022, accumulates each tile, links the tiles through their
/// perimeters and adds the inflows in a second pass. That last step relies on addition being
/// associative, which Double addition is not: the in-memory sum at a cell is
/// `((0 + v(d₁)) + v(d₂) + …) + w(c)` over its donors in the order `FlowGraph.order` visits them,
/// and a different grouping changes the last bits.
///
/// That order is known locally. `FlowGraph` walks downstream from every cell without donors in
/// raster order, so a cell is visited during the walk from the last-numbered source upstream of it:
/// its *key*, `key(c) = c` for a source and `max key(d)` over its donors otherwise (a max, exact in
/// any grouping). Donors are therefore added in increasing key order, and the tiles reproduce the
/// sums exactly by folding each cell's donors sorted by key.
///
/// The tiles exchange only what crosses their edges: for every cell draining into another tile, its
/// key and value (the perimeter links). A tile computes every cell whose donors are all known, sends
/// what drains out, and is visited again when inflows it waited for arrive; it is finished when all
/// its cells are. A chain of tiles that feed each other back and forth (a river along a tile edge)
/// costs one more visit of a tile per crossing, never a wrong sum; a visit goes on from the keys and
/// values the tile's previous visit left (staged on disk), so it redoes none of its cells.
enum TiledAccumulation {
    /// Key and value of a cell that drains into another tile.
    struct Outflow: Sendable, Equatable {
        var key: Int
        var value: Double
    }

    /// The result of visiting a tile: every cell's key and value so far (key −1 and value NaN where
    /// still unknown), whether all are known, and what it sent in this visit.
    struct Visit {
        var keys: [Int]
        var values: [Double]
        var complete: Bool
        var outflows: [(cell: Int, receiverTile: Int, flow: Outflow)]
        var resolved: Int
    }

    /// Visits one tile with the inflows known so far (`inflow(global donor index)`), going on from
    /// what an earlier visit resolved (`previous`: its keys and values) instead of starting over.
    /// `leaving(cell, entering)` is what a cell passes on from what enters it (`entering + weight`
    /// for an accumulation), by global cell index. Loads, and any pass along links, use `TiledRouting`.
    static func visit(_ tile: Tile, layout: TileLayout, codes: HaloWindow<UInt8>, previous: (keys: [Int], values: [Double])? = nil,
                      leaving: (Int, Double) -> Double, inflow: (Int) -> Outflow?) -> Visit {
        let width = codes.width
        let offsets = D8.offsets(width: width)
        let code = codes.cells
        let n = tile.cellCount
        @inline(__always) func local(_ b: Int) -> Int? {
            let r = b / width - 1, c = b % width - 1
            return r >= 0 && c >= 0 && r < tile.rows && c < tile.columns ? r * tile.columns + c : nil
        }
        @inline(__always) func global(_ b: Int) -> Int { (tile.row + b / width - 1) * layout.width + tile.column + b % width - 1 }
        /// The receiver of a tile cell (its neighbours are all in the window).
        @inline(__always) func receiver(_ b: Int) -> Int? {
            let k = code[b]
            guard k < 8 else { return nil }
            let t = b &+ offsets[Int(k)]
            return code[t] == D8.noData ? nil : t
        }
        var keys = previous?.keys ?? [Int](repeating: -1, count: n)
        var values = previous?.values ?? [Double](repeating: .nan, count: n)
        var waiting = [UInt8](repeating: 0, count: n)
        var stack: [Int] = []
        var valid = 0, resolved = 0
        // A cell waits for each donor still unknown: an unresolved tile cell, or a cell of another tile
        // whose inflow has not arrived. Cells an earlier visit resolved are done.
        for r in 0..<tile.rows {
            for c in 0..<tile.columns {
                let b = codes.index(c, r)
                guard code[b] != D8.noData else { continue }
                valid += 1
                let l = r * tile.columns + c
                guard keys[l] < 0 else { resolved += 1; continue }
                var count: UInt8 = 0
                for k in 0..<8 {
                    let d = b &+ offsets[k]
                    guard Int(code[d]) == D8.opposite(k) else { continue }
                    if let ld = local(d) { if keys[ld] < 0 { count += 1 } } else if inflow(global(d)) == nil { count += 1 }
                }
                waiting[l] = count
                if count == 0 { stack.append(b) }
            }
        }
        var outflows: [(cell: Int, receiverTile: Int, flow: Outflow)] = []
        var donors: [Outflow] = []
        while let b = stack.popLast() {
            donors.removeAll(keepingCapacity: true)
            for k in 0..<8 {
                let d = b &+ offsets[k]
                guard Int(code[d]) == D8.opposite(k) else { continue }
                if let l = local(d) { donors.append(Outflow(key: keys[l], value: values[l])) }
                else if let f = inflow(global(d)) { donors.append(f) }
            }
            donors.sort { $0.key < $1.key }
            let g = global(b)
            var entering = 0.0
            for d in donors { entering += d.value }
            let v = leaving(g, entering)
            let key = donors.last?.key ?? g
            guard let l = local(b) else { continue }  // only tile cells are ever stacked
            keys[l] = key
            values[l] = v
            resolved += 1
            guard let t = receiver(b) else { continue }
            if let lt = local(t) {
                waiting[lt] -= 1
                if waiting[lt] == 0 { stack.append(t) }
            } else {
                let gt = global(t)
                outflows.append((g, layout.tileIndex(column: gt % layout.width, row: gt / layout.width), Outflow(key: key, value: v)))
            }
        }
        return Visit(keys: keys, values: values, complete: resolved == valid, outflows: outflows, resolved: resolved)
    }
}
