extension ProjectRun {
    /// Where streams pass from one county to another, found once per run (empty without jurisdictions).
    public func crossings() throws -> [BorderCrossing] {
        if let c = _crossings { return c }
        let c = try jurisdictionMap().map { try BorderCrossing.find(on: try graph(), map: $0, isChannel: try model().isChannel) } ?? []
        _crossings = c
        return c
    }

    /// The run's one reach graph: the network's links cut at the sections and at the county
    /// crossings, with their incremental catchments. Attribution (and the what-if attributions of
    /// the compensation step) and calibration all work on it.
    public func reachGraph() throws -> ReachGraph {
        if let r = _reachGraph { return r }
        let outlets = try sections().compactMap(\.cell) + crossings().map(\.cell)
        // The links suffice (the link of every cell may have been let go: `releaseNetworkCells`).
        let r = try ReachGraph(graph: try graph(), network: try networkForLinks(), outlets: outlets)
        _reachGraph = r
        return r
    }
}
