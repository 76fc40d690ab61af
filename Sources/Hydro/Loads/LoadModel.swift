import Foundation

/// Where pollutant mass is generated: kg/yr per cell for each pollutant, point sources included.
public struct LoadSources: Sendable {
    public var pollutants: [Pollutant]
    /// `generated[p][cell]`, kg/yr: held, or made one pollutant at a time (`PollutantGrids`).
    public var generated: PollutantGrids { didSet { compactLoads = [:] } }
    /// The loads of pollutants made cell by cell from their compact inputs (`CellLoads.Terms`): the
    /// values of `generated` bit for bit, without a grid (`cellLoads`). Dropped whenever `generated` changes.
    var compactLoads: [Pollutant: CellLoads] = [:]
    public let cellCount: Int

    public init(pollutants: [Pollutant], cellCount: Int) {
        self.pollutants = Array(Set(pollutants)).sorted()
        self.cellCount = cellCount
        generated = PollutantGrids(Dictionary(uniqueKeysWithValues: self.pollutants.map { ($0, [Double](repeating: 0, count: cellCount)) }))
    }

    /// Sources whose grids `maker` makes when a step asks for one (none is held).
    public init(pollutants: [Pollutant], cellCount: Int, maker: PollutantGrids.GridMaker) {
        self.pollutants = Array(Set(pollutants)).sorted()
        self.cellCount = cellCount
        generated = PollutantGrids(making: self.pollutants, with: maker)
    }

    public mutating func add(_ p: Pollutant, cell: Int, kgPerYear: Double) {
        if !generated.contains(p) {
            generated[p] = [Double](repeating: 0, count: cellCount)
            pollutants = (pollutants + [p]).sorted()
        }
        generated[p]?[cell] += kgPerYear
    }

    /// Adds `load(cell)` kg/yr to every cell of pollutant `p` in one pass over its array (no
    /// per-cell dictionary access); `load` returns 0 where nothing is added.
    public mutating func addEach(_ p: Pollutant, _ load: (Int) -> Double) {
        if !generated.contains(p) {
            generated[p] = [Double](repeating: 0, count: cellCount)
            pollutants = (pollutants + [p]).sorted()
        }
        var values = generated.removeValue(forKey: p) ?? []
        values.withUnsafeMutableBufferPointer { v in
            for i in 0..<v.count { v[i] += load(i) }
        }
        generated[p] = values
    }

    public func total(_ p: Pollutant) -> Double { generated[p]?.reduce(0, +) ?? 0 }

    /// The generated load of `p` for a pass over the cells: made cell by cell from its compact inputs
    /// when it has them (no grid is made), else its grid; nil when `p` has none.
    public func cellLoads(_ p: Pollutant) -> CellLoads? {
        if let compact = compactLoads[p] { return compact }
        return generated[p].map(CellLoads.init(grid:))
    }

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
    public let graph: FlowGraph
    /// Whether each cell is a channel cell, read from the cell's slot (no whole-grid mask held).
    public var isChannel: ChannelCells { ChannelCells(deliveryOrSlot: deliveryOrSlot, slots: slots) }
    /// Per row, the distance (m) to each of the eight neighbours; half a cell width in the ninth
    /// place, the reach of a cell with no D8 receiver (`reachLength(of:)`).
    private let rowReaches: [Double]
    public let parameters: TransportParameters
    public let reservoirs: [Reservoir]
    /// Per cell: the land-to-water delivery ratio δ ∈ [0, 1] of an ordinary land cell (the same for
    /// every pollutant) or, for a cell whose factors depend on the pollutant (a channel cell decays,
    /// a reservoir retains), −(slot + 1), its position in `slots`.
    let deliveryOrSlot: [Double]
    /// Cells whose outflow leaves the grid or stops (no D8 receiver), in routing order.
    let outletCells: [Int]
    /// Channel and reservoir cells, in routing order.
    let slots: [TransportSlot]
    /// Cells holding reservoirs, each once, and the reservoirs at each.
    let reservoirCells: [(cell: Int, reservoirs: [Reservoir])]
    /// The land-to-water delivery ratio of each reservoir cell (aligned with `reservoirCells`; 1 on
    /// the channel): a slot keeps none, since every other slot is a channel cell's, where it is 1.
    let reservoirCellDelivery: [Double]

