import CGDAL

/// Writes vector layers as GeoJSON (RFC 7946: WGS 84 lon/lat, counter-clockwise exteriors) or
/// GeoPackage (CRS kept), Excel workbooks (GDAL's XLSX driver, one sheet per layer), or any other
/// OGR driver, atomically.
public enum VectorWriter {
    /// The OGR driver for a path's extension: .geojson/.json → GeoJSON, .gpkg → GPKG, .shp, .fgb, .csv.
    public static func driverName(for path: String) -> String? {
        let lower = path.lowercased()
        let table: [(String, String)] = [(".geojson", "GeoJSON"), (".json", "GeoJSON"), (".gpkg", "GPKG"),
                                         (".shp", "ESRI Shapefile"), (".fgb", "FlatGeobuf"), (".csv", "CSV"), (".xlsx", "XLSX")]
        return table.first { lower.hasSuffix($0.0) }?.1
    }

    public static func write(_ layer: VectorLayer, to path: String, format: String? = nil, overwrite: Bool = false,
                             inputs: [String] = [], styles: [LayerStyle] = []) throws {
        try write(layers: [layer], to: path, format: format, overwrite: overwrite, inputs: inputs, styles: styles)
    }

    /// Writes several layers into one dataset (GeoPackage layers, XLSX sheets). A layer with no
    /// geometry and no CRS is written as a plain table (`wkbNone`): a sheet in XLSX, an attribute
    /// table in GPKG. `styles` go into a GeoPackage's `layer_styles` table, where QGIS finds them
    /// (the table QGIS itself creates when a style is saved "in the database").
    public static func write(layers: [VectorLayer], to path: String, format: String? = nil, overwrite: Bool = false,
                             inputs: [String] = [], styles: [LayerStyle] = []) throws {
        GDALRuntime.ensureReady()
        guard let format = format ?? driverName(for: path) else {
            throw HydroError(.invalidParameter, path, "cannot tell the vector format from the extension; use .geojson or .gpkg, or give --of")
        }
        guard let driver = GDALGetDriverByName(format) else {
            throw HydroError(.invalidParameter, "--of", "unknown GDAL vector driver '\(format)'")
        }
        guard styles.isEmpty || format == "GPKG" else {
            throw HydroError(.invalidParameter, path, "QGIS styles can be stored only in a GeoPackage")
        }
        try AtomicOutput.write(to: path, overwrite: overwrite, inputs: inputs) { temporary in
            CPLErrorReset()
            guard let dataset = GDALCreate(driver, temporary, 0, 0, 0, GDT_Unknown, nil) else {
                throw HydroError(.io, path, "cannot create: \(GDALRuntime.lastError(or: "driver refused"))")
            }
            defer { GDALClose(dataset) }
            for layer in layers { try writeLayer(layer, into: dataset, format: format, path: path) }
            if !styles.isEmpty { try writeLayer(LayerStyle.table(styles), into: dataset, format: format, path: path) }
        }
    }

