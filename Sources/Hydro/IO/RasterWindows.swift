import CGDAL
import Foundation

/// One band of a raster read by windows (tiles), never whole: what tiled processing reads from
/// one large raster or from a VRT of many.
public final class RasterWindowSource {
    public let path: String
    public let geometry: GridGeometry
    /// The band's nodata value as the file holds it (nil: the band has none); `nodata(as:)` gives it
    /// as a sentinel of the type read.
    private let fileNodata: Double?
    private let dataset: RasterDataset
    private let band: GDALRasterBandH
    private let scale: Double
    private let offset: Double

    public init(path: String, band index: Int = 1) throws {
        dataset = try RasterDataset(opening: path)
        try dataset.requireUsableGeometry()
        self.path = path
        band = try dataset.band(index)
        let fileType = GDALGetRasterDataType(band)
        if GDALDataTypeIsComplex(fileType) != 0 {
            throw HydroError(.invalidInput, path, "band \(index) holds complex numbers; hydrotool reads real values only")
        }
        geometry = dataset.geometry
        var hasNodata: Int32 = 0, hasScale: Int32 = 0, hasOffset: Int32 = 0
        let nodata = GDALGetRasterNoDataValue(band, &hasNodata)
        let rawScale = GDALGetRasterScale(band, &hasScale), rawOffset = GDALGetRasterOffset(band, &hasOffset)
        scale = hasScale != 0 ? rawScale : 1
        offset = hasOffset != 0 ? rawOffset : 0
        fileNodata = hasNodata != 0 ? nodata : nil
    }

    /// Cells of the window (`columns` × `rows` from `column`, `row`, inside the grid) as Float32,
    /// row-major, scale and offset applied as `RasterReader.read` applies them.
    public func read(column: Int, row: Int, columns: Int, rows: Int) throws -> [Float] {
        try read(column: column, row: row, columns: columns, rows: rows, as: Float.self, nodata: try nodata(as: Float.self))
    }

    /// The band's nodata value as a sentinel of `Cell` (nil: the band has none), as `RasterReader.read`
    /// gives it for a grid of `Cell`.
    public func nodata<Cell: GridCell>(as type: Cell.Type) throws -> Cell? {
        try Grid<Cell>.nodataSentinel(fileNodata, file: path)
    }

    /// The same window read as `Cell` (floating point when the band has a scale or offset), the
    /// values those of `RasterReader.read(_:as:)` at the same cells.
    public func read<Cell: GridCell>(column: Int, row: Int, columns: Int, rows: Int, as type: Cell.Type, nodata: Cell?) throws -> [Cell] {
        guard column >= 0, row >= 0, columns > 0, rows > 0, column + columns <= geometry.width, row + rows <= geometry.height,
              let x = Int32(exactly: column), let y = Int32(exactly: row), let w = Int32(exactly: columns), let h = Int32(exactly: rows) else {
            throw HydroError(.invalidParameter, path, "window \(column),\(row) \(columns)×\(rows) lies outside the grid")
        }
        let scaled = scale != 1 || offset != 0
        if scaled && !Cell.kind.isFloatingPoint {
            throw HydroError(.invalidInput, path, "the band has scale \(scale) and offset \(offset); it must be read as floating point")
        }
        guard let zero = Cell(exactly: 0) else { throw HydroError(.invalidInput, path, "unsupported cell type") }
        var cells = [Cell](repeating: zero, count: columns * rows)
        CPLErrorReset()
        let failure = cells.withUnsafeMutableBufferPointer { buffer in
            GDALRasterIO(band, GF_Read, x, y, w, h, buffer.baseAddress, w, h, Cell.kind.gdalType, 0, 0)
        }
        guard failure == CE_None else {
            throw HydroError(.io, path, "cannot read window \(column),\(row) \(columns)×\(rows): \(GDALRuntime.lastError(or: "read failed"))")
        }
        if scaled {
            for i in 0..<cells.count {
                let v = cells[i]
                if v.isNaN || v == nodata { continue }
                cells[i] = Cell(exactly: v.doubleValue * scale + offset) ?? Cell(exactly: Double(Float(v.doubleValue * scale + offset))) ?? v
            }
        }
        return cells
    }
}

/// Mosaics of tiles written one file a tile.
public enum TileMosaic {
    /// Caps GDAL's block cache (by default 5 % of the machine's memory), part of a run's memory limit.
    public static func limitCache(bytes: Int) {
        GDALRuntime.ensureReady()
        GDALSetCacheMax64(Int64(max(bytes, 16 << 20)))
    }

    /// Writes a VRT at `path` over the tile files `tiles` (GDAL's gdalbuildvrt), paths relative to it.
    public static func buildVRT(tiles: [String], to path: String) throws {
        GDALRuntime.ensureReady()
        let arguments = StringList(nameValues: ["-q"])
        CPLErrorReset()
        guard let options = GDALBuildVRTOptionsNew(arguments.pointer, nil) else {
            throw HydroError(.io, path, "cannot prepare the VRT: \(GDALRuntime.lastError(or: "bad options"))")
        }
        defer { GDALBuildVRTOptionsFree(options) }
        let names = StringList(nameValues: tiles)
        var usageError: Int32 = 0
        guard let vrt = GDALBuildVRT(path, Int32(tiles.count), nil, names.constPointer, options, &usageError) else {
            throw HydroError(.io, path, "cannot build the VRT: \(GDALRuntime.lastError(or: "gdalbuildvrt failed"))")
        }
        GDALClose(vrt)
        if CPLGetLastErrorType() == CE_Failure {
            throw HydroError(.io, path, "cannot build the VRT: \(GDALRuntime.lastError(or: "write failed"))")
        }
    }

    /// Copies a mosaic (a VRT) into one Cloud Optimized GeoTIFF at `path`, read block by block.
    public static func writeCOG(from source: String, to path: String, creationOptions: [String] = ["COMPRESS=DEFLATE"]) throws {
        GDALRuntime.ensureReady()
        let input = try RasterDataset(opening: source)
        guard let driver = GDALGetDriverByName("COG") else { throw HydroError(.io, path, "GDAL has no COG driver") }
        let options = StringList(nameValues: creationOptions)
        CPLErrorReset()
        guard let copy = GDALCreateCopy(driver, path, input.handle, 0, options.pointer, nil, nil) else {
            throw HydroError(.io, path, "cannot write the COG: \(GDALRuntime.lastError(or: "refused by the driver"))")
        }
        GDALClose(copy)
        if CPLGetLastErrorType() == CE_Failure {
            throw HydroError(.io, path, "cannot write the COG: \(GDALRuntime.lastError(or: "write failed"))")
        }
    }
}
