/// Per-cell state of the flood, one byte a cell.
enum FloodFlag {
    /// Reached by the flood (or nodata).
    static let closed: UInt8 = 1
    /// On its strip's edge: neighbours need bounds checks.
    static let onEdge: UInt8 = 2
    /// On the grid's edge or next to nodata: water leaves the grid here.
    static let outlet: UInt8 = 4
    /// Raised while its strip was flooded.
    static let raised: UInt8 = 8
}

/// Rows `first..<end` of the grid, flooded on their own as if the rows beyond them were outlets
/// (stage 1 of Barnes 2016, "Parallel Priority-Flood depression filling for trillion cell digital
/// elevation models on desktops or clusters", Computers & Geosciences 96:56–68,
/// doi:10.1016/j.cageo.2016.07.001). Cells on the strip's inner edge rows seed the flood with a
/// label of their own, cells where water really leaves the grid with label 0; every cell takes
/// the label of the cell that floods it, so the labels are the strip's watersheds, and each pair
/// of touching watersheds gets the lowest level at which water crosses between them.
struct FloodStrip {
    var index: Int
    var first: Int
    var end: Int
    /// Whether strips lie above and below this one (their shared rows seed labelled watersheds).
    var hasStripAbove: Bool
    var hasStripBelow: Bool

    /// What flooding a strip leaves besides the raised elevations.
    struct Result {
        var raisedCells = 0
        var volume = 0.0
        /// Lowest crossing level between two watersheds, keyed by `FloodStrip.edgeKey`.
        var crossings: [UInt64: Float] = [:]
    }

    /// The label of a seed on an inner edge row (2 such rows a boundary between strips, numbered
    /// from the top): unique in the grid and fixed by the strip layout alone.
    static func boundaryLabel(boundaryRow: Int, column: Int, width: Int) -> Int32 {
        Int32(1 + boundaryRow * width + column)
    }

    @inline(__always) static func edgeKey(_ a: Int32, _ b: Int32) -> UInt64 {
        let (low, high) = a < b ? (a, b) : (b, a)
        return UInt64(UInt32(bitPattern: low)) << 32 | UInt64(UInt32(bitPattern: high))
    }

    /// Records that water can pass between watersheds `a` and `b` at `level`.
    @inline(__always) static func record(_ a: Int32, _ b: Int32, _ level: Float, in crossings: inout [UInt64: Float]) {
        let key = edgeKey(a, b)
        if let known = crossings[key], known <= level { return }
        crossings[key] = level
    }

