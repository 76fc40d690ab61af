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
    /// `outflow[p][cell]`: load leaving the cell downstream, kg/yr (NaN on nodata); held, or routed
    /// when asked for (`onDemand`).
    public var outflow: PollutantGrids
    /// Empty for routed loads made on demand (the loads step keeps the budgets in its result).
    public var budgets: [Pollutant: MassBudget]

    public init(pollutants: [Pollutant], outflow: [Pollutant: [Double]], budgets: [Pollutant: MassBudget]) {
        self.pollutants = pollutants
        self.outflow = PollutantGrids(outflow)
        self.budgets = budgets
    }

    /// The loads of `sources` routed on `model` one pollutant at a time, each time a pollutant's
    /// outflow is asked for, and not kept: one pollutant's grids in memory rather than all of them.
    /// The figures are those of `LoadRouting.route` (the same pass), bit for bit.
    public static func onDemand(_ sources: LoadSources, model: LoadModel, threads: Int = 2) -> RoutedLoads {
        let pollutants = sources.pollutants.filter { sources.generated.contains($0) }
        let n = model.graph.geometry.cellCount
        let maker = PollutantGrids.GridMaker { p in
            guard let generated = sources.generated[p], generated.count == n else { return [] }
            return LoadRouting.route(p, generated: generated, model: model, threads: threads).outflow
        }
        var routed = RoutedLoads(pollutants: pollutants, outflow: [:], budgets: [:])
        routed.outflow = PollutantGrids(making: pollutants, with: maker)
        return routed
    }
}

/// Routes loads downstream, one pass over the topological order per pollutant:
/// out_c = pass_c · in_c + own_c · G_c, and out_c is split among the receivers of c
/// (`FlowGraph.forEachReceiver`); what has no receiver is delivered at c. See `LoadModel`.
/// As in a weighted accumulation, the outflow array itself collects each cell's inflow before the
/// cell is reached, and a pass reads per cell only its receiver (`FlowGraph.d8Receiver`), its transport
/// (`LoadModel.deliveryOrSlot`), its generated load and its outflow.
/// Pollutants are independent, so their passes run on up to `threads` threads at once; a pass runs
/// on the flow graph's two basin halves at once, each half in routing order, so the results are
/// identical for any thread count.
public enum LoadRouting {
    public static func route(_ sources: LoadSources, model: LoadModel, threads: Int = 2,
                             progress: TaskProgress = .silent) throws -> RoutedLoads {
        let n = model.graph.geometry.cellCount
        let pollutants = sources.pollutants.filter { sources.generated.contains($0) }
        var generated: [[Double]] = []
        for pollutant in pollutants {
            guard let loads = sources.generated[pollutant], loads.count == n else {
                throw HydroError(.invalidInput, "sources", "\(pollutant.name) loads cover \(sources.generated[pollutant]?.count ?? 0) cells, the grid has \(n)")
            }
            generated.append(loads)
        }
        var results = [([Double], MassBudget)?](repeating: nil, count: pollutants.count)
        try results.withUnsafeMutableBufferPointer { slots in
            let shared = SharedBuffer(base: slots)
            let inputs = generated
            try Parallel.forEach(pollutants.count, threads: threads, progress: progress) { k in
                // The pollutants already share the threads: a pass takes both halves' threads only when two are left for it.
                shared.base[k] = route(pollutants[k], generated: inputs[k], model: model, threads: threads / max(1, pollutants.count) >= 2 ? 2 : 1)
            }
        }
        var outflow: [Pollutant: [Double]] = [:]
        var budgets: [Pollutant: MassBudget] = [:]
        for (pollutant, result) in zip(pollutants, results) {
            guard let (loads, budget) = result else { continue }
            outflow[pollutant] = loads
            budgets[pollutant] = budget
        }
        return RoutedLoads(pollutants: pollutants, outflow: outflow, budgets: budgets)
    }

    /// One pollutant's pass: the load leaving every cell and the mass budget. `generated` must cover
    /// the model's grid (`route(_:model:)` checks it for each pollutant).
    public static func route(_ pollutant: Pollutant, generated: [Double], model: LoadModel, threads: Int = 2) -> (outflow: [Double], budget: MassBudget) {
        route(pollutant, loads: CellLoads(grid: generated), model: model, threads: threads)
    }

