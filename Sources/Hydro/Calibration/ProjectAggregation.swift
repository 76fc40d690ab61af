import Foundation

/// One pollutant's source classes on a project's reach graph, aggregated with the project's own cell
/// transport (`LoadModel`) under trial values of the cell-level parameters:
///
/// - delivery αₖ on raster variables: a diffuse class's load in cell c is multiplied by
///   exp(Σₖ αₖ (zₖ,c − z̄ₖ)), z̄ₖ the mean over the basin's valid cells (SPARROW's mean-centring);
/// - in-stream decay kₘ per velocity class: a channel cell of class m passes exp(−kₘ t) of what
///   enters it and exp(−kₘ t/2) of its own load (t its travel time, days), as `LoadModel` does;
/// - reservoir settling v_s (m/yr): a reservoir given with its areal hydraulic load q_s passes
///   1/(1 + v_s/q_s).
///
/// Each reach's source variables are what its incremental catchment delivers to its outlet; frac is
/// the outlet cell's pass fraction and each edge carries its share times the fraction reaching the
/// receiving outlet, exactly as `ReachGraph.aggregate` does for the run. The derivatives are exact:
/// a cell's delivered load is a product of factors along its D8 path, so its derivative for a
/// parameter is the load times the sum of the factors' log-derivatives along the path, summed from
/// downstream up in one more pass per parameter.
struct ProjectAggregation: Sendable {
    let reaches: ReachGraph
    let model: LoadModel
    let pollutant: Pollutant
    /// Per source class: its load per cell (kg/yr) and whether delivery acts on it (a [[diffuse]] class).
    let generated: [[Double]]
    let isDiffuse: [Bool]
    /// Per delivery variable, zₖ,c − z̄ₖ per cell (0 at nodata).
    let delivery: [[Double]]
    /// The velocity classes of calibrated decay (their rates unused), empty when decay is not calibrated.
    let decayClasses: [TransportParameters.DecayClass]
    let settling: Bool
    /// Origin group of each cell, and their count.
    let origin: [Int32]
    let groupCount: Int
    /// Threads for the passes over the cells (the same figures on any count).
    var threads = 2

    /// Parameters in the order `terms` takes their values: delivery, decay classes, settling.
    var parameterCount: Int { delivery.count + decayClasses.count + (settling ? 1 : 0) }

    /// The reach table's upstream edges (for each reach, the reaches feeding it), each with its
    /// reach-graph edge.
    func upstreamEdges() -> [[(reach: Int, edge: Int)]] {
        var upstream = [[(reach: Int, edge: Int)]](repeating: [], count: reaches.count)
        for r in 0..<reaches.count {
            for e in Int(reaches.edgeStart[r])..<Int(reaches.edgeStart[r + 1]) { upstream[reaches.edgeReceiver(e)].append((r, e)) }
        }
        return upstream
    }

    struct Result {
        /// Per class, per reach; per parameter, per class, per reach.
        var sources: [[Double]]
        var sourceDerivatives: [[[Double]]]
        /// Per class, per reach and group (reach-major).
        var byGroup: [[Double]]
        var frac: [Double]
        var fracDerivatives: [[Double]]
        /// Per reach-graph edge.
        var edgeFactor: [Double]
        var edgeDerivatives: [[Double]]
    }

