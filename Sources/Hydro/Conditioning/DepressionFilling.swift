/// How nodata cells inside the grid (holes not connected to its edge) behave.
public enum InteriorNodata: String, Sendable, CaseIterable {
    /// Water reaching the hole leaves the domain there, like at the grid's edge; cells next to
    /// the hole may also receive unknown inflow from it (flagged by accumulation).
    case outlet
    /// The hole is a terminal sink (a lake or a karst swallow hole without known outflow):
    /// water enters it and nothing comes out of it.
    case sink
}

public struct FillOptions: Sendable {
    /// Raise filled cells by the smallest Float32 step above their spill level, so every cell
    /// has a strictly lower neighbour and flats need no separate resolution.
    public var epsilon: Bool
    /// Depressions deeper than this (metres, in DEM units) are kept as real sinks, unfilled.
    public var maxDepth: Double?
    public var interiorNodata: InteriorNodata
    /// Threads flooding strips of the grid at once; the result is identical for any count.
    public var threads: Int
    /// Strips flooded separately (nil: from the grid's height). Fixed by the grid, never by
    /// `threads`, so that the report's sums do not depend on the thread count. With `epsilon`
    /// the grid is flooded as one strip.
    var strips: Int?

    public init(epsilon: Bool = false, maxDepth: Double? = nil, interiorNodata: InteriorNodata = .outlet, threads: Int = 2) {
        self.epsilon = epsilon
        self.maxDepth = maxDepth
        self.interiorNodata = interiorNodata
        self.threads = threads
    }
}

public struct FillReport: Sendable, Equatable {
    /// Cells raised by filling.
    public var raisedCells: Int
    /// Total raised volume in DEM units × m² (m³ for metre DEMs).
    public var volume: Double
    /// Depressions left unfilled because they were deeper than `maxDepth`.
    public var keptSinks: Int
}

