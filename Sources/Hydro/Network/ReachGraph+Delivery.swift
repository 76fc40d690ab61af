extension ReachGraph {
    /// One pollutant's fraction of the load entering each cell that arrives at its reach's outlet
    /// (as the outlet's inflow, before the outlet's own loss), in one pass from downstream up:
    /// 1 at an outlet, pass(c) · fraction(receiver) elsewhere. Written into `fraction`, a
    /// whole-grid buffer the caller reuses between pollutants.
    public func deliveryToOutlets(_ factors: CellFactors, into fraction: inout [Double], threads: Int = 2) {
        let n = geometry.cellCount
        if fraction.count != n { fraction = [Double](repeating: 0, count: n) }
        graph.withD8Receivers { ds in
            reachOfCell.withUnsafeBufferPointer { reach in
                fraction.withUnsafeMutableBufferPointer { f in
                    // Each half on a thread of its own: a cell's D8 receiver lies in its half, since a
                    // cell whose links take all its water (its D8 receiver may lie in the other half)
                    // ends a reach (`ReachGraph.init`), and reach outlets read no receiver here. For
                    // the same reason a reach's catchment lies in its outlet's half (`deliveredInflow`).
                    graph.forEachBasinHalf(threads: threads) { part, halves in
                        for c32 in graph.order.reversed() {
                            let c = Int(c32)
                            guard halves.contains(c, part: part) else { continue }
                            let r = Int(reach[c])
                            if r >= 0 && Int(outlet[r]) == c { f[c] = 1; continue }
                            let d = Int(ds[c])
                            f[c] = d >= 0 ? factors.pass(c) * f[d] : 0
                        }
                    }
                }
            }
        }
    }

    /// The factor of each edge for one pollutant: the edge's share times the fraction of what
    /// enters the receiving cell that reaches the receiving reach's outlet.
    public func edgeFactors(toOutlet fraction: [Double]) -> [Double] {
        (0..<edgeEntry.count).map { edgeShare[$0] * fraction[Int(edgeEntry[$0])] }
    }

    /// Load generated in each reach's incremental catchment (outlet excluded) that arrives at the
    /// reach's outlet, by group: `generated(c)` times the cell's own loss `own(c)` times the
    /// receiver's fraction. One pass over the cells; each (reach, group) sum is order-independent.
    public func deliveredInflow(generated: CellLoads, factors: CellFactors, toOutlet fraction: [Double],
                                group: (Int) -> Int32, threads: Int = 2) -> [OriginVector] {
        // Each reach's (group, sum) entries as a linked list in one pool: most reaches draw on one
        // or two groups, and a cell's addition then touches no per-reach array of its own. The sums are
        // order-independent (`ReproducibleSum`), so partial sums of tiles add up to the same figures.
        // A reach's catchment lies in one basin half: each half fills its own pool, on a thread of its own.
        var pools = (0..<graph.basinPartCount).map { _ in InflowPool(reaches: count) }
        var ran = 1
        graph.withD8Receivers { ds in
            reachOfCell.withUnsafeBufferPointer { reach in
                generated.withReader { generated in
                    fraction.withUnsafeBufferPointer { fraction in
                        pools.withUnsafeMutableBufferPointer { pools in
                            ran = graph.forEachBasinHalf(threads: threads) { part, halves in
                                var pool = InflowPool(reaches: 0)
                                swap(&pool, &pools[part])
                                for c32 in graph.order {
                                    let c = Int(c32)
                                    guard halves.contains(c, part: part) else { continue }
                                    let g = generated[c]
                                    guard g != 0 else { continue }
                                    // A cell that is no outlet lies in its receiver's reach (`reachOfCell`); an
                                    // outlet's own load is the reach's, not its receiver's inflow.
                                    let r = Int(reach[c])
                                    guard r >= 0, Int(outlet[r]) != c else { continue }
                                    let d = Int(ds[c])
                                    guard d >= 0 else { continue }
                                    pool.add(g * factors.own(c) * fraction[d], group: group(c), reach: r)
                                }
                                swap(&pool, &pools[part])
                            }
                        }
                    }
                }
            }
        }
        return (0..<count).map { r in
            let cell = Int(outlet[r])
            let part = ran == 2 && graph.basinHalves.second.contains(cell) ? 1 : 0
            return pools[part].vector(of: r)
        }
    }
}

