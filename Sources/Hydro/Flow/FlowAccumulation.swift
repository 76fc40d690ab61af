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
    /// Each valid cell's own weight (NaN on nodata): what accumulation starts from.
    func initialValues(_ geometry: GridGeometry, isValid: (Int) -> Bool) throws -> [Double] {
        let n = geometry.cellCount, width = geometry.width
        var values = [Double](repeating: .nan, count: n)
        switch self {
        case .cells:
            for i in 0..<n where isValid(i) { values[i] = 1 }
        case .areaSquareKilometres:
            let area = try CellMetrics(geometry).area
            for i in 0..<n where isValid(i) { values[i] = area[i / width] / 1e6 }
        case .grid(let w):
            try geometry.requireSame(as: w.geometry, "weight grid")
            for i in 0..<n where isValid(i) { values[i] = w.isValid(at: i) ? w.cells[i] : 0 }
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

/// Upstream accumulation over D8 directions in topological order, without recursion.
///
/// Each cell's total is its own weight plus the totals of the cells draining into it. From every
/// cell with no upstream neighbour the walk goes downstream for as long as the next cell has
/// received all of its inflows (in-degree counting, as in Kahn's topological sort), so each cell
/// is finalised exactly once, with no stack or queue and one byte of in-degree per cell.
///
/// The grid is cut into bands of rows walked at once on several threads: a walk that would enter
/// another band leaves what it carries in its band's outbox, and the outboxes are then emptied in
/// band order on one thread, the walks continuing across bands (only the cells downstream of a
/// band crossing, mostly river channels, wait for that). The bands depend on the grid alone, so
/// every sum runs in the same order for any thread count.
///
/// Boundary incompleteness (TauDEM's "edge contamination", GRASS's negative accumulation): a
/// valid cell next to the grid edge or a nodata cell whose own water stays inside the grid
/// faces terrain rising outwards, so water from outside may enter it. Such cells, and every cell
/// downstream of them, are flagged `incomplete` rather than silently under-counted. Holes declared
/// sinks (`InteriorNodata.sink`) give no water and flag nothing.
///
/// - Postconditions: the outlets' totals sum to the sum of all weights (conservation); every
///   valid cell is counted once. Throws `HydroError.Kind.cycle` if the directions contain a cycle.
public enum FlowAccumulation {
    public static func accumulate(_ directions: FlowDirections, weight: AccumulationWeight = .cells,
                                  interiorNodata: InteriorNodata = .outlet, threads: Int = 2,
                                  progress: TaskProgress = .silent) throws -> Accumulation {
        let geometry = directions.geometry
        let width = geometry.width, height = geometry.height, n = geometry.cellCount
        let codes = directions.codes
        var values = try weight.initialValues(geometry) { codes[$0] != D8.noData }
        let sinkHoles = interiorNodata == .sink ? Self.interiorHoles(codes, width: width, height: height) : []
        let bandCount = max(1, min(8, height / 256))
        let bands = (0..<bandCount).map { (first: $0 * height / bandCount, end: ($0 + 1) * height / bandCount) }
        var inDegree = [UInt8](repeating: 0, count: n)
        var incomplete = [Bool](repeating: false, count: n)
        var outletsByBand = [[Int]](repeating: [], count: bandCount)
        var outboxes = [[(to: Int32, from: Int32)]](repeating: [], count: bandCount)
        let done: UInt8 = 0xFF
        try values.withUnsafeMutableBufferPointer { total in
            try inDegree.withUnsafeMutableBufferPointer { pending in
                try incomplete.withUnsafeMutableBufferPointer { open in
                    try codes.withUnsafeBufferPointer { code in
                        try outletsByBand.withUnsafeMutableBufferPointer { outletLists in
                            try outboxes.withUnsafeMutableBufferPointer { outboxLists in
                                let grid = D8Walk(code: SharedReadOnlyBuffer(base: code), total: SharedBuffer(base: total),
                                                  pending: SharedBuffer(base: pending), open: SharedBuffer(base: open),
                                                  width: width, height: height)
                                let outlets = SharedBuffer(base: outletLists), outbox = SharedBuffer(base: outboxLists)
                                // In-degrees counted from each cell's own neighbours, so a band writes only its own cells.
                                Parallel.forEach(bandCount, threads: threads) { b in
                                    outlets.base[b] = grid.countInflows(rows: bands[b].first..<bands[b].end, sinkHoles: sinkHoles)
                                }
                                try progress.report(0.3)
                                Parallel.forEach(bandCount, threads: threads) { b in
                                    outbox.base[b] = grid.walkFromSources(rows: bands[b].first..<bands[b].end)
                                }
                                try progress.report(0.8)
                                for list in outboxLists {
                                    for (to, from) in list {
                                        let d = Int(to), c = Int(from)
                                        total[d] += total[c]
                                        if open[c] { open[d] = true }
                                        pending[d] &-= 1
                                        if pending[d] == 0 { grid.walk(from: d, rows: 0..<height) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        // Cells never finalised wait on each other: a cycle.
        if let stuck = (0..<n).first(where: { codes[$0] != D8.noData && inDegree[$0] != done }) {
            throw HydroError(.cycle, "flow directions", "cycle at or above column \(stuck % width), row \(stuck / width): the directions never reach an outlet (check --encoding)")
        }
        try progress.report(1)
        return Accumulation(values: Grid(geometry: geometry, trustedCells: values, nodata: .nan),
                            incomplete: incomplete, outlets: outletsByBand.flatMap { $0 })
    }

    /// Whether cell `i` touches the outside (edge or nodata that is not a sink hole) while its own
    /// water stays inside, so outside water may flow into it.
    @inline(__always)
    fileprivate static func opensOntoOutside(_ i: Int, codes: UnsafeBufferPointer<UInt8>, sinkHoles: [Bool], width: Int, height: Int) -> Bool {
        let row = i / width, column = i % width
        for k in 0..<8 {
            let r = row + D8.dy[k], c = column + D8.dx[k]
            if r < 0 || c < 0 || r >= height || c >= width { return true }
            let j = r * width + c
            if codes[j] == D8.noData && (sinkHoles.isEmpty || !sinkHoles[j]) { return true }
        }
        return false
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

/// The buffers of a D8 accumulation, shared by the threads that walk bands of rows.
private struct D8Walk: Sendable {
    let code: SharedReadOnlyBuffer<UInt8>
    let total: SharedBuffer<Double>
    let pending: SharedBuffer<UInt8>
    let open: SharedBuffer<Bool>
    let width: Int
    let height: Int

    /// Sets each valid cell's in-degree (the neighbours draining into it) and whether its upstream
    /// area opens onto the outside; returns the band's outlets in raster order.
    func countInflows(rows: Range<Int>, sinkHoles: [Bool]) -> [Int] {
        let code = self.code.base, pending = self.pending.base, open = self.open.base
        let offsets = D8.offsets(width: width)
        var outlets: [Int] = []
        for row in rows {
            let interiorRow = row > 0 && row < height &- 1
            for column in 0..<width {
                let i = row &* width &+ column
                let k = code[i]
                guard k != D8.noData else { continue }
                var inflows: UInt8 = 0
                var touchesOutside = false
                var drainsInside = false
                if interiorRow && column > 0 && column < width &- 1 {
                    for o in 0..<8 {
                        let j = code[i &+ offsets[o]]
                        if j == D8.noData { touchesOutside = true } else if Int(j) == D8.opposite(o) { inflows &+= 1 }
                    }
                    drainsInside = k < 8 && code[i &+ offsets[Int(k)]] != D8.noData
                } else {
                    touchesOutside = true
                    for o in 0..<8 {
                        let r = row &+ D8.dy[o], c = column &+ D8.dx[o]
                        guard r >= 0, c >= 0, r < height, c < width else { continue }
                        if Int(code[r &* width &+ c]) == D8.opposite(o) { inflows &+= 1 }
                    }
                    if k < 8 {
                        let r = row &+ D8.dy[Int(k)], c = column &+ D8.dx[Int(k)]
                        drainsInside = r >= 0 && c >= 0 && r < height && c < width && code[r &* width &+ c] != D8.noData
                    }
                }
                pending[i] = inflows
                if !drainsInside {
                    outlets.append(i)
                } else if touchesOutside && FlowAccumulation.opensOntoOutside(i, codes: code, sinkHoles: sinkHoles, width: width, height: height) {
                    open[i] = true
                }
            }
        }
        return outlets
    }

    /// Walks down from every cell of the band without inflow; returns what must cross into other
    /// bands (receiving cell, giving cell), in the order the walks reached the band's edge.
    func walkFromSources(rows: Range<Int>) -> [(to: Int32, from: Int32)] {
        var outbox: [(to: Int32, from: Int32)] = []
        for start in rows.lowerBound &* width..<rows.upperBound &* width where pending.base[start] == 0 && code.base[start] != D8.noData {
            if let crossing = walk(from: start, rows: rows) { outbox.append(crossing) }
        }
        return outbox
    }

    /// Finalises `start` and the cells below it for as long as each has received all its inflows,
    /// staying in `rows`; returns the step that would leave them, if the walk ends there.
    @discardableResult
    func walk(from start: Int, rows: Range<Int>) -> (to: Int32, from: Int32)? {
        let code = self.code.base, total = self.total.base, pending = self.pending.base, open = self.open.base
        var c = start
        var row = c / width, column = c &- row &* width
        while true {
            pending[c] = 0xFF
            let k = Int(code[c])
            guard k < 8 else { return nil }
            let r = row &+ D8.dy[k], col = column &+ D8.dx[k]
            guard r >= 0, col >= 0, r < height, col < width else { return nil }
            let d = r &* width &+ col
            guard code[d] != D8.noData else { return nil }
            guard rows.contains(r) else { return (Int32(d), Int32(c)) }
            total[d] += total[c]
            if open[c] { open[d] = true }
            pending[d] &-= 1
            guard pending[d] == 0 else { return nil }
            c = d
            row = r
            column = col
        }
    }
}
