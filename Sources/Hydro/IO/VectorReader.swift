import CGDAL
import Foundation

/// Reads a vector layer from any OGR source (GeoJSON, GeoPackage, Shapefile, …) into plain
/// features, optionally reprojected to a target CRS through PROJ with (x = lon, y = lat) order.
public enum VectorReader {
    /// - Parameters:
    ///   - layer: layer name; the first layer when nil.
    ///   - targetCRS: reproject to this CRS; a layer without a CRS is then an error.
    ///   - encoding: text encoding of a shapefile's attributes ("CP936", "UTF-8", …); when nil it is
    ///     the .cpg's, or guessed from the DBF's bytes when there is none (`ShapefileEncoding`).
    public static func read(_ source: String, layer requestedLayer: String? = nil,
                            targetCRS: CoordinateSystem? = nil, encoding: String? = nil) throws -> VectorLayer {
        GDALRuntime.ensureReady()
        // QGIS's "file.gpkg|layername=NAME" picks a layer of a multi-layer source.
        let (path, layerInPath) = splitLayer(source)
        let layerName = requestedLayer ?? layerInPath
        try requireExists(path)
        CPLErrorReset()
        let isShapefile = ["shp", "dbf"].contains((path as NSString).pathExtension.lowercased())
        // GDAL's SHAPE_ENCODING, when the user set it, is their word on every shapefile: no guess then.
        let userSetEncoding = CPLGetConfigOption("SHAPE_ENCODING", nil) != nil
        let chosenEncoding = isShapefile ? (encoding ?? (userSetEncoding ? nil : ShapefileEncoding.detect(shapefile: path))) : nil
        let openOptions = StringList()
        if let chosenEncoding { openOptions.set("ENCODING", chosenEncoding) }
        guard let dataset = GDALOpenEx(path, UInt32(GDAL_OF_VECTOR | GDAL_OF_READONLY), nil, openOptions.constPointer, nil) else {
            throw HydroError(.io, path, "cannot open as a vector layer: \(GDALRuntime.lastError(or: "not a vector format GDAL can read").replacingPath(path))")
        }
        defer { GDALClose(dataset) }
        let layer: OGRLayerH
        if let layerName {
            guard let l = GDALDatasetGetLayerByName(dataset, layerName) else {
                throw HydroError(.invalidInput, path, "has no layer '\(layerName)'")
            }
            layer = l
        } else {
            guard GDALDatasetGetLayerCount(dataset) > 0, let l = GDALDatasetGetLayer(dataset, 0) else {
                throw HydroError(.invalidInput, path, "has no vector layer")
            }
            layer = l
        }
        let sourceSRS = SpatialReference.cloning(OGR_L_GetSpatialRef(layer))
        var transform: OGRCoordinateTransformationH?
        var crs = sourceSRS?.coordinateSystem ?? .unknownMetric
        if let targetCRS, targetCRS.isKnown {
            guard let sourceSRS else {
                throw HydroError(.invalidInput, path, "layer has no CRS; assign one (e.g. ogr2ogr -a_srs EPSG:4326) so it can be matched to the grid")
            }
            let target = try SpatialReference(userInput: targetCRS.wkt, subject: path)
            if !sourceSRS.isSame(as: target) {
                guard let t = OCTNewCoordinateTransformation(sourceSRS.handle, target.handle) else {
                    throw HydroError(.invalidInput, path, "cannot reproject from '\(crs.name)' to '\(targetCRS.name)': \(GDALRuntime.lastError(or: "no transformation"))")
                }
                transform = t
            }
            crs = targetCRS
        }
        defer { if let transform { OCTDestroyCoordinateTransformation(transform) } }

        let definition = OGR_L_GetLayerDefn(layer)
        var fields: [FieldDefinition] = []
        var fieldTypes: [OGRFieldType] = []
        for i in 0..<OGR_FD_GetFieldCount(definition) {
            guard let f = OGR_FD_GetFieldDefn(definition, i) else { continue }
            let type = OGR_Fld_GetType(f)
            fieldTypes.append(type)
            fields.append(FieldDefinition(String(cString: OGR_Fld_GetNameRef(f)), FieldType(ogr: type)))
        }
        let name = String(cString: OGR_L_GetName(layer))
        var features: [Feature] = []
        OGR_L_ResetReading(layer)
        var index = 0
        while let feature = OGR_L_GetNextFeature(layer) {
            defer { OGR_F_Destroy(feature); index += 1 }
            var attributes: [String: FieldValue] = [:]
            for (i, field) in fields.enumerated() {
                let n = Int32(i)
                guard OGR_F_IsFieldSetAndNotNull(feature, n) != 0 else { attributes[field.name] = .null; continue }
                switch field.type {
                case .integer: attributes[field.name] = .integer(OGR_F_GetFieldAsInteger64(feature, n))
                case .real: attributes[field.name] = .real(OGR_F_GetFieldAsDouble(feature, n))
                case .string: attributes[field.name] = .string(String(cString: OGR_F_GetFieldAsString(feature, n)))
                }
            }
            var geometry: Geometry?
            if let g = OGR_F_GetGeometryRef(feature) {
                if let transform {
                    guard OGR_G_Transform(g, transform) == OGRERR_NONE else {
                        throw HydroError(.invalidInput, path, "feature \(index): cannot reproject its geometry to \(crs.name)")
                    }
                }
                geometry = Self.geometry(from: g)
            }
            features.append(Feature(geometry: geometry, attributes: attributes))
        }
        var result = VectorLayer(name: name, fields: fields, features: features, crs: crs)
        let garbled = features.contains { f in f.attributes.values.contains { $0.stringValue?.contains("\u{FFFD}") == true } }
        if garbled {
            result.warnings.append("\(path): some text fields decode to replacement characters (\u{FFFD}); "
                + "name the encoding (e.g. encoding = \"CP936\" in [jurisdictions]) or add a .cpg file")
        }
        return result
    }

