/// Where a stream leaves one jurisdiction for another.
public struct BorderCrossing: Sendable, Equatable {
    /// The last cell in the upstream jurisdiction.
    public var cell: Int
    /// The first cell in the downstream jurisdiction.
    public var into: Int
    public var from: Int32
    public var to: Int32
    /// Share of the cell's outflow that crosses here (1 for a D8 step, the link share for a link).
    public var share: Double
}

/// Loads at a point split by the jurisdiction they were generated in.
public struct OriginSplit: Sendable, Equatable {
    /// kg/yr by unit index; the last entry is load generated outside every unit ("unknown").
    public var byOrigin: [Double]
    public var total: Double { byOrigin.reduce(0, +) }

    public func shares() -> [Double] {
        let t = total
        return byOrigin.map { t > 0 ? $0 / t : 0 }
    }
}

/// The attribution of one pollutant at one level.
public struct PollutantAttribution: Sendable {
    public var pollutant: Pollutant
    /// At each section (same order as given): load leaving the section cell, by origin.
    public var sections: [OriginSplit]
    /// At each crossing: load handed over, by origin.
    public var crossings: [OriginSplit]
    /// Load each unit hands directly to another (all cells, land and stream), kg/yr: [from][to];
    /// index `units.count` stands for "outside the units".
    public var flux: [[Double]]
    /// Per unit (last index: outside): generated, received from other units, handed to other
    /// units, delivered out of the grid, lost inside (delivery, decay, retention), kg/yr.
    public var generated: [Double]
    public var received: [Double]
    public var handedOver: [Double]
    public var deliveredOut: [Double]
    public var lost: [Double]
}

extension BorderCrossing {
    /// Every place where water passes from one unit to another: along the stream network (D8 steps
    /// between two channel cells) and along links, or at every cell when `streamOnly` is false.
    /// In the flow graph's cell order.
    public static func find<Mask: RandomAccessCollection<Bool>>(on graph: FlowGraph, map: JurisdictionMap, isChannel: Mask,
                                                                streamOnly: Bool = true) throws -> [BorderCrossing] where Mask.Index == Int {
        try graph.geometry.requireSame(as: map.geometry, "jurisdictions")
        var crossings: [BorderCrossing] = []
        for c32 in graph.order {
            let c = Int(c32)
            graph.forEachReceiver(of: c) { j, s in
                guard map.labels[c] != map.labels[j] else { return }
                let isLink = j != graph.directions.downstream(of: c)
                guard !streamOnly || isLink || (isChannel[c] && isChannel[j]) else { return }
                crossings.append(BorderCrossing(cell: c, into: j, from: map.labels[c], to: map.labels[j], share: s))
            }
        }
        return crossings
    }
}

/// Attribution of routed loads to the jurisdictions they came from, exactly (the routing model is
/// linear, so the share of unit J at a point equals the load arriving there when only J's sources
/// are on) and in a cost that does not grow with the number of units.
///
/// Method, per pollutant, on the reach graph (as SPARROW computes delivery fractions in one
/// upstream pass); sections and crossing cells end reaches:
/// 1. One pass from downstream to upstream gives every cell the fraction of load entering it that
///    arrives at its reach's outlet.
/// 2. One pass over the cells adds each cell's generated load, so delivered, to its reach's inflow
///    under the cell's jurisdiction (aggregated once).
/// 3. The reach graph is then solved in topological order with vectors by origin, O(reaches).
/// The jurisdiction budgets and the flux between jurisdictions need no origin and come from the
/// routed outflows directly.
public enum LoadAttribution {
    /// Attribution of routed loads held in memory (`routed`, e.g. from `LoadRouting.route`).
    public static func attribute(_ routed: RoutedLoads, sources: LoadSources, model: LoadModel, map: JurisdictionMap,
                                 reaches: ReachGraph, sectionCells: [Int?], crossings: [BorderCrossing],
                                 progress: TaskProgress = .silent) throws -> [PollutantAttribution] {
        try attribute(routed.pollutants, sources: sources, model: model, map: map, reaches: reaches, sectionCells: sectionCells,
                      crossings: crossings, held: { routed.outflow[$0] }, progress: progress)
    }

