import Foundation
import Hydro

/// One OGC API collection: its metadata, its features in order, and the properties that can filter it.
public struct ServedCollection: Sendable {
    public var id: String
    public var title: String
    public var description: String
    public var features: [ServedFeature]
    /// Top-level scalar properties accepted as `?name=value` filters.
    public var filterable: [String]
    var index: [String: Int]
    /// Each feature's GeoJSON, encoded once when the collection is published.
    let encoded: [Data]

    init(id: String, title: String, description: String, features: [ServedFeature], filterable: [String]) {
        self.id = id
        self.title = title
        self.description = description
        self.features = features
        self.filterable = filterable
        index = [:]
        for (k, f) in features.enumerated() where index[f.id] == nil { index[f.id] = k }
        encoded = features.map { $0.json.encoded() }
    }

    public func feature(_ id: String) -> ServedFeature? { index[id].map { features[$0] } }

    /// lon/lat extent of every feature with a geometry.
    public var extent: [Double]? {
        let b = features.compactMap(\.bounds)
        guard !b.isEmpty else { return nil }
        return [b.map(\.minX).min() ?? 0, b.map(\.minY).min() ?? 0, b.map(\.maxX).max() ?? 0, b.map(\.maxY).max() ?? 0]
    }
}

/// The collections served, in the order listed: built from a run snapshot and a settlement version.
public enum FeatureCollections {
    public static let ids = ["sections", "crossings", "streams", "jurisdictions", "flux", "ledger"]

    public static func build(_ snapshot: RunSnapshot, settlement: SettlementRecord?) -> [String: ServedCollection] {
        let loadFields = snapshot.pollutants.map { "\($0)_kg_yr" }
        var paid: [String: Double] = [:], received: [String: Double] = [:]
        for e in settlement?.entries ?? [] { paid[e.payer, default: 0] += e.amount; received[e.payee, default: 0] += e.amount }
        let jurisdictions = snapshot.jurisdictions.map { f -> ServedFeature in
            var f = f
            f.properties["paid"] = .number(paid[f.id] ?? 0)
            f.properties["received"] = .number(received[f.id] ?? 0)
            f.properties["net"] = .number((received[f.id] ?? 0) - (paid[f.id] ?? 0))
            f.properties["currency"] = .string(settlement?.currency ?? "")
            f.properties["settlement_version"] = .number(Double(settlement?.version ?? 0))
            return f
        }
        let collections = [
            ServedCollection(id: "sections", title: "Assessment sections",
                             description: "Monitoring sections with the routed load of each pollutant (kg/yr) and the share of it by origin jurisdiction at each level",
                             features: snapshot.sections, filterable: ["id", "name", "upstream_parties", "downstream_parties"] + loadFields),
            ServedCollection(id: "crossings", title: "Border crossings",
                             description: "Cells where water leaves one jurisdiction for another, with the load crossing (kg/yr), what the upstream unit generated and what passes through",
                             features: snapshot.crossings, filterable: ["from_id", "from_name", "to_id", "to_name"]),
            ServedCollection(id: "streams", title: "Stream links with loads",
                             description: "Channel links above the threshold with the load leaving each link and the load generated along it (kg/yr)",
                             features: snapshot.streams, filterable: ["link_id", "ds_id", "strahler", "shreve"]),
            ServedCollection(id: "jurisdictions", title: "Jurisdictions with budgets",
                             description: "Counties with each pollutant's budget (generated, received, handed over, delivered out, lost; kg/yr), what each sent to which neighbour, and what it pays and receives in the current settlement",
                             features: jurisdictions, filterable: ["id", "name"]),
            ServedCollection(id: "flux", title: "Net flux between jurisdictions",
                             description: "Load handed from one jurisdiction to another (kg/yr), the reverse flow and the net",
                             features: snapshot.flux, filterable: ["from_id", "to_id", "pollutant"]),
            ledger(settlement),
        ]
        return Dictionary(uniqueKeysWithValues: collections.map { ($0.id, $0) })
    }

