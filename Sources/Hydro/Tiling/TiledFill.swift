/// Depression filling by tiles, with exactly the surface `DepressionFilling.fill` gives in one
/// piece (without `epsilon` or `maxDepth`, whose results depend on the whole grid at once).
///
/// Barnes (2016), "Parallel Priority-Flood depression filling for trillion cell digital elevation
/// models on desktops or clusters", Computers & Geosciences 96:56–68, doi:10.1016/j.cageo.2016.07.001:
/// 1. each tile is flooded on its own with every cell of its outer ring as a seed: ring cells where
///    water leaves the grid (grid edge, next to nodata) get label 0, the others a label of their
///    own; every flooded cell takes its seed's label, so the labels are the tile's watersheds, and
///    each pair of touching watersheds gets the lowest level at which water crosses between them
///    (inside the tile while flooding, across tile edges from the ring cells' own elevations);
/// 2. the graph of those crossings (a few labels per ring cell, never the interior) is solved once
///    by a Priority-Flood from label 0 (`SpillGraph`): each label's spill level;
/// 3. each tile is flooded again and every cell raised to its watershed's spill level if higher.
///
/// The filled surface is the unique lowest surface without depressions, so it equals the in-memory
/// result cell for cell. Only the ring cells' labels and levels cross between tiles. One exception
/// in the bits, not the values: a cell raised to a spill level of zero takes the sign of the zero
/// of whichever cell floods it first, so a DEM holding both −0 and +0 may fill to +0 where the
/// in-memory flood gives −0.
enum TiledFill {
    /// A tile's flood: elevations (halo 2, raised inside the tile), labels, and the crossings found.
    struct Flooded {
        var z: HaloWindow<Float>
        var labels: [Int32]
        var crossings: [UInt64: Float]
    }