    /// - Parameter upstreamAreaKm2: the graph's upstream area (`FlowGraph.upstream`), when the caller
    ///   has it already; computed here otherwise.
    /// - Parameter isChannel: per cell, whether it is a channel cell: any collection of them, such as
    ///   a lazy view of the network's link of every cell (no whole-grid mask made for it).
    public init<ChannelMask: RandomAccessCollection<Bool>>(graph: FlowGraph, upstreamAreaKm2: [Double]? = nil, isChannel: ChannelMask,
                                                            parameters: TransportParameters, reservoirs: [Reservoir] = [],
                                                            threads: Int = 2) throws
        where ChannelMask.Index == Int {
        try parameters.validate()
        let geometry = graph.geometry
        let n = geometry.cellCount
        guard isChannel.count == n, isChannel.startIndex == 0 else { throw HydroError(.invalidInput, "streams", "channel mask does not match the grid") }
        let metrics = try CellMetrics(geometry)
        let distances = NeighbourDistances(metrics).distance
        let width = geometry.width
        let cellKm2 = metrics.area.map { $0 / 1e6 }
        // Read only while the slots are made (each slot keeps its own cell's): the model holds no
        // whole-grid area, so the run can let its upstream area go once the network and loads have it.
        let areaKm2: [Double]
        if let known = upstreamAreaKm2 {
            guard known.count == n else { throw HydroError(.invalidInput, "upstream area", "does not match the grid") }
            areaKm2 = known
        } else {
            areaKm2 = graph.accumulate { cellKm2[$0 / width] }
        }
        var reaches = [Double](repeating: 0, count: geometry.height * 9)
        for row in 0..<geometry.height {
            for k in 0..<8 { reaches[row * 9 + k] = distances[row * 8 + k] }
            reaches[row * 9 + 8] = metrics.width[row] / 2
        }
        let rowReaches = reaches
        self.rowReaches = rowReaches
        let codes = graph.directions.codes
        func reach(_ i: Int) -> Double { rowReaches[(i / width) * 9 + Int(min(codes[i], 8))] }
        // Distance to the stream along the flow, downstream cells first (reverse topological order);
        // where flow splits (links), the share-weighted mean, a link itself counting no length.
        // Written into the array that becomes `deliveryOrSlot`, where each land cell's distance is
        // then replaced by its delivery ratio: one whole-grid array at a time, not two. Each basin
        // half on a thread of its own (a cell's receivers lie in its half).
        var toStream = [Double](repeating: 0, count: n)
        let delivery = parameters.delivery
        toStream.withUnsafeMutableBufferPointer { toStream in
            graph.order.withUnsafeBufferPointer { order in
                graph.forEachBasinHalf(threads: threads) { part, halves in
                    for c in order.reversed() {
                        let i = Int(c)
                        guard halves.contains(i, part: part), !isChannel[i] else { continue }
                        let d8 = graph.d8Receiver(of: i)
                        var distance = 0.0, received = 0.0
                        graph.forEachReceiver(of: i) { j, s in
                            received += s
                            distance += s * ((j == d8 ? reach(i) : 0) + toStream[j])
                        }
                        toStream[i] = distance + (1 - received) * reach(i)
                    }
                    // Upstream cells read their receivers' distances: ratios only once all are known.
                    for c in order where halves.contains(Int(c), part: part) && !isChannel[Int(c)] {
                        let i = Int(c)
                        toStream[i] = delivery.ratio(distanceToStream: toStream[i])
                    }
                }
            }
        }
        // Slots keep a reservoir's position in 31 bits (`TransportSlot`).
        guard reservoirs.count < 1 << 30 else {
            throw HydroError(.invalidInput, "reservoirs", "\(reservoirs.count) reservoirs; at most \((1 << 30) - 1)")
        }
        var reservoirIndex: [Int: Int] = [:]
        var reservoirCells: [(cell: Int, reservoirs: [Reservoir])] = []
        for r in reservoirs {
            if let k = reservoirIndex[r.cell] {
                reservoirCells[k].reservoirs.append(r)
            } else {
                reservoirIndex[r.cell] = reservoirCells.count
                reservoirCells.append((r.cell, [r]))
            }
        }
        var deliveryOrSlot = toStream
        toStream = []
        var reservoirCellDelivery = [Double](repeating: 1, count: reservoirCells.count)
        var slots: [TransportSlot] = []
        // Sized once (channel cells and reservoir cells off the channel): grown by doubling, the
        // array would copy itself and leave its smaller blocks behind in the heap.
        slots.reserveCapacity(isChannel.reduce(0) { $0 + ($1 ? 1 : 0) } + reservoirCells.filter { !isChannel[$0.cell] }.count)
        for c in graph.order {
            let i = Int(c)
            let channel = isChannel[i]
            let reservoir = reservoirIndex.isEmpty ? nil : reservoirIndex[i]
            // A land cell's entry holds its delivery ratio (the pass above).
            let delivery = channel ? 1 : deliveryOrSlot[i]
            guard channel || reservoir != nil else {
                deliveryOrSlot[i] = delivery
                continue
            }
            deliveryOrSlot[i] = -Double(slots.count + 1)
            if let reservoir { reservoirCellDelivery[reservoir] = delivery }
            slots.append(TransportSlot(cell: Int32(i), areaKm2: areaKm2[i], reservoir: reservoir ?? -1, isChannel: channel))
        }
        // Nodata cells lie off the routing order: they keep the ratio 1 (no distance was written there).
        for i in 0..<n where codes[i] == D8.noData { deliveryOrSlot[i] = 1 }
        self.graph = graph
        self.parameters = parameters
        self.reservoirs = reservoirs
        self.deliveryOrSlot = deliveryOrSlot
        outletCells = graph.order.lazy.map { Int($0) }.filter { graph.d8Receiver(of: $0) < 0 }
        self.slots = slots
        self.reservoirCells = reservoirCells
        self.reservoirCellDelivery = reservoirCellDelivery
    }

