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

    /// The GeoJSON Feature object.
    public var json: JSONValue {
        ["type": "Feature", "id": .string(id), "geometry": geometry, "properties": .object(properties)]
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

/// What the collections serve from a project's latest run, gathered in memory from the run's typed
/// step results (loads, attribution, settlement) and its products (placed sections, the stream
/// network, the jurisdiction layer), reprojected to CRS84. Everything the server takes from a run is
/// in this file.
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
        let toWGS84 = try CoordinateTransform(from: try run.geometry.crs, to: wgs84)
        let scheme = try config.scheme.map(Scheme.load)
        let schemeSections = scheme?.sections.map {
            SchemeSection(id: $0.id, name: $0.name, upstream: scheme?.upstreamParties(of: $0) ?? $0.upstream, downstream: $0.downstream)
        } ?? []
        let loads = try run.loadsResult()
        let attribution = try run.attributionResult()
        let firstLevel = attribution?.levels.first ?? config.jurisdictionLevels.first ?? "county"
        let pollutants = Set(loads.sections.flatMap { $0.loadsKgPerYr.keys }).union(loads.budgets.map(\.pollutant)).sorted()

        // Sections: where they were placed, the load leaving each, and the shares by origin at every level.
        var sections: [ServedFeature] = []
        for s in try run.sections() {
            var p: [String: JSONValue] = ["id": .string(s.id), "name": .string(s.name),
                                          "upstream_area_km2": .number(s.upstreamArea), "snap_distance_m": .number(s.snapDistance),
                                          "placed": .bool(s.cell != nil)]
            for (pollutant, value) in loads.sections.first(where: { $0.id == s.id })?.loadsKgPerYr ?? [:] {
                p["\(pollutant)_kg_yr"] = value.map(JSONValue.number) ?? .null
            }
            var shares: [String: [String: JSONValue]] = [:]
            for a in attribution?.sections ?? [] where a.section == s.id {
                shares[a.level, default: [:]][a.pollutant] = [
                    "total_kg_yr": .number(a.totalKgPerYr), "unknown_share": .number(a.unknownShare),
                    "upstream_incomplete": .bool(a.upstreamTouchesEdgeOrNodata),
                    // Each origin's load and share; a calibrated run would add its interval here.
                    "origins": .array(a.origins.map { o in
                        ["id": .string(o.id), "name": .string(o.name), "load_kg_per_yr": .number(o.loadKgPerYr), "share": .number(o.share),
                         "is_home": .bool(o.isHome)]
                    }),
                ]
            }
            p["shares"] = .object(shares.mapValues { .object($0) })
            if let info = schemeSections.first(where: { $0.id == s.id }) {
                p["upstream_parties"] = .string(info.upstream.joined(separator: ","))
                p["downstream_parties"] = .string(info.downstream.joined(separator: ","))
            }
            let location = try s.placed.map { try toWGS84.apply($0) }
            sections.append(ServedFeature(id: s.id, geometry: location.map { .point($0) }, properties: p))
        }

        // Border crossings at the first level.
        let crossingRecords = (attribution?.crossings ?? []).filter { $0.level == firstLevel }
        var crossingPoints: [Coordinate] = []
        var crossings: [ServedFeature] = []
        for (k, c) in crossingRecords.enumerated() {
            var p: [String: JSONValue] = ["from_id": .string(c.fromId), "from_name": .string(c.fromName), "to_id": .string(c.toId),
                                          "to_name": .string(c.toName), "area_km2": .number(c.areaKm2)]
            for (pollutant, total) in c.loadsKgPerYr {
                let local = c.generatedUpstreamUnitKgPerYr[pollutant] ?? 0
                p["\(pollutant)_kg_yr"] = .number(total)
                p["\(pollutant)_generated_upstream_unit"] = .number(local)
                p["\(pollutant)_passing_through"] = .number(total - local)
            }
            let point = try toWGS84.apply(Coordinate(c.x, c.y))
            crossingPoints.append(point)
            crossings.append(ServedFeature(id: String(k + 1), geometry: .point(point), properties: p))
        }

        // Stream links with the load leaving each and the load generated along it.
        let network = try run.network()
        var linkLoads: [Int32: LinkLoad] = [:]
        for l in loads.links { linkLoads[l.link] = l }
        let streams = try network.layer().features.map { f -> ServedFeature in
            var p = properties(f.attributes)
            let id = f["link_id"].stringValue ?? ""
            if let l = Int32(id).flatMap({ linkLoads[$0] }) {
                for (pollutant, v) in l.loadsKgPerYr { p["\(pollutant)_kg_yr"] = .number(v) }
                for (pollutant, v) in l.localKgPerYr { p["\(pollutant)_local_kg_yr"] = .number(v) }
            }
            return ServedFeature(id: id, geometry: try f.geometry.map { try toWGS84.apply($0) }, properties: p)
        }

        // Jurisdictions with their budgets and what each handed to which neighbour, at the first level.
        var units: [(id: String, name: String)] = []
        var jurisdictions: [ServedFeature] = []
        var centres: [String: Coordinate] = [:]
        if let file = config.jurisdictions {
            let layer = try VectorReader.read(file, targetCRS: wgs84)
            for f in layer.features {
                guard let id = f[config.jurisdictionIdField].stringValue?.replacingOccurrences(of: ".0", with: "") else { continue }
                let name = config.jurisdictionNameField.flatMap { f[$0].stringValue } ?? id
                units.append((id, name))
                var budgets: [String: JSONValue] = [:]
                for b in attribution?.budgets ?? [] where b.level == firstLevel && b.id == id {
                    budgets[b.pollutant] = ["generated_kg_yr": .number(b.generated), "received_kg_yr": .number(b.received),
                                            "handed_over_kg_yr": .number(b.handedOver), "delivered_out_kg_yr": .number(b.deliveredOut),
                                            "lost_kg_yr": .number(b.lost), "imbalance_kg_yr": .number(b.imbalance)]
                }
                var sent: [String: [JSONValue]] = [:]
                for x in attribution?.flux ?? [] where x.level == firstLevel && x.fromId == id {
                    sent[x.pollutant, default: []].append(["to_id": .string(x.toId), "to_name": .string(x.toName), "load_kg_yr": .number(x.loadKgPerYr)])
                }
                let feature = ServedFeature(id: id, geometry: f.geometry, properties: [
                    "id": .string(id), "name": .string(name), "budget": .object(budgets), "sent_downstream": .object(sent.mapValues { .array($0) }),
                ])
                if let b = feature.bounds { centres[id] = Coordinate((b.minX + b.maxX) / 2, (b.minY + b.maxY) / 2) }
                jurisdictions.append(feature)
            }
        }

        // Flux between units: a line from one unit's centre through the crossing carrying most of it to the other's.
        let fluxRecords = (attribution?.flux ?? []).filter { $0.level == firstLevel }
        var gross: [String: Double] = [:]
        for x in fluxRecords { gross["\(x.fromId)|\(x.toId)|\(x.pollutant)"] = x.loadKgPerYr }
        let flux = fluxRecords.enumerated().map { k, x -> ServedFeature in
            let back = gross["\(x.toId)|\(x.fromId)|\(x.pollutant)"] ?? 0
            var line: [Coordinate] = []
            if let from = centres[x.fromId] { line.append(from) }
            let main = crossingRecords.indices.filter { crossingRecords[$0].fromId == x.fromId && crossingRecords[$0].toId == x.toId }
                .max { (crossingRecords[$0].loadsKgPerYr[x.pollutant] ?? 0) < (crossingRecords[$1].loadsKgPerYr[x.pollutant] ?? 0) }
            if let main { line.append(crossingPoints[main]) }
            if let to = centres[x.toId] { line.append(to) }
            return ServedFeature(id: String(k + 1), geometry: line.count >= 2 ? .lineString(line) : nil, properties: [
                "from_id": .string(x.fromId), "from_name": .string(x.fromName), "to_id": .string(x.toId), "to_name": .string(x.toName),
                "pollutant": .string(x.pollutant), "load_kg_yr": .number(x.loadKgPerYr), "reverse_kg_yr": .number(back),
                "net_kg_yr": .number(x.loadKgPerYr - back),
            ])
        }
        return RunSnapshot(projectName: config.name, pollutants: pollutants, sections: sections, crossings: crossings, streams: streams,
                           jurisdictions: jurisdictions, flux: flux, units: units, schemeSections: schemeSections,
                           schemeGroups: scheme?.groups ?? [:])
    }

    /// The settlement of the run's compensation step, or nil without a scheme.
    public static func settlement(_ run: ProjectRun) throws -> SettlementRecord? {
        guard let r = try run.settlementResult() else { return nil }
        return SettlementRecord(version: 0, createdAt: "", basis: "", currency: r.settlement.currency, year: r.year,
                                entries: r.settlement.entries, balances: r.settlement.balances, gaps: r.settlement.gaps)
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
}
