extension FlowGraph {
    /// Upstream accumulation on the graph: each cell's total is its own weight plus what its donors
    /// pass it, along D8 and links alike, in one pass over `order`.
    ///
    /// Boundary incompleteness (TauDEM's "edge contamination", GRASS's negative accumulation): a
    /// valid cell next to the grid edge or a nodata cell whose own water stays inside the grid faces
    /// terrain rising outwards, so water from outside may enter it. Such cells, and every cell that
    /// receives any share of their water (through links too), are flagged `incomplete` rather than
    /// silently under-counted. Holes declared sinks (`InteriorNodata.sink`) give no water and flag
    /// nothing.
    ///
    /// - Postconditions: what leaves the domain (`Accumulation.outletTotal`) equals the sum of all
    ///   weights; every valid cell is counted once.
    public func upstream(_ weight: AccumulationWeight = .cells, interiorNodata: InteriorNodata = .outlet,
                         progress: TaskProgress = .silent) throws -> Accumulation {
        let geometry = self.geometry
        try progress.report(0.2)
        let incomplete = incompleteFlags(interiorNodata: interiorNodata)
        try progress.report(0.5)
        let values = try weight.withCellWeight(geometry) { accumulate($0) }
        var outlets: [Int] = []
        var leaving = 0.0
        for c32 in order {
            let c = Int(c32)
            let share = leavingShare(of: c)
            guard share > 0 else { continue }
            outlets.append(c)
            leaving += values[c] * share
        }
        try progress.report(1)
        var result = Accumulation(values: Grid(geometry: geometry, trustedCells: values, nodata: .nan),
                                  incomplete: incomplete, outlets: outlets)
        if !links.isEmpty { result.leavingOverride = leaving }
        return result
    }

    /// Cells whose upstream area may receive inflow from outside the grid (see `upstream`).
    public func incompleteFlags(interiorNodata: InteriorNodata = .outlet) -> [Bool] {
        let width = geometry.width, height = geometry.height, n = geometry.cellCount
        let codes = directions.codes
        let sinkHoles = interiorNodata == .sink ? FlowAccumulation.interiorHoles(codes, width: width, height: height) : []
        // Raster order first: which cells face the outside and keep (some of) their water inside.
        var open = [Bool](repeating: false, count: n)
        let offsets = D8.offsets(width: width)
        for row in 0..<height {
            let interiorRow = row > 0 && row < height - 1
            for column in 0..<width {
                let i = row &* width &+ column
                guard codes[i] != D8.noData else { continue }
                var touches = !interiorRow || column == 0 || column == width - 1
                if !touches {
                    for o in 0..<8 {
                        let j = i &+ offsets[o]
                        if codes[j] == D8.noData && (sinkHoles.isEmpty || !sinkHoles[j]) { touches = true; break }
                    }
                }
                if touches && leavingShare(of: i) < 1 { open[i] = true }
            }
        }
        // Then downstream: whatever receives water from an open cell is open.
        for c32 in order {
            let c = Int(c32)
            guard open[c] else { continue }
            forEachReceiver(of: c) { j, _ in open[j] = true }
        }
        return open
    }
}