    /// The fraction of each reservoir cell's load that its reservoirs pass on (aligned with
    /// `reservoirCells`).
    func reservoirPassedFractions(for p: Pollutant) -> [Double] {
        reservoirCells.map { $0.reservoirs.reduce(1.0) { $0 * $1.retention.passedFraction(p) } }
    }

    /// Length of a cell's reach to its downstream neighbour's centre, m (half a cell width where the
    /// water leaves the grid or stops).
    public func reachLength(of cell: Int) -> Double {
        rowReaches[(cell / graph.geometry.width) * 9 + Int(min(graph.directions.codes[cell], 8))]
    }

    /// Travel time through a channel cell, days (0 off the channel).
    public func travelDays(_ cell: Int) -> Double {
        guard let slot = transportSlot(deliveryOrSlot[cell]) else { return 0 }
        return travelDays(slots[slot])
    }

    /// Travel time through a slot's cell, days: its reach at the velocity of its upstream area on the
    /// channel, 0 off it. Made when asked (a slot keeps no time of its own: 8 bytes a channel cell).
    func travelDays(_ slot: TransportSlot) -> Double {
        slot.isChannel ? parameters.velocity.travelDays(metres: reachLength(of: Int(slot.cell)), areaKm2: slot.areaKm2) : 0
    }

    /// The fraction of a load that leaves a slot's cell having travelled half its reach, at decay
    /// rate k (per day): exp(−k·t/2). Of the load entering the cell its square leaves, of the load
    /// generated there δ times it (`SlotFactors`).
    func halfwayFactor(_ slot: TransportSlot, decayPerDay k: Double) -> Double {
        exp(-k * travelDays(slot) / 2)
    }

