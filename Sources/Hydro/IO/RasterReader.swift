import CGDAL
import Foundation

/// What a raster file holds, without reading its cells.
public struct RasterInfo: Sendable {
    public struct Band: Sendable {
        public var index: Int
        public var dataType: String
        /// The storage kind matching the band's type, when the tool has one.
        public var cellKind: CellKind?
        public var nodata: Double?
        public var scale: Double
        public var offset: Double
        public var description: String
        public var metadata: [String: String]
    }

    public var path: String
    public var driver: String
    public var geometry: GridGeometry
    public var bands: [Band]
    public var metadata: [String: String]
}

/// Reads raster bands of any GDAL format (GeoTIFF, SRTM .hgt, netCDF, ESRI ASCII grid, VRT,
/// /vsizip/ paths…) into grids.
public enum RasterReader {
    /// The file's geometry, bands and metadata.
    public static func info(_ path: String) throws -> RasterInfo {
        let dataset = try RasterDataset(opening: path)
        try dataset.requireUsableGeometry()
        return dataset.info
    }

    /// Refuses, before any cell is read, a raster whose work would not fit in memory: `bytesPerCell`
    /// is the peak the command needs per cell of this grid (all its grids together).
    public static func requireMemory(_ path: String, bytesPerCell: Int, purpose: String) throws {
        let g = try info(path).geometry
        try MemoryBudget.require(cells: g.cellCount, bytesPerCell: bytesPerCell, subject: path, purpose: purpose)
    }

    /// Reads band `band` (1-based) as `Cell`, applying the band's scale and offset when it has them.
    ///
    /// NoData is kept as the grid's sentinel; a nodata value the cell type cannot hold is an error.
    public static func read<Cell: GridCell>(_ path: String, band: Int = 1, as type: Cell.Type = Cell.self,
                                            progress: TaskProgress = .silent) throws -> Grid<Cell> {
        let dataset = try RasterDataset(opening: path)
        return try dataset.read(band: band, as: type, progress: progress)
    }

    /// The raster attribute table of band 1 (class value, code and name per row), nil without one.
    /// Reads the columns by usage (`GFU_MinMax` or `GFU_Generic` named VALUE, `GFU_Name`) and name.
    public static func attributeTable(_ path: String) throws -> RasterAttributeTable? {
        let dataset = try RasterDataset(opening: path)
        guard let band = GDALGetRasterBand(dataset.handle, 1), let rat = GDALGetDefaultRAT(band) else { return nil }
        let columns = Int32(GDALRATGetColumnCount(rat))
        func column(_ name: String) -> Int32? {
            (0..<columns).first { String(cString: GDALRATGetNameOfCol(rat, $0)).uppercased() == name }
        }
        guard let value = column("VALUE") else { return nil }
        let code = column("CODE"), name = column("NAME") ?? Int32(GDALRATGetColOfUsage(rat, GFU_Name))
        let rows = (0..<GDALRATGetRowCount(rat)).map { r -> RasterAttributeTable.Row in
            RasterAttributeTable.Row(value: Int(GDALRATGetValueAsInt(rat, r, value)),
                                     code: code.map { String(cString: GDALRATGetValueAsString(rat, r, $0)) } ?? "",
                                     name: name >= 0 ? String(cString: GDALRATGetValueAsString(rat, r, name)) : "")
        }
        return RasterAttributeTable(rows: rows)
    }
}

/// An open GDAL raster dataset.
final class RasterDataset {
    let path: String
    let handle: GDALDatasetH

