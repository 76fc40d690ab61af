/// What each cell contributes to the accumulation.
public enum AccumulationWeight {
    /// Every valid cell counts 1: the result is the number of upstream cells, itself included.
    case cells
    /// Every cell contributes its true area in km² (per-row ellipsoidal areas for geographic grids).
    case areaSquareKilometres
    /// Every cell contributes the value of a homologous weight grid (nodata weight counts 0).
    case grid(Grid<Double>)
}

extension AccumulationWeight {
    /// Calls `body` with the weight of a valid cell as a function (no whole-grid array): the
    /// single-direction accumulation reads it once per cell.
    func withCellWeight<T>(_ geometry: GridGeometry, _ body: ((Int) -> Double) throws -> T) throws -> T {
        switch self {
        case .cells:
            return try body { _ in 1 }
        case .areaSquareKilometres:
            let area = try CellMetrics(geometry).area
            let width = geometry.width
            return try body { area[$0 / width] / 1e6 }
        case .grid(let w):
            try geometry.requireSame(as: w.geometry, "weight grid")
            return try body { w.isValid(at: $0) ? w.cells[$0] : 0 }
        }
    }

    /// Each valid cell's own weight (NaN on nodata): what accumulation starts from.
    func initialValues(_ geometry: GridGeometry, isValid: (Int) -> Bool) throws -> [Double] {
        var values = [Double](repeating: .nan, count: geometry.cellCount)
        try withCellWeight(geometry) { weight in
            for i in 0..<values.count where isValid(i) { values[i] = weight(i) }
        }
        return values
    }
}

/// The accumulated values and where they may be incomplete.
public struct Accumulation {
    /// Sum of the weights of each cell and of all cells upstream of it (nodata where the
    /// directions are nodata). Double, so that counts and areas stay exact far beyond 1e8 cells.
    public var values: Grid<Double>
    /// True where the upstream area contains a cell that may receive unknown inflow from outside
    /// the grid (from beyond its edge or from a nodata hole that is not a declared sink).
    public var incomplete: [Bool]
    /// Cells whose water leaves the grid or stops: edge outlets, flow into nodata, and sinks.
    public var outlets: [Int]

    /// What leaves the grid or stops: the sum over outlets of their outward water. Equals the total
    /// weight when mass is conserved.
    public var outletTotal: Double { leavingOverride ?? outlets.reduce(0) { $0 + values.cells[$1] } }

    /// For split flow, an outlet may pass only part of its total out of the grid.
    var leavingOverride: Double?
}

/// Upstream accumulation. Single-direction flow runs on the one `FlowGraph` (D8 plus links,
/// `FlowGraph.upstream`); split flow (D-infinity, MFD) on `FlowProportions`.
///
/// - Postconditions: the outlets' totals sum to the sum of all weights (conservation); every
///   valid cell is counted once. Throws `HydroError.Kind.cycle` if the directions contain a cycle.
public enum FlowAccumulation {
    /// Accumulation over D8 directions without links: builds the flow graph and accumulates on it.
    /// A caller that has the graph already calls `FlowGraph.upstream` directly.
    public static func accumulate(_ directions: FlowDirections, weight: AccumulationWeight = .cells,
                                  interiorNodata: InteriorNodata = .outlet,
                                  progress: TaskProgress = .silent) throws -> Accumulation {
        let graph = try FlowGraph(directions: directions)
        try progress.report(0.4)
        return try graph.upstream(weight, interiorNodata: interiorNodata, progress: progress.scaled(from: 0.4, to: 1))
    }

