/// Stream burning: lowers the DEM along mapped river lines so that derived streams follow them
/// (Hutchinson 1989's drainage enforcement in its simplest, widely used form; Saunders 1999).
///
/// Lines are rasterised by sampling every segment at a quarter of the smaller cell side, so every
/// cell a line crosses is burned. Burned cells are lowered by `depth`; with `buffer` > 0, cells
/// within that many cells (chessboard distance) of a burned cell are lowered by a trench that
/// tapers linearly to zero, depth·(1 − d/(buffer+1)), which keeps the burned channel from
/// leaving artificial walls beside it.
public enum StreamBurning {
    public struct Report: Sendable, Equatable {
        public var burnedCells: Int
        public var trenchCells: Int
    }

    public static func burn(_ dem: inout Grid<Float>, lines: [[Coordinate]], depth: Double, buffer: Int = 0) throws -> Report {
        guard depth > 0, depth.isFinite else { throw HydroError(.invalidParameter, "--depth", "must be positive, got \(depth)") }
        guard buffer >= 0, buffer <= 1000 else { throw HydroError(.invalidParameter, "--buffer", "must lie in 0…1000 cells") }
        let burned = LineRasterizer.cells(of: lines, on: dem.geometry)
        let width = dem.width, height = dem.height
        var distance = [Int32](repeating: -1, count: dem.count)
        var frontier: [Int] = []
        for i in 0..<dem.count where burned[i] && dem.isValid(at: i) { distance[i] = 0; frontier.append(i) }
        let burnedCount = frontier.count
        var trench = 0
        var ring: Int32 = 0
        while !frontier.isEmpty && ring < Int32(buffer) {
            ring += 1
            var next: [Int] = []
            for c in frontier {
                let r = c / width, col = c % width
                for k in 0..<8 {
                    let rr = r + D8.dy[k], cc = col + D8.dx[k]
                    guard rr >= 0, cc >= 0, rr < height, cc < width else { continue }
                    let j = rr * width + cc
                    if distance[j] < 0 && dem.isValid(at: j) { distance[j] = ring; next.append(j); trench += 1 }
                }
            }
            frontier = next
        }
        for i in 0..<dem.count where distance[i] >= 0 {
            let taper = 1 - Double(distance[i]) / Double(buffer + 1)
            dem.cells[i] -= Float(depth * taper)
        }
        return Report(burnedCells: burnedCount, trenchCells: trench)
    }
}

/// Cells crossed by lines, in a grid's map coordinates.
public enum LineRasterizer {
    public static func cells(of lines: [[Coordinate]], on geometry: GridGeometry) -> [Bool] {
        var mask = [Bool](repeating: false, count: geometry.cellCount)
        let t = geometry.transform
        let step = min(abs(t.pixelWidth), abs(t.pixelHeight)) / 4
        let diagonal = ((Double(geometry.width) * t.pixelWidth) * (Double(geometry.width) * t.pixelWidth)
            + (Double(geometry.height) * t.pixelHeight) * (Double(geometry.height) * t.pixelHeight)).squareRoot()
        for line in lines {
            for (start, end) in zip(line, line.dropFirst()) {
                var (a, b) = (start, end)
                var length = ((b.x - a.x) * (b.x - a.x) + (b.y - a.y) * (b.y - a.y)).squareRoot()
                // A segment longer than the grid could hold (a far-off or absurd vertex) is cut to the part over
                // the grid first, so it costs nothing and cannot overflow; shorter ones are sampled as they are.
                if !(length <= 2 * diagonal) {
                    guard let clipped = clip(start, end, to: geometry.extent) else { continue }
                    (a, b) = clipped
                    length = ((b.x - a.x) * (b.x - a.x) + (b.y - a.y) * (b.y - a.y)).squareRoot()
                    guard length.isFinite else { continue }
                }
                let samples = max(1, Int((length / step).rounded(.up)))
                for s in 0...samples {
                    let f = Double(s) / Double(samples)
                    if let cell = geometry.cell(x: a.x + (b.x - a.x) * f, y: a.y + (b.y - a.y) * f) {
                        mask[geometry.index(column: cell.column, row: cell.row)] = true
                    }
                }
            }
            if line.count == 1, let p = line.first, let cell = geometry.cell(x: p.x, y: p.y) {
                mask[geometry.index(column: cell.column, row: cell.row)] = true
            }
        }
        return mask
    }

    /// The part of the segment a→b inside the box (Liang–Barsky), or nil when none is. Entry and exit
    /// points are computed on the boundary they cross, so a far-off vertex loses no precision there.
    static func clip(_ a: Coordinate, _ b: Coordinate, to box: (minX: Double, minY: Double, maxX: Double, maxY: Double)) -> (Coordinate, Coordinate)? {
        guard a.x.isFinite, a.y.isFinite, b.x.isFinite, b.y.isFinite else { return nil }
        let dx = b.x - a.x, dy = b.y - a.y
        guard dx.isFinite, dy.isFinite else { return nil }
        func onBoundary(_ k: Int) -> Coordinate {
            switch k {
            case 0: return Coordinate(box.minX, a.y + (box.minX - a.x) / dx * dy)
            case 1: return Coordinate(box.maxX, a.y + (box.maxX - a.x) / dx * dy)
            case 2: return Coordinate(a.x + (box.minY - a.y) / dy * dx, box.minY)
            default: return Coordinate(a.x + (box.maxY - a.y) / dy * dx, box.maxY)
            }
        }
        var t0 = 0.0, t1 = 1.0
        var enter = a, exit = b
        for (k, (p, q)) in [(-dx, a.x - box.minX), (dx, box.maxX - a.x), (-dy, a.y - box.minY), (dy, box.maxY - a.y)].enumerated() {
            if p == 0 {
                if q < 0 { return nil }
                continue
            }
            let r = q / p
            if p < 0 {
                if r > t1 { return nil }
                if r > t0 { t0 = r; enter = onBoundary(k) }
            } else {
                if r < t0 { return nil }
                if r < t1 { t1 = r; exit = onBoundary(k) }
            }
        }
        return (enter, exit)
    }
}
