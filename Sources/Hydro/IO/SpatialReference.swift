import CGDAL

/// An owned OGR spatial reference with traditional GIS (x = longitude/easting, y = latitude/northing)
/// axis order, so that coordinates never silently swap (GDAL 3 reads EPSG:4326 as lat, lon).
final class SpatialReference {
    let handle: OGRSpatialReferenceH

    private init(handle: OGRSpatialReferenceH) {
        self.handle = handle
        OSRSetAxisMappingStrategy(handle, OAMS_TRADITIONAL_GIS_ORDER)
    }

    /// From WKT, "EPSG:nnnn", PROJ strings or anything else `OSRSetFromUserInput` takes.
    init(userInput: String, subject: String) throws {
        GDALRuntime.ensureReady()
        guard let h = OSRNewSpatialReference(nil) else {
            throw HydroError(.invalidInput, subject, "cannot create a spatial reference")
        }
        CPLErrorReset()
        guard OSRSetFromUserInput(h, userInput) == OGRERR_NONE else {
            OSRDestroySpatialReference(h)
            throw HydroError(.invalidInput, subject, "CRS not understood: \(GDALRuntime.lastError(or: userInput))")
        }
        handle = h
        OSRSetAxisMappingStrategy(handle, OAMS_TRADITIONAL_GIS_ORDER)
    }

    /// A copy of a borrowed handle (from a dataset or layer).
    static func cloning(_ borrowed: OGRSpatialReferenceH?) -> SpatialReference? {
        guard let borrowed, let copy = OSRClone(borrowed) else { return nil }
        return SpatialReference(handle: copy)
    }

    deinit { OSRDestroySpatialReference(handle) }

    var wkt: String {
        let options = StringList(nameValues: ["FORMAT=WKT2_2019"])
        var out: UnsafeMutablePointer<CChar>?
        guard OSRExportToWktEx(handle, &out, options.constPointer) == OGRERR_NONE, let out else { return "" }
        defer { VSIFree(out) }
        return String(cString: out)
    }

    /// WKT1, which GDAL's GeoTIFF writer stores most portably.
    var wkt1: String {
        var out: UnsafeMutablePointer<CChar>?
        guard OSRExportToWkt(handle, &out) == OGRERR_NONE, let out else { return "" }
        defer { VSIFree(out) }
        return String(cString: out)
    }

    func isSame(as other: SpatialReference) -> Bool { OSRIsSame(handle, other.handle) != 0 }

    var coordinateSystem: CoordinateSystem {
        let geographic = OSRIsGeographic(handle) != 0
        let name = OSRGetName(handle).map { String(cString: $0) } ?? "unnamed"
        var authority: String?
        if let authName = OSRGetAuthorityName(handle, nil), let code = OSRGetAuthorityCode(handle, nil) {
            authority = "\(String(cString: authName)):\(String(cString: code))"
        }
        var err: OGRErr = OGRERR_NONE
        let a = OSRGetSemiMajor(handle, &err)
        let invF = OSRGetInvFlattening(handle, &err)
        let ellipsoid = a > 0 ? Ellipsoid(semiMajorAxis: a, inverseFlattening: invF) : .wgs84
        let angular = OSRGetAngularUnits(handle, nil)
        let linear = OSRGetLinearUnits(handle, nil)
        return CoordinateSystem(wkt: wkt, name: name, authority: authority, isGeographic: geographic,
                                angularUnitRadians: angular > 0 ? angular : .pi / 180,
                                linearUnitMetres: linear > 0 ? linear : 1, ellipsoid: ellipsoid)
    }
}

extension CoordinateSystem {
    /// Parses a CRS from user input ("EPSG:4326", WKT, PROJ string).
    public static func parse(_ userInput: String) throws -> CoordinateSystem {
        try SpatialReference(userInput: userInput, subject: "CRS").coordinateSystem
    }

    /// True when both describe the same CRS (GDAL's `OSRIsSame`), whatever their WKT spelling.
    public func isSame(as other: CoordinateSystem) -> Bool {
        if wkt == other.wkt { return true }
        guard isKnown, other.isKnown,
              let a = try? SpatialReference(userInput: wkt, subject: "CRS"),
              let b = try? SpatialReference(userInput: other.wkt, subject: "CRS") else { return false }
        return a.isSame(as: b)
    }
}
