/// Drains flats: connected cells of equal elevation without a lower neighbour.
///
/// Barnes, Lehman & Mulla (2014), "An efficient assignment of drainage direction over flat
/// surfaces in raster digital elevation models", Computers & Geosciences 62:128–135,
/// doi:10.1016/j.cageo.2013.01.009. Two breadth-first gradients are built over each flat:
/// one growing away from the higher terrain around it and one growing away from its low edges
/// (cells of the flat's elevation that already drain). Their combination,
/// mask = 2·towards + (C − away), decreases strictly towards the low edges, so every flat cell
/// gets a neighbour with a lower mask and flow converges towards the outlets instead of running
/// in parallel lines. Works on the elevations as they are: no depression is recreated.
///
/// Two departures from the paper change no direction. Masks are only compared between
/// neighbouring cells of one flat, and neighbouring cells of equal elevation belong to the same
/// flat, so the paper's flat labels are replaced by comparing elevations, and its per-flat
/// height C by the largest away-gradient of all flats (a constant per flat either way). The two
/// gradients are independent, so they are built at once on two threads.
///
/// Memory: one Int32 per grid cell (the compact number of each flat or low-edge cell), plus
/// two numbers per flat cell.
///
/// - Postcondition: every flat cell connected to a low edge drains; flats with no low edge
///   (kept sinks) stay `D8.noFlow`.
enum FlatResolution {
    static func resolve(_ directions: inout FlowDirections, dem: Grid<Float>, threads: Int = 2, progress: TaskProgress) throws {
        let width = dem.width, height = dem.height, n = dem.count
        let nodata = dem.nodata
        var compact = [Int32](repeating: -1, count: n)
        var count = 0
        var lowEdges: [Int32] = []   // drained cells at a flat's elevation next to it (grid indices)
        var highEdges: [Int32] = []  // flat cells next to higher terrain (grid indices)
        let grid = FlatGrid(width: width, height: height)
        // Number the flat cells and their low edges, and find the edges.
        dem.cells.withUnsafeBufferPointer { z in
            directions.codes.withUnsafeBufferPointer { codes in
                compact.withUnsafeMutableBufferPointer { id in
                    for i in 0..<n where codes[i] == D8.noFlow {
                        if id[i] < 0 { id[i] = Int32(count); count += 1 }
                        let zi = z[i]
                        var high = false
                        grid.forEachNeighbour(of: i) { j in
                            let zj = z[j]
                            if zj.isNaN || zj == nodata { return }
                            if zj > zi { high = true }
                            if codes[j] < 8 && zj == zi && id[j] < 0 {
                                id[j] = Int32(count)
                                count += 1
                                lowEdges.append(Int32(j))
                            }
                        }
                        if high { highEdges.append(Int32(i)) }
                    }
                }
            }
        }
        guard !lowEdges.isEmpty else { return }
        try progress.report(0.3)
        var away = [Int32](repeating: 0, count: count)
        var towards = [Int32](repeating: 0, count: count)
        try dem.cells.withUnsafeBufferPointer { z in
            try directions.codes.withUnsafeMutableBufferPointer { codes in
                try compact.withUnsafeBufferPointer { id in
                    try away.withUnsafeMutableBufferPointer { a in
                        try towards.withUnsafeMutableBufferPointer { t in
                            let elevations = SharedReadOnlyBuffer(base: z), ids = SharedReadOnlyBuffer(base: id)
                            let cells = FlatCells(z: elevations, codes: SharedReadOnlyBuffer(base: UnsafeBufferPointer(codes)),
                                                  id: ids, grid: grid)
                            let jobs = [(highEdges, SharedBuffer(base: a)), (lowEdges, SharedBuffer(base: t))]
                            Parallel.forEach(2, threads: threads) { cells.rings(from: jobs[$0].0, into: jobs[$0].1.base) }
                            try progress.report(0.8)
                            // Each flat cell drains to its neighbour of the same flat with the lowest mask.
                            let masks = FlatMasks(z: elevations, id: ids,
                                                  away: SharedReadOnlyBuffer(base: UnsafeBufferPointer(a)),
                                                  towards: SharedReadOnlyBuffer(base: UnsafeBufferPointer(t)),
                                                  height0: a.max() ?? 0, width: width, height: height)
                            let out = SharedBuffer(base: codes)
                            Parallel.forEachRowBand(rows: height, threads: threads) { first, end in
                                for row in first..<end { masks.drainRow(row, codes: out.base) }
                            }
                        }
                    }
                }
            }
        }
        try progress.report(1)
    }
}

