/// One cell's transport of one pollutant, as a tile reads it by window instead of the whole-grid
/// `LoadModel` (see there for the physics): out = (enter · in + generated · G) · passed.
/// An ordinary land cell has enter = passed = 1 and generated = δ; the loss accounting follows the
/// kind, as `LoadRouting` charges it.
public struct CellTransport: Sendable, Equatable, BitwiseCopyable {
    public enum Kind: UInt8, Sendable, BitwiseCopyable {
        /// An ordinary land cell (delivery ratio only).
        case land
        /// A channel cell (decay), possibly holding reservoirs.
        case channel
        /// A land cell holding reservoirs.
        case retaining
    }

    public var kind: Kind
    public var enter: Double
    public var generated: Double
    public var passed: Double

    public static let noData = CellTransport(kind: .land, enter: 1, generated: 0, passed: 1)

    public init(kind: Kind, enter: Double, generated: Double, passed: Double) {
        self.kind = kind
        self.enter = enter
        self.generated = generated
        self.passed = passed
    }

    /// The load leaving the cell, computed as `LoadRouting` does (the same operations, so the same bits).
    @inline(__always) func leaving(_ entering: Double, _ g: Double, _ sums: inout TiledLoads.Sums) -> Double {
        sums.generated += g
        guard kind != .land else {
            sums.onLand += g - generated * g
            return entering + generated * g
        }
        let beforeReservoir = enter * entering + generated * g
        let loss = entering + g - beforeReservoir
        if kind == .channel { sums.inStreams += loss } else { sums.onLand += loss }
        let value = beforeReservoir * passed
        sums.inReservoirs += beforeReservoir - value
        return value
    }

    /// The fraction of the load entering the cell that leaves it (`CellFactors.pass`).
    @inline(__always) var pass: Double { kind == .land ? 1 : enter * passed }
    /// The fraction of the load generated in the cell that leaves it (`CellFactors.own`).
    @inline(__always) var own: Double { kind == .land ? generated : generated * passed }
}

extension LoadModel {
    /// Every cell's transport of `p` (whole grid).
    public func cellTransport(for p: Pollutant) -> [CellTransport] {
        let g = graph.geometry
        return transportWindow(for: p)(0, 0, g.width, g.height)
    }

    /// The transport of `p` by windows (column, row, columns, rows inside the grid): what a tiled
    /// run reads a tile at a time.
    public func transportWindow(for p: Pollutant) -> (Int, Int, Int, Int) -> [CellTransport] {
        let factors = slotFactors(for: p)
        let width = graph.geometry.width
        let slotTransport = slots.indices.map { slot in
            CellTransport(kind: slots[slot].isChannel ? .channel : .retaining, enter: factors.enter(slot),
                          generated: factors.generated(slot, slots[slot]), passed: factors.passed(slots[slot]))
        }
        return { c, r, w, h in
            [CellTransport](unsafeUninitializedCapacity: w * h) { out, count in
                deliveryOrSlot.withUnsafeBufferPointer { cells in
                    var i = 0
                    for row in r..<(r + h) {
                        for value in cells[(row * width + c)..<(row * width + c + w)] {
                            out[i] = transportSlot(value).map { slotTransport[$0] } ?? CellTransport(kind: .land, enter: 1, generated: value, passed: 1)
                            i += 1
                        }
                    }
                }
                count = w * h
            }
        }
    }
}

/// Load routing and attribution by tiles, bit for bit equal to `LoadRouting.route` and
/// `LoadAttribution.attribute` on the whole grid (`TiledRouting` gives the order argument).
///
/// Sums over all cells (mass budgets, unit budgets and flux, per-(reach, origin) inflows) are
/// `ReproducibleSum`s in memory as here, so each tile's partial sums merge into the same bits. The
/// outlet loads keep their routing order (the keys sort them), so `MassBudget.delivered` does too.
/// Inputs come as windows (column, row, columns, rows) of whole-grid layers.
public enum TiledLoads {
    public typealias Window<Cell> = (Int, Int, Int, Int) throws -> [Cell]

