import Dispatch

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
    static func resolve(_ directions: inout FlowDirections, dem: Grid<Float>, threads: Int = 2, progress: TaskProgress) throws {
        let width = dem.width, height = dem.height, n = dem.count
        let nodata = dem.nodata
        let offsetList = D8.offsets(width: width)
        let dxs = D8.dx, dys = D8.dy
        var compact = [Int32](repeating: -1, count: n)
        var cells: [Int32] = []      // compact number → grid index
        // Sized once: flat cells plus their low edges, so the array never doubles past what it needs.
        let flatCount = directions.codes.reduce(0) { $0 + ($1 == D8.noFlow ? 1 : 0) }
        guard flatCount > 0 else { return }
        cells.reserveCapacity(flatCount + flatCount / 4 + 16)
        var lowEdges: [Int32] = []   // compact numbers of drained cells at a flat's elevation
        var highEdges: [Int32] = []  // compact numbers of flat cells next to higher terrain
        var labels: [Int32] = []
        var mask: [Int32] = []
        var labelCount: Int32 = 0

        try dem.cells.withUnsafeBufferPointer { z in
            try directions.codes.withUnsafeMutableBufferPointer { codes in
                try compact.withUnsafeMutableBufferPointer { id in
                    try offsetList.withUnsafeBufferPointer { offsets in
                        /// Calls `body` with each in-grid neighbour of `i` (no validity check).
                        @inline(__always) func forEachNeighbour(_ i: Int, _ body: (Int) -> Void) {
                            let row = i / width, column = i &- row &* width
                            if row > 0 && column > 0 && row < height &- 1 && column < width &- 1 {
                                for k in 0..<8 { body(i &+ offsets[k]) }
                            } else {
                                for k in 0..<8 {
                                    let r = row &+ dys[k], c = column &+ dxs[k]
                                    if r >= 0 && c >= 0 && r < height && c < width { body(r &* width &+ c) }
                                }
                            }
                        }
                        @inline(__always) func number(_ cell: Int) -> Int32 {
                            if id[cell] < 0 { id[cell] = Int32(cells.count); cells.append(Int32(cell)) }
                            return id[cell]
                        }
                        // Edges of the flats, found from the flat cells only.
                        for i in 0..<n where codes[i] == D8.noFlow {
                            let me = number(i)
                            let zi = z[i]
                            var high = false
                            forEachNeighbour(i) { j in
                                let zj = z[j]
                                if zj.isNaN || zj == nodata { return }
                                if zj > zi { high = true }
                                if codes[j] < 8 && zj == zi && id[j] < 0 { lowEdges.append(number(j)) }
                            }
                            if high { highEdges.append(me) }
                        }
                        guard !lowEdges.isEmpty else { return }
                        try progress.report(0.2)
                        let count = cells.count
                        labels = [Int32](repeating: 0, count: count)
                        mask = [Int32](repeating: 0, count: count)
                        try labels.withUnsafeMutableBufferPointer { label in
                            try mask.withUnsafeMutableBufferPointer { m in
                                try cells.withUnsafeBufferPointer { cell in
                                    // Label each drainable flat by flooding equal elevations from its low edges.
                                    var stack: [Int32] = []
                                    lowEdges.sort()
                                    for edge in lowEdges where label[Int(edge)] == 0 {
                                        labelCount += 1
                                        label[Int(edge)] = labelCount
                                        stack.append(edge)
                                        while let c = stack.popLast() {
                                            let zc = z[Int(cell[Int(c)])]
                                            forEachNeighbour(Int(cell[Int(c)])) { j in
                                                let cj = id[j]
                                                if cj >= 0 && label[Int(cj)] == 0 && z[j] == zc {
                                                    label[Int(cj)] = labelCount
                                                    stack.append(cj)
                                                }
                                            }
                                        }
                                    }
                                    highEdges.removeAll { label[Int($0)] == 0 }
                                    try progress.report(0.4)
                                    // The two gradients are independent: built at once on two threads.
                                    var towards = [Int32](repeating: 0, count: count)
                                    towards.withUnsafeMutableBufferPointer { t in
                                        let grid = FlatGrid(id: SharedReadOnlyBuffer(base: UnsafeBufferPointer(id)), cells: SharedReadOnlyBuffer(base: cell),
                                                            codes: SharedReadOnlyBuffer(base: UnsafeBufferPointer(codes)),
                                                            labels: SharedReadOnlyBuffer(base: UnsafeBufferPointer(label)), width: width, height: height)
                                        let jobs = [(highEdges, SharedBuffer(base: m)), (lowEdges, SharedBuffer(base: t))]
                                        if threads > 1 {
                                            DispatchQueue.concurrentPerform(iterations: 2) { grid.rings(from: jobs[$0].0, into: jobs[$0].1.base) }
                                        } else {
                                            for job in jobs { grid.rings(from: job.0, into: job.1.base) }
                                        }
                                    }
                                    try progress.report(0.8)
                                    // mask = 2·towards + (the flat's height − away), or 2·towards off the away gradient.
                                    var flatHeight = [Int32](repeating: 0, count: Int(labelCount) + 1)
                                    for c in 0..<count where m[c] > flatHeight[Int(label[c])] { flatHeight[Int(label[c])] = m[c] }
                                    for c in 0..<count {
                                        m[c] = m[c] > 0 ? flatHeight[Int(label[c])] - m[c] + 2 * towards[c] : 2 * towards[c]
                                    }
                                    // Each flat cell drains to its neighbour of the same flat with the lowest mask
                                    // (cardinal neighbours first when masks tie). Directions assigned here never
                                    // make another cell a flat cell, so editing in place is safe.
                                    for c in 0..<count where label[c] != 0 && codes[Int(cell[c])] == D8.noFlow {
                                        let i = Int(cell[c])
                                        let row = i / width, column = i &- row &* width
                                        var best = -1
                                        var lowest = m[c]
                                        for k in D8.cardinalFirst {
                                            let r = row &+ dys[k], col = column &+ dxs[k]
                                            guard r >= 0, col >= 0, r < height, col < width else { continue }
                                            let j = id[r &* width &+ col]
                                            guard j >= 0, label[Int(j)] == label[c], m[Int(j)] < lowest else { continue }
                                            lowest = m[Int(j)]
                                            best = k
                                        }
                                        if best >= 0 { codes[i] = UInt8(best) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        try progress.report(1)
    }
}

/// The flat cells in compact numbering, readable from several threads.
private struct FlatGrid: Sendable {
    let id: SharedReadOnlyBuffer<Int32>
    let cells: SharedReadOnlyBuffer<Int32>
    let codes: SharedReadOnlyBuffer<UInt8>
    let labels: SharedReadOnlyBuffer<Int32>
    let width: Int
    let height: Int

    /// Breadth-first rings from `seeds` (ring 1) over the flat cells of each seed's flat: writes
    /// each reached cell's ring into `ring` (0: not reached), every cell entering one ring once.
    func rings(from seeds: [Int32], into ring: UnsafeMutableBufferPointer<Int32>) {
        let offsets = D8.offsets(width: width)
        var current: [Int32] = []
        for seed in seeds where ring[Int(seed)] == 0 {
            ring[Int(seed)] = 1
            current.append(seed)
        }
        var next: [Int32] = []
        var loops: Int32 = 1
        while !current.isEmpty {
            loops += 1
            for c in current {
                let l = labels.base[Int(c)]
                let i = Int(cells.base[Int(c)])
                let row = i / width, column = i &- row &* width
                let interior = row > 0 && column > 0 && row < height &- 1 && column < width &- 1
                for k in 0..<8 {
                    let j: Int
                    if interior {
                        j = i &+ offsets[k]
                    } else {
                        let r = row &+ D8.dy[k], col = column &+ D8.dx[k]
                        guard r >= 0, col >= 0, r < height, col < width else { continue }
                        j = r &* width &+ col
                    }
                    let cj = id.base[j]
                    if cj >= 0 && codes.base[j] == D8.noFlow && labels.base[Int(cj)] == l && ring[Int(cj)] == 0 {
                        ring[Int(cj)] = loops
                        next.append(cj)
                    }
                }
            }
            swap(&current, &next)
            next.removeAll(keepingCapacity: true)
        }
    }
}