/// The (group, sum) entries of each reach as linked lists in one pool (`ReachGraph.deliveredInflow`).
private struct InflowPool {
    var head: [Int32]
    var entryGroup: [Int32] = [], entryValue: [ReproducibleSum] = [], entryNext: [Int32] = []

    init(reaches: Int) { head = [Int32](repeating: -1, count: reaches) }

    @inline(__always) mutating func add(_ value: Double, group origin: Int32, reach r: Int) {
        var e = Int(head[r])
        while e >= 0 && entryGroup[e] != origin { e = Int(entryNext[e]) }
        if e >= 0 {
            entryValue[e] += value
        } else {
            entryGroup.append(origin)
            entryValue.append(ReproducibleSum(CollectionOfOne(value)))
            entryNext.append(head[r])
            head[r] = Int32(entryGroup.count - 1)
        }
    }

    func vector(of r: Int) -> OriginVector {
        var groups: [Int32] = [], values: [Double] = []
        var e = Int(head[r])
        while e >= 0 {
            groups.append(entryGroup[e])
            values.append(entryValue[e].value)
            e = Int(entryNext[e])
        }
        return OriginVector(groups: groups, values: values)
    }
}

/// Load by origin as a short list of (group, value), most reaches drawing on one or two
/// jurisdictions; kept sorted by group after it is built so that merges are linear.
public struct OriginVector: Sendable, Equatable {
    public private(set) var groups: [Int32] = []
    public private(set) var values: [Double] = []

    public init() {}

    /// From distinct groups in any order (sorted here).
    init(groups: [Int32], values: [Double]) {
        self.groups = groups
        self.values = values
        sortByGroup()
    }

    /// Adds to a group's value (appending the group when it is new).
    @inline(__always) public mutating func add(_ group: Int32, _ value: Double) {
        if let i = groups.firstIndex(of: group) { values[i] += value } else { groups.append(group); values.append(value) }
    }

    mutating func sortByGroup() {
        guard groups.count > 1 else { return }
        let order = groups.indices.sorted { groups[$0] < groups[$1] }
        groups = order.map { groups[$0] }
        values = order.map { values[$0] }
    }

    /// Every value times `factor`.
    public mutating func scale(_ factor: Double) {
        for i in values.indices { values[i] *= factor }
    }

    /// Adds `other · factor` group by group (both sorted by group; the result stays sorted).
    public mutating func add(_ other: OriginVector, times factor: Double) {
        guard !other.groups.isEmpty else { return }
        var g: [Int32] = [], v: [Double] = []
        g.reserveCapacity(groups.count + other.groups.count)
        v.reserveCapacity(groups.count + other.groups.count)
        var i = 0, j = 0
        while i < groups.count || j < other.groups.count {
            if j == other.groups.count || (i < groups.count && groups[i] < other.groups[j]) {
                g.append(groups[i]); v.append(values[i]); i += 1
            } else if i == groups.count || other.groups[j] < groups[i] {
                g.append(other.groups[j]); v.append(0 + other.values[j] * factor); j += 1
            } else {
                g.append(groups[i]); v.append(values[i] + other.values[j] * factor); i += 1; j += 1
            }
        }
        groups = g
        values = v
    }

    /// The values as a dense array of `count` groups.
    public func dense(count: Int) -> [Double] {
        var out = [Double](repeating: 0, count: count)
        for (g, v) in zip(groups, values) { out[Int(g)] += v }
        return out
    }
}
