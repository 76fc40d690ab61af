/// Moving outlets and monitoring sections onto the modelled river.
public enum Snapping {
    public enum Mode: Sendable, Equatable {
        /// The cell of highest accumulation within the radius (metres).
        case highestAccumulation(radius: Double)
        /// The nearest stream cell (within the radius, metres) that drains at least `minimumAreaKm2`
        /// of upstream area: a section on a main river is not moved onto a small tributary that
        /// happens to lie nearer, as one within a few cells of it often does on a fine grid.
        case nearestStream(radius: Double, minimumAreaKm2: Double = 0)
    }

    public struct Result: Sendable, Equatable {
        public var cell: Int
        public var distance: Double
        public var moved: Coordinate
    }

    /// Snaps `point` (map coordinates of `geometry`). Returns nil when the point lies outside the
    /// grid or no candidate cell lies within the radius.
    public static func snap(_ point: Coordinate, geometry: GridGeometry, accumulation: Grid<Double>,
                            stream: [Int32]? = nil, mode: Mode) throws -> Result? {
        guard let origin = geometry.cell(x: point.x, y: point.y) else { return nil }
        let metrics = try CellMetrics(geometry)
        let radius: Double
        switch mode {
        case .highestAccumulation(let r), .nearestStream(let r, _): radius = r
        }
        guard radius >= 0, radius.isFinite else { throw HydroError(.invalidParameter, "snapping radius", "must be a finite distance of zero or more metres, got \(radius)") }
        let minSide = min(metrics.width.min() ?? 1, metrics.height.min() ?? 1)
        let reach = Int(min((radius / minSide).rounded(.up), Double(max(geometry.width, geometry.height))))
        var best: (cell: Int, key: Double, distance: Double)?
        for r in max(0, origin.row - reach)...min(geometry.height - 1, origin.row + reach) {
            for c in max(0, origin.column - reach)...min(geometry.width - 1, origin.column + reach) {
                let i = geometry.index(column: c, row: r)
                let value = accumulation.cells[i]
                guard accumulation.isValid(value) else { continue }
                let centre = geometry.centre(column: c, row: r)
                let distance = distanceMetres(from: point, to: Coordinate(centre.x, centre.y), row: r, metrics: metrics, geometry: geometry)
                guard distance <= radius else { continue }
                switch mode {
                case .highestAccumulation:
                    // Highest accumulation; ties to the nearer, then the lower index (scan order).
                    if let b = best, value < b.key || (value == b.key && distance >= b.distance) { continue }
                    best = (i, value, distance)
                case .nearestStream(_, let minimumArea):
                    guard let stream, stream[i] != 0, value >= minimumArea else { continue }
                    if let b = best, distance >= b.distance { continue }
                    best = (i, -distance, distance)
                }
            }
        }
        guard let best else { return nil }
        let centre = geometry.centre(column: best.cell % geometry.width, row: best.cell / geometry.width)
        return Result(cell: best.cell, distance: best.distance, moved: Coordinate(centre.x, centre.y))
    }

    /// Distance in metres between two nearby points of the grid's CRS (per-row metric scale).
    static func distanceMetres(from a: Coordinate, to b: Coordinate, row: Int, metrics: CellMetrics, geometry: GridGeometry) -> Double {
        let t = geometry.transform
        let dx = (b.x - a.x) / abs(t.pixelWidth) * metrics.width[row]
        let dy = (b.y - a.y) / abs(t.pixelHeight) * metrics.height[row]
        return (dx * dx + dy * dy).squareRoot()
    }
}
