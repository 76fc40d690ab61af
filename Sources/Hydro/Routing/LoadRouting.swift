/// The mass budget of one pollutant: generated = delivered + lost, in kg/yr.
public struct MassBudget: Sendable, Equatable, Codable {
    public var pollutant: String
    public var generated: Double
    /// Leaving the domain (grid edge, nodata) or stopping in a sink, by outlet cell.
    /// Outlet cells in routing order, each once (a cell appears once: all its outflow leaves there).
    public var outletCells: [Int]
    /// What leaves the domain at each outlet cell, kg/yr (aligned with `outletCells`).
    public var outletLoads: [Double]
    public var lostOnLand: Double
    public var lostInStreams: Double
    public var lostInReservoirs: Double

    /// Summed in outlet order, so the figure is identical from run to run.
    public var delivered: Double { outletLoads.reduce(0, +) }

    /// The load delivered at one outlet cell (0 when the cell is not an outlet).
    public func delivered(at cell: Int) -> Double {
        zip(outletCells, outletLoads).reduce(0) { $0 + ($1.0 == cell ? $1.1 : 0) }
    }
    public var lost: Double { lostOnLand + lostInStreams + lostInReservoirs }
    /// generated − delivered − lost: zero up to rounding.
    public var imbalance: Double { generated - delivered - lost }
}

/// Loads routed downstream: for each pollutant the load leaving every cell, and the budget.
public struct RoutedLoads: Sendable {
    public var pollutants: [Pollutant]
    /// `outflow[p][cell]`: load leaving the cell downstream, kg/yr (NaN on nodata).
    public var outflow: [Pollutant: [Double]]
    public var budgets: [Pollutant: MassBudget]
}

/// Routes loads downstream, one pass over the topological order per pollutant:
/// out_c = pass_c · in_c + own_c · G_c, and out_c is split among the receivers of c
/// (`RoutingGraph.forEachReceiver`); what has no receiver is delivered at c. See `LoadModel`.
/// Each pass reads the generated load and writes the outflow once, like a weighted accumulation.
public enum LoadRouting {
    public static func route(_ sources: LoadSources, model: LoadModel, progress: TaskProgress = .silent) throws -> RoutedLoads {
        let graph = model.graph
        let n = graph.geometry.cellCount
        let pollutants = sources.pollutants.filter { sources.generated[$0] != nil }
        var outflow: [Pollutant: [Double]] = [:]
        var budgets: [Pollutant: MassBudget] = [:]
        var inflow = [Double](repeating: 0, count: n)
        let simple = graph.linksFrom.isEmpty
        for (index, pollutant) in pollutants.enumerated() {
            guard let generatedLoads = sources.generated[pollutant] else { continue }
            guard generatedLoads.count == n else {
                throw HydroError(.invalidInput, "sources", "\(pollutant.name) loads cover \(generatedLoads.count) cells, the grid has \(n)")
            }
            let factors = model.channelFactors(for: pollutant)
            if index > 0 { inflow.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
            var out = [Double](repeating: .nan, count: n)
            var generated = 0.0, onLand = 0.0, inStreams = 0.0, inReservoirs = 0.0
            var outletCells: [Int] = []
            var outletLoads: [Double] = []
            generatedLoads.withUnsafeBufferPointer { g in
                inflow.withUnsafeMutableBufferPointer { into in
                    out.withUnsafeMutableBufferPointer { o in
                        factors.pass.withUnsafeBufferPointer { cp in
                            factors.own.withUnsafeBufferPointer { co in
                                model.delivery.withUnsafeBufferPointer { delivery in
                                    model.channelIndex.withUnsafeBufferPointer { channelIndex in
                                        model.isReservoir.withUnsafeBufferPointer { isReservoir in
                                          graph.downstream.withUnsafeBufferPointer { ds in
                                            for c32 in graph.order {
                                                let c = Int(c32)
                                                let gen = g[c], enter = into[c]
                                                let ci = Int(channelIndex[c])
                                                var value: Double
                                                if ci >= 0 {
                                                    value = cp[ci] * enter + co[ci] * gen
                                                    if isReservoir[c] {
                                                        value *= factors.reservoir[c] ?? 1
                                                        inReservoirs += enter + gen - value
                                                    } else {
                                                        inStreams += enter + gen - value
                                                    }
                                                } else {
                                                    value = enter + delivery[c] * gen
                                                    onLand += gen - delivery[c] * gen
                                                    if isReservoir[c] {
                                                        let passed = value * (factors.reservoir[c] ?? 1)
                                                        inReservoirs += value - passed
                                                        value = passed
                                                    }
                                                }
                                                o[c] = value
                                                generated += gen
                                                if simple {
                                                    let d = Int(ds[c])
                                                    if d >= 0 { into[d] += value } else { outletCells.append(c); outletLoads.append(value) }
                                                    continue
                                                }
                                                var passed = 0.0
                                                graph.forEachReceiver(of: c) { j, s in
                                                    into[j] += value * s
                                                    passed += s
                                                }
                                                if passed < 1 { outletCells.append(c); outletLoads.append(value * (1 - passed)) }
                                            }
                                          }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            outflow[pollutant] = out
            budgets[pollutant] = MassBudget(pollutant: pollutant.name, generated: generated, outletCells: outletCells, outletLoads: outletLoads,
                                            lostOnLand: onLand, lostInStreams: inStreams, lostInReservoirs: inReservoirs)
            try progress.report(Double(index + 1) / Double(pollutants.count))
        }
        return RoutedLoads(pollutants: pollutants, outflow: outflow, budgets: budgets)
    }
}
