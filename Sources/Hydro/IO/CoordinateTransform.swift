import CGDAL

/// Reprojects coordinates already in memory from one CRS to another through PROJ, in
/// (x = longitude/easting, y = latitude/northing) order like every other reader here.
public final class CoordinateTransform {
    private let handle: OGRCoordinateTransformationH?
    public let source: CoordinateSystem
    public let target: CoordinateSystem

    /// An identity transform when both describe the same CRS.
    public init(from source: CoordinateSystem, to target: CoordinateSystem) throws {
        self.source = source
        self.target = target
        guard source.isKnown, target.isKnown else {
            throw HydroError(.invalidInput, "CRS", "cannot reproject from '\(source.name)' to '\(target.name)': a CRS is unknown")
        }
        let from = try SpatialReference(userInput: source.wkt, subject: "CRS")
        let to = try SpatialReference(userInput: target.wkt, subject: "CRS")
        if from.isSame(as: to) {
            handle = nil
            return
        }
        CPLErrorReset()
        guard let t = OCTNewCoordinateTransformation(from.handle, to.handle) else {
            throw HydroError(.invalidInput, "CRS", "cannot reproject from '\(source.name)' to '\(target.name)': \(GDALRuntime.lastError(or: "no transformation"))")
        }
        handle = t
    }

    deinit { if let handle { OCTDestroyCoordinateTransformation(handle) } }

    public func apply(_ points: [Coordinate]) throws -> [Coordinate] {
        guard let handle, !points.isEmpty else { return points }
        var xs = points.map(\.x), ys = points.map(\.y)
        var zs = [Double](repeating: 0, count: points.count)
        var ok = [Int32](repeating: 0, count: points.count)
        guard let count = Int32(exactly: points.count),
              OCTTransformEx(handle, count, &xs, &ys, &zs, &ok) != 0, !ok.contains(0) else {
            throw HydroError(.invalidInput, "CRS", "a coordinate cannot be reprojected from '\(source.name)' to '\(target.name)'")
        }
        return (0..<points.count).map { Coordinate(xs[$0], ys[$0]) }
    }

    public func apply(_ point: Coordinate) throws -> Coordinate { try apply([point])[0] }

    public func apply(_ geometry: Geometry) throws -> Geometry {
        switch geometry {
        case .point(let p): return .point(try apply(p))
        case .multiPoint(let ps): return .multiPoint(try apply(ps))
        case .lineString(let ps): return .lineString(try apply(ps))
        case .multiLineString(let lines): return .multiLineString(try lines.map { try apply($0) })
        case .polygon(let rings): return .polygon(try rings.map { try apply($0) })
        case .multiPolygon(let polygons): return .multiPolygon(try polygons.map { try $0.map { try apply($0) } })
        }
    }
}
