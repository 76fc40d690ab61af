import Foundation

/// A point (outlet, monitoring section, point source) placed on the grid.
public struct PlacedPoint: Sendable, Equatable {
    public var id: String
    public var name: String
    public var original: Coordinate
    /// The cell it was placed on, or nil when it could not be placed (see `warnings`).
    public var cell: Int?
    /// Where it ended up (cell centre), in the grid's CRS.
    public var placed: Coordinate?
    /// Metres between the original location and the placed cell's centre.
    public var snapDistance: Double
    /// Upstream area at the placed cell, km².
    public var upstreamArea: Double
    public var warnings: [String]
    public var attributes: [String: FieldValue]
}

/// Places point features on the flow grid: reads their IDs and names, snaps them, and says
/// plainly what went wrong for each point instead of failing the whole run.
public enum PointPlacement {
    public struct Options: Sendable {
        public var idField: String?
        public var nameField: String?
        /// nil: the point stays on the cell it falls in.
        public var snap: Snapping.Mode?
        /// Warn when a point moves farther than this (metres).
        public var tolerance: Double?
        public init(idField: String? = nil, nameField: String? = nil, snap: Snapping.Mode? = nil, tolerance: Double? = nil) {
            self.idField = idField
            self.nameField = nameField
            self.snap = snap
            self.tolerance = tolerance
        }
    }

    /// - Parameters:
    ///   - layer: points already in the grid's CRS.
    ///   - areaKm2: upstream area per cell (for snapping and reporting).
    ///   - stream: link IDs per cell, needed for `.nearestStream`.
    public static func place(_ layer: VectorLayer, source: String, geometry: GridGeometry, areaKm2: Grid<Double>,
                             stream: [Int32]? = nil, options: Options) throws -> [PlacedPoint] {
        if let idField = options.idField { try layer.requireField(idField, source: source) }
        if let nameField = options.nameField { try layer.requireField(nameField, source: source) }
        var seen: [String: Int] = [:]
        var placed: [PlacedPoint] = []
        for (index, feature) in layer.features.enumerated() {
            let id = options.idField.flatMap { feature[$0].stringValue } ?? String(index + 1)
            if let earlier = seen[id] {
                throw HydroError(.invalidInput, source, "features \(earlier + 1) and \(index + 1) share the ID '\(id)'; IDs must be unique")
            }
            seen[id] = index
            let name = options.nameField.flatMap { feature[$0].stringValue } ?? id
            guard let point = feature.geometry?.points.first else {
                placed.append(PlacedPoint(id: id, name: name, original: Coordinate(.nan, .nan), cell: nil, placed: nil, snapDistance: .nan,
                                          upstreamArea: .nan, warnings: ["feature \(index + 1) has no point geometry"], attributes: feature.attributes))
                continue
            }
            var result = PlacedPoint(id: id, name: name, original: point, cell: nil, placed: nil, snapDistance: .nan,
                                     upstreamArea: .nan, warnings: [], attributes: feature.attributes)
            guard let cell = geometry.cell(x: point.x, y: point.y) else {
                result.warnings.append("point '\(id)' lies outside the grid")
                placed.append(result)
                continue
            }
            let index = geometry.index(column: cell.column, row: cell.row)
            if let mode = options.snap {
                guard let snapped = try Snapping.snap(point, geometry: geometry, accumulation: areaKm2, stream: stream, mode: mode) else {
                    var what = stream == nil ? "valid cell" : "stream cell"
                    if case .nearestStream(_, let minimum) = mode, minimum > 0 { what += " draining at least \(String(format: "%g", minimum)) km²" }
                    result.warnings.append("point '\(id)': no \(what) within the snapping radius")
                    placed.append(result)
                    continue
                }
                result.cell = snapped.cell
                result.placed = snapped.moved
                result.snapDistance = snapped.distance
            } else {
                guard areaKm2.isValid(at: index) else {
                    result.warnings.append("point '\(id)' lies on nodata")
                    placed.append(result)
                    continue
                }
                let centre = geometry.centre(column: cell.column, row: cell.row)
                result.cell = index
                result.placed = Coordinate(centre.x, centre.y)
                result.snapDistance = 0
            }
            if let c = result.cell { result.upstreamArea = areaKm2.cells[c] }
            if let tolerance = options.tolerance, result.snapDistance > tolerance {
                result.warnings.append("point '\(id)' moved \(String(format: "%.0f", result.snapDistance)) m, more than the \(String(format: "%.0f", tolerance)) m tolerance")
            }
            placed.append(result)
        }
        // Two points on one cell would make one of them meaningless.
        var byCell: [Int: String] = [:]
        for k in placed.indices {
            guard let c = placed[k].cell else { continue }
            if let other = byCell[c] {
                placed[k].warnings.append("point '\(placed[k].id)' falls on the same cell as '\(other)' and is ignored")
                placed[k].cell = nil
            } else {
                byCell[c] = placed[k].id
            }
        }
        return placed
    }

    /// The points as a layer (placed location, or the original one when unplaced) with what happened.
    public static func layer(_ points: [PlacedPoint], fields: [FieldDefinition], crs: CoordinateSystem, name: String = "points") -> VectorLayer {
        let added = [FieldDefinition("point_id", .string), FieldDefinition("snap_m", .real), FieldDefinition("area_km2", .real),
                     FieldDefinition("warning", .string)]
        let features = points.map { p -> Feature in
            var attributes = p.attributes
            attributes["point_id"] = .string(p.id)
            attributes["snap_m"] = p.snapDistance.isNaN ? .null : .real(p.snapDistance)
            attributes["area_km2"] = p.upstreamArea.isNaN ? .null : .real(p.upstreamArea)
            attributes["warning"] = p.warnings.isEmpty ? .null : .string(p.warnings.joined(separator: "; "))
            let location = p.placed ?? p.original
            return Feature(geometry: location.x.isNaN ? nil : .point(location), attributes: attributes)
        }
        return VectorLayer(name: name, fields: fields.filter { f in !added.contains { $0.name == f.name } } + added,
                           features: features, crs: crs)
    }
}

/// Nearest mapped river to a point, for checking that a section landed on the river its name says.
public enum RiverCheck {
    /// The name of the nearest line within `maxDistance` (map units), or nil.
    public static func nearestName(to p: Coordinate, lines: [(name: String, parts: [[Coordinate]])], maxDistance: Double) -> String? {
        var best: (String, Double)?
        for line in lines {
            for part in line.parts {
                for (a, b) in zip(part, part.dropFirst()) {
                    let d = segmentDistance(p, a, b)
                    if d <= maxDistance, best.map({ d < $0.1 }) ?? true { best = (line.name, d) }
                }
            }
        }
        return best?.0
    }

    static func segmentDistance(_ p: Coordinate, _ a: Coordinate, _ b: Coordinate) -> Double {
        let dx = b.x - a.x, dy = b.y - a.y
        let length2 = dx * dx + dy * dy
        let t = length2 > 0 ? max(0, min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / length2)) : 0
        let x = a.x + t * dx - p.x, y = a.y + t * dy - p.y
        return (x * x + y * y).squareRoot()
    }
}
