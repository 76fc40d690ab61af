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

    public init(epsilon: Bool = false, maxDepth: Double? = nil, interiorNodata: InteriorNodata = .outlet) {
        self.epsilon = epsilon
        self.maxDepth = maxDepth
        self.interiorNodata = interiorNodata
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
/// - Postconditions: filled ≥ original everywhere; no valid cell lies below its spill level; with
///   `epsilon`, every non-outlet cell has a strictly lower neighbour. Nodata stays nodata.
/// - Complexity: O(n) queue operations plus O(m log m) for the m cells that pass the heap.
/// - Determinism: the heap breaks elevation ties by cell index.
public enum DepressionFilling {
    public static func fill(_ dem: inout Grid<Float>, options: FillOptions = .init(), progress: TaskProgress = .silent) throws -> FillReport {
        let original: [Float]? = options.maxDepth != nil ? dem.cells : nil
        let width = dem.width, height = dem.height, n = dem.count
        try GridLimits.requireIndexable(n, "DEM")
        let epsilon = options.epsilon
        let nodata = dem.nodata
        let cellArea = try CellMetrics(dem.geometry).area
        var raised = 0
        var volume = 0.0
        var heap = MonotoneCellQueue()
        var pits = CellStack()
        var slopes = CellStack()
        let offsetList = D8.offsets(width: width)
        let dxs = D8.dx, dys = D8.dy
        let step = max(n / 100, 1 << 16)
        var processed = 0
        // One byte per cell: bit 0 closed, bit 1 on the grid's edge (so interior cells need no division).
        let isClosed: UInt8 = 1, onEdge: UInt8 = 2
        var closed = [UInt8](repeating: 0, count: n)

        try dem.cells.withUnsafeMutableBufferPointer { z in
            try closed.withUnsafeMutableBufferPointer { done in
                try offsetList.withUnsafeBufferPointer { offsets in
                    @inline(__always) func valid(_ v: Float) -> Bool { !v.isNaN && v != nodata }
                    @inline(__always) func neighbour(_ row: Int, _ column: Int, _ k: Int) -> Int {
                        let r = row &+ dys[k], c = column &+ dxs[k]
                        return r >= 0 && c >= 0 && r < height && c < width ? r &* width &+ c : -1
                    }
                    /// Whether `cell` (not filled, at its own elevation) has an open neighbour lower than it.
                    @inline(__always) func hasLowerOpenNeighbour(_ cell: Int, _ zc: Float) -> Bool {
                        if done[cell] & onEdge == 0 {
                            for k in 0..<8 {
                                let nb = cell &+ offsets[k]
                                if done[nb] & isClosed == 0 && z[nb] < zc { return true }
                            }
                            return false
                        }
                        let row = cell / width, column = cell &- row &* width
                        for k in 0..<8 {
                            let nb = neighbour(row, column, k)
                            if nb >= 0 && done[nb] & isClosed == 0 && z[nb] < zc { return true }
                        }
                        return false
                    }
                    // Nodata is closed from the start; valid cells on the edge or next to nodata seed the flood.
                    for i in 0..<n where !valid(z[i]) { done[i] = isClosed }
                    for row in 0..<height {
                        for column in 0..<width where row == 0 || column == 0 || row == height &- 1 || column == width &- 1 {
                            done[row &* width &+ column] |= onEdge
                        }
                    }
                    for row in 0..<height {
                        for column in 0..<width {
                            let i = row &* width &+ column
                            guard done[i] & isClosed == 0 else { continue }
                            var boundary = done[i] & onEdge != 0
                            if !boundary {
                                for k in 0..<8 where !valid(z[i &+ offsets[k]]) { boundary = true; break }
                            }
                            if boundary {
                                done[i] |= isClosed
                                heap.push(z[i], i)
                            }
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
                        processed &+= 1
                        if processed % step == 0 { try progress.report(Double(processed) / Double(n)) }
                        let interior = done[c] & onEdge == 0
                        let row = interior ? 0 : c / width, column = interior ? 0 : c &- row &* width
                        for k in 0..<8 {
                            let nb = interior ? c &+ offsets[k] : neighbour(row, column, k)
                            guard nb >= 0, done[nb] & isClosed == 0 else { continue }
                            done[nb] |= isClosed
                            let zn = z[nb]
                            if zn < level || (epsilon && zn == level) {
                                let filled = epsilon ? level.nextUp : level
                                z[nb] = filled
                                raised &+= 1
                                volume += Double(filled - zn) * cellArea[nb / width]
                                if atFloodLevel { pits.push(nb) } else { heap.push(filled, nb) }
                            } else if hasLowerOpenNeighbour(nb, zn) {
                                heap.push(zn, nb)
                            } else {
                                slopes.push(nb)
                            }
                        }
                    }
                }
            }
        }
        try progress.report(1)
        var report = FillReport(raisedCells: raised, volume: volume, keptSinks: 0)
        if let original, let maxDepth = options.maxDepth {
            restoreDeepDepressions(&dem, original: original, maxDepth: Float(maxDepth), cellArea: cellArea, report: &report)
        }
        return report
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