    /// Floods the strip (Priority-Flood with Zhou et al.'s queues, see `DepressionFilling`).
    /// `labels` is empty when the grid is flooded as one strip (no watersheds needed).
    func flood(z: UnsafeMutableBufferPointer<Float>, flags: UnsafeMutableBufferPointer<UInt8>,
               labels: UnsafeMutableBufferPointer<Int32>, width: Int, epsilon: Bool, cellArea: [Double]) -> Result {
        var result = Result()
        let labelled = labels.count > 0
        var heap = MonotoneCellQueue()
        var pits = CellStack()
        var slopes = CellStack()
        let offsets = D8.offsets(width: width)
        let dxs = D8.dx, dys = D8.dy
        let closed = FloodFlag.closed, onEdge = FloodFlag.onEdge
        let first = self.first, end = self.end
        @inline(__always) func neighbour(_ row: Int, _ column: Int, _ k: Int) -> Int {
            let r = row &+ dys[k], c = column &+ dxs[k]
            return r >= first && c >= 0 && r < end && c < width ? r &* width &+ c : -1
        }
        /// Whether `cell` (not filled, at its own elevation) has an open neighbour lower than it.
        @inline(__always) func hasLowerOpenNeighbour(_ cell: Int, _ zc: Float) -> Bool {
            if flags[cell] & onEdge == 0 {
                for k in 0..<8 {
                    let nb = cell &+ offsets[k]
                    if flags[nb] & closed == 0 && z[nb] < zc { return true }
                }
                return false
            }
            let row = cell / width, column = cell &- row &* width
            for k in 0..<8 {
                let nb = neighbour(row, column, k)
                if nb >= 0 && flags[nb] & closed == 0 && z[nb] < zc { return true }
            }
            return false
        }
        // Seeds: where water leaves the grid (label 0) and, when labelled, the inner edge rows.
        for row in first..<end {
            let innerRow = labelled && ((row == first && hasStripAbove) || (row == end &- 1 && hasStripBelow))
            let boundaryRow = row == first ? 2 * index - 1 : 2 * index
            for column in 0..<width {
                let i = row &* width &+ column
                let f = flags[i]
                guard f & closed == 0, f & FloodFlag.outlet != 0 || innerRow else { continue }
                if labelled {
                    labels[i] = f & FloodFlag.outlet != 0 ? 0 : Self.boundaryLabel(boundaryRow: boundaryRow, column: column, width: width)
                }
                flags[i] = f | closed
                heap.push(z[i], i)
            }
        }
        while true {
            // Cells from the pit queue and the heap sit at the current flood level; traced
            // slope cells sit above it, so what they raise must wait in the heap.
            let c: Int, level: Float
            var atFloodLevel = true
            if !pits.isEmpty { c = pits.pop(); level = z[c] }
            else if !slopes.isEmpty { c = slopes.pop(); level = z[c]; atFloodLevel = false }
            else if !heap.isEmpty { (level, c) = heap.popWithElevation() }
            else { break }
            let interior = flags[c] & onEdge == 0
            let row = interior ? 0 : c / width, column = interior ? 0 : c &- row &* width
            let label: Int32 = labelled ? labels[c] : 0
            for k in 0..<8 {
                let nb = interior ? c &+ offsets[k] : neighbour(row, column, k)
                guard nb >= 0 else { continue }
                guard flags[nb] & closed == 0 else {
                    // A flooded neighbour of another watershed: water crosses here at the higher level.
                    if labelled, labels[nb] != label, labels[nb] >= 0 { Self.record(label, labels[nb], max(level, z[nb]), in: &result.crossings) }
                    continue
                }
                flags[nb] |= closed
                if labelled { labels[nb] = label }
                let zn = z[nb]
                if zn < level || (epsilon && zn == level) {
                    let filled = epsilon ? level.nextUp : level
                    z[nb] = filled
                    flags[nb] |= FloodFlag.raised
                    result.raisedCells &+= 1
                    result.volume += Double(filled - zn) * cellArea[nb / width]
                    if atFloodLevel { pits.push(nb) } else { heap.push(filled, nb) }
                } else if hasLowerOpenNeighbour(nb, zn) {
                    heap.push(zn, nb)
                } else {
                    slopes.push(nb)
                }
            }
        }
        return result
    }
}

/// The watersheds of all strips and the levels at which water crosses between them (stage 2 of
/// Barnes 2016): the level each watershed must be raised to is the lowest, over routes to label 0
/// (out of the grid), of the highest crossing on the route, found by a Priority-Flood on the graph.
enum SpillGraph {
    /// Spill level of every label (−∞ for label 0, +∞ for a watershed with no route out), from the
    /// crossings `forEachCrossing` lists (keyed by `FloodStrip.edgeKey`; it is called twice, and a
    /// pair may come more than once).
    static func levels(labelCount: Int, _ forEachCrossing: ((UInt64, Float) -> Void) -> Void) -> [Float] {
        // Adjacency in compressed rows.
        var degree = [Int](repeating: 0, count: labelCount + 1)
        forEachCrossing { key, _ in
            degree[Int(key >> 32) + 1] += 1
            degree[Int(key & 0xFFFF_FFFF) + 1] += 1
        }
        for i in 0..<labelCount { degree[i + 1] += degree[i] }
        var next = Array(degree.dropLast())
        var neighbours = [Int32](repeating: 0, count: degree[labelCount])
        var weights = [Float](repeating: 0, count: degree[labelCount])
        forEachCrossing { key, level in
            let a = Int(key >> 32), b = Int(key & 0xFFFF_FFFF)
            neighbours[next[a]] = Int32(b); weights[next[a]] = level; next[a] += 1
            neighbours[next[b]] = Int32(a); weights[next[b]] = level; next[b] += 1
        }
        var level = [Float](repeating: .infinity, count: labelCount)
        guard labelCount > 0 else { return level }
        level[0] = -.infinity
        var queue = MonotoneCellQueue()
        queue.push(-.infinity, 0)
        while !queue.isEmpty {
            let (popped, label) = queue.popWithElevation()
            guard popped == level[label] else { continue }  // a stale entry
            for e in degree[label]..<degree[label + 1] {
                let other = Int(neighbours[e])
                let through = max(popped, weights[e])
                if through < level[other] {
                    level[other] = through
                    queue.push(through, other)
                }
            }
        }
        return level
    }
}