    /// A window reader over a whole-grid array (row-major, `width` columns).
    public static func window<T>(_ cells: [T], width: Int) -> Window<T> {
        { c, r, w, h in
            var out: [T] = []
            out.reserveCapacity(w * h)
            for row in r..<(r + h) { out += cells[(row * width + c)..<(row * width + c + w)] }
            return out
        }
    }

    struct Sums {
        var generated = ReproducibleSum(), onLand = ReproducibleSum(), inStreams = ReproducibleSum(), inReservoirs = ReproducibleSum()

        mutating func add(_ o: Sums) {
            generated += o.generated; onLand += o.onLand; inStreams += o.inStreams; inReservoirs += o.inReservoirs
        }

        func write(to w: inout ByteWriter) {
            for s in [generated, onLand, inStreams, inReservoirs] { s.write(to: &w) }
        }

        static func read(from r: inout ByteReader) throws -> Sums {
            Sums(generated: try .read(from: &r), onLand: try .read(from: &r), inStreams: try .read(from: &r), inReservoirs: try .read(from: &r))
        }
    }

    public struct Routed {
        public var budget: MassBudget
        /// Tile visits (one per tile when no chain of tiles feeds back) and edges between tiles.
        public var visits: Int
        public var crossings: Int
    }

    /// Routes one pollutant by tiles: `outflow(tile, values)` receives each tile's routed outflow
    /// (kg/yr, NaN on nodata, row-major over the tile) once it is complete, on the rank visiting it.
    /// Every rank of `executor` calls it alike (`TiledRouting.run`); the leader gets the budget.
    public static func route(_ pollutant: Pollutant, layout: TileLayout, codes: Window<UInt8>, links: [FlowLink],
                             generated: Window<Double>, transport: Window<CellTransport>,
                             executor: TileExecutor = LocalTileExecutor(), stateFolder: String? = nil,
                             outflow: (Tile, [Double]) throws -> Void) throws -> Routed {
        var unused = LoadAttribution.UnitBudgets(units: 0)
        return try route(pollutant, layout: layout, codes: codes, links: links, generated: generated, transport: transport,
                         labels: { _, _, _, _ in [] }, unitCount: nil, budgets: &unused, executor: executor, stateFolder: stateFolder,
                         outflow: outflow)
    }

