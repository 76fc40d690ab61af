import Foundation

/// What the server answers from, swapped whole when a settlement or scheme version is published.
final class ServeState: @unchecked Sendable {
    struct Published: Sendable {
        var snapshot: RunSnapshot
        var settlement: SettlementRecord?
        var collections: [String: ServedCollection]
        var openAPI: Data
    }

    private let lock = NSLock()
    private var published: Published

    init(snapshot: RunSnapshot, settlement: SettlementRecord?) {
        published = Self.make(snapshot, settlement)
    }

    var current: Published { lock.withLock { published } }

    func update(snapshot: RunSnapshot? = nil, settlement: SettlementRecord) {
        lock.withLock {
            // Versions are published in order; a late writer never replaces a newer one.
            guard settlement.version >= (published.settlement?.version ?? 0) else { return }
            published = Self.make(snapshot ?? published.snapshot, settlement)
        }
    }

    private static func make(_ snapshot: RunSnapshot, _ settlement: SettlementRecord?) -> Published {
        let collections = FeatureCollections.build(snapshot, settlement: settlement)
        let api = OpenAPIDocument.build(collections: FeatureCollections.ids.compactMap { collections[$0] },
                                        title: "hydrotool: \(snapshot.projectName)")
        return Published(snapshot: snapshot, settlement: settlement, collections: collections, openAPI: api.encoded(pretty: true))
    }
}
