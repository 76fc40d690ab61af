import Dispatch

/// The valid cells of a flow graph in two parts made of whole drainage basins (basins joined by
/// links count as one), balanced by cell count: no water passes from one part to the other, so a
/// pass over the topological order can run on each part at once and give every cell the value the
/// one-piece pass gives it. Within a part, the cells keep their relative order in `FlowGraph.order`,
/// so each cell still adds its donors in the same order; sums over all cells are exact
/// (`ReproducibleSum`), so two parts' partial sums add up to the same bits.
///
/// One bit a cell (set: the second part). Grids smaller than `FlowGraph.basinSplitMinimumCells`,
/// and grids where one basin holds nearly all cells, are not split (`count` 1).
struct BasinHalves: Sendable {
    /// 1 (not split) or 2.
    let count: Int
    /// Set for the cells of the second part; empty when `count` is 1.
    let second: CellBits
    /// Valid cells in each part.
    let cells: [Int]

    static let whole = BasinHalves(count: 1, second: .empty, cells: [])

    /// One pass from downstream up labels each cell with the basin of its receiver (a cell with
    /// links joins its receivers' basins, union-find), then the basins are dealt largest first to
    /// the smaller part (LPT), ties by basin number: the same parts for the same graph.
    /// Holds a 32-bit label a cell while it works.
    static func split(_ graph: FlowGraph) -> BasinHalves {
        let order = graph.order, n = graph.geometry.cellCount
        guard order.count > 1 else { return .whole }
        var basin = [Int32](repeating: -1, count: n)
        var size: [Int] = []
        var parent: [Int32] = []
        func root(_ b: Int32) -> Int32 {
            var r = b
            while parent[Int(r)] != r { r = parent[Int(r)] }
            var x = b
            while parent[Int(x)] != r { let next = parent[Int(x)]; parent[Int(x)] = r; x = next }
            return r
        }
        basin.withUnsafeMutableBufferPointer { label in
            graph.withD8Receivers { ds in
                for c32 in order.reversed() {
                    let c = Int(c32)
                    var own: Int32 = -1
                    if graph.hasLinks(from: c) {
                        // Every receiver's basin joins this one (links may lead into another basin).
                        graph.forEachReceiver(of: c) { j, _ in
                            let b = label[j]
                            if own < 0 { own = b; return }
                            let (a, r) = (root(own), root(b))
                            if a != r { parent[Int(max(a, r))] = min(a, r) }
                        }
                    } else {
                        let d = ds[c]
                        if d >= 0 { own = label[d] }
                    }
                    if own < 0 {
                        own = Int32(size.count)
                        size.append(0)
                        parent.append(own)
                    }
                    label[c] = own
                    size[Int(own)] &+= 1
                }
            }
        }
        // Basins merged by links: each root's size.
        var total = [Int](repeating: 0, count: size.count)
        for b in size.indices { total[Int(root(Int32(b)))] += size[b] }
        let roots = total.indices.filter { parent[$0] == Int32($0) }
        let ranked = roots.sorted { total[$0] != total[$1] ? total[$0] > total[$1] : $0 < $1 }
        guard ranked.count > 1, Double(total[ranked[0]]) < 0.95 * Double(order.count) else { return .whole }
        var rootInSecond = [Bool](repeating: false, count: size.count)
        var cells = [0, 0]
        for r in ranked {
            let part = cells[1] < cells[0] ? 1 : 0
            rootInSecond[r] = part == 1
            cells[part] += total[r]
        }
        let inSecond = size.indices.map { rootInSecond[Int(root(Int32($0)))] }
        var second = CellBits(count: n)
        basin.withUnsafeBufferPointer { label in
            inSecond.withUnsafeBufferPointer { inSecond in
                for c32 in order {
                    let c = Int(c32)
                    if inSecond[Int(label[c])] { second.insert(c) }
                }
            }
        }
        return BasinHalves(count: 2, second: second, cells: cells)
    }
}

/// `BasinHalves` over raw words, for passes over all cells (valid inside `FlowGraph.forEachBasinHalf`).
struct BasinPartBits {
    let split: Bool
    let words: UnsafeBufferPointer<UInt64>

    /// Whether `cell` belongs to `part` (every cell belongs to part 0 of an unsplit graph).
    @inline(__always) func contains(_ cell: Int, part: Int) -> Bool {
        !split || CellBits.contains(cell, in: words) == (part == 1)
    }
}

/// A value handed to the worker threads of a pass over basin halves, which touch disjoint cells
/// (Swift cannot prove it, hence `@unchecked`).
struct PartShared<Value>: @unchecked Sendable {
    let value: Value
}

extension FlowGraph {
    /// Grids of at least this many cells split their basins into halves when the graph is built.
    public static let basinSplitMinimumCells = 1 << 20

    /// How many parts passes over this graph may run on at once (1 or 2).
    public var basinPartCount: Int { basinHalves.count }

    /// Runs `body(part, halves)` for each basin half: on two threads at once when the graph is split
    /// and `threads` > 1; else once, on the calling thread, as one part holding every cell (no pass
    /// walks the order twice). `body` must touch only its part's cells (`halves.contains(cell, part:)`)
    /// and its own per-part results. Returns how many parts ran (1 or 2).
    @discardableResult
    func forEachBasinHalf(threads: Int, _ body: (Int, BasinPartBits) -> Void) -> Int {
        basinHalves.second.words.withUnsafeBufferPointer { words in
            guard basinHalves.count == 2, threads > 1 else {
                body(0, BasinPartBits(split: false, words: words))
                return 1
            }
            let halves = BasinPartBits(split: true, words: words)
            withoutActuallyEscaping(body) { escaping in
                let shared = PartShared(value: (escaping, halves))
                DispatchQueue.concurrentPerform(iterations: 2) { part in shared.value.0(part, shared.value.1) }
            }
            return 2
        }
    }
}