    /// The ledger of a settlement version: features without geometry.
    public static func ledger(_ settlement: SettlementRecord?) -> ServedCollection {
        let entries = (settlement?.entries ?? []).enumerated().map { k, e in
            ServedFeature(id: String(k + 1), geometry: nil, properties: [
                "period": .string(e.period), "section": .string(e.section), "payer": .string(e.payer), "payee": .string(e.payee),
                "payer_name": .string(e.payerName), "payee_name": .string(e.payeeName),
                "amount": .number(e.amount), "amount_fen": .number(Double(e.fen)), "currency": .string(settlement?.currency ?? ""), "rule": .string(e.rule),
                "measured_mg_l": .string(e.measured), "target": .string(e.target), "excess": .string(e.excess), "shares": .string(e.shares),
                "settlement_version": .number(Double(settlement?.version ?? 0)),
            ])
        }
        return ServedCollection(id: "ledger", title: "Settlement ledger",
                                description: "Payments between parties in the current settlement version (or ?version=N for an earlier one); features without geometry",
                                features: entries, filterable: ["period", "section", "payer", "payee", "rule"])
    }
}

/// The parsed query of an items request: paging, bbox and property filters (unknown parameters are errors).
public struct ItemsQuery: Sendable {
    public var limit = ServeLimits.defaultLimit
    public var offset = 0
    public var bbox: (Double, Double, Double, Double)?
    public var filters: [(String, String)] = []
    public var version: Int?
    public var format: String?

    /// Parameters the OGC API defines for every items request, besides the collection's own properties.
    public static let common = ["limit", "offset", "bbox", "datetime", "f"]

    public init(_ parameters: [(String, String)], collection: ServedCollection) throws {
        for (name, value) in parameters {
            switch name {
            case "limit":
                guard let n = Int(value), n >= 1 else { throw QueryError("limit must be a whole number of 1 or more, got '\(value)'") }
                limit = min(n, ServeLimits.maxLimit)
            case "offset":
                guard let n = Int(value), n >= 0 else { throw QueryError("offset must be a whole number of 0 or more, got '\(value)'") }
                offset = n
            case "bbox":
                let parts = value.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
                guard parts.count == 4, let a = parts[0], let b = parts[1], let c = parts[2], let d = parts[3],
                      [a, b, c, d].allSatisfy(\.isFinite), b <= d else {
                    throw QueryError("bbox must be four numbers minLon,minLat,maxLon,maxLat (CRS84), got '\(value)'")
                }
                bbox = (a, b, c, d)
            case "datetime":
                break  // no feature here has a time of its own; OGC API Core says to ignore it then
            case "f":
                guard ["json", "geojson", "html"].contains(value) else { throw QueryError("f must be json, geojson or html, got '\(value)'") }
                format = value
            case "version" where collection.id == "ledger":
                guard let n = Int(value), n >= 1 else { throw QueryError("version must be a settlement version number, got '\(value)'") }
                version = n
            default:
                guard collection.filterable.contains(name) else {
                    throw QueryError("unknown parameter '\(name)'; \(collection.id) takes \((Self.common + collection.filterable).joined(separator: ", "))")
                }
                filters.append((name, value))
            }
        }
    }

    /// How many features match, and the indices of the page of them asked for.
    public func select(_ features: [ServedFeature]) -> (matched: Int, page: [Int]) {
        let matching = features.indices.filter { k in
            let f = features[k]
            if let (minX, minY, maxX, maxY) = bbox {
                guard let b = f.bounds, b.maxY >= minY, b.minY <= maxY else { return false }
                // A box whose west edge is east of its east edge crosses the antimeridian.
                let overlapsX = minX <= maxX ? (b.maxX >= minX && b.minX <= maxX) : (b.maxX >= minX || b.minX <= maxX)
                guard overlapsX else { return false }
            }
            for (name, value) in filters where f.properties[name]?.filterText != value { return false }
            return true
        }
        let start = min(offset, matching.count)
        return (matching.count, Array(matching[start..<min(matching.count, start + limit)]))
    }
}

public struct QueryError: Error, Sendable {
    public var message: String
    init(_ message: String) { self.message = message }
}