    init(opening path: String) throws {
        GDALRuntime.ensureReady()
        self.path = path
        try requireExists(path)
        CPLErrorReset()
        // Compressed GeoTIFF tiles are then decoded on all cores (GDAL ≥ 3.6), unless the user set
        // GDAL_NUM_THREADS; only for reading, so that written files never depend on threads.
        let decodeInParallel = CPLGetConfigOption("GDAL_NUM_THREADS", nil) == nil
        if decodeInParallel { CPLSetThreadLocalConfigOption("GDAL_NUM_THREADS", "ALL_CPUS") }
        defer { if decodeInParallel { CPLSetThreadLocalConfigOption("GDAL_NUM_THREADS", nil) } }
        guard let h = GDALOpenEx(path, UInt32(GDAL_OF_RASTER | GDAL_OF_READONLY), nil, nil, nil) else {
            let reason = GDALRuntime.lastError(or: "not a raster GDAL can read")
            throw HydroError(.io, path, reason.contains(path) ? "cannot open: \(reason.replacingPath(path))" : "cannot open as a raster: \(reason)")
        }
        handle = h
        guard GDALGetRasterCount(h) > 0 else {
            GDALClose(h)
            throw HydroError(.invalidInput, path, "has no raster bands")
        }
    }

    init(handle: GDALDatasetH, path: String) {
        self.handle = handle
        self.path = path
    }

    deinit { GDALClose(handle) }

    var geometry: GridGeometry {
        var coefficients = [Double](repeating: 0, count: 6)
        let hasTransform = GDALGetGeoTransform(handle, &coefficients) == CE_None
        let transform = hasTransform ? GeoTransform(gdal: coefficients)
            : GeoTransform(originX: 0, pixelWidth: 1, originY: 0, pixelHeight: 1)
        let crs = SpatialReference.cloning(GDALGetSpatialRef(handle))?.coordinateSystem ?? .unknownMetric
        return GridGeometry(width: Int(GDALGetRasterXSize(handle)), height: Int(GDALGetRasterYSize(handle)),
                            transform: transform, crs: crs)
    }

    /// Refuses a geotransform whose cell size is zero or not finite: every distance, area and slope would be too.
    func requireUsableGeometry() throws {
        let t = geometry.transform
        for (name, v) in [("width", t.pixelWidth), ("height", t.pixelHeight)] where !(v.isFinite && v != 0) {
            throw HydroError(.invalidInput, path, "its geotransform gives a cell \(name) of \(v); set the cell size (gdal_edit.py -tr or -a_ullr)")
        }
        for v in [t.originX, t.originY] where !v.isFinite {
            throw HydroError(.invalidInput, path, "its geotransform has an origin of \(v)")
        }
    }

    var bandCount: Int { Int(GDALGetRasterCount(handle)) }

    func band(_ index: Int) throws -> GDALRasterBandH {
        guard index >= 1, index <= bandCount, let b = GDALGetRasterBand(handle, Int32(index)) else {
            throw HydroError(.invalidInput, path, "band \(index) does not exist (the file has \(bandCount) band\(bandCount == 1 ? "" : "s"))")
        }
        return b
    }

    var info: RasterInfo {
        let driverName = GDALGetDatasetDriver(handle).map { String(cString: GDALGetDriverShortName($0)) } ?? "?"
        var bands: [RasterInfo.Band] = []
        for i in 1...max(bandCount, 1) {
            guard let b = try? band(i) else { continue }
            var hasNodata: Int32 = 0, hasScale: Int32 = 0, hasOffset: Int32 = 0
            let nodata = GDALGetRasterNoDataValue(b, &hasNodata)
            let scale = GDALGetRasterScale(b, &hasScale)
            let offset = GDALGetRasterOffset(b, &hasOffset)
            let type = GDALGetRasterDataType(b)
            bands.append(RasterInfo.Band(
                index: i, dataType: String(cString: GDALGetDataTypeName(type)), cellKind: CellKind(gdal: type),
                nodata: hasNodata != 0 ? nodata : nil, scale: hasScale != 0 ? scale : 1, offset: hasOffset != 0 ? offset : 0,
                description: String(cString: GDALGetDescription(b)), metadata: Self.metadata(of: b)))
        }
        return RasterInfo(path: path, driver: driverName, geometry: geometry, bands: bands,
                          metadata: Self.metadata(of: handle))
    }

    static func metadata(of object: UnsafeMutableRawPointer) -> [String: String] {
        var result: [String: String] = [:]
        guard let list = GDALGetMetadata(object, nil) else { return result }
        var i = 0
        while let entry = list[i] {
            let item = String(cString: entry)
            if let eq = item.firstIndex(of: "=") {
                result[String(item[..<eq])] = String(item[item.index(after: eq)...])
            }
            i += 1
        }
        return result
    }

