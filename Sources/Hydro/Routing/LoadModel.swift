import Foundation

/// Where pollutant mass is generated: kg/yr per cell for each pollutant, point sources included.
public struct LoadSources: Sendable {
    public var pollutants: [Pollutant]
    /// `generated[p][cell]`, kg/yr.
    public var generated: [Pollutant: [Double]]
    public let cellCount: Int

    public init(pollutants: [Pollutant], cellCount: Int) {
        self.pollutants = Array(Set(pollutants)).sorted()
        self.cellCount = cellCount
        generated = Dictionary(uniqueKeysWithValues: self.pollutants.map { ($0, [Double](repeating: 0, count: cellCount)) })
    }

    public mutating func add(_ p: Pollutant, cell: Int, kgPerYear: Double) {
        if generated[p] == nil {
            generated[p] = [Double](repeating: 0, count: cellCount)
            pollutants = (pollutants + [p]).sorted()
        }
        generated[p]?[cell] += kgPerYear
    }

    public func total(_ p: Pollutant) -> Double { generated[p]?.reduce(0, +) ?? 0 }

    /// The same sources with every load multiplied by `factor` where `selected(cell)` holds
    /// (a scenario: a party cutting its load).
    public func scaled(_ p: Pollutant, by factor: Double, where selected: (Int) -> Bool) -> LoadSources {
        var copy = self
        guard var values = copy.generated[p] else { return copy }
        for i in values.indices where values[i] != 0 && selected(i) { values[i] *= factor }
        copy.generated[p] = values
        return copy
    }
}

/// The transport model on a routing graph: which cells are channel, how far land cells lie from
/// the stream, how long water takes through each channel cell, and where reservoirs retain mass.
///
/// For each pollutant p and cell c two factors follow (`factors(for:)`):
/// - pass[c]: the fraction of the load entering c from upstream that leaves it;
/// - own[c]: the fraction of the load generated in c that leaves it.
///
/// Channel cell: pass = exp(−k·t), own = exp(−k·t/2), t = ℓ/v the travel time (days) through the
/// cell's reach ℓ (m, to the downstream cell's centre) at velocity v(A) (m/s): first-order decay, the
/// incremental load seeing half its own reach's decay (SPARROW, Schwarz et al. 2006, USGS
/// Techniques and Methods 6-B3). Land cell: pass = 1, own = the delivery ratio δ (constant, or
/// exp(−d/λ) with d the flow distance to the stream). Reservoir outlet cells multiply both by the
/// passed fraction. The model is linear in the sources, so loads add up and shares are exact.
public struct LoadModel: Sendable {
    public let graph: RoutingGraph
    public let isChannel: [Bool]
    /// Upstream area per cell, km².
    public let areaKm2: [Double]
    /// Flow-path distance from each cell to the first channel cell downstream (0 on the channel), m.
    public let distanceToStream: [Double]
    /// Length of each cell's reach to its downstream neighbour, m.
    public let reachLength: [Double]
    public let parameters: TransportParameters
    public let reservoirs: [Reservoir]
    /// Land-to-water delivery ratio of every cell (1 on the channel): the same for every pollutant.
    let delivery: [Double]
    /// Channel cells and their travel times (days), so per-pollutant decay touches only them.
    let channelCells: [Int]
    let channelDays: [Double]
    /// Reservoir outlet cells, for the budget.
    let isReservoir: [Bool]
    /// Position of each channel cell in `channelCells` (−1 off the channel).
    let channelIndex: [Int32]

