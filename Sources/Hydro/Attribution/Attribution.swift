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

/// Attribution of routed loads to the jurisdictions they came from, exactly (the routing model is
/// linear, so the share of unit J at a point equals the load arriving there when only J's sources
/// are on) and in a cost that does not grow with the number of units.
///
/// Method, per pollutant (as SPARROW computes delivery fractions in one upstream pass):
/// 1. Target cells: sections, stream border crossings and cells where flow splits (links).
/// 2. One pass from downstream to upstream gives every cell its next target downstream and the
///    fraction of load entering the cell that arrives at that target, P(x) = pass(x)·P(down(x)).
/// 3. One pass over the cells adds each cell's generated load times own(x)·P(down(x)) to its next
///    target's inflow, under the cell's jurisdiction.
/// 4. The small graph of targets is then solved in topological order with vectors by origin.
/// The jurisdiction budgets and the flux between jurisdictions need no origin and come from the
/// routed outflows directly.
public enum LoadAttribution {
    public static func attribute(_ routed: RoutedLoads, sources: LoadSources, model: LoadModel, map: JurisdictionMap,
                                 sectionCells: [Int?], streamCrossingsOnly: Bool = true,
                                 progress: TaskProgress = .silent) throws -> (crossings: [BorderCrossing], results: [PollutantAttribution]) {
        let graph = model.graph
        let geometry = graph.geometry
        try geometry.requireSame(as: map.geometry, "jurisdictions")
        let n = geometry.cellCount
        let k = map.units.count
        let outside = k
        @inline(__always) func unit(_ c: Int) -> Int { map.labels[c] < 0 ? outside : Int(map.labels[c]) }

        // Stream crossings (D8 steps and links between different units).
        var crossings: [BorderCrossing] = []
        for c32 in graph.order {
            let c = Int(c32)
            graph.forEachReceiver(of: c) { j, s in
                guard map.labels[c] != map.labels[j] else { return }
                let isLink = j != graph.directions.downstream(of: c)
                guard !streamCrossingsOnly || isLink || (model.isChannel[c] && model.isChannel[j]) else { return }
                crossings.append(BorderCrossing(cell: c, into: j, from: map.labels[c], to: map.labels[j], share: s))
            }
        }
        // Targets: sections, crossing cells, split cells. Target number per cell, in topological order.
        var isTarget = [Bool](repeating: false, count: n)
        for cell in sectionCells { if let cell { isTarget[cell] = true } }
        for x in crossings { isTarget[x.cell] = true }
        for cell in graph.linksFrom.keys { isTarget[cell] = true }
        var targetNumber = [Int32](repeating: -1, count: n)
        var targets: [Int] = []
        for c in graph.order where isTarget[Int(c)] {
            targetNumber[Int(c)] = Int32(targets.count)
            targets.append(Int(c))
        }
        // Next target downstream of every cell (pollutant independent).
        var next = [Int32](repeating: -1, count: n)
        for c32 in graph.order.reversed() {
            let c = Int(c32)
            if isTarget[c] { next[c] = targetNumber[c]; continue }
            if let d = graph.directions.downstream(of: c) { next[c] = next[d] }
        }

        var results: [PollutantAttribution] = []
        // Whole-grid buffers shared by the pollutants (fresh pages cost more than rewriting them).
        var reach = [Double](repeating: 0, count: n)
        var entering = [Double](repeating: 0, count: n)
        for (index, p) in routed.pollutants.enumerated() {
            guard let generated = sources.generated[p], let outflow = routed.outflow[p] else { continue }
            let factors = model.cellFactors(for: p)
            // Fraction of load entering a cell that reaches its next target as inflow (every valid
            // cell rewritten for each pollutant).
            for c32 in graph.order.reversed() {
                let c = Int(c32)
                if isTarget[c] { reach[c] = 1; continue }
                if let d = graph.directions.downstream(of: c) { reach[c] = factors.pass(c) * reach[d] } else { reach[c] = 0 }
            }
            // Inflow at each target by origin, from non-target cells.
            var inflow = [[Double]](repeating: [Double](repeating: 0, count: k + 1), count: targets.count)
            for c32 in graph.order {
                let c = Int(c32)
                let g = generated[c]
                guard g != 0, !isTarget[c], let d = graph.directions.downstream(of: c), next[d] >= 0 else { continue }
                inflow[Int(next[d])][unit(c)] += g * factors.own(c) * reach[d]
            }
            // Solve the target graph, upstream first.
            var out = [[Double]](repeating: [], count: targets.count)
            for (t, cell) in targets.enumerated() {
                var vector = inflow[t]
                let passed = factors.pass(cell)
                for j in 0...k { vector[j] *= passed }
                vector[unit(cell)] += factors.own(cell) * generated[cell]
                out[t] = vector
                graph.forEachReceiver(of: cell) { j, s in
                    guard next[j] >= 0 else { return }
                    let factor = s * reach[j]
                    let target = Int(next[j])
                    for u in 0...k { inflow[target][u] += vector[u] * factor }
                }
            }
            // Budgets and flux need no origins: loss in a cell = what enters it + what it generates − what leaves.
            var flux = [[Double]](repeating: [Double](repeating: 0, count: k + 1), count: k + 1)
            var gen = [Double](repeating: 0, count: k + 1), lost = gen, delivered = gen
            entering.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
            for c32 in graph.order {
                let c = Int(c32)
                let u = unit(c)
                gen[u] += generated[c]
                lost[u] += entering[c] + generated[c] - outflow[c]
                var passed = 0.0
                graph.forEachReceiver(of: c) { j, s in
                    passed += s
                    entering[j] += s * outflow[c]
                    let v = unit(j)
                    if v != u { flux[u][v] += s * outflow[c] }
                }
                if passed < 1 { delivered[u] += outflow[c] * (1 - passed) }
            }
            var received = [Double](repeating: 0, count: k + 1), handed = received
            for u in 0...k { for v in 0...k where u != v { handed[u] += flux[u][v]; received[v] += flux[u][v] } }
            let sectionSplits = sectionCells.map { cell -> OriginSplit in
                guard let cell, targetNumber[cell] >= 0 else { return OriginSplit(byOrigin: [Double](repeating: .nan, count: k + 1)) }
                return OriginSplit(byOrigin: out[Int(targetNumber[cell])])
            }
            let crossingSplits = crossings.map { x in OriginSplit(byOrigin: out[Int(targetNumber[x.cell])].map { $0 * x.share }) }
            results.append(PollutantAttribution(pollutant: p, sections: sectionSplits, crossings: crossingSplits, flux: flux,
                                                generated: gen, received: received, handedOver: handed, deliveredOut: delivered, lost: lost))
            try progress.report(Double(index + 1) / Double(routed.pollutants.count))
        }
        return (crossings, results)
    }
}

extension LoadAttribution {
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