/// Priority-Flood depression filling.
///
/// Every cell is raised to its spill level: the lowest level at which water standing on it can
/// leave the grid (through the edge or a nodata cell). Cells are flooded inwards from the edge in
/// order of level with a priority queue (Barnes, Lehman & Mulla 2014, "Priority-Flood: An optimal
/// depression-filling and watershed-labeling algorithm for digital elevation models",
/// Computers & Geosciences 62:117–127, doi:10.1016/j.cageo.2013.04.024). Cells inside a depression
/// go through a plain queue (their level is the spill level), and cells on slopes that rise away
/// from the flood front without a lower unvisited neighbour are traced upwards through a
/// second plain queue instead of the heap (the non-depression treatment of Zhou, Sun & Fu 2016,
/// "An efficient variant of the Priority-Flood algorithm for filling depressions in raster digital
/// elevation models", Computers & Geosciences 90:87–96, doi:10.1016/j.cageo.2016.02.021): such a cell's
/// unvisited neighbours are all at least as high, so their level is their own elevation whatever
/// order they are reached in.
///
/// Large grids are flooded in horizontal strips on several threads and the strips joined
/// exactly (Barnes 2016, see `FloodStrip`): each strip is flooded with its inner edge rows as
/// outlets, labelling the watersheds of those rows; the lowest crossing levels between watersheds
/// give, by a Priority-Flood over that small graph (`SpillGraph`), the level each watershed must
/// reach; every cell is then raised to its watershed's level if that is higher. The filled surface
/// is the same as flooding the grid in one piece.
///
/// - Postconditions: filled ≥ original everywhere; no valid cell lies below its spill level; with
///   `epsilon`, every non-outlet cell has a strictly lower neighbour. Nodata stays nodata.
/// - Complexity: O(n) queue operations; each cell that passes the radix queue (`MonotoneCellQueue`)
///   moves between its buckets at most 32 times.
/// - Determinism: the filled surface is unique; the report's sums run in strip order.
public enum DepressionFilling {
    public static func fill(_ dem: inout Grid<Float>, options: FillOptions = .init(), progress: TaskProgress = .silent) throws -> FillReport {
        let original: [Float]? = options.maxDepth != nil ? dem.cells : nil
        let width = dem.width, height = dem.height, n = dem.count
        try GridLimits.requireIndexable(n, "DEM")
        let nodata = dem.nodata
        let cellArea = try CellMetrics(dem.geometry).area
        let threads = max(1, options.threads)
        try progress.report(0)
        // Every cell's flags (and label) are first written by stage 0, on all threads.
        var flags = [UInt8](unsafeUninitializedCapacity: n) { _, initialized in initialized = n }
        let strips = options.epsilon ? [FloodStrip(index: 0, first: 0, end: height, hasStripAbove: false, hasStripBelow: false)]
                                     : stripLayout(dem, count: options.strips ?? defaultStripCount(width: width, height: height))
        let labelled = strips.count > 1 ? n : 0
        var labels = [Int32](unsafeUninitializedCapacity: labelled) { _, initialized in initialized = labelled }
        var results = [FloodStrip.Result](repeating: .init(), count: strips.count)
        var raisedToLevel = [(cells: Int, volume: Double)](repeating: (0, 0), count: strips.count)
        try dem.cells.withUnsafeMutableBufferPointer { z in
            try flags.withUnsafeMutableBufferPointer { flagBuffer in
                try labels.withUnsafeMutableBufferPointer { labelBuffer in
                    try results.withUnsafeMutableBufferPointer { resultBuffer in
                        try raisedToLevel.withUnsafeMutableBufferPointer { levelBuffer in
                            let zs = SharedBuffer(base: z), fs = SharedBuffer(base: flagBuffer), ls = SharedBuffer(base: labelBuffer)
                            let rs = SharedBuffer(base: resultBuffer), vs = SharedBuffer(base: levelBuffer)
                            // Stage 0: nodata closed, strip edges, outlets (reads elevations only).
                            Parallel.forEach(strips.count, threads: threads) { k in
                                markCells(strips[k], z: zs.base, flags: fs.base, labels: ls.base, width: width, height: height, nodata: nodata)
                            }
                            try progress.report(0.05)
                            // Stage 1: each strip flooded on its own; a thread takes the next strip when it is free.
                            try Parallel.forEach(strips.count, threads: threads, progress: progress.scaled(from: 0.05, to: 0.9)) { k in
                                rs.base[k] = strips[k].flood(z: zs.base, flags: fs.base, labels: ls.base, width: width,
                                                             epsilon: options.epsilon, cellArea: cellArea)
                            }
                            guard strips.count > 1 else { return }
                            // Stage 2: the watersheds' levels, from crossings inside strips and across their edges.
                            var acrossEdges: [(key: UInt64, level: Float)] = []
                            for (upper, lower) in zip(strips, strips.dropFirst()) {
                                let a = (upper.end - 1) * width, b = lower.first * width
                                for column in 0..<width where labelBuffer[a + column] >= 0 {
                                    for dc in -1...1 where column + dc >= 0 && column + dc < width && labelBuffer[b + column + dc] >= 0 {
                                        let above = labelBuffer[a + column], below = labelBuffer[b + column + dc]
                                        guard above != below else { continue }
                                        acrossEdges.append((FloodStrip.edgeKey(above, below), max(z[a + column], z[b + column + dc])))
                                    }
                                }
                            }
                            let level = SpillGraph.levels(labelCount: 1 + 2 * (strips.count - 1) * width) { edge in
                                for result in resultBuffer { for (key, level) in result.crossings { edge(key, level) } }
                                for (key, level) in acrossEdges { edge(key, level) }
                            }
                            try progress.report(0.92)
                            // Stage 3: every cell up to its watershed's level.
                            Parallel.forEach(strips.count, threads: threads) { k in
                                let strip = strips[k]
                                var cells = 0, volume = 0.0
                                for row in strip.first..<strip.end {
                                    for i in row * width..<(row + 1) * width {
                                        let label = ls.base[i]
                                        guard label > 0 else { continue }
                                        let target = level[Int(label)]
                                        guard target.isFinite, target > zs.base[i] else { continue }
                                        volume += Double(target - zs.base[i]) * cellArea[row]
                                        if fs.base[i] & FloodFlag.raised == 0 { cells += 1 }
                                        zs.base[i] = target
                                    }
                                }
                                vs.base[strip.index] = (cells, volume)
                            }
                        }
                    }
                }
            }
        }
        try progress.report(1)
        var report = FillReport(raisedCells: 0, volume: 0, keptSinks: 0)
        for result in results { report.raisedCells += result.raisedCells; report.volume += result.volume }
        for extra in raisedToLevel { report.raisedCells += extra.cells; report.volume += extra.volume }
        if let original, let maxDepth = options.maxDepth {
            restoreDeepDepressions(&dem, original: original, maxDepth: Float(maxDepth), cellArea: cellArea, report: &report)
        }
        return report
    }