    /// The aggregation at `values` (delivery α, decay k per class, settling v_s, in that order).
    func aggregate(_ values: [Double]) -> Result {
        let geometry = reaches.geometry
        let n = geometry.cellCount
        let alpha = Array(values.prefix(delivery.count))
        let rates = Array(values.dropFirst(delivery.count).prefix(decayClasses.count))
        let settlingVelocity: Double? = settling ? values.last : nil
        let transportCount = rates.count + (settling ? 1 : 0)
        let slots = model.slots

        // Slot factors and, per transport parameter, each slot's log-derivatives of pass (ρ) and own (ω).
        let typedRate = model.parameters.decayPerDay[pollutant] ?? 0
        let classOfSlot = rates.isEmpty ? [] : model.decayClassOfSlot(decayClasses)
        var passed = model.reservoirPassedFractions(for: pollutant)
        var settlingLog = [Double](repeating: 0, count: passed.count)
        if let vs = settlingVelocity {
            for (k, held) in model.reservoirCells.enumerated() {
                var fraction = 1.0, log = 0.0
                for r in held.reservoirs {
                    if case .arealHydraulicLoad(_, let qs) = r.retention {
                        fraction /= 1 + vs / qs
                        log += (1 / qs) / (1 + vs / qs)
                    } else {
                        fraction *= r.retention.passedFraction(pollutant)
                    }
                }
                passed[k] = fraction
                settlingLog[k] = log
            }
        }
        let slotFactors = model.slotFactors(decay: { rates.isEmpty || classOfSlot[$0] < 0 ? typedRate : rates[classOfSlot[$0]] }, passed: passed)
        let factors = CellFactors(deliveryOrSlot: model.deliveryOrSlot, slots: slots, factors: slotFactors)
        var rho = [[Double]](repeating: [], count: transportCount)
        var omega = [[Double]](repeating: [], count: transportCount)
        for j in 0..<transportCount {
            var r = [Double](repeating: 0, count: n), w = [Double](repeating: 0, count: n)
            for (index, slot) in slots.enumerated() {
                let c = Int(slot.cell)
                if j < rates.count {
                    guard slot.isChannel, classOfSlot[index] == j else { continue }
                    let days = model.travelDays(slot)
                    r[c] = days
                    w[c] = days / 2
                } else if slot.reservoir >= 0 {
                    r[c] = settlingLog[Int(slot.reservoir)]
                    w[c] = r[c]
                }
            }
            rho[j] = r
            omega[j] = w
        }
        var toOutlet: [Double] = []
        reaches.deliveryToOutlets(factors, into: &toOutlet, threads: threads)
        // Per transport parameter, Σ ρ over each cell's path to its reach's outlet (the outlet excluded).
        let isOutlet: (Int) -> Bool = { c in
            let r = Int(reaches.reachOfCell[c])
            return r >= 0 && Int(reaches.outlet[r]) == c
        }
        var pathSum = [[Double]](repeating: [], count: transportCount)
        for j in 0..<transportCount {
            var t = [Double](repeating: 0, count: n)
            for c32 in reaches.graph.order.reversed() {
                let c = Int(c32)
                if isOutlet(c) { continue }
                let d = reaches.graph.d8Receiver(of: c)
                t[c] = rho[j][c] + (d >= 0 ? t[d] : 0)
            }
            pathSum[j] = t
        }
        var deliveryFactor = [Double](repeating: 1, count: delivery.isEmpty ? 0 : n)
        for c in deliveryFactor.indices {
            var e = 0.0
            for (k, z) in delivery.enumerated() { e += alpha[k] * z[c] }
            deliveryFactor[c] = exp(e)
        }

        let m = reaches.count, g = groupCount, p = parameterCount, dCount = delivery.count
        let frac = reaches.outlet.map { factors.pass(Int($0)) }
        var sources: [[Double]] = [], byGroup: [[Double]] = []
        var derivatives = [[[Double]]](repeating: [], count: p)
        for (k, load) in generated.enumerated() {
            var s = [Double](repeating: 0, count: m), grouped = [Double](repeating: 0, count: m * g)
            var ds = [[Double]](repeating: [Double](repeating: 0, count: m), count: p)
            let delivered = isDiffuse[k] && !delivery.isEmpty
            for c32 in reaches.graph.order {
                let c = Int(c32)
                guard load[c] != 0 else { continue }
                let r = Int(reaches.reachOfCell[c])
                guard r >= 0 else { continue }
                let o = Int(reaches.outlet[r])
                var contribution = load[c] * factors.own(c) * (delivered ? deliveryFactor[c] : 1)
                if c != o {
                    let d = reaches.graph.d8Receiver(of: c)
                    guard d >= 0 else { continue }
                    contribution *= toOutlet[d] * frac[r]
                }
                s[r] += contribution
                grouped[r * g + Int(origin[c])] += contribution
                if delivered { for j in 0..<dCount { ds[j][r] += contribution * delivery[j][c] } }
                for j in 0..<transportCount {
                    var log = -omega[j][c]
                    if c != o { log -= pathSum[j][reaches.graph.d8Receiver(of: c)] + rho[j][o] }
                    ds[dCount + j][r] += contribution * log
                }
            }
            sources.append(s)
            byGroup.append(grouped)
            for j in 0..<p { derivatives[j].append(ds[j]) }
        }
        let edgeFactor = reaches.edgeFactors(toOutlet: toOutlet)
        var fracDerivatives = [[Double]](repeating: [Double](repeating: 0, count: m), count: p)
        var edgeDerivatives = [[Double]](repeating: [Double](repeating: 0, count: edgeFactor.count), count: p)
        for j in 0..<transportCount {
            for r in 0..<m { fracDerivatives[dCount + j][r] = -rho[j][Int(reaches.outlet[r])] * frac[r] }
            for e in edgeFactor.indices { edgeDerivatives[dCount + j][e] = -pathSum[j][Int(reaches.edgeEntry[e])] * edgeFactor[e] }
        }
        return Result(sources: sources, sourceDerivatives: derivatives, byGroup: byGroup, frac: frac, fracDerivatives: fracDerivatives,
                      edgeFactor: edgeFactor, edgeDerivatives: edgeDerivatives)
    }
}
