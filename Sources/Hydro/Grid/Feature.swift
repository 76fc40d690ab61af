/// A map coordinate (x = easting or longitude, y = northing or latitude: traditional GIS order).
public struct Coordinate: Equatable, Sendable, Hashable {
    public var x: Double
    public var y: Double
    public init(_ x: Double, _ y: Double) { self.x = x; self.y = y }
}

/// Simple-features geometry in plain Swift values.
public enum Geometry: Equatable, Sendable {
    case point(Coordinate)
    case multiPoint([Coordinate])
    case lineString([Coordinate])
    case multiLineString([[Coordinate]])
    /// Rings: the first is the exterior, the rest are holes.
    case polygon([[Coordinate]])
    case multiPolygon([[[Coordinate]]])

    /// Every line part (for lines; empty for other kinds).
    public var lineParts: [[Coordinate]] {
        switch self {
        case .lineString(let l): [l]
        case .multiLineString(let ls): ls
        default: []
        }
    }

    /// Every polygon part, each as rings (for polygons; empty for other kinds).
    public var polygonParts: [[[Coordinate]]] {
        switch self {
        case .polygon(let p): [p]
        case .multiPolygon(let ps): ps
        default: []
        }
    }

    /// Every point (for points; empty for other kinds).
    public var points: [Coordinate] {
        switch self {
        case .point(let p): [p]
        case .multiPoint(let ps): ps
        default: []
        }
    }

    public var kindName: String {
        switch self {
        case .point: "Point"
        case .multiPoint: "MultiPoint"
        case .lineString: "LineString"
        case .multiLineString: "MultiLineString"
        case .polygon: "Polygon"
        case .multiPolygon: "MultiPolygon"
        }
    }
}

/// An attribute value.
public enum FieldValue: Equatable, Sendable {
    case integer(Int64)
    case real(Double)
    case string(String)
    case null

    public var doubleValue: Double? {
        switch self {
        case .integer(let i): Double(i)
        case .real(let d): d
        case .string(let s): Double(s.trimmingWhitespace())
        case .null: nil
        }
    }

    public var stringValue: String? {
        switch self {
        case .integer(let i): String(i)
        case .real(let d): String(d)
        case .string(let s): s
        case .null: nil
        }
    }
}

public enum FieldType: String, Sendable {
    case integer, real, string
}

public struct FieldDefinition: Equatable, Sendable {
    public var name: String
    public var type: FieldType
    public init(_ name: String, _ type: FieldType) { self.name = name; self.type = type }
}

public struct Feature: Equatable, Sendable {
    public var geometry: Geometry?
    public var attributes: [String: FieldValue]
    public init(geometry: Geometry?, attributes: [String: FieldValue] = [:]) {
        self.geometry = geometry
        self.attributes = attributes
    }

    public subscript(field: String) -> FieldValue { attributes[field] ?? .null }
}

/// A layer of features sharing a field schema and a CRS.
public struct VectorLayer: Sendable {
    public var name: String
    public var fields: [FieldDefinition]
    public var features: [Feature]
    public var crs: CoordinateSystem
    /// Problems noticed while reading (text that did not decode), for the caller to pass on.
    public var warnings: [String] = []

    public init(name: String, fields: [FieldDefinition], features: [Feature] = [], crs: CoordinateSystem) {
        self.name = name
        self.fields = fields
        self.features = features
        self.crs = crs
    }

    /// Throws unless the layer has a field called `name`, listing the fields it does have.
    public func requireField(_ name: String, source: String) throws {
        guard fields.contains(where: { $0.name == name }) else {
            let available = fields.map(\.name).joined(separator: ", ")
            throw HydroError(.invalidInput, source, "has no field '\(name)' (fields: \(available.isEmpty ? "none" : available))")
        }
    }
}
