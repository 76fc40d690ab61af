/// Whole-grid values the run lets go as soon as the steps after no longer read them cell by cell:
/// the upstream area (9 bytes a cell with its incomplete flags) once the load model, the sources and
/// the sections are made, and the network's link of every cell (4 bytes) once the reach graph is.
/// What the later steps still read of them is kept at the few cells they read it.
extension ProjectRun {
    /// Of the upstream area, what the attribution step reads after the grid is let go: the area of
    /// every cell whose water splits (a link's source; a crossing there need not be a channel cell,
    /// whose area the load model keeps) and whether each section's upstream area may be incomplete.
    struct UpstreamKept {
        var splitCellAreas: [Int: Double]
        var sectionIncomplete: [Bool]
    }

    /// Lets go of the upstream area grid and its incomplete flags once the load model, the sources and
    /// the sections (which read it) are made. `upstream()` computes it again if anything asks.
    func releaseUpstreamArea() throws {
        guard let upstream = _upstream else { return }
        _ = try model()
        _ = try sources()
        let sections = try sections()
        let graph = try graph()
        let area = upstream.values.cells
        var split: [Int: Double] = [:]
        for cell in graph.linksFrom.keys { split[cell] = area[cell] }
        _upstreamKept = UpstreamKept(splitCellAreas: split, sectionIncomplete: sections.map { s in s.cell.map { upstream.incomplete[$0] } ?? false })
        _upstream = nil
        // Its pages go back to the kernel: the grids made next would not fill its holes exactly.
        MemoryReuse.releaseFreedMemory()
    }

    /// Upstream area (km²) at a border crossing's upstream cell, from the grid while it is held, else
    /// from what was kept (a channel cell's in the load model, a link source's in `UpstreamKept`).
    func crossingAreaKm2(_ cell: Int) throws -> Double {
        if let upstream = _upstream { return upstream.values.cells[cell] }
        if let area = try model().slotAreaKm2(cell) { return area }
        if let area = _upstreamKept?.splitCellAreas[cell] { return area }
        return try upstream().values.cells[cell]
    }

    /// Whether each section's upstream area may receive inflow from outside the grid (false off the grid).
    func sectionUpstreamIncomplete() throws -> [Bool] {
        if _upstream == nil, let kept = _upstreamKept { return kept.sectionIncomplete }
        let incomplete = try upstream().incomplete
        return try sections().map { s in s.cell.map { incomplete[$0] } ?? false }
    }

    /// Lets go of the network's link of every cell once everything reading it is made: the load model
    /// (its channel mask), the sources (point sources snap to streams), the sections and, when
    /// `afterReachGraph` (the attribution), the reach graph. `network()` rebuilds it from the
    /// links (each channel cell lies in one link's cells) if anything asks again.
    func releaseNetworkCells(afterReachGraph: Bool = true) throws {
        guard _network != nil, !networkCellsReleased else { return }
        _ = try model()
        _ = try sources()
        _ = try sections()
        if afterReachGraph { _ = try reachGraph() }
        _network?.linkOfCell = []
        networkCellsReleased = true
        MemoryReuse.releaseFreedMemory()
    }

    /// The network for its links (the loads on them, the report's maps): as held, its `linkOfCell`
    /// empty when let go, so that reading the links does not make the whole-grid array again.
    func networkForLinks() throws -> StreamNetwork {
        if let n = _network { return n }
        return try network()
    }
}