    /// The same pass on loads held as a grid or as rows (`CellLoads`): the same figures, bit for bit.
    /// `threads`: 2 or more runs the graph's basin halves at once (`FlowGraph.forEachBasinHalf`), with
    /// the same figures as on one.
    public static func route(_ pollutant: Pollutant, loads: CellLoads, model: LoadModel, threads: Int = 2) -> (outflow: [Double], budget: MassBudget) {
        var outflow: [Double] = []
        let budget = route(pollutant, generated: loads, model: model, threads: threads, into: &outflow) { _, _, _, _ in }
        return (outflow, budget)
    }

    /// The same pass written into `outflow` (a whole-grid buffer the caller reuses: fresh pages cost
    /// more than rewriting them), calling `visit(part, cell, entering, leaving)` at every cell in
    /// routing order as soon as its outflow is known: `entering` is the load its donors passed it,
    /// `leaving` its outflow, `part` the basin half the cell lies in (the halves' calls come from two
    /// threads at once: what `visit` sums must be kept by part). A pass that needs both (the
    /// attribution's budgets) then holds no inflow grid of its own.
    /// `factors`: the pollutant's slot factors when the caller holds them already (made here otherwise:
    /// on a province grid each copy is 8 bytes a channel cell).
    @inline(__always)
    static func route(_ pollutant: Pollutant, generated: CellLoads, model: LoadModel, factors: SlotFactors? = nil, threads: Int = 2,
                      into outflow: inout [Double], visit: (Int, Int, Double, Double) -> Void) -> MassBudget {
        let graph = model.graph
        let n = graph.geometry.cellCount
        let slotFactors = factors ?? model.slotFactors(for: pollutant)
        // Outflow starts as 0 on valid cells (the inflow collected so far) and NaN on nodata.
        graph.directions.codes.withUnsafeBufferPointer { codes in
            if outflow.count == n {
                outflow.withUnsafeMutableBufferPointer { buffer in
                    for i in 0..<n { buffer[i] = codes[i] == D8.noData ? .nan : 0 }
                }
            } else {
                outflow = [Double](unsafeUninitializedCapacity: n) { buffer, initialized in
                    for i in 0..<n { buffer[i] = codes[i] == D8.noData ? .nan : 0 }
                    initialized = n
                }
            }
        }
        return generated.withReader { g in
            outflow.withUnsafeMutableBufferPointer { o in
                slotFactors.halfway.withUnsafeBufferPointer { halfway in
                    slotFactors.passed.withUnsafeBufferPointer { passed in
                        slotFactors.delivery.withUnsafeBufferPointer { delivery in
                            model.slots.withUnsafeBufferPointer { slots in
                                model.deliveryOrSlot.withUnsafeBufferPointer { deliveryOrSlot in
                                    graph.withD8Receivers { receiver in
                                        pass(Pass(generated: g, outflow: o, slots: slots, halfway: halfway, passed: passed, delivery: delivery,
                                                  deliveryOrSlot: deliveryOrSlot, receiver: receiver),
                                             pollutant, model, threads: threads, visit)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The buffers one routing pass works on.
    private struct Pass {
        var generated: CellLoadReader
        var outflow: UnsafeMutableBufferPointer<Double>
        var slots: UnsafeBufferPointer<TransportSlot>
        /// `SlotFactors.halfway` of the pollutant.
        var halfway: UnsafeBufferPointer<Double>
        /// `SlotFactors.passed` and `.delivery`, per reservoir cell.
        var passed: UnsafeBufferPointer<Double>
        var delivery: UnsafeBufferPointer<Double>
        var deliveryOrSlot: UnsafeBufferPointer<Double>
        /// The graph's D8 receivers.
        var receiver: D8Receivers
    }

    /// What a pass sums besides the outflow, kg/yr: order-independent sums (`ReproducibleSum`), so
    /// that the tiled routing's partial sums add up to the same figures.
    private struct Sums {
        var generated = ReproducibleSum(), onLand = ReproducibleSum(), inStreams = ReproducibleSum(), inReservoirs = ReproducibleSum()
    }

    /// The load leaving cell `c`, from what entered it (collected in its outflow slot) and what it
    /// generates; the losses go into `sums`.
    @inline(__always) private static func leaving(_ c: Int, _ p: Pass, _ sums: inout Sums) -> Double {
        let transport = p.deliveryOrSlot[c], gen = p.generated[c], enter = p.outflow[c]
        sums.generated += gen
        guard let index = transportSlot(transport) else {
            sums.onLand += gen - transport * gen
            return enter + transport * gen
        }
        let slot = p.slots[index], halfway = p.halfway[index]
        let beforeReservoir = SlotFactors.enter(halfway) * enter
            + SlotFactors.generated(halfway, slot, delivery: { p.delivery[$0] }) * gen
        let loss = enter + gen - beforeReservoir
        if slot.isChannel { sums.inStreams += loss } else { sums.onLand += loss }
        let value = beforeReservoir * (slot.reservoir < 0 ? 1 : p.passed[Int(slot.reservoir)])
        sums.inReservoirs += beforeReservoir - value
        return value
    }

    /// One pass over the routing order, on each basin half at once (`FlowGraph.forEachBasinHalf`):
    /// no water passes between the halves, so every cell gets the one-piece pass's value, and the
    /// exact sums of the halves add up to the one-piece sums. Without links the loop makes no calls,
    /// so the sums stay in registers; the outlets are then read from the outflow (all of an outlet's
    /// outflow leaves). With links the outlets are gathered with their place in the order and merged.
    @inline(__always)
    private static func pass(_ p: Pass, _ pollutant: Pollutant, _ model: LoadModel, threads: Int,
                             _ visit: (Int, Int, Double, Double) -> Void) -> MassBudget {
        let graph = model.graph
        let o = p.outflow
        let parts = graph.basinPartCount
        var partSums = [Sums](repeating: Sums(), count: parts)
        var partOutlets = [[(position: Int, cell: Int, load: Double)]](repeating: [], count: parts)
        graph.order.withUnsafeBufferPointer { order in
            partSums.withUnsafeMutableBufferPointer { partSums in
                partOutlets.withUnsafeMutableBufferPointer { partOutlets in
                    graph.forEachBasinHalf(threads: threads) { part, halves in
                        var sums = Sums()
                        if graph.linksFrom.isEmpty {
                            for c32 in order {
                                let c = Int(c32)
                                guard halves.contains(c, part: part) else { continue }
                                let entering = o[c]
                                let value = leaving(c, p, &sums)
                                o[c] = value
                                let d = Int(p.receiver[c])
                                if d >= 0 { o[d] += value }
                                visit(part, c, entering, value)
                            }
                        } else {
                            var outlets: [(position: Int, cell: Int, load: Double)] = []
                            for (position, c32) in order.enumerated() {
                                let c = Int(c32)
                                guard halves.contains(c, part: part) else { continue }
                                let entering = o[c]
                                let value = leaving(c, p, &sums)
                                o[c] = value
                                visit(part, c, entering, value)
                                var passed = 0.0
                                graph.forEachReceiver(of: c) { j, s in
                                    o[j] += value * s
                                    passed += s
                                }
                                if passed < 1 { outlets.append((position, c, value * (1 - passed))) }
                            }
                            partOutlets[part] = outlets
                        }
                        partSums[part] = sums
                    }
                }
            }
        }
        var sums = Sums()
        for part in partSums {
            sums.generated += part.generated
            sums.onLand += part.onLand
            sums.inStreams += part.inStreams
            sums.inReservoirs += part.inReservoirs
        }
        let outletCells: [Int], outletLoads: [Double]
        if graph.linksFrom.isEmpty {
            outletCells = model.outletCells
            outletLoads = outletCells.map { o[$0] }
        } else {
            let outlets = partOutlets.joined().sorted { $0.position < $1.position }
            outletCells = outlets.map(\.cell)
            outletLoads = outlets.map(\.load)
        }
        return MassBudget(pollutant: pollutant.name, generated: sums.generated.value, outletCells: outletCells, outletLoads: outletLoads,
                          lostOnLand: sums.onLand.value, lostInStreams: sums.inStreams.value, lostInReservoirs: sums.inReservoirs.value)
    }
}