    public init(graph: RoutingGraph, isChannel: [Bool], parameters: TransportParameters, reservoirs: [Reservoir] = []) throws {
        try parameters.validate()
        let geometry = graph.geometry
        let n = geometry.cellCount
        guard isChannel.count == n else { throw HydroError(.invalidInput, "streams", "channel mask does not match the grid") }
        let metrics = try CellMetrics(geometry)
        let distances = NeighbourDistances(metrics).distance
        let width = geometry.width
        let cellKm2 = metrics.area.map { $0 / 1e6 }
        areaKm2 = graph.accumulate { cellKm2[$0 / width] }
        var reach = [Double](repeating: 0, count: n)
        for c in graph.order {
            let i = Int(c)
            let code = graph.directions.codes[i]
            reach[i] = code < 8 ? distances[(i / width) * 8 + Int(code)] : metrics.width[i / width] / 2
        }
        // Distance to the stream along the flow, downstream cells first (reverse topological order);
        // where flow splits (links), the share-weighted mean, a link itself counting no length.
        var toStream = [Double](repeating: 0, count: n)
        for c in graph.order.reversed() {
            let i = Int(c)
            guard !isChannel[i] else { continue }
            let d8 = Int(graph.downstream[i])
            var distance = 0.0, received = 0.0
            graph.forEachReceiver(of: i) { j, s in
                received += s
                distance += s * ((j == d8 ? reach[i] : 0) + toStream[j])
            }
            toStream[i] = distance + (1 - received) * reach[i]
        }
        var delivery = [Double](repeating: 1, count: n)
        for c in graph.order where !isChannel[Int(c)] {
            switch parameters.delivery {
            case .constant(let r): delivery[Int(c)] = r
            case .exponential(let l): delivery[Int(c)] = exp(-toStream[Int(c)] / l)
            }
        }
        var channelCells: [Int] = []
        var channelDays: [Double] = []
        for c in graph.order where isChannel[Int(c)] {
            let i = Int(c)
            channelCells.append(i)
            channelDays.append(reach[i] / parameters.velocity.value(areaKm2: areaKm2[i]) / 86400)
        }
        var isReservoir = [Bool](repeating: false, count: n)
        for r in reservoirs { isReservoir[r.cell] = true }
        var channelIndex = [Int32](repeating: -1, count: n)
        for (k, cell) in channelCells.enumerated() { channelIndex[cell] = Int32(k) }
        self.graph = graph
        self.isChannel = isChannel
        self.distanceToStream = toStream
        self.reachLength = reach
        self.parameters = parameters
        self.reservoirs = reservoirs
        self.delivery = delivery
        self.channelCells = channelCells
        self.channelDays = channelDays
        self.isReservoir = isReservoir
        self.channelIndex = channelIndex
    }

    /// Per-pollutant factors of the channel cells only (aligned with `channelCells`) and of the
    /// reservoir cells: the routing pass looks them up instead of filling whole-grid arrays.
    func channelFactors(for p: Pollutant) -> (pass: [Double], own: [Double], reservoir: [Int: Double]) {
        let k = parameters.decayPerDay[p] ?? 0
        let pass = channelDays.map { exp(-k * $0) }
        let own = channelDays.map { exp(-k * $0 / 2) }
        var reservoir: [Int: Double] = [:]
        for r in reservoirs { reservoir[r.cell, default: 1] *= r.retention.passedFraction(p) }
        return (pass, own, reservoir)
    }

    /// Travel time through a channel cell, days.
    public func travelDays(_ cell: Int) -> Double {
        guard isChannel[cell] else { return 0 }
        return reachLength[cell] / parameters.velocity.value(areaKm2: areaKm2[cell]) / 86400
    }

    public func factors(for p: Pollutant) -> (pass: [Double], own: [Double]) {
        let k = parameters.decayPerDay[p] ?? 0
        var pass = [Double](repeating: 1, count: graph.geometry.cellCount)
        var own = delivery
        for (cell, t) in zip(channelCells, channelDays) {
            pass[cell] = exp(-k * t)
            own[cell] = exp(-k * t / 2)
        }
        for r in reservoirs {
            let f = r.retention.passedFraction(p)
            pass[r.cell] *= f
            own[r.cell] *= f
        }
        return (pass, own)
    }
}
