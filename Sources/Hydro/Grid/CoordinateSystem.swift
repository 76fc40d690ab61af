/// What the algorithms need to know about a grid's coordinate reference system.
///
/// Filled in by the I/O layer from the file's CRS; the WKT travels with the grid so outputs keep it.
public struct CoordinateSystem: Equatable, Sendable {
    /// The CRS as WKT (empty when the file has none).
    public var wkt: String
    /// Human-readable name, e.g. "WGS 84" or "WGS 84 / UTM zone 48N".
    public var name: String
    /// "EPSG:4326" style identifier when the CRS has one.
    public var authority: String?
    /// Coordinates are longitude/latitude angles rather than planar lengths.
    public var isGeographic: Bool
    /// For geographic CRSs: radians per coordinate unit (π/180 for degrees).
    public var angularUnitRadians: Double
    /// For projected CRSs: metres per coordinate unit.
    public var linearUnitMetres: Double
    /// The ellipsoid, for geographic cell sizes.
    public var ellipsoid: Ellipsoid

    public init(wkt: String, name: String, authority: String? = nil, isGeographic: Bool,
                angularUnitRadians: Double = .pi / 180, linearUnitMetres: Double = 1,
                ellipsoid: Ellipsoid = .wgs84) {
        self.wkt = wkt
        self.name = name
        self.authority = authority
        self.isGeographic = isGeographic
        self.angularUnitRadians = angularUnitRadians
        self.linearUnitMetres = linearUnitMetres
        self.ellipsoid = ellipsoid
    }

    /// A grid without a CRS: coordinates are taken as metres. Used by synthetic grids in tests.
    public static let unknownMetric = CoordinateSystem(wkt: "", name: "unknown (metres assumed)", isGeographic: false)

    public var isKnown: Bool { !wkt.isEmpty }
}

/// A reference ellipsoid given by its semi-major axis and inverse flattening.
public struct Ellipsoid: Equatable, Sendable {
    public var semiMajorAxis: Double
    public var inverseFlattening: Double

    public init(semiMajorAxis: Double, inverseFlattening: Double) {
        self.semiMajorAxis = semiMajorAxis
        self.inverseFlattening = inverseFlattening
    }

    public static let wgs84 = Ellipsoid(semiMajorAxis: 6_378_137, inverseFlattening: 298.257223563)
    /// CGCS2000 (EPSG:4490) uses GRS 1980's flattening with WGS 84's axis.
    public static let cgcs2000 = Ellipsoid(semiMajorAxis: 6_378_137, inverseFlattening: 298.257222101)

    public var flattening: Double { inverseFlattening == 0 ? 0 : 1 / inverseFlattening }
    public var eccentricitySquared: Double { let f = flattening; return f * (2 - f) }
    public var semiMinorAxis: Double { semiMajorAxis * (1 - flattening) }
}
