import CGDAL

/// How values are resampled when a raster is brought onto another grid.
public enum Resampling: String, Sendable {
    /// Categories (land use, IDs): the value of the nearest source cell.
    case nearest = "near"
    /// Rates per area (kg/ha/yr): the mean of the source cells covering each target cell.
    case average
    /// Amounts per cell (kg/yr): the sum of the source cells, so mass is kept.
    case sum
}

extension RasterReader {
    /// Reads a band on `target`'s grid: as is when the file already has that grid, otherwise warped
    /// by GDAL (reprojected and resampled). Grids that do not overlap at all are an error.
    public static func read<Cell: GridCell>(_ path: String, band: Int = 1, as type: Cell.Type = Cell.self,
                                            onto target: GridGeometry, resampling: Resampling) throws -> Grid<Cell> {
        let dataset = try RasterDataset(opening: path)
        let own = dataset.geometry
        if own.width == target.width, own.height == target.height, own.transform == target.transform,
           !own.crs.isKnown || !target.crs.isKnown || own.crs.isSame(as: target.crs) {
            return try dataset.read(band: band, as: type, progress: .silent)
        }
        guard own.crs.isKnown else {
            throw HydroError(.invalidInput, path, "has a different grid from the DEM and no CRS, so it cannot be resampled onto it")
        }
        _ = try dataset.band(band)
        let e = target.extent
        let arguments = ["-of", "MEM", "-t_srs", target.crs.wkt, "-te", "\(e.minX)", "\(e.minY)", "\(e.maxX)", "\(e.maxY)",
                         "-ts", "\(target.width)", "\(target.height)", "-r", resampling.rawValue]
        let list = StringList(nameValues: arguments)
        guard let options = GDALWarpAppOptionsNew(list.pointer, nil) else {
            throw HydroError(.io, path, "cannot prepare resampling: \(GDALRuntime.lastError(or: "bad options"))")
        }
        defer { GDALWarpAppOptionsFree(options) }
        var sources: [GDALDatasetH?] = [dataset.handle]
        var usageError: Int32 = 0
        CPLErrorReset()
        guard let warped = GDALWarp("", nil, 1, &sources, options, &usageError) else {
            throw HydroError(.io, path, "cannot resample onto the DEM's grid: \(GDALRuntime.lastError(or: "warp failed"))")
        }
        let wrapped = RasterDataset(adopting: warped, path: path)
        var grid = try wrapped.read(band: band, as: type, progress: .silent)
        grid.geometry = target
        return grid
    }
}

extension RasterDataset {
    /// Wraps a dataset GDAL returned (e.g. a warp result); closed when released.
    convenience init(adopting handle: GDALDatasetH, path: String) {
        self.init(handle: handle, path: path)
    }
}