    func read<Cell: GridCell>(band index: Int, as type: Cell.Type, progress: TaskProgress) throws -> Grid<Cell> {
        let b = try band(index)
        try requireUsableGeometry()
        let fileType = GDALGetRasterDataType(b)
        if GDALDataTypeIsComplex(fileType) != 0 {
            throw HydroError(.invalidInput, path, "band \(index) holds complex numbers (\(String(cString: GDALGetDataTypeName(fileType)))); hydrotool reads real values only")
        }
        let geometry = self.geometry
        var hasNodata: Int32 = 0, hasScale: Int32 = 0, hasOffset: Int32 = 0
        let fileNodata = GDALGetRasterNoDataValue(b, &hasNodata)
        let rawScale = GDALGetRasterScale(b, &hasScale)
        let rawOffset = GDALGetRasterOffset(b, &hasOffset)
        let scale = hasScale != 0 ? rawScale : 1
        let offset = hasOffset != 0 ? rawOffset : 0
        let scaled = scale != 1 || offset != 0
        if scaled && !Cell.kind.isFloatingPoint {
            throw HydroError(.invalidInput, path, "band \(index) has scale \(scale) and offset \(offset); it must be read as floating point")
        }
        let nodata = try Grid<Cell>.nodataSentinel(hasNodata != 0 ? fileNodata : nil, file: path)
        guard let zero = Cell(exactly: 0) else { throw HydroError(.invalidInput, path, "unsupported cell type") }
        let width = geometry.width, height = geometry.height
        try MemoryBudget.require(cells: geometry.cellCount, bytesPerCell: MemoryLayout<Cell>.stride, subject: path,
                                 purpose: "reading band \(index) as \(Cell.kind)")
        var cells = [Cell](repeating: zero, count: width * height)
        var failure: CPLErr = CE_None
        let bridge = GDALProgressBridge(progress)
        CPLErrorReset()
        cells.withUnsafeMutableBufferPointer { buffer in
            bridge.withCallback { callback, context in
                var extra = GDALRasterIOExtraArg.withProgress(callback, context)
                failure = GDALRasterIOEx(b, GF_Read, 0, 0, Int32(width), Int32(height), buffer.baseAddress,
                                         Int32(width), Int32(height), Cell.kind.gdalType, 0, 0, &extra)
            }
            guard failure == CE_None, scaled else { return }
            for i in 0..<buffer.count {
                let v = buffer[i]
                if v.isNaN || v == nodata { continue }
                buffer[i] = Cell(exactly: v.doubleValue * scale + offset) ?? Cell(exactly: Double(Float(v.doubleValue * scale + offset))) ?? v
            }
        }
        guard failure == CE_None else {
            let reason = GDALRuntime.lastError(or: "read failed")
            throw HydroError(progress.isActive && reason.isEmpty ? .cancelled : .io, path, "cannot read band \(index): \(reason)")
        }
        return Grid(geometry: geometry, trustedCells: cells, nodata: nodata)
    }
}

extension CellKind {
    init?(gdal type: GDALDataType) {
        switch type {
        case GDT_Byte: self = .uint8
        case GDT_Int16: self = .int16
        case GDT_UInt16: self = .uint16
        case GDT_Int32: self = .int32
        case GDT_UInt32: self = .uint32
        case GDT_Float32: self = .float32
        case GDT_Float64: self = .float64
        default: return nil
        }
    }

    var gdalType: GDALDataType {
        switch self {
        case .uint8: GDT_Byte
        case .int16: GDT_Int16
        case .uint16: GDT_UInt16
        case .int32: GDT_Int32
        case .uint32: GDT_UInt32
        case .float32: GDT_Float32
        case .float64: GDT_Float64
        }
    }
}

extension String {
    /// GDAL repeats the path in many messages; the tool already leads with it.
    func replacingPath(_ path: String) -> String {
        var s = self
        while let r = s.range(of: path + ": ") { s.removeSubrange(r) }
        return s
    }
}
