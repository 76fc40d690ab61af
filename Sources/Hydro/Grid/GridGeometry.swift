/// Size and georeferencing of a grid, shared by every grid derived from the same DEM
/// ("homologous" grids). Algorithms that combine grids check that their geometries are equal.
public struct GridGeometry: Equatable, Sendable {
    public var width: Int
    public var height: Int
    public var transform: GeoTransform
    public var crs: CoordinateSystem

    public init(width: Int, height: Int, transform: GeoTransform, crs: CoordinateSystem) {
        self.width = width
        self.height = height
        self.transform = transform
        self.crs = crs
    }

    /// A metric grid with square cells of `cellSize` metres whose top-left corner is at (0, height·cellSize).
    public static func metric(width: Int, height: Int, cellSize: Double = 1) -> GridGeometry {
        GridGeometry(width: width, height: height,
                     transform: GeoTransform(originX: 0, pixelWidth: cellSize,
                                             originY: Double(height) * cellSize, pixelHeight: -cellSize),
                     crs: .unknownMetric)
    }

    public var cellCount: Int { width * height }

    @inline(__always) public func index(column: Int, row: Int) -> Int { row * width + column }

    @inline(__always) public func contains(column: Int, row: Int) -> Bool {
        column >= 0 && row >= 0 && column < width && row < height
    }

    /// Map coordinates of a cell's centre.
    public func centre(column: Int, row: Int) -> (x: Double, y: Double) {
        transform.map(column: Double(column) + 0.5, row: Double(row) + 0.5)
    }

    /// The cell that holds a map coordinate, or nil when it lies outside the grid.
    public func cell(x: Double, y: Double) -> (column: Int, row: Int)? {
        let (c, r) = transform.cell(x: x, y: y)
        guard c.isFinite, r.isFinite, c >= 0, r >= 0, c < Double(width), r < Double(height) else { return nil }
        let column = Int(c.rounded(.down)), row = Int(r.rounded(.down))
        return contains(column: column, row: row) ? (column, row) : nil
    }

    /// Map extent as (minX, minY, maxX, maxY) of the cell corners.
    public var extent: (minX: Double, minY: Double, maxX: Double, maxY: Double) {
        let corners = [transform.map(column: 0, row: 0),
                       transform.map(column: Double(width), row: 0),
                       transform.map(column: 0, row: Double(height)),
                       transform.map(column: Double(width), row: Double(height))]
        return (corners.map(\.x).min() ?? 0, corners.map(\.y).min() ?? 0,
                corners.map(\.x).max() ?? 0, corners.map(\.y).max() ?? 0)
    }

    /// Throws unless `other` has the same size, geotransform and CRS.
    public func requireSame(as other: GridGeometry, _ what: String) throws {
        guard width == other.width, height == other.height else {
            throw HydroError(.geometryMismatch, what,
                             "grid is \(other.width)x\(other.height) cells, expected \(width)x\(height)")
        }
        guard transform == other.transform else {
            throw HydroError(.geometryMismatch, what, "geotransform differs from the DEM's (resample it to the DEM's grid first)")
        }
        guard crs.wkt == other.crs.wkt || !crs.isKnown || !other.crs.isKnown else {
            throw HydroError(.geometryMismatch, what, "CRS '\(other.crs.name)' differs from the DEM's '\(crs.name)'")
        }
    }
}
