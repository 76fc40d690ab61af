/// A link that carries water and load from one cell to another away from the D8 directions:
/// a karst conduit from a swallow hole to its spring, or a diversion from its intake to its outfall.
public struct FlowLink: Sendable, Equatable, Codable {
    public var name: String
    public var from: Int
    public var to: Int
    /// Share (0…1] of what reaches `from` that continues from `to`; the rest follows the D8 direction.
    public var share: Double

    public init(name: String, from: Int, to: Int, share: Double = 1) {
        self.name = name
        self.from = from
        self.to = to
        self.share = share
    }
}

/// The one flow graph for single-direction flow: D8 directions plus karst conduits and diversions
/// (links), with each cell's receiver and a topological order (upstream before downstream) computed
/// once, as pyflwdir's `idxs_ds` and `seq` are. It is built once per run; upstream area, the
/// incompleteness flags, the stream network, load routing, attribution and spill tracing all read
/// it, so links are honoured the same way everywhere and each cell has one upstream area.
/// Split flow (D-infinity, MFD) has its own type, `FlowProportions`.
///
/// - Throws: when a link's shares at one cell exceed 1, when a link points at nodata, or when the
///   links create a cycle (the links on it are named).
public struct FlowGraph: Sendable {
    public let directions: FlowDirections
    public let links: [FlowLink]
    /// Valid cells, each after every cell that sends it water.
    public let order: [Int32]
    /// Link indices leaving each cell (only cells with links appear).
    public let linksFrom: [Int: [Int]]
    /// One bit per cell, set where the cell's D8 direction leads to a valid cell of the grid: with
    /// the codes and the eight index offsets it gives each cell's receiver (`withD8Receivers`)
    /// without a whole-grid index array (4 bytes a cell less for every step that holds the graph).
    private let receiverBits: CellBits
    /// Index offsets of the eight directions (`D8.offsets`).
    private let receiverOffsets: [Int]
    /// One bit per cell, set where links leave the cell: a pass asks `linksFrom` (a hashed lookup,
    /// ~20 ns) only there, not at every cell (a 2×10⁸-cell grid with one link made every pass
    /// over the cells several times slower). Empty without links.
    private let linkBits: CellBits
    /// The valid cells in two halves of whole basins, for passes on two threads (`BasinHalves`).
    private(set) var basinHalves = BasinHalves.whole

    public var geometry: GridGeometry { directions.geometry }