    /// Attribution of the loads of `sources` routed on `model`, one pollutant at a time: each is
    /// routed here, its budgets summed during the routing pass, and the routed grid let go before the
    /// next (no routed grid is held, nor the inflow of every cell). The figures are those of
    /// `attribute(_:…)` given `LoadRouting.route(sources, model:)`, bit for bit. `buffer`: the pass's
    /// whole-grid buffer, when the caller made it before the other grids (`GridBuffer`).
    public static func attribute(sources: LoadSources, model: LoadModel, map: JurisdictionMap,
                                 reaches: ReachGraph, sectionCells: [Int?], crossings: [BorderCrossing], buffer: GridBuffer? = nil,
                                 threads: Int = 2, progress: TaskProgress = .silent) throws -> [PollutantAttribution] {
        try attribute(sources.pollutants.filter { sources.generated.contains($0) }, sources: sources, model: model, map: map,
                      reaches: reaches, sectionCells: sectionCells, crossings: crossings, held: nil, buffer: buffer, threads: threads,
                      progress: progress)
    }

    /// - Parameter held: the routed outflow of a pollutant when it is held; nil to route here.
    private static func attribute(_ pollutants: [Pollutant], sources: LoadSources, model: LoadModel, map: JurisdictionMap,
                                  reaches: ReachGraph, sectionCells: [Int?], crossings: [BorderCrossing],
                                  held: ((Pollutant) -> [Double]?)?, buffer given: GridBuffer? = nil, threads: Int = 2,
                                  progress: TaskProgress) throws -> [PollutantAttribution] {
        let graph = model.graph
        let geometry = graph.geometry
        try geometry.requireSame(as: map.geometry, "jurisdictions")
        try geometry.requireSame(as: reaches.geometry, "reach graph")
        let n = geometry.cellCount
        let k = map.units.count
        let outside = k
        @inline(__always) func unit(_ c: Int) -> Int { map.labels[c] < 0 ? outside : Int(map.labels[c]) }
        let (sectionReaches, crossingReaches) = try targetReaches(reaches, sectionCells: sectionCells, crossings: crossings)
        // Reaches whose origin vectors are results (the others are dropped once passed on).
        var kept = [Bool](repeating: false, count: reaches.count)
        for r in sectionReaches { if let r { kept[r] = true } }
        for r in crossingReaches { kept[r] = true }

        var results: [PollutantAttribution] = []
        // One whole-grid buffer shared by the pollutants (fresh pages cost more than rewriting them):
        // each cell's fraction reaching its reach outlet, then the routed outflow.
        var buffer = given?.take(count: n) ?? [Double](repeating: 0, count: n)
        var entering: [Double] = []
        for (index, p) in pollutants.enumerated() {
            var outflow: [Double]?
            if let held {
                guard let values = held(p) else { continue }
                outflow = values
            }
            guard let generated = sources.cellLoads(p) else { continue }
            guard generated.count == n else {
                throw HydroError(.invalidInput, "sources", "\(p.name) loads cover \(generated.count) cells, the grid has \(n)")
            }
            let factors = model.cellFactors(for: p)
            let aggregated = reaches.aggregate(generated: generated, factors: factors, origin: { Int32(unit($0)) }, toOutlet: &buffer,
                                               threads: threads)
            let out = reaches.solve(aggregated, keep: kept)
            // Budgets and flux need no origins: loss in a cell = what enters it + what it generates − what leaves.
            // Kept by basin half (the routing pass visits the halves on two threads at once), then added.
            // Each part its own arrays (made apart, so that no two threads share a buffer).
            var partBudgets = (0..<graph.basinPartCount).map { _ in UnitBudgets(units: k + 1) }
            partBudgets.withUnsafeMutableBufferPointer { partBudgets in
                @inline(__always) func visit(_ part: Int, _ c: Int, _ enter: Double, _ leaving: Double) {
                    let u = unit(c)
                    partBudgets[part].gen[u] += generated[c]
                    partBudgets[part].lost[u] += enter + generated[c] - leaving
                    var passed = 0.0
                    graph.forEachReceiver(of: c) { j, s in
                        passed += s
                        let v = unit(j)
                        if v != u { partBudgets[part].flux[u][v] += s * leaving }
                    }
                    if passed < 1 { partBudgets[part].delivered[u] += leaving * (1 - passed) }
                }
                if let outflow {
                    if entering.count != n { entering = [Double](repeating: 0, count: n) } else {
                        entering.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
                    }
                    for c32 in graph.order {
                        let c = Int(c32)
                        visit(0, c, entering[c], outflow[c])
                        graph.forEachReceiver(of: c) { j, s in entering[j] += s * outflow[c] }
                    }
                } else {
                    _ = LoadRouting.route(p, generated: generated, model: model, factors: factors.factors, threads: threads,
                                          into: &buffer, visit: visit)
                }
            }
            // Taken out of the array, so the merge adds in place (a copy would duplicate every row).
            var budgets = partBudgets.removeFirst()
            while let part = partBudgets.popLast() { budgets.add(part) }
            results.append(result(p, out: out, sectionReaches: sectionReaches, crossings: crossings,
                                  crossingReaches: crossingReaches, budgets: budgets))
            try progress.report(Double(index + 1) / Double(pollutants.count))
        }
        return results
    }

