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
/// - Postcondition: every flat cell connected to a low edge drains; flats with no low edge
///   (kept sinks) stay `D8.noFlow`.
enum FlatResolution {
    static func resolve(_ directions: inout FlowDirections, dem: Grid<Float>, progress: TaskProgress) throws {
        let width = dem.width, height = dem.height, n = dem.count
        let z = dem.cells
        let nodata = dem.nodata
        @inline(__always) func valid(_ i: Int) -> Bool { let v = z[i]; return !v.isNaN && v != nodata }
        @inline(__always) func neighbour(_ i: Int, _ k: Int) -> Int? {
            let row = i / width, column = i - row * width
            let r = row + D8.dy[k], c = column + D8.dx[k]
            guard r >= 0, c >= 0, r < height, c < width else { return nil }
            let j = r * width + c
            return valid(j) ? j : nil
        }

        // Edges of the flats, found from the flat cells only.
        var lowEdges: [Int] = []
        var highEdges: [Int] = []
        var isLowEdge = Set<Int>()
        directions.codes.withUnsafeBufferPointer { codes in
            for i in 0..<n where codes[i] == D8.noFlow {
                var high = false
                for k in 0..<8 {
                    guard let j = neighbour(i, k) else { continue }
                    if z[j] > z[i] { high = true }
                    if codes[j] < 8 && z[j] == z[i] && !isLowEdge.contains(j) {
                        isLowEdge.insert(j)
                        lowEdges.append(j)
                    }
                }
                if high { highEdges.append(i) }
            }
        }
        guard !lowEdges.isEmpty else { return }
        lowEdges.sort()
        try progress.report(0.2)

        // Label each drainable flat by flooding equal elevations from its low edges.
        var labels = [Int32](repeating: 0, count: n)
        var labelCount: Int32 = 0
        var stack: [Int] = []
        for edge in lowEdges where labels[edge] == 0 {
            labelCount += 1
            labels[edge] = labelCount
            stack.append(edge)
            while let c = stack.popLast() {
                for k in 0..<8 {
                    guard let j = neighbour(c, k), labels[j] == 0, z[j] == z[c] else { continue }
                    labels[j] = labelCount
                    stack.append(j)
                }
            }
        }
        highEdges.removeAll { labels[$0] == 0 }
        try progress.report(0.4)

        var mask = [Int32](repeating: 0, count: n)
        var flatHeight = [Int32](repeating: 0, count: Int(labelCount) + 1)
        let codes = directions.codes

        // Gradient away from higher terrain.
        breadthFirst(from: highEdges, codes: codes, labels: labels, neighbour: neighbour) { c, loops in
            guard mask[c] == 0 else { return false }
            mask[c] = loops
            flatHeight[Int(labels[c])] = loops
            return true
        }
        try progress.report(0.6)

        // Gradient towards lower terrain, combined with the first.
        for i in 0..<n where mask[i] != 0 { mask[i] = -mask[i] }
        breadthFirst(from: lowEdges, codes: codes, labels: labels, neighbour: neighbour) { c, loops in
            guard mask[c] <= 0 else { return false }
            mask[c] = mask[c] < 0 ? flatHeight[Int(labels[c])] + mask[c] + 2 * loops : 2 * loops
            return true
        }
        try progress.report(0.8)

        // Each flat cell drains to its neighbour of the same flat with the lowest mask.
        for i in 0..<n where directions.codes[i] == D8.noFlow && labels[i] != 0 {
            var best = -1
            var lowest = mask[i]
            for k in outletOrder {
                guard let j = neighbour(i, k), labels[j] == labels[i], mask[j] < lowest else { continue }
                lowest = mask[j]
                best = k
            }
            if best >= 0 { directions.codes[i] = UInt8(best) }
        }
        try progress.report(1)
    }

    /// Cardinal neighbours before diagonal ones when masks tie.
    private static let outletOrder = [0, 2, 4, 6, 1, 3, 5, 7]

    /// Breadth-first rings from `seeds` over the flat cells (`D8.noFlow`) of the seed's flat;
    /// `visit(cell, ring)` returns whether the cell was newly reached.
    private static func breadthFirst(from seeds: [Int], codes: [UInt8], labels: [Int32],
                                     neighbour: (Int, Int) -> Int?, visit: (Int, Int32) -> Bool) {
        var current = seeds
        var next: [Int] = []
        var loops: Int32 = 1
        while !current.isEmpty {
            for c in current {
                guard visit(c, loops) else { continue }
                for k in 0..<8 {
                    guard let j = neighbour(c, k), labels[j] == labels[c], codes[j] == D8.noFlow else { continue }
                    next.append(j)
                }
            }
            swap(&current, &next)
            next.removeAll(keepingCapacity: true)
            loops += 1
        }
    }
}