    /// Floods one tile (stage 1; stage 3 calls it again). `labelBase[t]` is the first label of tile t's ring.
    static func flood(_ tile: Tile, layout: TileLayout, source: (Int, Int, Int, Int) throws -> [Float], nodata: Float?,
                      labelBase: [Int]) throws -> Flooded {
        var window = try HaloWindow<Float>.read(tile, halo: 2, gridWidth: layout.width, gridHeight: layout.height, outside: .nan, source)
        let width = window.width, n = window.cells.count
        @inline(__always) func valid(_ v: Float) -> Bool { !v.isNaN && v != nodata }
        var flags = [UInt8](repeating: FloodFlag.closed, count: n)
        var labels = [Int32](repeating: -1, count: n)
        var crossings: [UInt64: Float] = [:]
        let offsets = D8.offsets(width: width)
        /// Label of a ring cell of any tile (given as a buffer index and its global position), or −1 when nodata.
        func seedLabel(_ b: Int, globalColumn: Int, globalRow: Int) -> Int32 {
            let z = window.cells
            guard valid(z[b]) else { return -1 }
            if globalColumn == 0 || globalRow == 0 || globalColumn == layout.width - 1 || globalRow == layout.height - 1 { return 0 }
            for k in 0..<8 where !valid(z[b + offsets[k]]) { return 0 }
            let owner = layout.tile(layout.tileIndex(column: globalColumn, row: globalRow))
            return Int32(1 + labelBase[owner.index] + owner.perimeterIndex(globalColumn - owner.column, globalRow - owner.row))
        }
        // Seeds: the tile's ring, and inner cells next to nodata (outlets, label 0). Other inner cells
        // are open; nodata and the halo stay closed.
        var seeds: [Int] = []
        for r in 0..<tile.rows {
            for c in 0..<tile.columns {
                let b = window.index(c, r)
                guard valid(window.cells[b]) else { continue }
                if tile.onEdge(c, r) {
                    labels[b] = seedLabel(b, globalColumn: tile.column + c, globalRow: tile.row + r)
                    seeds.append(b)
                } else if (0..<8).contains(where: { !valid(window.cells[b + offsets[$0]]) }) {
                    labels[b] = 0
                    seeds.append(b)
                } else {
                    flags[b] = 0
                }
            }
        }
        // Crossings over the tile's edge, between its ring and the neighbouring tiles' rings.
        for r in 0..<tile.rows {
            for c in 0..<tile.columns where tile.onEdge(c, r) {
                let a = window.index(c, r)
                let la = labels[a]
                guard la >= 0 else { continue }
                for k in 0..<8 {
                    let lc = c + D8.dx[k], lr = r + D8.dy[k]
                    guard lc < 0 || lr < 0 || lc >= tile.columns || lr >= tile.rows else { continue }
                    let gc = tile.column + lc, gr = tile.row + lr
                    guard gc >= 0, gr >= 0, gc < layout.width, gr < layout.height else { continue }
                    let b = a + offsets[k]
                    let lb = seedLabel(b, globalColumn: gc, globalRow: gr)
                    guard lb >= 0, lb != la else { continue }
                    FloodStrip.record(la, lb, max(window.cells[a], window.cells[b]), in: &crossings)
                }
            }
        }
        // Priority-Flood from the seeds (as `FloodStrip.flood` without epsilon).
        window.cells.withUnsafeMutableBufferPointer { z in
            var heap = MonotoneCellQueue()
            var pits = CellStack()
            var slopes = CellStack()
            for b in seeds { heap.push(z[b], b) }
            @inline(__always) func hasLowerOpenNeighbour(_ cell: Int, _ zc: Float) -> Bool {
                for k in 0..<8 {
                    let nb = cell &+ offsets[k]
                    if flags[nb] & FloodFlag.closed == 0 && z[nb] < zc { return true }
                }
                return false
            }
            while true {
                let c: Int, level: Float
                var atFloodLevel = true
                if !pits.isEmpty { c = pits.pop(); level = z[c] }
                else if !slopes.isEmpty { c = slopes.pop(); level = z[c]; atFloodLevel = false }
                else if !heap.isEmpty { (level, c) = heap.popWithElevation() }
                else { break }
                let label = labels[c]
                for k in 0..<8 {
                    let nb = c &+ offsets[k]
                    guard flags[nb] & FloodFlag.closed == 0 else {
                        if labels[nb] != label, labels[nb] >= 0 { FloodStrip.record(label, labels[nb], max(level, z[nb]), in: &crossings) }
                        continue
                    }
                    flags[nb] |= FloodFlag.closed
                    labels[nb] = label
                    let zn = z[nb]
                    if zn < level {
                        z[nb] = level
                        if atFloodLevel { pits.push(nb) } else { heap.push(level, nb) }
                    } else if hasLowerOpenNeighbour(nb, zn) {
                        heap.push(zn, nb)
                    } else {
                        slopes.push(nb)
                    }
                }
            }
        }
        return Flooded(z: window, labels: labels, crossings: crossings)
    }

    /// First label of each tile's ring (label 0 is the outside), and the number of labels.
    static func labelBases(_ layout: TileLayout) throws -> (bases: [Int], count: Int) {
        var bases: [Int] = []
        var next = 0
        for t in 0..<layout.count {
            bases.append(next)
            next += layout.tile(t).perimeterCount
        }
        guard next < Int(Int32.max) else {
            throw HydroError(.invalidParameter, "--tile-size", "gives \(next) tile edge cells, more than the spill graph can label; use larger tiles")
        }
        return (bases, next + 1)
    }

    /// Stage 3 for one tile: its cells raised to their watersheds' spill levels, tile-sized, row-major.
    static func finish(_ flooded: Flooded, level: [Float]) -> [Float] {
        let tile = flooded.z.tile
        var out = [Float](repeating: 0, count: tile.cellCount)
        for r in 0..<tile.rows {
            for c in 0..<tile.columns {
                let b = flooded.z.index(c, r)
                var v = flooded.z.cells[b]
                let label = flooded.labels[b]
                if label > 0 {
                    let target = level[Int(label)]
                    if target.isFinite, target > v { v = target }
                }
                out[r * tile.columns + c] = v
            }
        }
        return out
    }
}
