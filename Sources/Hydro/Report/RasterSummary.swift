/// What a hydrologist wants to know about a raster before using it: `hydrotool info`.
public struct RasterSummary: Codable, Sendable {
    public struct Extent: Codable, Sendable {
        public var minX, minY, maxX, maxY: Double
    }
    public struct CellSize: Codable, Sendable {
        /// In CRS units (degrees for geographic grids).
        public var x, y: Double
        /// In metres: for geographic grids the range over the rows (first/last row differ).
        public var widthMetresMin, widthMetresMax, heightMetresMin, heightMetresMax: Double
        public var areaSquareMetresMin, areaSquareMetresMax: Double
    }
    public struct Band: Codable, Sendable {
        public var index: Int
        public var dataType: String
        public var nodata: Double?
        public var scale: Double
        public var offset: Double
        public var description: String
        public var validCells: Int
        public var nodataShare: Double
        public var minimum: Double?
        public var maximum: Double?
        public var mean: Double?
    }

    public var path: String
    public var driver: String
    public var width: Int
    public var height: Int
    public var crsName: String
    public var crsAuthority: String?
    public var isGeographic: Bool
    public var crsWKT: String
    public var extent: Extent
    public var cellSize: CellSize
    /// Total ellipsoidal (or planar) area of the grid in km².
    public var areaSquareKilometres: Double
    public var bands: [Band]
    public var metadata: [String: String]

    /// Reads the file and computes statistics over every band.
    public static func describe(_ path: String, progress: TaskProgress = .silent) throws -> RasterSummary {
        let info = try RasterReader.info(path)
        let g = info.geometry
        let metrics = try HydroError.attributing(to: path) { try CellMetrics(g) }
        let e = g.extent
        var bands: [Band] = []
        for (i, band) in info.bands.enumerated() {
            let part = progress.scaled(from: Double(i) / Double(info.bands.count), to: Double(i + 1) / Double(info.bands.count))
            let grid = try RasterReader.read(path, band: band.index, as: Double.self, progress: part)
            let stats = GridStatistics(grid)
            bands.append(Band(index: band.index, dataType: band.dataType, nodata: band.nodata, scale: band.scale,
                              offset: band.offset, description: band.description, validCells: stats.validCount,
                              nodataShare: g.cellCount > 0 ? Double(stats.nodataCount) / Double(g.cellCount) : 0,
                              minimum: stats.minimum, maximum: stats.maximum, mean: stats.mean))
        }
        let areaSum = metrics.area.reduce(0, +) * Double(g.width)
        return RasterSummary(
            path: path, driver: info.driver, width: g.width, height: g.height, crsName: g.crs.name,
            crsAuthority: g.crs.authority, isGeographic: g.crs.isGeographic, crsWKT: g.crs.wkt,
            extent: Extent(minX: e.minX, minY: e.minY, maxX: e.maxX, maxY: e.maxY),
            cellSize: CellSize(x: abs(g.transform.pixelWidth), y: abs(g.transform.pixelHeight),
                               widthMetresMin: metrics.width.min() ?? 0, widthMetresMax: metrics.width.max() ?? 0,
                               heightMetresMin: metrics.height.min() ?? 0, heightMetresMax: metrics.height.max() ?? 0,
                               areaSquareMetresMin: metrics.area.min() ?? 0, areaSquareMetresMax: metrics.area.max() ?? 0),
            areaSquareKilometres: areaSum / 1e6, bands: bands, metadata: info.metadata)
    }
}