    /// Upstream area (km²) of a channel or reservoir cell, as its travel time and decay class use it;
    /// nil for an ordinary land cell (the model keeps no whole-grid area).
    public func slotAreaKm2(_ cell: Int) -> Double? {
        guard cell >= 0, cell < deliveryOrSlot.count, let slot = transportSlot(deliveryOrSlot[cell]) else { return nil }
        return slots[slot].areaKm2
    }

    /// Whole-grid factors of one pollutant: pass[c] of the load entering c leaves it, own[c] of the
    /// load generated in c leaves it (reservoirs included).
    public func factors(for p: Pollutant) -> (pass: [Double], own: [Double]) {
        let factors = cellFactors(for: p)
        let n = graph.geometry.cellCount
        return ((0..<n).map(factors.pass), (0..<n).map(factors.own))
    }

    /// The same factors looked up cell by cell, without whole-grid arrays (two per pollutant
    /// would cost more than the passes that read them).
    public func cellFactors(for p: Pollutant) -> CellFactors {
        CellFactors(deliveryOrSlot: deliveryOrSlot, slots: slots, factors: slotFactors(for: p))
    }

    /// One pollutant's factors of every slot (see `SlotFactors`).
    func slotFactors(for p: Pollutant) -> SlotFactors {
        guard let classes = parameters.decayClasses[p], !classes.isEmpty else {
            let k = parameters.decayPerDay[p] ?? 0
            return slotFactors(decay: { _ in k }, passed: reservoirPassedFractions(for: p))
        }
        let rates = classes.map(\.rate)
        let classOfSlot = decayClassOfSlot(classes)
        return slotFactors(decay: { rates[max(0, classOfSlot[$0])] }, passed: reservoirPassedFractions(for: p))
    }

    /// The in-stream decay rate (per day) at `cell` for `p`, as the transport factors use it: the typed
    /// rate, or with calibrated classes the class of the cell's channel velocity (the first class off the channel).
    public func decayRate(atCell cell: Int, for p: Pollutant) -> Double {
        guard let classes = parameters.decayClasses[p], !classes.isEmpty else { return parameters.decayPerDay[p] ?? 0 }
        guard isChannel[cell], let area = slotAreaKm2(cell) else { return classes[0].rate }
        return classes[TransportParameters.decayClass(velocity: parameters.velocity.value(areaKm2: area), classes)].rate
    }

    /// Per slot, the decay class of its channel cell (by its velocity), −1 off the channel.
    func decayClassOfSlot(_ classes: [TransportParameters.DecayClass]) -> [Int] {
        slots.map { slot in
            slot.isChannel ? TransportParameters.decayClass(velocity: parameters.velocity.value(areaKm2: slot.areaKm2), classes) : -1
        }
    }

    /// The same with the decay rate of each slot and the passed fraction of each reservoir cell given.
    func slotFactors(decay: (Int) -> Double, passed: [Double]) -> SlotFactors {
        var halfway = [Double](repeating: 1, count: slots.count)
        for (index, slot) in slots.enumerated() { halfway[index] = halfwayFactor(slot, decayPerDay: decay(index)) }
        return SlotFactors(halfway: halfway, passed: passed, delivery: reservoirCellDelivery)
    }
}

/// One pollutant's factors of every slot (`LoadModel.slots`), one number a slot: h = exp(−k·t/2).
/// Before any reservoir, h² of the load entering the cell leaves it (the whole reach's decay) and
/// δ·h of the load generated in it (half the reach's, δ = 1 on the channel and kept per reservoir
/// cell off it); per reservoir cell, the fraction its reservoirs pass on (1 off reservoirs).
struct SlotFactors: Sendable {
    var halfway: [Double]
    /// Aligned with `LoadModel.reservoirCells`.
    var passed: [Double]
    /// The land-to-water delivery ratio of each reservoir cell (`LoadModel.reservoirCellDelivery`).
    var delivery: [Double]

    /// The fraction of the load entering the slot's cell that leaves it before its reservoirs.
    @inline(__always) func enter(_ index: Int) -> Double { Self.enter(halfway[index]) }

