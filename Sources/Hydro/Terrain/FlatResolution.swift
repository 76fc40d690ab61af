/// Drains flats: connected cells of equal elevation without a lower neighbour.
///
/// Barnes, Lehman & Mulla (2014), "An efficient assignment of drainage direction over flat
/// surfaces in raster digital elevation models", Computers & Geosciences 62:128–135,
/// doi:10.1016/j.cageo.2013.01.009. Two breadth-first gradients are built over each flat:
/// one growing away from the higher terrain around it and one growing away from its low edges
/// (cells of the flat's elevation that already drain). Their combination,
/// mask = 2·towards + (maxAway − away), decreases strictly towards the low edges, so every flat
/// cell gets a neighbour with a lower mask and flow converges towards the outlets instead of
/// running in parallel lines. Works on the elevations as they are: no depression is recreated.
///
/// Memory: one Int32 per grid cell (the compact number of each flat or low-edge cell), plus
/// a few numbers per flat cell; flats are labelled over flat and low-edge cells only.
///
/// - Postcondition: every flat cell connected to a low edge drains; flats with no low edge
///   (kept sinks) stay `D8.noFlow`.
enum FlatResolution {
    static func resolve(_ directions: inout FlowDirections, dem: Grid<Float>, progress: TaskProgress) throws {
        let width = dem.width, height = dem.height, n = dem.count
        let nodata = dem.nodata
        var compact = [Int32](repeating: -1, count: n)
        var cells: [Int] = []        // compact number → grid index
        var lowEdges: [Int32] = []   // compact numbers of drained cells at a flat's elevation
        var highEdges: [Int32] = []  // compact numbers of flat cells next to higher terrain

        dem.cells.withUnsafeBufferPointer { z in
            directions.codes.withUnsafeBufferPointer { codes in
                compact.withUnsafeMutableBufferPointer { id in
                    @inline(__always) func number(_ cell: Int) -> Int32 {
                        if id[cell] < 0 { id[cell] = Int32(cells.count); cells.append(cell) }
                        return id[cell]
                    }
                    for i in 0..<n where codes[i] == D8.noFlow {
                        let me = number(i)
                        let row = i / width, column = i % width
                        var high = false
                        for k in 0..<8 {
                            let r = row + D8.dy[k], c = column + D8.dx[k]
                            guard r >= 0, c >= 0, r < height, c < width else { continue }
                            let j = r * width + c
                            let zj = z[j]
                            if zj.isNaN || zj == nodata { continue }
                            if zj > z[i] { high = true }
                            if codes[j] < 8 && zj == z[i] && id[j] < 0 { lowEdges.append(number(j)) }
                        }
                        if high { highEdges.append(me) }
                    }
                }
            }
        }
        guard !lowEdges.isEmpty else { return }
        try progress.report(0.2)

        let count = cells.count
        let z = dem.cells
        let graph = CompactCells(cells: cells, compact: compact, width: width, height: height)

        // Label each drainable flat by flooding equal elevations from its low edges.
        var labels = [Int32](repeating: 0, count: count)
        var labelCount: Int32 = 0
        var stack: [Int32] = []
        for edge in lowEdges.sorted() where labels[Int(edge)] == 0 {
            labelCount += 1
            labels[Int(edge)] = labelCount
            stack.append(edge)
            while let c = stack.popLast() {
                let zc = z[cells[Int(c)]]
                graph.forEachNeighbour(c) { j in
                    if labels[Int(j)] == 0 && z[cells[Int(j)]] == zc {
                        labels[Int(j)] = labelCount
                        stack.append(j)
                    }
                }
            }
        }
        highEdges.removeAll { labels[Int($0)] == 0 }
        try progress.report(0.4)

        var mask = [Int32](repeating: 0, count: count)
        var flatHeight = [Int32](repeating: 0, count: Int(labelCount) + 1)

        // Gradient away from higher terrain.
        breadthFirst(from: highEdges, graph: graph, labels: labels, codes: directions.codes) { c, loops in
            guard mask[Int(c)] == 0 else { return false }
            mask[Int(c)] = loops
            flatHeight[Int(labels[Int(c)])] = loops
            return true
        }
        try progress.report(0.6)

        // Gradient towards lower terrain, combined with the first.
        for c in 0..<count where mask[c] != 0 { mask[c] = -mask[c] }
        breadthFirst(from: lowEdges, graph: graph, labels: labels, codes: directions.codes) { c, loops in
            guard mask[Int(c)] <= 0 else { return false }
            let m = mask[Int(c)]
            mask[Int(c)] = m < 0 ? flatHeight[Int(labels[Int(c)])] + m + 2 * loops : 2 * loops
            return true
        }
        try progress.report(0.8)

        // Each flat cell drains to its neighbour of the same flat with the lowest mask
        // (cardinal neighbours first when masks tie).
        // Directions assigned here never make another cell a flat cell, so editing in place is safe.
        for c in 0..<count where labels[c] != 0 && directions.codes[cells[c]] == D8.noFlow {
            let i = cells[c]
            let row = i / width, column = i % width
            var best = -1
            var lowest = mask[c]
            for k in outletOrder {
                let r = row + D8.dy[k], col = column + D8.dx[k]
                guard r >= 0, col >= 0, r < height, col < width else { continue }
                let j = compact[r * width + col]
                guard j >= 0, labels[Int(j)] == labels[c], mask[Int(j)] < lowest else { continue }
                lowest = mask[Int(j)]
                best = k
            }
            if best >= 0 { directions.codes[i] = UInt8(best) }
        }
        try progress.report(1)
    }

    private static let outletOrder = [0, 2, 4, 6, 1, 3, 5, 7]

    /// Breadth-first rings from `seeds` over the flat cells of each seed's flat;
    /// `visit(cell, ring)` returns whether the cell was newly reached.
    private static func breadthFirst(from seeds: [Int32], graph: CompactCells, labels: [Int32], codes: [UInt8],
                                     visit: (Int32, Int32) -> Bool) {
        var current = seeds
        var next: [Int32] = []
        var loops: Int32 = 1
        while !current.isEmpty {
            for c in current {
                guard visit(c, loops) else { continue }
                let label = labels[Int(c)]
                graph.forEachNeighbour(c) { j in
                    if labels[Int(j)] == label && codes[graph.cells[Int(j)]] == D8.noFlow { next.append(j) }
                }
            }
            swap(&current, &next)
            next.removeAll(keepingCapacity: true)
            loops += 1
        }
    }
}

/// The flat and low-edge cells, numbered compactly, with their neighbourhood.
private struct CompactCells {
    /// Compact number → grid index.
    let cells: [Int]
    /// Grid index → compact number, or -1.
    let compact: [Int32]
    let width: Int
    let height: Int

    /// Calls `body` with the compact number of each neighbour of `c` that is also compact.
    @inline(__always) func forEachNeighbour(_ c: Int32, _ body: (Int32) -> Void) {
        let i = cells[Int(c)]
        let row = i / width, column = i % width
        for k in 0..<8 {
            let r = row + D8.dy[k], col = column + D8.dx[k]
            guard r >= 0, col >= 0, r < height, col < width else { continue }
            let j = compact[r * width + col]
            if j >= 0 { body(j) }
        }
    }
}
