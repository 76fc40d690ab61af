/// The reach graph: the stream network's links, split wherever a result is wanted (monitoring
/// sections, border crossings) or the flow graph splits (karst conduits and diversions), each
/// reach with its incremental catchment, the cells whose water first meets a reach outlet there.
///
/// It is built once per run from the one flow graph. Attribution and calibration aggregate cell
/// quantities over the incremental catchments once, then work on the reaches alone: a pass over
/// the reach graph costs O(reaches + edges), not O(cells), as SPARROW's reach network does
/// (Schwarz et al. 2006, USGS TM 6-B3, ch. 1.2).
public struct ReachGraph: Sendable {
    /// The flow graph the reaches were cut from.
    public let graph: FlowGraph
    /// The cell each reach ends at; reaches are numbered in topological order (every reach after
    /// the reaches that drain into it), following the flow graph's cell order.
    public let outlet: [Int32]
    /// Stream link of each reach (0 where the outlet is off the channel network, e.g. a swallow hole).
    public let link: [Int32]
    /// Reach whose incremental catchment holds each cell: the first reach outlet on its D8 path,
    /// the cell itself included; −1 where the water leaves the grid before meeting one.
    public let reachOfCell: [Int32]
    /// Edges leaving reach r are `edgeStart[r] ..< edgeStart[r + 1]`: the cell of another reach's
    /// catchment that the outlet passes water to, and the share of the outlet's outflow it takes.
    public let edgeStart: [Int32]
    public let edgeEntry: [Int32]
    public let edgeShare: [Double]

    public var count: Int { outlet.count }
    public var geometry: GridGeometry { graph.geometry }

    /// The reach a cell's water enters along edge `e`.
    @inline(__always) public func edgeReceiver(_ e: Int) -> Int { Int(reachOfCell[Int(edgeEntry[e])]) }

    /// The reach ending at `cell`, nil when no reach ends there.
    public func reach(endingAt cell: Int) -> Int? {
        guard cell >= 0, cell < reachOfCell.count else { return nil }
        let r = Int(reachOfCell[cell])
        return r >= 0 && Int(outlet[r]) == cell ? r : nil
    }

    /// - Parameters:
    ///   - network: the stream network; each link's last cell ends a reach (nil: no links).
    ///   - outlets: further cells that must end a reach (sections, crossing cells).
    public init(graph: FlowGraph, network: StreamNetwork?, outlets: [Int]) throws {
        let geometry = graph.geometry
        let n = geometry.cellCount
        if let network { try geometry.requireSame(as: network.geometry, "stream network") }
        // Cells that end a reach, one bit a cell (made while the attribution holds its whole-grid buffers).
        var endsReach = CellBits(count: n)
        for cell in outlets {
            guard cell >= 0, cell < n, graph.directions.codes[cell] != D8.noData else {
                throw HydroError(.invalidInput, "reach outlets", "cell \(cell) lies outside the grid or on nodata")
            }
            endsReach.insert(cell)
        }
        // A cell whose water splits must end a reach: below it the water follows more than one path.
        for cell in graph.linksFrom.keys { endsReach.insert(cell) }
        for link in network?.links ?? [] { endsReach.insert(link.cells[link.cells.count - 1]) }

        var outlet: [Int32] = []
        var reachOfCell = [Int32](repeating: -1, count: n)
        for c in graph.order where endsReach.contains(Int(c)) {
            reachOfCell[Int(c)] = Int32(outlet.count)
            outlet.append(c)
        }
        try GridLimits.requireIndexable(outlet.count, "reaches")
        // Every other cell belongs to the reach its D8 receiver belongs to (downstream first).
        graph.withD8Receivers { ds in
            reachOfCell.withUnsafeMutableBufferPointer { reach in
                for c32 in graph.order.reversed() {
                    let c = Int(c32)
                    guard !endsReach.contains(c) else { continue }
                    let d = Int(ds[c])
                    if d >= 0 { reach[c] = reach[d] }
                }
            }
        }
        var edgeStart: [Int32] = [0]
        var edgeEntry: [Int32] = []
        var edgeShare: [Double] = []
        edgeStart.reserveCapacity(outlet.count + 1)
        for cell in outlet {
            graph.forEachReceiver(of: Int(cell)) { j, s in
                guard reachOfCell[j] >= 0 else { return }
                edgeEntry.append(Int32(j))
                edgeShare.append(s)
            }
            edgeStart.append(Int32(edgeEntry.count))
        }
        // The link of each outlet from the links' cells (as `linkOfCell` holds it, which a run may have let go).
        var link = [Int32](repeating: 0, count: outlet.count)
        for l in network?.links ?? [] {
            for c in l.cells {
                let r = Int(reachOfCell[c])
                if r >= 0 && Int(outlet[r]) == c { link[r] = l.id }
            }
        }
        self.graph = graph
        self.outlet = outlet
        self.link = link
        self.reachOfCell = reachOfCell
        self.edgeStart = edgeStart
        self.edgeEntry = edgeEntry
        self.edgeShare = edgeShare
    }

    /// Sum of a cell quantity over each reach's incremental catchment (e.g. its area, or the
    /// area of one land-use class), summed in the flow graph's cell order.
    public func incrementalSum(_ value: (Int) -> Double) -> [Double] {
        var sums = [Double](repeating: 0, count: count)
        for c32 in graph.order {
            let c = Int(c32)
            let r = Int(reachOfCell[c])
            if r >= 0 { sums[r] += value(c) }
        }
        return sums
    }
}