    private static func writeLayer(_ layer: VectorLayer, into dataset: GDALDatasetH, format: String, path: String) throws {
        let isTable = !layer.crs.isKnown && layer.features.allSatisfy { $0.geometry == nil }
        let srs = layer.crs.isKnown ? try SpatialReference(userInput: layer.crs.wkt, subject: path) : nil
        let options = StringList()
        if format == "GeoJSON" {
            options.set("RFC7946", "YES")
            options.set("WRITE_NAME", "NO")
        }
        guard let out = GDALDatasetCreateLayer(dataset, layer.name.isEmpty ? "layer" : layer.name, srs?.handle,
                                               isTable ? wkbNone : Self.layerType(layer), options.pointer) else {
            throw HydroError(.io, path, "cannot create layer '\(layer.name)': \(GDALRuntime.lastError(or: "refused"))")
        }
        for field in layer.fields {
            let definition = OGR_Fld_Create(field.name, field.type.ogrType)
            defer { OGR_Fld_Destroy(definition) }
            guard OGR_L_CreateField(out, definition, 1) == OGRERR_NONE else {
                throw HydroError(.io, path, "cannot create field '\(field.name)': \(GDALRuntime.lastError(or: "refused"))")
            }
        }
        let definition = OGR_L_GetLayerDefn(out)
        _ = OGR_L_StartTransaction(out)
        for (index, feature) in layer.features.enumerated() {
            guard let f = OGR_F_Create(definition) else { throw HydroError(.io, path, "cannot create a feature") }
            defer { OGR_F_Destroy(f) }
            for (i, field) in layer.fields.enumerated() {
                switch feature[field.name] {
                case .integer(let v): OGR_F_SetFieldInteger64(f, Int32(i), v)
                case .real(let v): if v.isFinite { OGR_F_SetFieldDouble(f, Int32(i), v) } else { OGR_F_SetFieldNull(f, Int32(i)) }
                case .string(let v): OGR_F_SetFieldString(f, Int32(i), v)
                case .null: OGR_F_SetFieldNull(f, Int32(i))
                }
            }
            if let geometry = feature.geometry, let g = Self.ogrGeometry(geometry) {
                OGR_F_SetGeometryDirectly(f, g)
            }
            guard OGR_L_CreateFeature(out, f) == OGRERR_NONE else {
                throw HydroError(.io, path, "cannot write feature \(index) of '\(layer.name)': \(GDALRuntime.lastError(or: "refused"))")
            }
        }
        guard OGR_L_CommitTransaction(out) == OGRERR_NONE || format != "GPKG" else {
            throw HydroError(.io, path, "cannot commit features: \(GDALRuntime.lastError(or: "refused"))")
        }
    }

    static func layerType(_ layer: VectorLayer) -> OGRwkbGeometryType {
        let kinds = Set(layer.features.compactMap { $0.geometry?.kindName })
        guard kinds.count == 1, let kind = kinds.first else { return wkbUnknown }
        switch kind {
        case "Point": return wkbPoint
        case "MultiPoint": return wkbMultiPoint
        case "LineString": return wkbLineString
        case "MultiLineString": return wkbMultiLineString
        case "Polygon": return wkbPolygon
        default: return wkbMultiPolygon
        }
    }

    static func ogrGeometry(_ geometry: Geometry) -> OGRGeometryH? {
        func line(_ type: OGRwkbGeometryType, _ points: [Coordinate]) -> OGRGeometryH? {
            guard let g = OGR_G_CreateGeometry(type) else { return nil }
            for p in points { OGR_G_AddPoint_2D(g, p.x, p.y) }
            return g
        }
        func collection(_ type: OGRwkbGeometryType, _ members: [OGRGeometryH?]) -> OGRGeometryH? {
            guard let g = OGR_G_CreateGeometry(type) else { return nil }
            for m in members { if let m { _ = OGR_G_AddGeometryDirectly(g, m) } }
            return g
        }
        func polygon(_ rings: [[Coordinate]]) -> OGRGeometryH? {
            collection(wkbPolygon, rings.map { line(wkbLinearRing, $0) })
        }
        switch geometry {
        case .point(let p):
            guard let g = OGR_G_CreateGeometry(wkbPoint) else { return nil }
            OGR_G_SetPoint_2D(g, 0, p.x, p.y)
            return g
        case .multiPoint(let ps): return collection(wkbMultiPoint, ps.map { ogrGeometry(.point($0)) })
        case .lineString(let l): return line(wkbLineString, l)
        case .multiLineString(let ls): return collection(wkbMultiLineString, ls.map { line(wkbLineString, $0) })
        case .polygon(let rings): return polygon(rings)
        case .multiPolygon(let ps): return collection(wkbMultiPolygon, ps.map { polygon($0) })
        }
    }
}
