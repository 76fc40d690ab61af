import Foundation
import Hydro

/// One feature as served: an id, a GeoJSON geometry in CRS84 (or null) and its properties.
public struct ServedFeature: Sendable, Equatable {
    public var id: String
    public var geometry: JSONValue
    public var properties: [String: JSONValue]
    /// lon/lat bounds of the geometry (nil without one), for bbox filters.
    public var bounds: (minX: Double, minY: Double, maxX: Double, maxY: Double)?

    public init(id: String, geometry: Geometry?, properties: [String: JSONValue]) {
        self.id = id
        self.geometry = geometry.map(Self.geoJSON) ?? .null
        self.properties = properties
        let points = geometry.map(Self.allPoints) ?? []
        if let first = points.first {
            var b = (minX: first.x, minY: first.y, maxX: first.x, maxY: first.y)
            for p in points { b = (min(b.minX, p.x), min(b.minY, p.y), max(b.maxX, p.x), max(b.maxY, p.y)) }
            bounds = b
        }
    }

    public static func == (a: ServedFeature, b: ServedFeature) -> Bool {
        a.id == b.id && a.geometry == b.geometry && a.properties == b.properties
    }

    /// Degrees to 7 decimals (about 1 cm), as RFC 7946 suggests for precision.
    static func position(_ c: Coordinate) -> JSONValue {
        .array([.number((c.x * 1e7).rounded() / 1e7), .number((c.y * 1e7).rounded() / 1e7)])
    }

    static func geoJSON(_ g: Geometry) -> JSONValue {
        func line(_ l: [Coordinate]) -> JSONValue { .array(l.map(position)) }
        func rings(_ r: [[Coordinate]]) -> JSONValue { .array(r.map(line)) }
        switch g {
        case .point(let p): return ["type": "Point", "coordinates": position(p)]
        case .multiPoint(let ps): return ["type": "MultiPoint", "coordinates": line(ps)]
        case .lineString(let l): return ["type": "LineString", "coordinates": line(l)]
        case .multiLineString(let ls): return ["type": "MultiLineString", "coordinates": .array(ls.map(line))]
        case .polygon(let p): return ["type": "Polygon", "coordinates": rings(p)]
        case .multiPolygon(let ps): return ["type": "MultiPolygon", "coordinates": .array(ps.map(rings))]
        }
    }

    static func allPoints(_ g: Geometry) -> [Coordinate] {
        switch g {
        case .point(let p): [p]
        case .multiPoint(let ps), .lineString(let ps): ps
        case .multiLineString(let ls), .polygon(let ls): ls.flatMap { $0 }
        case .multiPolygon(let ps): ps.flatMap { $0.flatMap { $0 } }
        }
    }
}

/// What the collections serve from a project's latest run, gathered in memory: the run's own
/// products (placed sections, the jurisdiction layer) and, until the pipeline keeps its step results
/// as typed values, the figures its steps wrote (loads, shares, budgets, crossings, flux). Everything
/// that reads step outputs is in this file, so only this file changes when typed results are available.
public struct RunSnapshot: Sendable {
    public struct SchemeSection: Sendable, Equatable {
        public var id: String
        public var name: String
        public var upstream: [String]
        public var downstream: [String]
    }

    public var projectName: String
    public var pollutants: [String]
    public var sections: [ServedFeature]
    public var crossings: [ServedFeature]
    public var streams: [ServedFeature]
    public var jurisdictions: [ServedFeature]
    public var flux: [ServedFeature]
    /// Jurisdiction units of the project (county level), in file order.
    public var units: [(id: String, name: String)]
    public var schemeSections: [SchemeSection]
    public var schemeGroups: [String: [String]]

    static let crs84 = "EPSG:4326"

    static let empty = RunSnapshot(projectName: "", pollutants: [], sections: [], crossings: [], streams: [], jurisdictions: [], flux: [],
                                   units: [], schemeSections: [], schemeGroups: [:])

    /// Runs the project through the compensation step (up-to-date steps are skipped) and gathers its figures.
    public static func gather(_ config: ProjectConfig, log: @escaping (String) -> Void = { _ in }) throws -> (RunSnapshot, ProjectRun) {
        let run = try ProjectRun(config, log: log)
        try run.runThrough(.compensation)
        return (try gather(run), run)
    }