    /// The routing pass, with the per-unit budgets summed on the way when `unitCount` is given
    /// (`labels`: the unit labels by window, −1 outside every unit). Each visit sums its own cells
    /// and sends the sums to the leader, which adds them (exact sums: the same bits in any order).
    static func route(_ pollutant: Pollutant, layout: TileLayout, codes: Window<UInt8>, links linkList: [FlowLink],
                      generated: Window<Double>, transport: Window<CellTransport>,
                      labels unitLabels: Window<Int32>, unitCount: Int?, budgets: inout LoadAttribution.UnitBudgets,
                      executor: TileExecutor = LocalTileExecutor(), stateFolder: String? = nil,
                      outflow: (Tile, [Double]) throws -> Void) throws -> Routed {
        let links = try TiledRouting.Links(linkList, cellCount: layout.width * layout.height)
        /// What one visit sums.
        final class Partial {
            var sums = Sums()
            var budgets: LoadAttribution.UnitBudgets
            init(units: Int) { budgets = LoadAttribution.UnitBudgets(units: units) }
        }
        let width = layout.width
        // The unit of every link target (links are few; a target may lie in any tile).
        var linkTargetUnit: [Int: Int] = [:]
        if let unitCount {
            for link in linkList {
                let label = try unitLabels(link.to % width, link.to / width, 1, 1).first ?? -1
                linkTargetUnit[link.to] = label < 0 ? unitCount : Int(label)
            }
        }
        let outside = unitCount ?? 0
        var total = Sums()
        let result = try TiledRouting.run(layout: layout, codes: codes, links: links, executor: executor, stateFolder: stateFolder, pass: { tile in
            let g = try generated(tile.column, tile.row, tile.columns, tile.rows)
            let tr = try transport(tile.column, tile.row, tile.columns, tile.rows)
            guard g.count == tile.cellCount, tr.count == tile.cellCount else {
                throw HydroError(.invalidInput, "sources", "a window of \(tile.columns)×\(tile.rows) cells came back with \(g.count) loads and \(tr.count) transport cells")
            }
            @inline(__always) func local(_ cell: Int) -> Int { (cell / width - tile.row) * tile.columns + cell % width - tile.column }
            let labels = try unitCount == nil ? nil
                : HaloWindow<Int32>.read(tile, halo: 1, gridWidth: layout.width, gridHeight: layout.height, outside: -1, unitLabels)
            let partial = Partial(units: unitCount == nil ? 0 : outside + 1)
            let codesWindow = try labels == nil ? nil
                : HaloWindow<UInt8>.read(tile, halo: 1, gridWidth: layout.width, gridHeight: layout.height, outside: D8.noData, codes)
            let offsets = D8.offsets(width: tile.columns + 2)
            return TiledRouting.TilePass(leaving: { cell, entering in
                let l = local(cell)
                return tr[l].leaving(entering, g[l], &partial.sums)
            }, resolved: { cell, entering, leaving in
                guard let labels, let codesWindow else { return }
                // As `LoadAttribution`'s budgets: loss = what enters + what is generated − what leaves.
                let l = local(cell)
                let b = labels.index(l % tile.columns, l / tile.columns)
                @inline(__always) func unit(_ label: Int32) -> Int { label < 0 ? outside : Int(label) }
                let u = unit(labels.cells[b])
                partial.budgets.gen[u] += g[l]
                partial.budgets.lost[u] += entering + g[l] - leaving
                var passed = 0.0
                let s0 = links.d8Share(cell)
                let k = codesWindow.cells[b]
                if s0 > 0, k < 8, codesWindow.cells[b &+ offsets[Int(k)]] != D8.noData {
                    passed += s0
                    let v = unit(labels.cells[b &+ offsets[Int(k)]])
                    if v != u { partial.budgets.flux[u][v] += s0 * leaving }
                }
                for index in links.from[cell] ?? [] {
                    let link = links.links[index]
                    passed += link.share
                    let v = linkTargetUnit[link.to] ?? outside
                    if v != u { partial.budgets.flux[u][v] += link.share * leaving }
                }
                if passed < 1 { partial.budgets.delivered[u] += leaving * (1 - passed) }
            }, summary: {
                var w = ByteWriter()
                partial.sums.write(to: &w)
                if unitCount != nil { partial.budgets.write(to: &w) }
                return w.bytes
            })
        }, finished: outflow, merge: { bytes in
            var r = ByteReader(bytes)
            total.add(try Sums.read(from: &r))
            if unitCount != nil { try budgets.add(from: &r) }
        })
        let budget = MassBudget(pollutant: pollutant.name, generated: total.generated.value, outletCells: result.outlets.map(\.cell),
                                outletLoads: result.outlets.map(\.load), lostOnLand: total.onLand.value,
                                lostInStreams: total.inStreams.value, lostInReservoirs: total.inReservoirs.value)
        return Routed(budget: budget, visits: result.visits, crossings: result.crossings)
    }
}

extension LoadAttribution.UnitBudgets {
    /// Packing for the leader of a tiled run: every unit's sums and its flux entries that are not zero.
    func write(to w: inout ByteWriter) {
        let zero = ReproducibleSum()
        w.put(gen.count)
        for u in gen.indices {
            gen[u].write(to: &w); lost[u].write(to: &w); delivered[u].write(to: &w)
            let entries = flux[u].indices.filter { flux[u][$0] != zero }
            w.put(entries.count)
            for v in entries { w.put(v); flux[u][v].write(to: &w) }
        }
    }

    /// Adds budgets packed by `write` (exact: the sums are integers underneath).
    mutating func add(from r: inout ByteReader) throws {
        guard try r.int() == gen.count else { throw HydroError(.io, "tile message", "unit budgets for another number of units") }
        for u in gen.indices {
            gen[u] += try .read(from: &r); lost[u] += try .read(from: &r); delivered[u] += try .read(from: &r)
            for _ in 0..<(try r.count()) {
                let v = try r.int()
                guard v >= 0, v < gen.count else { throw HydroError(.io, "tile message", "a flux to no unit \(v)") }
                flux[u][v] += try ReproducibleSum.read(from: &r)
            }
        }
    }
}