    /// The file part and the layer of "file.gpkg|layername=NAME" (the layer is nil without the suffix).
    public static func splitLayer(_ source: String) -> (file: String, layer: String?) {
        guard let bar = source.range(of: "|layername=") else { return (source, nil) }
        return (String(source[..<bar.lowerBound]), String(source[bar.upperBound...]))
    }

    static func coordinates(of g: OGRGeometryH) -> [Coordinate] {
        let n = Int(OGR_G_GetPointCount(g))
        guard n > 0 else { return [] }
        var xs = [Double](repeating: 0, count: n), ys = xs
        xs.withUnsafeMutableBytes { xb in
            ys.withUnsafeMutableBytes { yb in
                _ = OGR_G_GetPoints(g, xb.baseAddress, 8, yb.baseAddress, 8, nil, 0)
            }
        }
        return (0..<n).map { Coordinate(xs[$0], ys[$0]) }
    }

    static func parts(of g: OGRGeometryH) -> [OGRGeometryH] {
        (0..<OGR_G_GetGeometryCount(g)).compactMap { OGR_G_GetGeometryRef(g, $0) }
    }

    static func geometry(from g: OGRGeometryH) -> Geometry? {
        let type = OGR_GT_Flatten(OGR_G_GetGeometryType(g))
        switch type {
        case wkbPoint:
            return coordinates(of: g).first.map { .point($0) }
        case wkbMultiPoint:
            return .multiPoint(parts(of: g).compactMap { coordinates(of: $0).first })
        case wkbLineString:
            return .lineString(coordinates(of: g))
        case wkbMultiLineString:
            return .multiLineString(parts(of: g).map { coordinates(of: $0) })
        case wkbPolygon:
            return .polygon(parts(of: g).map { coordinates(of: $0) })
        case wkbMultiPolygon:
            return .multiPolygon(parts(of: g).map { p in parts(of: p).map { coordinates(of: $0) } })
        case wkbGeometryCollection:
            // Keep the first kind found; mixed collections are rare in hydrological inputs.
            let members = parts(of: g).compactMap { geometry(from: $0) }
            let lines = members.flatMap(\.lineParts), polygons = members.flatMap(\.polygonParts), points = members.flatMap(\.points)
            if !polygons.isEmpty { return .multiPolygon(polygons) }
            if !lines.isEmpty { return .multiLineString(lines) }
            if !points.isEmpty { return .multiPoint(points) }
            return nil
        default:
            return nil
        }
    }
}

extension FieldType {
    init(ogr type: OGRFieldType) {
        switch type {
        case OFTInteger, OFTInteger64: self = .integer
        case OFTReal: self = .real
        default: self = .string
        }
    }

    var ogrType: OGRFieldType {
        switch self {
        case .integer: OFTInteger64
        case .real: OFTReal
        case .string: OFTString
        }
    }
}
