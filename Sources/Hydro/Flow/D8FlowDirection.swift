/// D8 flow directions by steepest distance-weighted descent, with flats resolved.
///
/// Each valid cell drains to the neighbour with the greatest drop per metre,
/// (z − z_n) / d_n, with d_n from the grid's per-row cell sizes (`NeighbourDistances`), so
/// geographic DEMs are handled without assuming square cells (O'Callaghan & Mark 1984). Ties go
/// to the first neighbour clockwise from east. A cell without a lower neighbour that touches the
/// grid edge or nodata drains out of the grid there (cardinal directions first). Remaining cells
/// without a lower neighbour sit on flats, which are drained towards lower terrain and away from
/// higher terrain by the method of Barnes, Lehman & Mulla (2014), "An efficient assignment of
/// drainage direction over flat surfaces in raster digital elevation models", Computers &
/// Geosciences 62:128–135, doi:10.1016/j.cageo.2013.01.009 (`FlatResolution`). Cells left without
/// a direction are real sinks (pits kept by `--max-depth`, undrainable flats): `D8.noFlow`.
///
/// - Precondition: for every cell to drain, the DEM is depression-filled (`DepressionFilling`).
/// - Determinism: rows are split among threads but each cell's result depends only on the DEM,
///   so the output is identical for any thread count.
public enum D8FlowDirection {
    public static func compute(_ dem: Grid<Float>, threads: Int = 2, resolveFlats: Bool = true,
                               progress: TaskProgress = .silent) throws -> FlowDirections {
        let width = dem.width, height = dem.height, n = dem.count
        try GridLimits.requireIndexable(n, "DEM")
        let distances = NeighbourDistances(try CellMetrics(dem.geometry)).distance
        var codes = [UInt8](repeating: D8.noData, count: n)
        let nodata = dem.nodata
        try progress.report(0)
        dem.cells.withUnsafeBufferPointer { z in
            codes.withUnsafeMutableBufferPointer { out in
                let input = SharedReadOnlyBuffer(base: z), output = SharedBuffer(base: out)
                Parallel.forEachRowBand(rows: height, threads: threads) { first, end in
                    for row in first..<end {
                        assignRow(row, width: width, height: height, z: input.base, nodata: nodata,
                                  distances: distances, out: output.base)
                    }
                }
            }
        }
        try progress.report(0.5)
        var directions = try FlowDirections(geometry: dem.geometry, codes: codes)
        codes = []  // the directions own the only copy: flat resolution then edits it in place
        if resolveFlats {
            try FlatResolution.resolve(&directions, dem: dem, threads: threads, progress: progress.scaled(from: 0.5, to: 1))
        }
        try progress.report(1)
        return directions
    }


    @inline(__always)
    static func assignRow(_ row: Int, width: Int, height: Int, z: UnsafeBufferPointer<Float>, nodata: Float?,
                                  distances: [Double], out: UnsafeMutableBufferPointer<UInt8>) {
        let rowDistances = (0..<8).map { distances[row * 8 + $0] }
        let interiorRow = row > 0 && row < height - 1
        for column in 0..<width {
            let i = row &* width &+ column
            let zc = z[i]
            if zc.isNaN || zc == nodata { continue }
            let interior = interiorRow && column > 0 && column < width - 1
            var best = -1
            var steepest = 0.0
            var touchesOutside = false
            for k in 0..<8 {
                let r = row &+ D8.dy[k], c = column &+ D8.dx[k]
                if !interior && (r < 0 || c < 0 || r >= height || c >= width) { touchesOutside = true; continue }
                let zn = z[r &* width &+ c]
                if zn.isNaN || zn == nodata { touchesOutside = true; continue }
                if zn < zc {
                    let slope = Double(zc - zn) / rowDistances[k]
                    if slope > steepest { steepest = slope; best = k }
                }
            }
            if best >= 0 {
                out[i] = UInt8(best)
            } else if touchesOutside {
                for k in D8.cardinalFirst {
                    let r = row &+ D8.dy[k], c = column &+ D8.dx[k]
                    if r < 0 || c < 0 || r >= height || c >= width { out[i] = UInt8(k); break }
                    let zn = z[r &* width &+ c]
                    if zn.isNaN || zn == nodata { out[i] = UInt8(k); break }
                }
            } else {
                out[i] = D8.noFlow
            }
        }
    }
}