/// Grid shape and neighbour arithmetic.
private struct FlatGrid: Sendable {
    let width: Int
    let height: Int
    let offsets: [Int]

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        offsets = D8.offsets(width: width)
    }

    /// Calls `body` with each in-grid neighbour of `i` (no validity check).
    @inline(__always) func forEachNeighbour(of i: Int, _ body: (Int) -> Void) {
        let row = i / width, column = i &- row &* width
        if row > 0 && column > 0 && row < height &- 1 && column < width &- 1 {
            for k in 0..<8 { body(i &+ offsets[k]) }
        } else {
            for k in 0..<8 {
                let r = row &+ D8.dy[k], c = column &+ D8.dx[k]
                if r >= 0 && c >= 0 && r < height && c < width { body(r &* width &+ c) }
            }
        }
    }
}

/// The flat cells, readable from several threads.
private struct FlatCells: Sendable {
    let z: SharedReadOnlyBuffer<Float>
    let codes: SharedReadOnlyBuffer<UInt8>
    /// Compact number of each flat or low-edge cell, −1 elsewhere.
    let id: SharedReadOnlyBuffer<Int32>
    let grid: FlatGrid

    /// Breadth-first rings from `seeds` (grid indices, ring 1) over the flat cells of each seed's
    /// flat: writes each reached cell's ring into `ring` (by compact number; 0: not reached), every
    /// cell entering one ring once.
    func rings(from seeds: [Int32], into ring: UnsafeMutableBufferPointer<Int32>) {
        for seed in seeds { ring[Int(id.base[Int(seed)])] = 1 }  // every seed is listed once
        var current: [Int32] = []
        var next: [Int32] = []
        var loops: Int32 = 2
        /// Puts the unreached flat neighbours of `frontier` into ring `loops`, listed in `next`.
        func grow(_ frontier: [Int32]) {
            for cell in frontier {
                let i = Int(cell)
                let level = z.base[i]
                grid.forEachNeighbour(of: i) { j in
                    let cj = Int(id.base[j])
                    guard cj >= 0, codes.base[j] == D8.noFlow, z.base[j] == level, ring[cj] == 0 else { return }
                    ring[cj] = loops
                    next.append(Int32(j))
                }
            }
        }
        // The seeds are the first ring as they are (no copy: on large flats they are many).
        grow(seeds)
        while !next.isEmpty {
            swap(&current, &next)
            next.removeAll(keepingCapacity: true)
            loops += 1
            grow(current)
        }
    }
}

/// The combined gradients, and the direction each flat cell takes from them.
private struct FlatMasks: Sendable {
    let z: SharedReadOnlyBuffer<Float>
    let id: SharedReadOnlyBuffer<Int32>
    let away: SharedReadOnlyBuffer<Int32>
    let towards: SharedReadOnlyBuffer<Int32>
    /// The largest away-gradient of all flats (`C` in the mask).
    let height0: Int32
    let width: Int
    let height: Int

    @inline(__always) func mask(_ c: Int) -> Int32 {
        let a = away.base[c], t = towards.base[c]
        return a > 0 ? height0 - a + 2 * t : 2 * t
    }

    /// Each flat cell of `row` drains to its neighbour of the same flat with the lowest mask
    /// (cardinal neighbours first when masks tie). Directions assigned here never make another
    /// cell a flat cell, so rows can be done in any order, in place.
    func drainRow(_ row: Int, codes: UnsafeMutableBufferPointer<UInt8>) {
        for column in 0..<width {
            let i = row * width + column
            guard codes[i] == D8.noFlow else { continue }
            let c = Int(id.base[i])
            guard towards.base[c] > 0 else { continue }  // a flat without a low edge
            var best = -1
            var lowest = mask(c)
            for k in D8.cardinalFirst {
                let r = row + D8.dy[k], col = column + D8.dx[k]
                guard r >= 0, col >= 0, r < height, col < width else { continue }
                let j = r * width + col
                let cj = Int(id.base[j])
                guard cj >= 0, z.base[j] == z.base[i], mask(cj) < lowest else { continue }
                lowest = mask(cj)
                best = k
            }
            if best >= 0 { codes[i] = UInt8(best) }
        }
    }
}