    /// The reach ending at each section cell (nil for a section off the grid) and at each crossing.
    static func targetReaches(_ reaches: ReachGraph, sectionCells: [Int?], crossings: [BorderCrossing]) throws -> (sections: [Int?], crossings: [Int]) {
        let width = reaches.geometry.width
        func reach(endingAt cell: Int, _ what: String) throws -> Int {
            guard let r = reaches.reach(endingAt: cell) else {
                throw HydroError(.invalidInput, "reach graph", "no reach ends at the \(what) cell \(cell % width),\(cell / width); build the reach graph with it as an outlet")
            }
            return r
        }
        return (try sectionCells.map { try $0.map { try reach(endingAt: $0, "section") } }, try crossings.map { try reach(endingAt: $0.cell, "crossing") })
    }

    /// One pollutant's attribution from the solved reach graph (`out`) and the unit budgets.
    static func result(_ p: Pollutant, out: [OriginVector?], sectionReaches: [Int?], crossings: [BorderCrossing],
                       crossingReaches: [Int], budgets: UnitBudgets) -> PollutantAttribution {
        let count = budgets.gen.count
        let flux = budgets.flux.map { $0.map(\.value) }
        var received = [Double](repeating: 0, count: count), handed = received
        for u in 0..<count { for v in 0..<count where u != v { handed[u] += flux[u][v]; received[v] += flux[u][v] } }
        let sectionSplits = sectionReaches.map { r -> OriginSplit in
            guard let r, let vector = out[r] else { return OriginSplit(byOrigin: [Double](repeating: .nan, count: count)) }
            return OriginSplit(byOrigin: vector.dense(count: count))
        }
        let crossingSplits = zip(crossings, crossingReaches).map { x, r in
            OriginSplit(byOrigin: (out[r] ?? OriginVector()).dense(count: count).map { $0 * x.share })
        }
        return PollutantAttribution(pollutant: p, sections: sectionSplits, crossings: crossingSplits, flux: flux,
                                    generated: budgets.gen.map(\.value), received: received, handedOver: handed,
                                    deliveredOut: budgets.delivered.map(\.value), lost: budgets.lost.map(\.value))
    }

    /// Per unit (last index: outside), summed cell by cell: order-independent sums
    /// (`ReproducibleSum`), so that partial budgets of tiles add up to the same figures.
    struct UnitBudgets {
        var flux: [[ReproducibleSum]]
        var gen: [ReproducibleSum], lost: [ReproducibleSum], delivered: [ReproducibleSum]

        init(units: Int) {
            flux = [[ReproducibleSum]](repeating: [ReproducibleSum](repeating: ReproducibleSum(), count: units), count: units)
            gen = [ReproducibleSum](repeating: ReproducibleSum(), count: units)
            lost = gen
            delivered = gen
        }

