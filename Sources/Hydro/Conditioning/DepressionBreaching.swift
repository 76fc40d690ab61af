/// Options of least-cost breaching.
public struct BreachOptions: Sendable {
    /// Longest breach channel in cells; longer paths are not cut (the depression is filled instead).
    public var maxLength: Int
    /// Deepest cut in DEM units; deeper cuts are not made.
    public var maxDepth: Double

    public init(maxLength: Int = 1000, maxDepth: Double = .infinity) {
        self.maxLength = maxLength
        self.maxDepth = maxDepth
    }
}

public struct BreachReport: Sendable, Equatable {
    public var pits: Int
    public var breached: Int
    /// Cells lowered by breaching.
    public var loweredCells: Int
    /// What the subsequent filling did with the remaining depressions.
    public var fill: FillReport
}

/// Least-cost depression breaching (Lindsay 2016, "Efficient hybrid breaching-filling sink removal
/// methods for flow path enforcement in digital elevation models", Hydrological Processes
/// 30(6):846–857, doi:10.1002/hyp.10648).
///
/// Each pit (a cell with no lower neighbour away from the grid's edge) is processed from the
/// lowest up. A Dijkstra search from the pit, where entering a cell costs how far it rises above the
/// pit, finds the cheapest path to a cell lower than the pit or to the grid's edge; the path is
/// carved so that it descends steadily from the pit, unless it is longer than `maxLength` cells or
/// cuts deeper than `maxDepth`. Whatever remains is then filled (`DepressionFilling`).
///
/// - Determinism: pits are taken in (elevation, index) order and the search breaks cost ties by
///   cell index, so the result never depends on hashing or threads (unlike WhiteboxTools #418).
public enum DepressionBreaching {
    public static func breach(_ dem: inout Grid<Float>, options: BreachOptions = .init(),
                              progress: TaskProgress = .silent) throws -> BreachReport {
        guard options.maxLength >= 1 else { throw HydroError(.invalidParameter, "--max-length", "must be at least 1 cell") }
        guard options.maxDepth >= 0 else { throw HydroError(.invalidParameter, "--max-depth", "must be zero or positive") }
        let width = dem.width, height = dem.height, n = dem.count
        let nodata = dem.nodata
        @inline(__always) func valid(_ i: Int) -> Bool { let v = dem.cells[i]; return !v.isNaN && v != nodata }
        @inline(__always) func onBoundary(_ i: Int) -> Bool {
            let r = i / width, c = i % width
            if r == 0 || c == 0 || r == height - 1 || c == width - 1 { return true }
            for k in 0..<8 where !valid((r + D8.dy[k]) * width + c + D8.dx[k]) { return true }
            return false
        }
        func isPit(_ i: Int) -> Bool {
            guard valid(i), !onBoundary(i) else { return false }
            let r = i / width, c = i % width
            for k in 0..<8 where dem.cells[(r + D8.dy[k]) * width + c + D8.dx[k]] < dem.cells[i] { return false }
            return true
        }
        var pits = (0..<n).filter(isPit)
        pits.sort { (dem.cells[$0], $0) < (dem.cells[$1], $1) }

        var visitedBy = [Int32](repeating: -1, count: n)
        var parent = [Int32](repeating: -1, count: n)
        var steps = [Int32](repeating: 0, count: n)
        var breached = 0, lowered = 0
        var ticker = ProgressTicker(progress.scaled(from: 0, to: 0.8), total: pits.count)
        for (number, pit) in pits.enumerated() {
            try ticker.tick(number)
            guard isPit(pit) else { continue }  // an earlier breach may have drained it
            let zPit = dem.cells[pit]
            var heap = CellHeap()
            heap.push(0, pit)
            visitedBy[pit] = Int32(number)
            parent[pit] = -1
            steps[pit] = 0
            var target = -1
            var targetCost: Float = 0
            var costs: [Int: Float] = [pit: 0]
            while !heap.isEmpty {
                let (cost, c) = heap.popWithElevation()
                if cost > costs[c] ?? .infinity { continue }
                if c != pit && (dem.cells[c] < zPit || onBoundary(c)) { target = c; targetCost = cost; break }
                guard steps[c] < Int32(options.maxLength) else { continue }
                let r = c / width, col = c % width
                for k in 0..<8 {
                    let rr = r + D8.dy[k], cc = col + D8.dx[k]
                    guard rr >= 0, cc >= 0, rr < height, cc < width else { continue }
                    let j = rr * width + cc
                    guard valid(j) else { continue }
                    let next = cost + max(0, dem.cells[j] - zPit)
                    if visitedBy[j] != Int32(number) || next < costs[j] ?? .infinity {
                        visitedBy[j] = Int32(number)
                        costs[j] = next
                        parent[j] = Int32(c)
                        steps[j] = steps[c] + 1
                        heap.push(next, j)
                    }
                }
            }
            // No path, or one that never rises above the pit (a flat, drained by flat resolution).
            guard target >= 0, targetCost > 0 else { continue }
            // The path from the pit to the target, carved to descend steadily below the pit.
            var path: [Int] = []
            var c = target
            while c != pit { path.append(c); c = Int(parent[c]) }
            path.reverse()
            let zTarget = dem.cells[target]
            let drop = max(zPit - zTarget, 0)
            var deepest: Float = 0
            var carved: [Float] = []
            var previous = zPit
            for (i, cell) in path.enumerated() where cell != target {
                // Strictly below the previous path cell, linearly from the pit towards the target.
                let level = min(zPit - drop * Float(i + 1) / Float(path.count), previous.nextDown)
                let newZ = min(dem.cells[cell], level)
                previous = newZ
                deepest = max(deepest, dem.cells[cell] - newZ)
                carved.append(newZ)
            }
            guard Double(deepest) <= options.maxDepth else { continue }
            for (i, cell) in path.enumerated() where cell != target {
                if carved[i] < dem.cells[cell] { dem.cells[cell] = carved[i]; lowered += 1 }
            }
            breached += 1
        }
        let fill = try DepressionFilling.fill(&dem, progress: progress.scaled(from: 0.8, to: 1))
        return BreachReport(pits: pits.count, breached: breached, loweredCells: lowered, fill: fill)
    }
}
