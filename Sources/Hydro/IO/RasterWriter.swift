import CGDAL

/// How a raster is written: GDAL driver, creation options and the provenance it carries.
public struct RasterWriteOptions: Sendable {
    /// GDAL driver short name ("GTiff", "COG", "AAIGrid", …). Default: GeoTIFF.
    public var format: String
    /// Creation options as NAME=VALUE; they override the defaults of the same name.
    public var creationOptions: [String]
    /// Replace an existing output.
    public var overwrite: Bool
    /// Extra metadata items (NAME → value), e.g. the encoding of a direction raster.
    public var metadata: [String: String]
    /// One description per band (e.g. "TP delivered load (kg/yr)").
    public var bandDescriptions: [String]
    /// Input files the output must never replace.
    public var inputs: [String]
    /// One GDAL unit type per band ("m", "km2", "kg/yr"); QGIS and `gdalinfo` show it.
    public var bandUnits: [String]
    /// A raster attribute table for the first band (category values with their codes and names).
    public var attributeTable: RasterAttributeTable?

    public init(format: String = "GTiff", creationOptions: [String] = [], overwrite: Bool = false,
                metadata: [String: String] = [:], bandDescriptions: [String] = [], inputs: [String] = [],
                bandUnits: [String] = [], attributeTable: RasterAttributeTable? = nil) {
        self.format = format
        self.creationOptions = creationOptions
        self.overwrite = overwrite
        self.metadata = metadata
        self.bandDescriptions = bandDescriptions
        self.inputs = inputs
        self.bandUnits = bandUnits
        self.attributeTable = attributeTable
    }
}

/// A thematic raster's legend, written as GDAL's raster attribute table: one row per class value,
/// with a code and a name column (GDAL's `GFU_Name` usage, which QGIS shows as the class label).
public struct RasterAttributeTable: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        public var value: Int
        public var code: String
        public var name: String
        public init(value: Int, code: String, name: String) {
            self.value = value
            self.code = code
            self.name = name
        }
    }

    public var rows: [Row]
    public init(rows: [Row]) { self.rows = rows }
}

/// Writes grids through GDAL, atomically (see `AtomicOutput`).
///
/// GeoTIFFs are tiled and DEFLATE-compressed by default, with predictor 2 for integers and 3 for
/// floating point. `COG` is written by building the raster in memory and copying it with the
/// COG driver, which in GDAL 3.6 has no `Create`. Every output carries the tool's name, version
/// and the command that made it (`Provenance`).
public enum RasterWriter {
    public static func write<Cell: GridCell>(_ grid: Grid<Cell>, to path: String, options: RasterWriteOptions = .init(),
                                             progress: TaskProgress = .silent) throws {
        try write(bands: [grid], to: path, options: options, progress: progress)
    }

    /// Writes several homologous grids as the bands of one file.
    public static func write<Cell: GridCell>(bands: [Grid<Cell>], to path: String, options: RasterWriteOptions = .init(),
                                             progress: TaskProgress = .silent) throws {
        guard let first = bands.first else { throw HydroError(.invalidParameter, path, "nothing to write") }
        for band in bands.dropFirst() { try first.geometry.requireSame(as: band.geometry, path) }
        try write(bandCount: bands.count, geometry: first.geometry, to: path, options: options, progress: progress) { bands[$0] }
    }

