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