    public static func gather(_ run: ProjectRun) throws -> RunSnapshot {
        let config = run.config
        let wgs84 = try CoordinateSystem.parse(crs84)
        let geometry = try run.geometry
        let toWGS84 = try CoordinateTransform(from: geometry.crs, to: wgs84)
        let scheme = try config.scheme.map(Scheme.load)
        let schemeSections = scheme?.sections.map {
            SchemeSection(id: $0.id, name: $0.name, upstream: scheme?.upstreamParties(of: $0) ?? $0.upstream, downstream: $0.downstream)
        } ?? []

        // Loads and shares at sections.
        let loadsJSON = try readJSON(run.path(Outputs.sectionLoadsJSON))
        var loadsBySection: [String: [String: JSONValue]] = [:]
        var pollutants = Set<String>()
        for entry in loadsJSON?["sections"]?.arrayValue ?? [] {
            guard let id = entry["id"]?.stringValue else { continue }
            let loads = entry["loads_kg_per_yr"]?.objectValue ?? [:]
            pollutants.formUnion(loads.keys)
            loadsBySection[id] = loads
        }
        let attribution = try readJSON(run.path("attribution.json"))
        // section → level → pollutant → origins
        var shares: [String: [String: [String: JSONValue]]] = [:]
        for entry in attribution?["sections"]?.arrayValue ?? [] {
            guard let section = entry["section"]?.stringValue, let level = entry["level"]?.stringValue,
                  let pollutant = entry["pollutant"]?.stringValue else { continue }
            shares[section, default: [:]][level, default: [:]][pollutant] = [
                "total_kg_yr": entry["total_kg_per_yr"] ?? .null,
                "unknown_share": entry["unknown_share"] ?? .null,
                "upstream_incomplete": entry["upstream_touches_edge_or_nodata"] ?? .null,
                // Each origin: id, name, load_kg_per_yr, share, and an uncertainty interval when the run was calibrated.
                "origins": entry["origins"] ?? .array([]),
            ]
        }
        var sections: [ServedFeature] = []
        for s in try run.sections() {
            var p: [String: JSONValue] = ["id": .string(s.id), "name": .string(s.name),
                                          "upstream_area_km2": .number(s.upstreamArea), "snap_distance_m": .number(s.snapDistance),
                                          "placed": .bool(s.cell != nil)]
            for (pollutant, value) in loadsBySection[s.id] ?? [:] { p["\(pollutant)_kg_yr"] = value }
            p["shares"] = .object((shares[s.id] ?? [:]).mapValues { .object($0) })
            if let info = schemeSections.first(where: { $0.id == s.id }) {
                p["upstream_parties"] = .string(info.upstream.joined(separator: ","))
                p["downstream_parties"] = .string(info.downstream.joined(separator: ","))
            }
            let location = try s.placed.map { try toWGS84.apply($0) }
            sections.append(ServedFeature(id: s.id, geometry: location.map { .point($0) }, properties: p))
        }

        // Border crossings, flux lines and stream links: the layers the steps wrote, read in CRS84.
        let crossings = try readLayer(run.path("crossings.geojson"), wgs84).enumerated().map { k, f in
            ServedFeature(id: String(k + 1), geometry: f.geometry, properties: properties(f.attributes))
        }
        let fluxFeatures = try readLayer(run.path("flux.geojson"), wgs84)
        var fluxLoad: [String: Double] = [:]
        for f in fluxFeatures {
            fluxLoad["\(f["from_id"].stringValue ?? "")|\(f["to_id"].stringValue ?? "")|\(f["pollutant"].stringValue ?? "")"] = f["load_kg_yr"].doubleValue
        }
        let flux = fluxFeatures.enumerated().map { k, f -> ServedFeature in
            var p = properties(f.attributes)
            let load = f["load_kg_yr"].doubleValue ?? 0
            let back = fluxLoad["\(f["to_id"].stringValue ?? "")|\(f["from_id"].stringValue ?? "")|\(f["pollutant"].stringValue ?? "")"] ?? 0
            p["reverse_kg_yr"] = .number(back)
            p["net_kg_yr"] = .number(load - back)
            return ServedFeature(id: String(k + 1), geometry: f.geometry, properties: p)
        }
        let streams = try readLayer(run.path(Outputs.streamLoads), wgs84).map { f in
            ServedFeature(id: f["link_id"].stringValue ?? "", geometry: f.geometry, properties: properties(f.attributes))
        }

        // Jurisdictions with their budgets (county level) and what each handed to which neighbour.
        var units: [(id: String, name: String)] = []
        var jurisdictions: [ServedFeature] = []
        if let file = config.jurisdictions {
            let budget = try readCSV(run.path("jurisdiction_budget.csv"))
            let fluxTable = try readCSV(run.path("flux.csv"))
            let firstLevel = config.jurisdictionLevels.first ?? "county"
            let layer = try VectorReader.read(file, targetCRS: wgs84)
            for f in layer.features {
                guard let id = f[config.jurisdictionIdField].stringValue?.replacingOccurrences(of: ".0", with: "") else { continue }
                let name = config.jurisdictionNameField.flatMap { f[$0].stringValue } ?? id
                units.append((id, name))
                var budgets: [String: JSONValue] = [:]
                for row in budget where row["level"] == firstLevel && row["unit_id"] == id {
                    guard let pollutant = row["pollutant"] else { continue }
                    var b: [String: JSONValue] = [:]
                    for key in ["generated_kg_yr", "received_kg_yr", "handed_over_kg_yr", "delivered_out_kg_yr", "lost_kg_yr", "imbalance_kg_yr"] {
                        b[key] = row[key].flatMap(Double.init).map(JSONValue.number) ?? .null
                    }
                    budgets[pollutant] = .object(b)
                }
                var sent: [String: [JSONValue]] = [:]
                for row in fluxTable where row["level"] == firstLevel && row["from_id"] == id {
                    guard let pollutant = row["pollutant"] else { continue }
                    sent[pollutant, default: []].append(["to_id": .string(row["to_id"] ?? ""), "to_name": .string(row["to_name"] ?? ""),
                                                         "load_kg_yr": row["load_kg_yr"].flatMap(Double.init).map(JSONValue.number) ?? .null])
                }
                jurisdictions.append(ServedFeature(id: id, geometry: f.geometry, properties: [
                    "id": .string(id), "name": .string(name), "budget": .object(budgets), "sent_downstream": .object(sent.mapValues { .array($0) }),
                ]))
            }
        }
        return RunSnapshot(projectName: config.name, pollutants: pollutants.sorted(), sections: sections, crossings: crossings, streams: streams,
                           jurisdictions: jurisdictions, flux: flux, units: units, schemeSections: schemeSections,
                           schemeGroups: scheme?.groups ?? [:])
    }