        /// Adds another part's budgets (exact: the sums are integers underneath).
        mutating func add(_ other: UnitBudgets) {
            let zero = ReproducibleSum()
            for u in gen.indices {
                gen[u] += other.gen[u]
                lost[u] += other.lost[u]
                delivered[u] += other.delivered[u]
                // Rows start as one shared buffer: writing zeros would give every row a copy of its own.
                for v in gen.indices where other.flux[u][v] != zero { flux[u][v] += other.flux[u][v] }
            }
        }
    }
}

extension LoadAttribution {
    /// Crossings found and a reach graph cut for these sections and crossings (and the network's
    /// links, when given), then attributed: for a single attribution outside a project run.
    public static func attribute(_ routed: RoutedLoads, sources: LoadSources, model: LoadModel, map: JurisdictionMap,
                                 sectionCells: [Int?], network: StreamNetwork? = nil,
                                 progress: TaskProgress = .silent) throws -> (crossings: [BorderCrossing], results: [PollutantAttribution]) {
        let crossings = try BorderCrossing.find(on: model.graph, map: map, isChannel: model.isChannel)
        let reaches = try ReachGraph(graph: model.graph, network: network, outlets: sectionCells.compactMap { $0 } + crossings.map(\.cell))
        let results = try attribute(routed, sources: sources, model: model, map: map, reaches: reaches, sectionCells: sectionCells,
                                    crossings: crossings, progress: progress)
        return (crossings, results)
    }

    /// The attribution at a coarser level from the finer one, with no pass over the cells: origins,
    /// flux and budgets are linear in the units, so a group's figures are its members' sums (the
    /// routing is the same; only the labels group). `mapping[u]` is the group of unit u, and the
    /// finer level's "outside" maps to the coarser one's. Crossings whose two sides fall in one
    /// group are no longer crossings.
    public static func grouped(_ crossings: [BorderCrossing], _ results: [PollutantAttribution], mapping: [Int32],
                               groups: Int) -> (crossings: [BorderCrossing], results: [PollutantAttribution]) {
        let outside = mapping.count
        @inline(__always) func group(_ u: Int) -> Int { u == outside ? groups : Int(mapping[u]) }
        @inline(__always) func group(label: Int32) -> Int32 { label < 0 ? -1 : mapping[Int(label)] }
        let kept = crossings.indices.filter { group(label: crossings[$0].from) != group(label: crossings[$0].to) }
        let coarseCrossings = kept.map { x -> BorderCrossing in
            var c = crossings[x]
            c.from = group(label: c.from)
            c.to = group(label: c.to)
            return c
        }
        func sum(_ values: [Double]) -> [Double] {
            var out = [Double](repeating: 0, count: groups + 1)
            for (u, v) in values.enumerated() { out[group(u)] += v }
            return out
        }
        let coarse = results.map { r -> PollutantAttribution in
            var flux = [[Double]](repeating: [Double](repeating: 0, count: groups + 1), count: groups + 1)
            for u in 0...outside {
                for v in 0...outside where r.flux[u][v] != 0 {
                    let a = group(u), b = group(v)
                    if a != b { flux[a][b] += r.flux[u][v] }
                }
            }
            var received = [Double](repeating: 0, count: groups + 1), handed = received
            for a in 0...groups { for b in 0...groups where a != b { handed[a] += flux[a][b]; received[b] += flux[a][b] } }
            return PollutantAttribution(pollutant: r.pollutant,
                                        sections: r.sections.map { OriginSplit(byOrigin: $0.byOrigin.contains(where: \.isNaN) ? [Double](repeating: .nan, count: groups + 1) : sum($0.byOrigin)) },
                                        crossings: kept.map { OriginSplit(byOrigin: sum(r.crossings[$0].byOrigin)) },
                                        flux: flux, generated: sum(r.generated), received: received, handedOver: handed,
                                        deliveredOut: sum(r.deliveredOut), lost: sum(r.lost))
        }
        return (coarseCrossings, coarse)
    }
}
