/// D8 flow directions by tiles, equal to `D8FlowDirection.compute` on the whole grid.
///
/// A cell's steepest-descent direction depends on its 3×3 neighbourhood only, so a tile read with a
/// halo gets it exactly. Flats need more: their drainage (Barnes, Lehman & Mulla 2014) follows two
/// breadth-first distances over the whole flat. A flat that lies inside one tile (no cell on the
/// tile's outer ring) is resolved with the tile by `FlatResolution` itself. The cells of flats that
/// reach a tile's ring are gathered from every tile with their neighbours and resolved once as one
/// set (`CrossTileFlats`), so a flat spanning many tiles drains exactly as in one piece.
enum TiledFlowDirection {
    /// A tile's directions (tile-sized, row-major, internal codes) before cross-tile flats are
    /// drained, and the cells of those flats with their neighbourhoods.
    struct Pass {
        var codes: [UInt8]
        var flats: CrossTileFlats.Part
    }

    /// Directions of one tile from the filled DEM; `resolveLocalFlats` drains the flats inside it.
    static func directions(_ tile: Tile, layout: TileLayout, filled: (Int, Int, Int, Int) throws -> [Float], nodata: Float?,
                           distances: [Double], resolveLocalFlats: Bool) throws -> Pass {
        let window = try HaloWindow<Float>.read(tile, halo: 2, gridWidth: layout.width, gridHeight: layout.height, outside: .nan, filled)
        let width = window.width, height = window.height
        // Distances by window row (rows beyond the grid hold no valid cell).
        var rowDistances = [Double](repeating: 1, count: height * 8)
        for wr in 0..<height {
            let r = min(max(tile.row + wr - 2, 0), layout.height - 1)
            for k in 0..<8 { rowDistances[wr * 8 + k] = distances[r * 8 + k] }
        }
        var codes = [UInt8](repeating: D8.noData, count: window.cells.count)
        window.cells.withUnsafeBufferPointer { z in
            codes.withUnsafeMutableBufferPointer { out in
                for wr in 1..<(height - 1) {
                    D8FlowDirection.assignRow(wr, width: width, height: height, z: z, nodata: nodata, distances: rowDistances, out: out)
                }
            }
        }
        // The tile and a ring around it: every code there saw its full neighbourhood.
        let sw = tile.columns + 2, sh = tile.rows + 2
        var subZ = [Float](repeating: .nan, count: sw * sh), subCodes = [UInt8](repeating: D8.noData, count: sw * sh)
        for r in 0..<sh {
            for c in 0..<sw {
                subZ[r * sw + c] = window.cells[(r + 1) * width + c + 1]
                subCodes[r * sw + c] = codes[(r + 1) * width + c + 1]
            }
        }
        let part = CrossTileFlats.Part.collect(tile: tile, layout: layout, z: subZ, codes: subCodes, width: sw, nodata: nodata)
        if resolveLocalFlats {
            let geometry = GridGeometry.metric(width: sw, height: sh)
            var sub = try FlowDirections(geometry: geometry, codes: subCodes)
            try FlatResolution.resolve(&sub, dem: Grid(geometry: geometry, trustedCells: subZ, nodata: nodata), threads: 1, progress: .silent)
            subCodes = sub.codes
        }
        var out = [UInt8](repeating: D8.noData, count: tile.cellCount)
        for r in 0..<tile.rows {
            for c in 0..<tile.columns { out[r * tile.columns + c] = subCodes[(r + 1) * sw + c + 1] }
        }
        return Pass(codes: out, flats: part)
    }
}

/// The flats that reach a tile's outer ring, drained as one set over all tiles.
enum CrossTileFlats {
    /// A cell seen by the tiles: elevation and D8 code before flats were drained.
    struct Cell: Equatable { var z: Float; var code: UInt8 }

    /// What one tile contributes: its cells of such flats, and those cells' neighbours (global indices).
    struct Part {
        var members: [Int] = []
        var cells: [Int: Cell] = [:]

        /// The flat cells of `tile` connected to its ring, from the tile-plus-ring window (`width` = columns + 2).
        static func collect(tile: Tile, layout: TileLayout, z: [Float], codes: [UInt8], width: Int, nodata: Float?) -> Part {
            var part = Part()
            var seen = Set<Int>()
            var stack: [Int] = []
            @inline(__always) func window(_ c: Int, _ r: Int) -> Int { (r + 1) * width + c + 1 }
            for r in 0..<tile.rows {
                for c in 0..<tile.columns where tile.onEdge(c, r) && codes[window(c, r)] == D8.noFlow {
                    let w = window(c, r)
                    guard seen.insert(w).inserted else { continue }
                    stack.append(w)
                    while let i = stack.popLast() {
                        let lr = i / width - 1, lc = i % width - 1
                        let gc = tile.column + lc, gr = tile.row + lr
                        part.members.append(gr * layout.width + gc)
                        for k in 0..<8 {
                            let nc = lc + D8.dx[k], nr = lr + D8.dy[k]
                            let ngc = tile.column + nc, ngr = tile.row + nr
                            guard ngc >= 0, ngr >= 0, ngc < layout.width, ngr < layout.height else { continue }
                            let j = window(nc, nr)
                            part.cells[ngr * layout.width + ngc] = Cell(z: z[j], code: codes[j])
                            let inTile = nc >= 0 && nr >= 0 && nc < tile.columns && nr < tile.rows
                            if inTile && codes[j] == D8.noFlow && z[j] == z[i] && seen.insert(j).inserted { stack.append(j) }
                        }
                        part.cells[gr * layout.width + gc] = Cell(z: z[i], code: codes[i])
                    }
                }
            }
            return part
        }
    }