    /// The settlement the compensation step last wrote (ledger.json), or nil without a scheme.
    public static func settlement(_ run: ProjectRun) throws -> SettlementRecord? {
        guard let json = try readJSON(run.path("ledger.json")) else { return nil }
        let entries = try JSONDecoder().decode([LedgerEntry].self, from: (json["entries"] ?? .array([])).encoded())
        let balances = (json["balances"]?.objectValue ?? [:]).compactMapValues(\.numberValue)
        return SettlementRecord(version: 0, createdAt: "", basis: "", currency: json["currency"]?.stringValue ?? "",
                                year: Int(json["year"]?.numberValue ?? 0), entries: entries, balances: balances,
                                gaps: (json["gaps"]?.arrayValue ?? []).compactMap(\.stringValue))
    }

    static func properties(_ attributes: [String: FieldValue]) -> [String: JSONValue] {
        attributes.mapValues { v in
            switch v {
            case .integer(let i): .number(Double(i))
            case .real(let d): .number(d)
            case .string(let s): .string(s)
            case .null: .null
            }
        }
    }

    static func readJSON(_ path: String) throws -> JSONValue? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        do { return try JSONValue.decode(data) } catch {
            throw HydroError(.invalidInput, path, "is not valid JSON: \(error.localizedDescription)")
        }
    }

    static func readLayer(_ path: String, _ crs: CoordinateSystem) throws -> [Feature] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        return try VectorReader.read(path, targetCRS: crs).features
    }

    static func readCSV(_ path: String) throws -> [[String: String]] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        let table = try CSVTable.load(path)
        return table.rows.map { row in Dictionary(zip(table.header, row), uniquingKeysWith: { a, _ in a }) }
    }
}