    /// Writes `bandCount` bands made one at a time by `band` (called for 0, 1, … in order, each
    /// grid let go once written), so that a file of many bands never needs them all in memory. The
    /// file's bytes are those `write(bands:)` gives for the same grids: the same GDAL calls in the
    /// same order.
    ///
    /// `stored`: the file's cell type when it is narrower than the grids' (Float64 grids kept as
    /// Float32): GDAL converts each block as it writes it, rounding to nearest as `Float(_:)` does,
    /// so no narrowed copy of a whole grid is made.
    public static func write<Cell: GridCell>(bandCount: Int, geometry: GridGeometry, to path: String, options: RasterWriteOptions = .init(),
                                             storedAs stored: CellKind? = nil,
                                             progress: TaskProgress = .silent, band: (Int) throws -> Grid<Cell>) throws {
        GDALRuntime.ensureReady()
        guard bandCount > 0 else { throw HydroError(.invalidParameter, path, "nothing to write") }
        let kind = stored ?? Cell.kind
        guard kind == Cell.kind || (kind == .float32 && Cell.kind == .float64) else {
            throw HydroError(.invalidParameter, path, "\(Cell.kind.rawValue) grids cannot be stored as \(kind.rawValue)")
        }
        let narrowsToFloat = kind != Cell.kind
        let driver = try Self.driver(options)
        try requireStorable(kind, driver: driver, format: options.format, path: path)
        guard let width = Int32(exactly: geometry.width), let height = Int32(exactly: geometry.height), let count = Int32(exactly: bandCount) else {
            throw HydroError(.invalidParameter, path, "a \(geometry.width) × \(geometry.height) grid is larger than GDAL can write")
        }
        // Each band is checked as it is made; a failure discards the half-written file.
        func checked(_ b: Int) throws -> Grid<Cell> {
            let grid = try band(b)
            try geometry.requireSame(as: grid.geometry, path)
            // Stored as Float32, a value beyond Float32's range would become infinite.
            if Cell.kind.isFloatingPoint,
               let i = grid.cells.firstIndex(where: { $0.doubleValue.isInfinite || (narrowsToFloat && Float($0.doubleValue).isInfinite) }) {
                throw NonFiniteResult(file: path, location: "column \(i % grid.width), row \(i / grid.width) of band \(b + 1)",
                                      value: narrowsToFloat ? Double(Float(grid.cells[i].doubleValue)) : grid.cells[i].doubleValue)
            }
            return grid
        }
        let canCreate = GDALGetMetadataItem(driver, GDAL_DCAP_CREATE, nil) != nil
        let creation = creationOptionList(options, kind: kind, width: geometry.width, height: geometry.height)
        // A pixel-interleaved tile holds every band: bands written one after the other that do not
        // fit in GDAL's block cache together have each tile flushed, read back and compressed again
        // for every band (three-band China 30″ loads: 14 s of a 17 s step). Such files are written
        // band-interleaved, each tile compressed once; smaller ones keep GDAL's default layout.
        let (rasterBytes, overflow) = geometry.cellCount.multipliedReportingOverflow(by: bandCount * Int(GDALGetDataTypeSizeBytes(kind.gdalType)))
        if options.format.uppercased() == "GTIFF", bandCount > 1, creation.value("INTERLEAVE") == nil,
           overflow || Int64(rasterBytes) > GDALGetCacheMax64() / 2 {
            creation.set("INTERLEAVE", "BAND")
        }
        try checkCreationOptions(driver, creation, format: options.format)
        try AtomicOutput.write(to: path, overwrite: options.overwrite, inputs: options.inputs) { temporary in
            CPLErrorReset()
            if canCreate {
                guard let dataset = GDALCreate(driver, temporary, width, height,
                                               count, kind.gdalType, creation.pointer) else {
                    throw HydroError(.io, path, "cannot create: \(GDALRuntime.lastError(or: "driver refused the options"))")
                }
                do { try fill(dataset, geometry: geometry, bandCount: bandCount, with: checked, options: options, path: path, progress: progress) } catch {
                    GDALClose(dataset)
                    throw error
                }
                GDALClose(dataset)
            } else {
                // Drivers such as COG only copy: build the raster in memory first.
                guard let memory = GDALGetDriverByName("MEM"),
                      let staging = GDALCreate(memory, "", width, height,
                                               count, kind.gdalType, nil) else {
                    throw HydroError(.io, path, "cannot create an in-memory raster")
                }
                defer { GDALClose(staging) }
                try fill(staging, geometry: geometry, bandCount: bandCount, with: checked, options: options, path: path, progress: progress.scaled(from: 0, to: 0.2))
                let bridge = GDALProgressBridge(progress.scaled(from: 0.2, to: 1))
                let copy = bridge.withCallback { callback, context in
                    GDALCreateCopy(driver, temporary, staging, 0, creation.pointer, callback, context)
                }
                guard let copy else {
                    throw HydroError(.io, path, "cannot write as \(options.format): \(GDALRuntime.lastError(or: "cancelled or refused by the driver"))")
                }
                GDALClose(copy)
            }
            if CPLGetLastErrorType() == CE_Failure {
                throw HydroError(.io, path, "write failed: \(GDALRuntime.lastError(or: "unknown error"))")
            }
        }
    }

    /// Checks the driver and creation options before any work: the driver exists and writes rasters,
    /// every option is NAME=VALUE, and GDAL knows each option's name and accepts its value (as
    /// `gdal_translate` warns for `-co COMPRESS=BOGUS`, but here it is an error: GDAL would ignore
    /// the option and write something else than asked).
    public static func validate(_ options: RasterWriteOptions) throws {
        let driver = try driver(options)
        for kind in [CellKind.float32, .uint8] {
            try checkCreationOptions(driver, creationOptionList(options, kind: kind), format: options.format)
        }
    }