    /// Nodata cells not connected (8-neighbourhood) to nodata on the grid's edge.
    static func interiorHoles(_ codes: [UInt8], width: Int, height: Int) -> [Bool] {
        let n = codes.count
        var reachesEdge = [Bool](repeating: false, count: n)
        var stack: [Int] = []
        for i in 0..<n where codes[i] == D8.noData {
            let row = i / width, column = i % width
            if row == 0 || column == 0 || row == height - 1 || column == width - 1 {
                reachesEdge[i] = true
                stack.append(i)
            }
        }
        while let c = stack.popLast() {
            let row = c / width, column = c % width
            for k in 0..<8 {
                let r = row + D8.dy[k], col = column + D8.dx[k]
                guard r >= 0, col >= 0, r < height, col < width else { continue }
                let j = r * width + col
                if codes[j] == D8.noData && !reachesEdge[j] { reachesEdge[j] = true; stack.append(j) }
            }
        }
        return (0..<n).map { codes[$0] == D8.noData && !reachesEdge[$0] }
    }
}

extension FlowAccumulation {
    /// Accumulation over flow split among several neighbours (D-infinity, MFD, or D8 as proportions):
    /// each cell passes its total times the share to each receiver, in topological order (Kahn's
    /// in-degree counting with an explicit stack, no recursion). Conserves the weight sum; throws
    /// on a cycle. Incompleteness flags propagate along every share > 0.
    public static func accumulate(_ flow: FlowProportions, weight: AccumulationWeight = .cells,
                                  progress: TaskProgress = .silent) throws -> Accumulation {
        let geometry = flow.geometry
        let width = geometry.width, height = geometry.height, n = geometry.cellCount
        var values = try weight.initialValues(geometry) { flow.valid[$0] }
        var inDegree = [UInt8](repeating: 0, count: n)
        var incomplete = [Bool](repeating: false, count: n)
        var outlets: [Int] = []
        for i in 0..<n where flow.valid[i] {
            var leaves = false
            var inside = false
            var touchesOutside = false
            let row = i / width, column = i % width
            for k in 0..<8 {
                let r = row + D8.dy[k], c = column + D8.dx[k]
                let offGrid = r < 0 || c < 0 || r >= height || c >= width || !flow.valid[r * width + c]
                if offGrid { touchesOutside = true }
                guard flow.shares[i * 8 + k] > 0 else { continue }
                if offGrid { leaves = true } else { inside = true; inDegree[r * width + c] &+= 1 }
            }
            if leaves || !inside { outlets.append(i) }
            if touchesOutside && !leaves && inside { incomplete[i] = true }
        }
        try progress.report(0.3)
        var stack: [Int] = []
        var finished = 0
        var ticker = ProgressTicker(progress.scaled(from: 0.3, to: 1), total: n)
        let done: UInt8 = 0xFF
        for start in 0..<n where flow.valid[start] && inDegree[start] == 0 {
            stack.append(start)
            inDegree[start] = done
            while let c = stack.popLast() {
                finished += 1
                for k in 0..<8 {
                    let share = flow.shares[c * 8 + k]
                    guard share > 0, let j = flow.neighbour(c, k) else { continue }
                    values[j] += values[c] * Double(share)
                    if incomplete[c] { incomplete[j] = true }
                    inDegree[j] &-= 1
                    if inDegree[j] == 0 { inDegree[j] = done; stack.append(j) }
                }
            }
            try ticker.tick(finished)
        }
        if let stuck = (0..<n).first(where: { flow.valid[$0] && inDegree[$0] != done }) {
            throw HydroError(.cycle, "flow proportions", "cycle through column \(stuck % width), row \(stuck / width)")
        }
        // The outward part of each outlet's total: what leaves the domain there.
        var leavingTotal = 0.0
        for o in outlets {
            var outward = 0.0
            var any = false
            for k in 0..<8 where flow.shares[o * 8 + k] > 0 {
                any = true
                if flow.neighbour(o, k) == nil { outward += Double(flow.shares[o * 8 + k]) }
            }
            leavingTotal += values[o] * (any ? outward : 1)
        }
        try progress.report(1)
        var result = Accumulation(values: Grid(geometry: geometry, trustedCells: values, nodata: .nan),
                                  incomplete: incomplete, outlets: outlets)
        result.leavingOverride = leavingTotal
        return result
    }
}
