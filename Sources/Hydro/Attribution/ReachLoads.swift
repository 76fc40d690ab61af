/// One pollutant's loads aggregated onto the reach graph: what each reach's incremental catchment
/// delivers to its outlet, by origin, and the transport factors at the outlets and along the edges.
/// Built in one pass over the cells; solving it (`ReachGraph.solve`) then costs O(reaches + edges)
/// per pass, however many cells the catchments hold.
public struct ReachLoads: Sendable {
    /// Load delivered from each reach's catchment (outlet excluded) to its outlet, by origin.
    public var inflow: [OriginVector]
    /// Of the load entering each reach's outlet cell, the fraction leaving it.
    public var outletPass: [Double]
    /// Load generated in each outlet cell that leaves it, and the origin it counts for.
    public var outletLoad: [Double]
    public var outletOrigin: [Int32]
    /// Per edge: its share times the fraction reaching the receiving reach's outlet.
    public var edgeFactor: [Double]
}

extension ReachGraph {
    /// Aggregates one pollutant's generated loads (kg/yr per cell) onto the reaches, `origin(c)`
    /// naming the group a cell's load counts for. `toOutlet` is a whole-grid buffer reused between calls.
    public func aggregate(generated: [Double], factors: CellFactors, origin: (Int) -> Int32,
                          toOutlet: inout [Double], threads: Int = 2) -> ReachLoads {
        aggregate(generated: CellLoads(grid: generated), factors: factors, origin: origin, toOutlet: &toOutlet, threads: threads)
    }

    /// The same on loads held as a grid or as rows (`CellLoads`). `threads` 2 or more: both passes
    /// run on the flow graph's basin halves at once, with the same figures.
    public func aggregate(generated: CellLoads, factors: CellFactors, origin: (Int) -> Int32,
                          toOutlet: inout [Double], threads: Int = 2) -> ReachLoads {
        deliveryToOutlets(factors, into: &toOutlet, threads: threads)
        let inflow = deliveredInflow(generated: generated, factors: factors, toOutlet: toOutlet, group: origin, threads: threads)
        let cells = outlet.map { Int($0) }
        return ReachLoads(inflow: inflow, outletPass: cells.map(factors.pass),
                          outletLoad: cells.map { factors.own($0) * generated[$0] }, outletOrigin: cells.map(origin),
                          edgeFactor: edgeFactors(toOutlet: toOutlet))
    }

    /// The load leaving each reach's outlet by origin, upstream first; only the reaches marked in
    /// `keep` are returned (nil elsewhere), the others dropped once passed on.
    public func solve(_ loads: ReachLoads, keep: [Bool]) -> [OriginVector?] {
        Self.solve(loads, keep: keep, edgeStart: edgeStart, edgeReceiver: edgeReceiver)
    }

    /// The same on the reach graph's topology alone (`edgeReceiver(e)`: the reach edge e enters), as
    /// a tiled run holds it without the whole-grid arrays.
    static func solve(_ loads: ReachLoads, keep: [Bool], edgeStart: [Int32], edgeReceiver: (Int) -> Int) -> [OriginVector?] {
        let count = loads.inflow.count
        var inflow = loads.inflow
        var out = [OriginVector?](repeating: nil, count: count)
        for r in 0..<count {
            var vector = inflow[r]
            inflow[r] = OriginVector()
            vector.scale(loads.outletPass[r])
            vector.add(loads.outletOrigin[r], loads.outletLoad[r])
            for e in Int(edgeStart[r])..<Int(edgeStart[r + 1]) {
                inflow[edgeReceiver(e)].add(vector, times: loads.edgeFactor[e])
            }
            if keep[r] { out[r] = vector }
        }
        return out
    }
}