    static func checkCreationOptions(_ driver: GDALDriverH, _ list: StringList, format: String) throws {
        CPLErrorReset()
        guard GDALValidateCreationOptions(driver, list.pointer) == 0 else { return }
        let message = GDALRuntime.lastError(or: "GDAL's \(format) driver rejects the creation options")
        throw HydroError(.invalidParameter, "--co", "\(message) (see `gdalinfo --format \(format)`)")
    }

    static func driver(_ options: RasterWriteOptions) throws -> GDALDriverH {
        GDALRuntime.ensureReady()
        guard let driver = GDALGetDriverByName(options.format) else {
            throw HydroError(.invalidParameter, "--of", "unknown GDAL raster driver '\(options.format)' (see `gdalinfo --formats`)")
        }
        for option in options.creationOptions where !option.contains("=") {
            throw HydroError(.invalidParameter, "--co", "'\(option)' is not NAME=VALUE")
        }
        guard GDALGetMetadataItem(driver, GDAL_DCAP_CREATE, nil) != nil || GDALGetMetadataItem(driver, GDAL_DCAP_CREATECOPY, nil) != nil,
              GDALGetMetadataItem(driver, GDAL_DCAP_RASTER, nil) != nil else {
            throw HydroError(.invalidParameter, "--of", "driver '\(options.format)' cannot write rasters")
        }
        // GDAL only warns about an unknown option or value (COMPRESS=BOGUS) and writes without it.
        if !options.creationOptions.isEmpty {
            let given = StringList(nameValues: options.creationOptions)
            CPLErrorReset()
            if GDALValidateCreationOptions(driver, given.pointer) == 0 {
                throw HydroError(.invalidParameter, "--co", "\(GDALRuntime.lastError(or: "an option is not valid")) (driver \(options.format))")
            }
        }
        return driver
    }

    /// Refuses a driver that cannot store the cell type (PNG has no Float32: values would be clipped to bytes).
    static func requireStorable(_ kind: CellKind, driver: GDALDriverH, format: String, path: String) throws {
        guard let list = GDALGetMetadataItem(driver, GDAL_DMD_CREATIONDATATYPES, nil) else { return }
        let types = String(cString: list).split(separator: " ").map(String.init)
        let name = String(cString: GDALGetDataTypeName(kind.gdalType))
        guard types.contains(name) else {
            throw HydroError(.invalidParameter, path, "the \(format) format cannot store \(name) cells (it stores \(types.joined(separator: ", "))); choose GTiff or COG")
        }
    }

    /// The defaults for the driver, overridden by the user's options of the same name.
    ///
    /// A COG gets overviews even when it fits in one tile (`OVERVIEW_COUNT=1`; GDAL's AUTO would
    /// make none), resampled by nearest neighbour for integer rasters (directions, labels, link IDs,
    /// where an average means nothing) and by average for measurements.
    static func creationOptionList(_ options: RasterWriteOptions, kind: CellKind, width: Int = 0, height: Int = 0) -> StringList {
        let list = StringList()
        let predictor = kind.isFloatingPoint ? "3" : "2"
        switch options.format.uppercased() {
        case "GTIFF":
            // NUM_THREADS: tiles are compressed on every core; GDAL writes them in order, so the file's
            // bytes are the same as with one thread (checked on the China DEM and a Float64 grid).
            // ZLEVEL 1: DEFLATE compression was a third of a whole run's CPU time at GDAL's level 6;
            // level 1 halves it for files 2-7 % larger (China 30″ upstream area and loads).
            for (name, value) in [("TILED", "YES"), ("COMPRESS", "DEFLATE"), ("PREDICTOR", predictor), ("ZLEVEL", "1"),
                                  ("BIGTIFF", "IF_SAFER"), ("NUM_THREADS", "ALL_CPUS")] {
                list.set(name, value)
            }
        case "COG":
            for (name, value) in [("COMPRESS", "DEFLATE"), ("PREDICTOR", "YES"), ("LEVEL", "1"), ("BIGTIFF", "IF_SAFER"),
                                  ("NUM_THREADS", "ALL_CPUS")] {
                list.set(name, value)
            }
        default:
            break
        }
        for option in options.creationOptions {
            guard let eq = option.firstIndex(of: "=") else { continue }
            list.set(String(option[..<eq]), String(option[option.index(after: eq)...]))
        }
        if options.format.uppercased() == "COG" {
            if list.value("OVERVIEW_RESAMPLING") == nil && list.value("RESAMPLING") == nil {
                list.set("OVERVIEW_RESAMPLING", kind.isFloatingPoint ? "AVERAGE" : "NEAREST")
            }
            let block = list.value("BLOCKSIZE").flatMap { Int($0) } ?? 512
            if list.value("OVERVIEW_COUNT") == nil && (list.value("OVERVIEWS") ?? "AUTO").uppercased() == "AUTO"
                && max(width, height) <= block && max(width, height) >= 2 {
                list.set("OVERVIEW_COUNT", "1")
            }
        }
        return list
    }