    /// - Parameter splitBasinsFrom: grids of at least this many cells are split into basin halves.
    public init(directions: FlowDirections, links: [FlowLink] = [], splitBasinsFrom minimumCells: Int = FlowGraph.basinSplitMinimumCells) throws {
        let n = directions.geometry.cellCount
        try GridLimits.requireIndexable(n, "flow directions")
        var linksFrom: [Int: [Int]] = [:]
        for (k, link) in links.enumerated() {
            guard link.from >= 0, link.from < n, link.to >= 0, link.to < n,
                  directions.codes[link.from] != D8.noData, directions.codes[link.to] != D8.noData else {
                throw HydroError(.invalidInput, "link '\(link.name)'", "an end lies outside the grid or on nodata")
            }
            guard link.share > 0, link.share <= 1 else {
                throw HydroError(.invalidParameter, "link '\(link.name)'", "share must lie in (0, 1], got \(link.share)")
            }
            guard link.from != link.to else { throw HydroError(.invalidInput, "link '\(link.name)'", "starts and ends on the same cell") }
            linksFrom[link.from, default: []].append(k)
        }
        for (cell, indices) in linksFrom.sorted(by: { $0.key < $1.key }) {
            let total = indices.reduce(0.0) { $0 + links[$1].share }
            guard total <= 1 + 1e-12 else {
                throw HydroError(.invalidParameter, "link '\(links[indices[0]].name)'", "links leaving cell \(cell % directions.geometry.width),\(cell / directions.geometry.width) carry \(total) of the flow, more than all of it")
            }
        }
        // Receivers first, in one raster pass with neighbour offsets (no division per cell): a bit
        // where the direction leads to a valid cell.
        let width = directions.geometry.width, height = directions.geometry.height
        let offsets = D8.offsets(width: width)
        var receiverBits = CellBits(count: n)
        let codes = directions.codes
        codes.withUnsafeBufferPointer { code in
            for row in 0..<height {
                let interiorRow = row > 0 && row < height - 1
                for column in 0..<width {
                    let i = row &* width &+ column
                    let k = Int(code[i])
                    guard k < 8 else { continue }
                    let leadsToValidCell = interiorRow && column > 0 && column < width - 1
                        ? code[i &+ offsets[k]] != D8.noData : directions.downstream(of: i) != nil
                    if leadsToValidCell { receiverBits.insert(i) }
                }
            }
        }
        @inline(__always) func downstream(_ i: Int) -> Int { receiverBits.contains(i) ? i &+ offsets[Int(codes[i])] : -1 }
        var bits = linksFrom.isEmpty ? CellBits.empty : CellBits(count: n)
        for cell in linksFrom.keys { bits.insert(cell) }
        let linkBits = bits
        @inline(__always) func hasLinks(_ cell: Int) -> Bool { !linkBits.isEmpty && linkBits.contains(cell) }
        // In-degrees, then Kahn's order from every cell without inflow (depth first, D8 before links).
        let d8Carries: (Int) -> Bool = { !hasLinks($0) || Self.d8Share($0, linksFrom, links) > 0 }
        var inDegree = [UInt16](repeating: 0, count: n)
        for i in 0..<n where downstream(i) >= 0 && d8Carries(i) { inDegree[downstream(i)] += 1 }
        for link in links { inDegree[link.to] += 1 }
        var order: [Int32] = []
        order.reserveCapacity(n)
        var stack: [Int] = []
        let done = UInt16.max
        for start in 0..<n where codes[start] != D8.noData && inDegree[start] == 0 {
            stack.append(start)
            inDegree[start] = done
            while let c = stack.popLast() {
                order.append(Int32(c))
                let d = downstream(c)
                if d >= 0 && d8Carries(c) {
                    inDegree[d] -= 1
                    if inDegree[d] == 0 { inDegree[d] = done; stack.append(d) }
                }
                guard hasLinks(c), let ks = linksFrom[c] else { continue }
                for k in ks {
                    let j = links[k].to
                    inDegree[j] -= 1
                    if inDegree[j] == 0 { inDegree[j] = done; stack.append(j) }
                }
            }
        }
        let valid = codes.reduce(0) { $0 + ($1 == D8.noData ? 0 : 1) }
        if order.count != valid {
            let onCycle = links.filter { inDegree[$0.from] != done }.map { "'\($0.name)'" }
            let w = directions.geometry.width
            let stuck = (0..<n).first { directions.codes[$0] != D8.noData && inDegree[$0] != done } ?? 0
            throw HydroError(.cycle, onCycle.isEmpty ? "flow directions" : "links",
                             onCycle.isEmpty ? "cycle through column \(stuck % w), row \(stuck / w)"
                                             : "link\(onCycle.count == 1 ? "" : "s") \(onCycle.joined(separator: ", ")) make water flow in a circle; the flow graph must be acyclic (if no link is wrong, check the direction raster's --encoding)")
        }
        inDegree = []
        self.directions = directions
        self.links = links
        self.order = order
        self.linksFrom = linksFrom
        self.receiverBits = receiverBits
        self.receiverOffsets = offsets
        self.linkBits = linkBits
        if n >= minimumCells { basinHalves = BasinHalves.split(self) }
    }

    /// Whether links leave `cell` (a bit test; see `linkBits`).
    @inline(__always) func hasLinks(from cell: Int) -> Bool {
        !linkBits.isEmpty && linkBits.contains(cell)
    }

