import CGDAL

/// Turns a label raster into polygons through GDAL's polygonizer (4-connected regions, so every
/// polygon is valid; a label whose cells touch only diagonally becomes a multipolygon).
public enum Polygonizer {
    /// One (multi)polygon per label ≥ 1 present in the grid, keyed by label.
    public static func polygons(_ labels: Grid<Int32>, progress: TaskProgress = .silent) throws -> [Int32: Geometry] {
        GDALRuntime.ensureReady()
        guard let memory = GDALGetDriverByName("MEM"),
              let dataset = GDALCreate(memory, "", Int32(labels.width), Int32(labels.height), 1, GDT_Int32, nil) else {
            throw HydroError(.io, "polygonize", "cannot create an in-memory raster")
        }
        defer { GDALClose(dataset) }
        var coefficients = labels.geometry.transform.gdalCoefficients
        GDALSetGeoTransform(dataset, &coefficients)
        guard let band = GDALGetRasterBand(dataset, 1) else { throw HydroError(.io, "polygonize", "no band") }
        GDALSetRasterNoDataValue(band, 0)
        var cells = labels.cells.map { $0 > 0 ? $0 : 0 }
        let written = cells.withUnsafeMutableBufferPointer { buffer in
            GDALRasterIO(band, GF_Write, 0, 0, Int32(labels.width), Int32(labels.height), buffer.baseAddress,
                         Int32(labels.width), Int32(labels.height), GDT_Int32, 0, 0)
        }
        guard written == CE_None else { throw HydroError(.io, "polygonize", GDALRuntime.lastError(or: "write failed")) }
        guard let vectorDriver = GDALGetDriverByName("Memory"),
              let vectors = GDALCreate(vectorDriver, "", 0, 0, 0, GDT_Unknown, nil),
              let layer = GDALDatasetCreateLayer(vectors, "polygons", nil, wkbPolygon, nil) else {
            throw HydroError(.io, "polygonize", "cannot create an in-memory layer")
        }
        defer { GDALClose(vectors) }
        let field = OGR_Fld_Create("label", OFTInteger)
        _ = OGR_L_CreateField(layer, field, 1)
        OGR_Fld_Destroy(field)
        let bridge = GDALProgressBridge(progress)
        let result = bridge.withCallback { callback, context in
            GDALPolygonize(band, GDALGetMaskBand(band), layer, 0, nil, callback, context)
        }
        guard result == CE_None else { throw HydroError(.io, "polygonize", GDALRuntime.lastError(or: "cancelled")) }
        var parts: [Int32: [[[Coordinate]]]] = [:]
        OGR_L_ResetReading(layer)
        while let feature = OGR_L_GetNextFeature(layer) {
            defer { OGR_F_Destroy(feature) }
            let label = OGR_F_GetFieldAsInteger(feature, 0)
            guard let g = OGR_F_GetGeometryRef(feature), let geometry = VectorReader.geometry(from: g) else { continue }
            parts[label, default: []].append(contentsOf: geometry.polygonParts)
        }
        return parts.mapValues { $0.count == 1 ? .polygon($0[0]) : .multiPolygon($0) }
    }
}
