/// GDAL's affine geotransform: map x = originX + col·pixelWidth + row·rowRotation,
/// map y = originY + col·columnRotation + row·pixelHeight, for cell corners.
public struct GeoTransform: Equatable, Sendable, Codable {
    public var originX: Double
    public var pixelWidth: Double
    public var rowRotation: Double
    public var originY: Double
    public var columnRotation: Double
    public var pixelHeight: Double

    public init(originX: Double, pixelWidth: Double, originY: Double, pixelHeight: Double,
                rowRotation: Double = 0, columnRotation: Double = 0) {
        self.originX = originX
        self.pixelWidth = pixelWidth
        self.rowRotation = rowRotation
        self.originY = originY
        self.columnRotation = columnRotation
        self.pixelHeight = pixelHeight
    }

    /// The six coefficients in GDAL's order.
    public init(gdal c: [Double]) {
        self.init(originX: c[0], pixelWidth: c[1], originY: c[3], pixelHeight: c[5],
                  rowRotation: c[2], columnRotation: c[4])
    }

    public var gdalCoefficients: [Double] {
        [originX, pixelWidth, rowRotation, originY, columnRotation, pixelHeight]
    }

    /// North-up grids have no rotation terms; the tool's cell-size computations need that.
    public var isNorthUp: Bool { rowRotation == 0 && columnRotation == 0 }

    /// Map coordinates of a fractional cell position (col 0.5, row 0.5 is the first cell's centre).
    public func map(column: Double, row: Double) -> (x: Double, y: Double) {
        (originX + column * pixelWidth + row * rowRotation,
         originY + column * columnRotation + row * pixelHeight)
    }

    /// Fractional cell position of a map coordinate (inverse of `map`).
    public func cell(x: Double, y: Double) -> (column: Double, row: Double) {
        let det = pixelWidth * pixelHeight - rowRotation * columnRotation
        let dx = x - originX, dy = y - originY
        return ((dx * pixelHeight - dy * rowRotation) / det,
                (dy * pixelWidth - dx * columnRotation) / det)
    }
}