    /// Strips of about 1.5 million cells and at least 128 rows: small enough for a strip's cells to
    /// stay close in memory while it is flooded (more strips flood faster), large enough that the
    /// watersheds of their edge rows stay few (the graph joining them grows with the strips).
    static func defaultStripCount(width: Int, height: Int) -> Int {
        max(1, min(width * height / 1_500_000, height / 128))
    }

    /// Cuts the rows into `count` strips holding about as many valid cells each (at least two rows each).
    static func stripLayout(_ dem: Grid<Float>, count: Int) -> [FloodStrip] {
        let width = dem.width, height = dem.height
        var validInRow = [Int](repeating: 0, count: height)
        var total = 0
        for row in 0..<height {
            for i in row * width..<(row + 1) * width where dem.isValid(at: i) { validInRow[row] += 1 }
            total += validInRow[row]
        }
        var cuts = [0]
        var sum = 0
        for row in 0..<height {
            sum += validInRow[row]
            let last = cuts[cuts.count - 1]
            if cuts.count < count, sum * count >= cuts.count * total, row + 1 - last >= 2, height - (row + 1) >= 2 { cuts.append(row + 1) }
        }
        cuts.append(height)
        let strips = cuts.count - 1
        return (0..<strips).map { s in
            FloodStrip(index: s, first: cuts[s], end: cuts[s + 1], hasStripAbove: s > 0, hasStripBelow: s < strips - 1)
        }
    }

    /// Closes nodata, marks strip edges and outlets (grid edge, next to nodata) in the strip's rows.
    private static func markCells(_ strip: FloodStrip, z: UnsafeMutableBufferPointer<Float>, flags: UnsafeMutableBufferPointer<UInt8>,
                                  labels: UnsafeMutableBufferPointer<Int32>, width: Int, height: Int, nodata: Float?) {
        if labels.count > 0 { labels[strip.first * width..<strip.end * width].initialize(repeating: -1) }
        @inline(__always) func valid(_ v: Float) -> Bool { !v.isNaN && v != nodata }
        for row in strip.first..<strip.end {
            for column in 0..<width {
                let i = row * width + column
                guard valid(z[i]) else { flags[i] = FloodFlag.closed; continue }
                var f: UInt8 = 0
                let gridEdge = row == 0 || column == 0 || row == height - 1 || column == width - 1
                if gridEdge || row == strip.first || row == strip.end - 1 { f |= FloodFlag.onEdge }
                var outlet = gridEdge
                if !gridEdge {
                    for k in 0..<8 where !valid(z[(row + D8.dy[k]) * width + column + D8.dx[k]]) { outlet = true; break }
                }
                if outlet { f |= FloodFlag.outlet }
                flags[i] = f
            }
        }
    }


    /// Restores the original elevations of every depression (8-connected region of raised cells)
    /// whose deepest point lies more than `maxDepth` below its filled level, and updates the report.
    /// A region is restored whole: shallow pits that share a filled basin with a deep one stay
    /// unfilled with it (their water ends in the kept sink, where it would pond anyway).
    private static func restoreDeepDepressions(_ dem: inout Grid<Float>, original: [Float], maxDepth: Float,
                                               cellArea: [Double], report: inout FillReport) {
        let width = dem.width, height = dem.height
        var visited = [Bool](repeating: false, count: dem.count)
        var region: [Int] = []
        var stack: [Int] = []
        for start in 0..<dem.count where !visited[start] && dem.cells[start] > original[start] {
            region.removeAll(keepingCapacity: true)
            stack.append(start)
            visited[start] = true
            var depth: Float = 0
            while let c = stack.popLast() {
                region.append(c)
                depth = max(depth, dem.cells[c] - original[c])
                let row = c / width, column = c % width
                for k in 0..<8 {
                    let r = row + D8.dy[k], col = column + D8.dx[k]
                    guard r >= 0, col >= 0, r < height, col < width else { continue }
                    let nb = r * width + col
                    if !visited[nb] && dem.cells[nb] > original[nb] {
                        visited[nb] = true
                        stack.append(nb)
                    }
                }
            }
            if depth > maxDepth {
                report.keptSinks += 1
                for c in region {
                    report.raisedCells -= 1
                    report.volume -= Double(dem.cells[c] - original[c]) * cellArea[c / width]
                    dem.cells[c] = original[c]
                }
            }
        }
    }
}