    /// The D8 receiver of `cell`, −1 where the water leaves the grid or stops (pyflwdir's `idxs_ds`).
    @inline(__always) public func d8Receiver(of cell: Int) -> Int {
        receiverBits.contains(cell) ? cell &+ receiverOffsets[Int(directions.codes[cell])] : -1
    }

    /// Calls `body` with every cell's D8 receiver readable over raw buffers, for passes over all cells.
    public func withD8Receivers<R>(_ body: (D8Receivers) throws -> R) rethrows -> R {
        try directions.codes.withUnsafeBufferPointer { codes in
            try receiverBits.words.withUnsafeBufferPointer { bits in
                try receiverOffsets.withUnsafeBufferPointer { offsets in
                    try body(D8Receivers(codes: codes, bits: bits, offsets: offsets))
                }
            }
        }
    }

    private static func d8Share(_ cell: Int, _ linksFrom: [Int: [Int]], _ links: [FlowLink]) -> Double {
        guard let ks = linksFrom[cell] else { return 1 }
        return max(0, 1 - ks.reduce(0.0) { $0 + links[$1].share })
    }

    /// Share of a cell's outflow that follows its D8 direction.
    @inline(__always) public func d8Share(of cell: Int) -> Double {
        hasLinks(from: cell) ? Self.d8Share(cell, linksFrom, links) : 1
    }

    /// Calls `body(receiver, share)` for every cell receiving part of `cell`'s outflow; the part with
    /// no receiver (leaving the grid, or a sink) is `1 − Σ shares`.
    @inline(__always) public func forEachReceiver(of cell: Int, _ body: (Int, Double) -> Void) {
        let d = d8Receiver(of: cell)
        guard hasLinks(from: cell), let ks = linksFrom[cell] else {
            if d >= 0 { body(d, 1) }
            return
        }
        let s0 = Self.d8Share(cell, linksFrom, links)
        if s0 > 0, d >= 0 { body(d, s0) }
        for k in ks { body(links[k].to, links[k].share) }
    }

    /// The receiver of the larger part of a cell's outflow (D8 on a tie), nil where all of it leaves
    /// the domain: the path a catchment label or a spill follows.
    public func mainReceiver(of cell: Int) -> Int? {
        var next: Int?
        var best = 0.0
        forEachReceiver(of: cell) { j, s in if s > best { best = s; next = j } }
        return next
    }

    /// The share of a cell's outflow that leaves the modelled domain there (or stops in a sink).
    public func leavingShare(of cell: Int) -> Double {
        var received = 0.0
        forEachReceiver(of: cell) { _, s in received += s }
        return max(0, 1 - received)
    }

    /// Accumulates weights downstream along D8 and links: each cell's total is its weight plus
    /// what its donors pass it. Conserves the weight sum (what leaves equals what was put in).
    public func accumulate(_ weight: (Int) -> Double) -> [Double] {
        var total = [Double](repeating: .nan, count: geometry.cellCount)
        for c in order { total[Int(c)] = 0 }
        let simple = linksFrom.isEmpty
        total.withUnsafeMutableBufferPointer { t in
            withD8Receivers { ds in
                for c32 in order {
                    let c = Int(c32)
                    t[c] += weight(c)
                    let value = t[c]
                    if simple {
                        let d = Int(ds[c])
                        if d >= 0 { t[d] += value }
                    } else {
                        forEachReceiver(of: c) { j, s in t[j] += value * s }
                    }
                }
            }
        }
        return total
    }
}

/// Each cell's D8 receiver from the direction codes, a bit per cell (the direction leads to a valid
/// cell) and the eight index offsets: valid inside `FlowGraph.withD8Receivers` only.
public struct D8Receivers {
    let codes: UnsafeBufferPointer<UInt8>
    let bits: UnsafeBufferPointer<UInt64>
    let offsets: UnsafeBufferPointer<Int>

    /// The receiver of `cell`, −1 where the water leaves the grid or stops.
    @inline(__always) public subscript(cell: Int) -> Int {
        CellBits.contains(cell, in: bits) ? cell &+ offsets[Int(codes[cell])] : -1
    }
}