    /// The fraction of the load generated in the slot's cell that leaves it before its reservoirs.
    @inline(__always) func generated(_ index: Int, _ slot: TransportSlot) -> Double {
        Self.generated(halfway[index], slot, delivery: { delivery[$0] })
    }

    /// The fraction of the load leaving the slot's cell before its reservoirs that they pass on.
    @inline(__always) func passed(_ slot: TransportSlot) -> Double {
        slot.reservoir < 0 ? 1 : passed[Int(slot.reservoir)]
    }

    /// The two factors from a slot's halfway factor: one formula for the routing pass's buffers and
    /// for these arrays, so both give the same bits.
    @inline(__always) static func enter(_ halfway: Double) -> Double { halfway * halfway }

    @inline(__always) static func generated(_ halfway: Double, _ slot: TransportSlot, delivery: (Int) -> Double) -> Double {
        (slot.isChannel || slot.reservoir < 0 ? 1 : delivery(Int(slot.reservoir))) * halfway
    }
}

/// Whether each cell is a channel cell: a channel cell has a slot that says so (`LoadModel.slots`).
public struct ChannelCells: RandomAccessCollection, Sendable {
    let deliveryOrSlot: [Double]
    let slots: [TransportSlot]

    public var startIndex: Int { 0 }
    public var endIndex: Int { deliveryOrSlot.count }

    @inline(__always) public subscript(cell: Int) -> Bool {
        guard let slot = transportSlot(deliveryOrSlot[cell]) else { return false }
        return slots[slot].isChannel
    }
}

/// One pollutant's transport factors of every cell (see `LoadModel`).
public struct CellFactors: Sendable {
    let deliveryOrSlot: [Double]
    let slots: [TransportSlot]
    let factors: SlotFactors

    /// The fraction of the load entering `cell` that leaves it.
    @inline(__always) public func pass(_ cell: Int) -> Double {
        guard let slot = transportSlot(deliveryOrSlot[cell]) else { return 1 }
        return factors.enter(slot) * factors.passed(slots[slot])
    }

    /// The fraction of the load generated in `cell` that leaves it.
    @inline(__always) public func own(_ cell: Int) -> Double {
        guard let slot = transportSlot(deliveryOrSlot[cell]) else { return deliveryOrSlot[cell] }
        return factors.generated(slot, slots[slot]) * factors.passed(slots[slot])
    }
}

/// The slot of a channel or reservoir cell encoded in a `LoadModel.deliveryOrSlot` value, nil
/// for an ordinary land cell.
@inline(__always) func transportSlot(_ deliveryOrSlot: Double) -> Int? {
    deliveryOrSlot < 0 ? Int(-deliveryOrSlot) - 1 : nil
}

/// A cell whose transport depends on the pollutant: a channel cell (first-order decay over its
/// travel time) or a cell holding reservoirs. 16 bytes: the travel time follows from the area and
/// the cell's reach (`LoadModel.travelDays(_:)`), the delivery ratio is 1 on the channel and kept per
/// reservoir cell off it, and the reservoir and the channel flag share one word.
struct TransportSlot: Sendable {
    var cell: Int32
    /// (position in `LoadModel.reservoirCells` + 1) · 2, + 1 on the channel.
    private var reservoirAndChannel: Int32
    /// Upstream area of the cell, km² (its velocity, so its travel time and decay class).
    var areaKm2: Double

    /// `reservoir`: position in `LoadModel.reservoirCells`, −1 without a reservoir (the model has
    /// fewer reservoirs than cells, so fewer than 2³⁰ given the grid's Int32 indices).
    init(cell: Int32, areaKm2: Double, reservoir: Int, isChannel: Bool) {
        self.cell = cell
        self.areaKm2 = areaKm2
        reservoirAndChannel = Int32(truncatingIfNeeded: (reservoir + 1) * 2 + (isChannel ? 1 : 0))
    }

    var isChannel: Bool { reservoirAndChannel & 1 != 0 }
    /// Position in `LoadModel.reservoirCells`, −1 without a reservoir.
    var reservoir: Int32 { (reservoirAndChannel >> 1) - 1 }
}
