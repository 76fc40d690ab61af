/// The mass budget of one pollutant: generated = delivered + lost, in kg/yr.
public struct MassBudget: Sendable, Equatable, Codable {
    public var pollutant: String
    public var generated: Double
    /// Leaving the domain (grid edge, nodata) or stopping in a sink, by outlet cell.
    public var deliveredByOutlet: [Int: Double]
    public var lostOnLand: Double
    public var lostInStreams: Double
    public var lostInReservoirs: Double

    /// Summed in outlet order, so the figure is identical from run to run.
    public var delivered: Double { deliveredByOutlet.sorted { $0.key < $1.key }.reduce(0) { $0 + $1.value } }
    public var lost: Double { lostOnLand + lostInStreams + lostInReservoirs }
    /// generated − delivered − lost: zero up to rounding.
    public var imbalance: Double { generated - delivered - lost }
}

/// Loads routed downstream: for each pollutant the load leaving every cell, and the budget.
public struct RoutedLoads: Sendable {
    public var pollutants: [Pollutant]
    /// `outflow[p][cell]`: load leaving the cell downstream, kg/yr (NaN on nodata).
    public var outflow: [Pollutant: [Double]]
    /// `lost[p][cell]`: load lost within the cell (delivery, decay, retention), kg/yr.
    public var lost: [Pollutant: [Double]]
    public var budgets: [Pollutant: MassBudget]
}

/// Routes loads downstream in one pass over the topological order per pollutant:
/// out_c = pass_c · in_c + own_c · G_c, and out_c is split among the receivers of c
/// (`RoutingGraph.forEachReceiver`); what has no receiver is delivered at c. See `LoadModel`.
public enum LoadRouting {
    public static func route(_ sources: LoadSources, model: LoadModel, progress: TaskProgress = .silent) throws -> RoutedLoads {
        let graph = model.graph
        let n = graph.geometry.cellCount
        var outflow: [Pollutant: [Double]] = [:]
        var lostByCell: [Pollutant: [Double]] = [:]
        var budgets: [Pollutant: MassBudget] = [:]
        let reservoirCells = Set(model.reservoirs.map(\.cell))
        for (index, p) in sources.pollutants.enumerated() {
            guard let generated = sources.generated[p] else { continue }
            let (pass, own) = model.factors(for: p)
            var inflow = [Double](repeating: 0, count: n)
            var out = [Double](repeating: .nan, count: n)
            var lost = [Double](repeating: 0, count: n)
            var budget = MassBudget(pollutant: p.name, generated: 0, deliveredByOutlet: [:], lostOnLand: 0, lostInStreams: 0, lostInReservoirs: 0)
            for c32 in graph.order {
                let c = Int(c32)
                let g = generated[c]
                let leaving = pass[c] * inflow[c] + own[c] * g
                out[c] = leaving
                let loss = inflow[c] + g - leaving
                lost[c] = loss
                budget.generated += g
                if reservoirCells.contains(c) { budget.lostInReservoirs += loss }
                else if model.isChannel[c] { budget.lostInStreams += loss }
                else { budget.lostOnLand += loss }
                var passed = 0.0
                graph.forEachReceiver(of: c) { j, s in
                    inflow[j] += leaving * s
                    passed += s
                }
                if passed < 1 { budget.deliveredByOutlet[c, default: 0] += leaving * (1 - passed) }
            }
            outflow[p] = out
            lostByCell[p] = lost
            budgets[p] = budget
            try progress.report(Double(index + 1) / Double(sources.pollutants.count))
        }
        return RoutedLoads(pollutants: sources.pollutants, outflow: outflow, lost: lostByCell, budgets: budgets)
    }
}