    private static func fill<Cell: GridCell>(_ dataset: GDALDatasetH, geometry: GridGeometry, bandCount: Int, with bands: (Int) throws -> Grid<Cell>,
                                             options: RasterWriteOptions, path: String, progress: TaskProgress) throws {
        var coefficients = geometry.transform.gdalCoefficients
        GDALSetGeoTransform(dataset, &coefficients)
        if geometry.crs.isKnown {
            let srs = try SpatialReference(userInput: geometry.crs.wkt, subject: path)
            GDALSetSpatialRef(dataset, srs.handle)
        }
        var metadata = Provenance.current.metadata
        for (k, v) in options.metadata { metadata[k] = v }
        for (k, v) in metadata.sorted(by: { $0.key < $1.key }) { GDALSetMetadataItem(dataset, k, v, nil) }
        for i in 0..<bandCount {
            let grid = try bands(i)
            guard let band = GDALGetRasterBand(dataset, Int32(i + 1)) else {
                throw HydroError(.io, path, "band \(i + 1) missing after create")
            }
            if let nodata = grid.nodata { GDALSetRasterNoDataValue(band, nodata.doubleValue) }
            if i < options.bandDescriptions.count { GDALSetDescription(band, options.bandDescriptions[i]) }
            if i < options.bandUnits.count { GDALSetRasterUnitType(band, options.bandUnits[i]) }
            if i == 0, let table = options.attributeTable { try setAttributeTable(table, on: band, path: path) }
            let bridge = GDALProgressBridge(progress.scaled(from: Double(i) / Double(bandCount), to: Double(i + 1) / Double(bandCount)))
            var result: CPLErr = CE_None
            grid.cells.withUnsafeBufferPointer { buffer in
                bridge.withCallback { callback, context in
                    var extra = GDALRasterIOExtraArg.withProgress(callback, context)
                    result = GDALRasterIOEx(band, GF_Write, 0, 0, Int32(grid.width), Int32(grid.height),
                                            UnsafeMutableRawPointer(mutating: buffer.baseAddress),
                                            Int32(grid.width), Int32(grid.height), Cell.kind.gdalType, 0, 0, &extra)
                }
            }
            guard result == CE_None else {
                throw HydroError(.io, path, "cannot write band \(i + 1): \(GDALRuntime.lastError(or: "cancelled"))")
            }
        }
    }

    /// Writes the table as the band's default RAT (GeoTIFF keeps it in the `.aux.xml` beside the file).
    private static func setAttributeTable(_ table: RasterAttributeTable, on band: GDALRasterBandH, path: String) throws {
        guard let rat = GDALCreateRasterAttributeTable() else { throw HydroError(.io, path, "cannot create a raster attribute table") }
        defer { GDALDestroyRasterAttributeTable(rat) }
        guard GDALRATCreateColumn(rat, "VALUE", GFT_Integer, GFU_MinMax) == CE_None,
              GDALRATCreateColumn(rat, "CODE", GFT_String, GFU_Generic) == CE_None,
              GDALRATCreateColumn(rat, "NAME", GFT_String, GFU_Name) == CE_None else {
            throw HydroError(.io, path, "cannot create the attribute table's columns: \(GDALRuntime.lastError(or: "refused"))")
        }
        GDALRATSetRowCount(rat, Int32(table.rows.count))
        for (i, row) in table.rows.enumerated() {
            GDALRATSetValueAsInt(rat, Int32(i), 0, Int32(clamping: row.value))
            GDALRATSetValueAsString(rat, Int32(i), 1, row.code)
            GDALRATSetValueAsString(rat, Int32(i), 2, row.name)
        }
        guard GDALSetDefaultRAT(band, rat) == CE_None else {
            throw HydroError(.io, path, "cannot attach the attribute table: \(GDALRuntime.lastError(or: "refused by the driver"))")
        }
    }
}