    /// Directions of every member cell (global index → internal code), by `FlatResolution`'s rules.
    static func solve(members: [Int], cells: [Int: Cell], width: Int, height: Int, nodata: Float?) throws -> [Int: UInt8] {
        @inline(__always) func valid(_ v: Float) -> Bool { !v.isNaN && v != nodata }
        // The cells seen, numbered in raster order, with their in-grid neighbours' numbers (−1: not
        // seen or off the grid): the rings below then walk arrays, not hash tables.
        let node = cells.keys.sorted()
        let count = node.count
        guard count < Int32.max else {
            throw HydroError(.invalidInput, "flow directions", "\(count) cells of flats cross tile edges, more than one drain can hold; use larger tiles")
        }
        func number(_ g: Int) -> Int {
            var lo = 0, hi = count
            while lo < hi {
                let mid = (lo + hi) / 2
                if node[mid] < g { lo = mid + 1 } else { hi = mid }
            }
            return lo < count && node[lo] == g ? lo : -1
        }
        var z = [Float](repeating: 0, count: count), code = [UInt8](repeating: 0, count: count)
        var neighbour = [Int32](repeating: -1, count: 8 * count)
        for (n, g) in node.enumerated() {
            guard let cell = cells[g] else { continue }
            z[n] = cell.z
            code[n] = cell.code
            let row = g / width, column = g % width
            for k in 0..<8 {
                let r = row + D8.dy[k], c = column + D8.dx[k]
                guard r >= 0, c >= 0, r < height, c < width else { continue }
                neighbour[8 * n + k] = Int32(number(r * width + c))
            }
        }
        // Drained together: the members and their draining neighbours at the same elevation (the low edges).
        var inSet = [Bool](repeating: false, count: count)
        var lowEdges: [Int] = [], highEdges: [Int] = []
        let sortedMembers = members.sorted()
        let memberNumbers = sortedMembers.map(number)
        for n in memberNumbers where n >= 0 { inSet[n] = true }
        for n in memberNumbers where n >= 0 {
            var high = false
            for k in 0..<8 {
                let j = Int(neighbour[8 * n + k])
                guard j >= 0, valid(z[j]) else { continue }
                if z[j] > z[n] { high = true }
                if code[j] < 8 && z[j] == z[n] && !inSet[j] { inSet[j] = true; lowEdges.append(j) }
            }
            if high { highEdges.append(n) }
        }
        // Breadth-first ring numbers (1 at the seeds) over undrained cells of the set at the seed's level.
        func rings(from seeds: [Int]) -> [Int32] {
            var ring = [Int32](repeating: 0, count: count)
            for s in seeds { ring[s] = 1 }
            var current = seeds, next: [Int] = []
            var loops: Int32 = 2
            while !current.isEmpty {
                for i in current {
                    for k in 0..<8 {
                        let j = Int(neighbour[8 * i + k])
                        guard j >= 0, inSet[j], code[j] == D8.noFlow, z[j] == z[i], ring[j] == 0 else { continue }
                        ring[j] = loops
                        next.append(j)
                    }
                }
                swap(&current, &next)
                next.removeAll(keepingCapacity: true)
                loops += 1
            }
            return ring
        }
        let away = rings(from: highEdges), towards = rings(from: lowEdges)
        let height0 = Int(away.max() ?? 0)
        func mask(_ c: Int) -> Int {
            let a = Int(away[c]), t = Int(towards[c])
            return a > 0 ? height0 - a + 2 * t : 2 * t
        }
        var result: [Int: UInt8] = [:]
        result.reserveCapacity(sortedMembers.count)
        for (i, n) in zip(sortedMembers, memberNumbers) {
            result[i] = D8.noFlow
            guard n >= 0, towards[n] > 0 else { continue }
            var best = -1
            var lowest = mask(n)
            for k in D8.cardinalFirst {
                let j = Int(neighbour[8 * n + k])
                guard j >= 0, inSet[j], z[j] == z[n], mask(j) < lowest else { continue }
                lowest = mask(j)
                best = k
            }
            if best >= 0 { result[i] = UInt8(best) }
        }
        return result
    }
}
