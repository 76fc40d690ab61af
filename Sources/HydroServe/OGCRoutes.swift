import Foundation
import HTTPTypes
import Hummingbird

/// OGC API – Features, Part 1: landing page, conformance, the OpenAPI document, collections and items.
extension HydroServer {
    static let conformance: [String] = [
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    ]
    static let crs84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"

    static func link(_ href: String, _ rel: String, _ type: String, _ title: String) -> JSONValue {
        ["href": .string(href), "rel": .string(rel), "type": .string(type), "title": .string(title)]
    }

    func addOGCRoutes(_ router: Router<ServeContext>) {
        router.get("/") { request, context -> Response in
            let base = Self.baseURL(request)
            let title = "hydrotool: \(self.state.current.snapshot.projectName)"
            let links: [JSONValue] = [
                Self.link("\(base)/?f=json", "self", "application/json", "This document"),
                Self.link("\(base)/?f=html", "alternate", "text/html", "This document as HTML"),
                Self.link("\(base)/api", "service-desc", "application/vnd.oai.openapi+json;version=3.0", "The API definition (OpenAPI 3.0)"),
                Self.link("\(base)/conformance", "conformance", "application/json", "Conformance classes"),
                Self.link("\(base)/collections", "data", "application/json", "The feature collections"),
                Self.link("\(base)/map", "alternate", "text/html", "Web map"),
            ]
            let body: JSONValue = ["title": .string(title),
                                   "description": "Shared figures of a cross-border compensation project: loads, shares by jurisdiction, flux and the settlement ledger",
                                   "links": .array(links)]
            if Self.wantsHTML(request) {
                return Self.html(Page.layout(title: title, user: context.user, body: "<h1>\(Page.escape(title))</h1>\(Page.links(links))"))
            }
            return Self.json(body)
        }
        router.get("/conformance") { request, context -> Response in
            let body: JSONValue = ["conformsTo": .array(Self.conformance.map(JSONValue.string))]
            if Self.wantsHTML(request) {
                return Self.html(Page.layout(title: "Conformance", user: context.user,
                                             body: "<h1>Conformance classes</h1><ul>" + Self.conformance.map { "<li>\(Page.escape($0))</li>" }.joined() + "</ul>"))
            }
            return Self.json(body)
        }
        router.get("/api") { _, _ -> Response in
            Self.bytes(self.state.current.openAPI, type: "application/vnd.oai.openapi+json;version=3.0")
        }
        router.get("/collections") { request, context -> Response in
            _ = try context.requireUser()
            let base = Self.baseURL(request)
            let current = self.state.current
            let list = FeatureCollections.ids.compactMap { current.collections[$0] }.map { Self.collectionJSON($0, base: base) }
            let links = [Self.link("\(base)/collections?f=json", "self", "application/json", "Collections"),
                         Self.link("\(base)/collections?f=html", "alternate", "text/html", "Collections as HTML")]
            if Self.wantsHTML(request) {
                let rows = FeatureCollections.ids.compactMap { current.collections[$0] }.map { c in
                    "<tr><td><a href=\"/collections/\(Page.escape(c.id))?f=html\">\(Page.escape(c.title))</a></td><td>\(Page.escape(c.description))</td><td class=\"n\">\(c.features.count)</td></tr>"
                }
                return Self.html(Page.layout(title: "Collections", user: context.user,
                                             body: "<h1>Collections</h1><table><tr><th>Collection</th><th>Description</th><th>Features</th></tr>\(rows.joined())</table>"))
            }
            return Self.json(["links": .array(links), "collections": .array(list), "crs": [.string(Self.crs84)]])
        }
        router.get("/collections/:collectionId") { request, context -> Response in
            _ = try context.requireUser()
            let c = try self.collection(context)
            let body = Self.collectionJSON(c, base: Self.baseURL(request))
            if Self.wantsHTML(request) {
                return Self.html(Page.layout(title: c.title, user: context.user, body: """
                <h1>\(Page.escape(c.title))</h1><p>\(Page.escape(c.description))</p>
                <p>\(c.features.count) features · <a href="/collections/\(Page.escape(c.id))/items?f=html">items</a></p>
                <p>Filter by: \(Page.escape(c.filterable.joined(separator: ", ")))</p>
                """))
            }
            return Self.json(body)
        }
        router.get("/collections/:collectionId/items") { request, context -> Response in
            _ = try context.requireUser()
            var c = try self.collection(context)
            let parameters = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
            let query: ItemsQuery
            do { query = try ItemsQuery(parameters, collection: c) } catch let error as QueryError {
                throw HTTPError(.badRequest, message: error.message)
            }
            if let version = query.version {
                guard let record = try self.store.settlement(version) else { throw HTTPError(.notFound, message: "no settlement version \(version)") }
                c = FeatureCollections.ledger(record)
            }
            let (matched, indices) = query.select(c.features)
            let page = indices.map { c.features[$0] }
            let base = Self.baseURL(request)
            func url(offset: Int, format: String) -> String {
                var items = parameters.filter { !["offset", "f"].contains($0.0) }
                items.append(("offset", String(offset)))
                items.append(("f", format))
                if !items.contains(where: { $0.0 == "limit" }) { items.append(("limit", String(query.limit))) }
                return "\(base)/collections/\(c.id)/items?" + items.map { "\(Self.percent($0.0))=\(Self.percent($0.1))" }.joined(separator: "&")
            }
            let html = Self.wantsHTML(request)
            let format = html ? "html" : "json"
            var links = [Self.link(url(offset: query.offset, format: format), "self", html ? "text/html" : "application/geo+json", "This page"),
                         Self.link(url(offset: query.offset, format: html ? "json" : "html"), "alternate", html ? "application/geo+json" : "text/html", "This page as \(html ? "GeoJSON" : "HTML")"),
                         Self.link("\(base)/collections/\(c.id)", "collection", "application/json", c.title)]
            if query.offset + page.count < matched {
                links.append(Self.link(url(offset: query.offset + page.count, format: format), "next", html ? "text/html" : "application/geo+json", "Next page"))
            }
            if query.offset > 0 {
                links.append(Self.link(url(offset: max(0, query.offset - query.limit), format: format), "prev", html ? "text/html" : "application/geo+json", "Previous page"))
            }
            let headers: HTTPFields = [HTTPField.Name("Content-Crs")!: "<\(Self.crs84)>"]
            if html {
                let keys = Array(Set(page.flatMap { $0.properties.keys })).sorted()
                let rows = page.map { f in
                    "<tr><td><a href=\"/collections/\(Page.escape(c.id))/items/\(Self.percent(f.id))?f=html\">\(Page.escape(f.id))</a></td>"
                        + keys.map { "<td>\(Page.value(f.properties[$0] ?? .null))</td>" }.joined() + "</tr>"
                }
                return Self.html(Page.layout(title: c.title, user: context.user, body: """
                <h1>\(Page.escape(c.title))</h1><p>\(matched) matched, \(page.count) shown.</p>\(Page.links(links))
                <table><tr><th>id</th>\(keys.map { "<th>\(Page.escape($0))</th>" }.joined())</tr>\(rows.joined())</table>
                """), headers: headers)
            }
            // The features were encoded when the collection was published; the page only joins them.
            var body = Data(#"{"features":["#.utf8)
            for (n, k) in indices.enumerated() {
                if n > 0 { body.append(UInt8(ascii: ",")) }
                body.append(c.encoded[k])
            }
            body.append(Data(#"],"links":"#.utf8))
            body.append(JSONValue.array(links).encoded())
            body.append(Data(#","numberMatched":\#(matched),"numberReturned":\#(page.count),"timeStamp":"\#(ServerStore.now())","type":"FeatureCollection"}"#.utf8))
            return Self.bytes(body, type: "application/geo+json", headers: headers)
        }
        router.get("/collections/:collectionId/items/:featureId") { request, context -> Response in
            _ = try context.requireUser()
            let c = try self.collection(context)
            let id = context.parameters.get("featureId") ?? ""
            guard let feature = c.feature(id) else { throw HTTPError(.notFound, message: "collection '\(c.id)' has no feature '\(id)'") }
            let base = Self.baseURL(request)
            let links = [Self.link("\(base)/collections/\(c.id)/items/\(Self.percent(id))", "self", "application/geo+json", "This feature"),
                         Self.link("\(base)/collections/\(c.id)", "collection", "application/json", c.title)]
            let headers: HTTPFields = [HTTPField.Name("Content-Crs")!: "<\(Self.crs84)>"]
            if Self.wantsHTML(request) {
                return Self.html(Page.layout(title: "\(c.title): \(id)", user: context.user, body: """
                <h1>\(Page.escape(c.title)): \(Page.escape(id))</h1>\(Page.links(links))\(Page.value(.object(feature.properties)))
                """), headers: headers)
            }
            var body = feature.json
            if case .object(var o) = body { o["links"] = .array(links); body = .object(o) }
            return Self.json(body, type: "application/geo+json", headers: headers)
        }
    }

    func collection(_ context: ServeContext) throws -> ServedCollection {
        let id = context.parameters.get("collectionId") ?? ""
        guard let c = state.current.collections[id] else { throw HTTPError(.notFound, message: "no collection '\(id)'") }
        return c
    }

    static func collectionJSON(_ c: ServedCollection, base: String) -> JSONValue {
        var o: [String: JSONValue] = [
            "id": .string(c.id), "title": .string(c.title), "description": .string(c.description), "itemType": "feature",
            "crs": [.string(crs84)], "storageCrs": .string(crs84),
            "links": [link("\(base)/collections/\(c.id)", "self", "application/json", c.title),
                      link("\(base)/collections/\(c.id)/items", "items", "application/geo+json", "\(c.title) as GeoJSON"),
                      link("\(base)/collections/\(c.id)/items?f=html", "items", "text/html", "\(c.title) as HTML")],
        ]
        if let e = c.extent {
            o["extent"] = ["spatial": ["bbox": [.array(e.map(JSONValue.number))], "crs": .string(crs84)]]
        }
        return .object(o)
    }

    static func percent(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? s
    }
}
