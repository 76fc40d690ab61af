import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Hydro
@testable import HydroServe
import XCTest

final class OGCAPITests: XCTestCase {
    func testLandingPageAndConformanceArePublicAndLinkTheAPI() async throws {
        try await ServeFixture.test { _, client in
            let landing = try await client.call("/")
            XCTAssertEqual(landing.status, .ok)
            let rels = Set((try landing.json()["links"]?.arrayValue ?? []).compactMap { $0["rel"]?.stringValue })
            XCTAssertTrue(rels.isSuperset(of: ["self", "service-desc", "conformance", "data"]), "\(rels)")
            let conformance = try await client.call("/conformance").json()
            let classes = Set((conformance["conformsTo"]?.arrayValue ?? []).compactMap(\.stringValue))
            for c in ["core", "oas30", "html", "geojson"] {
                XCTAssertTrue(classes.contains("http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/\(c)"), c)
            }
            let html = try await client.call("/conformance?f=html")
            XCTAssertEqual(html.headers[.contentType], "text/html; charset=utf-8")
            XCTAssertTrue(html.text.contains("conf/core"))
            let viaAccept = try await client.call("/", headers: [.accept: "text/html"])
            XCTAssertTrue(viaAccept.text.hasPrefix("<!DOCTYPE html>"))
        }
    }

    func testOpenAPIDocumentParsesAndListsEveryRouteWhichAnswers() async throws {
        try await ServeFixture.test { _, client in
            let r = try await client.call("/api")
            XCTAssertEqual(r.headers[.contentType], "application/vnd.oai.openapi+json;version=3.0")
            let doc = try r.json()
            XCTAssertTrue(doc["openapi"]?.stringValue?.hasPrefix("3.0") ?? false)
            let paths = try XCTUnwrap(doc["paths"]?.objectValue)
            // Every endpoint the server has, written out here independently of the document.
            var expected = ["/", "/conformance", "/api", "/collections", "/login", "/logout", "/me", "/map", "/static/map.js",
                            "/static/leaflet/{file}", "/static/leaflet/images/{file}", "/uploads", "/uploads/{version}",
                            "/uploads/{version}/content", "/settlements", "/settlements/{version}", "/scheme", "/audit"]
            for c in ["sections", "crossings", "streams", "jurisdictions", "flux", "ledger"] {
                expected += ["/collections/\(c)", "/collections/\(c)/items", "/collections/\(c)/items/{featureId}"]
            }
            XCTAssertEqual(Set(paths.keys), Set(expected))
            XCTAssertNotNil(paths["/uploads"]?["post"]?["responses"]?["422"])
            XCTAssertNotNil(paths["/scheme"]?["put"])
            // Each documented GET answers something other than 404/405 when called with real values.
            let token = try await client.login(ServeFixture.Accounts.county)
            _ = try await client.call("/uploads", .post, token: token, body: ServeFixture.month, type: "text/csv")
            let substitutions = ["{file}": "leaflet.js", "{version}": "1", "{featureId}": "1"]
            for (path, item) in paths where item["get"] != nil {
                var uri = path
                for (k, v) in substitutions { uri = uri.replacingOccurrences(of: k, with: v) }
                if path.hasPrefix("/static/leaflet/images") { uri = "/static/leaflet/images/marker-icon.png" }
                if path == "/collections/sections/items/{featureId}" { uri = "/collections/sections/items/S1" }
                if path == "/collections/jurisdictions/items/{featureId}" { uri = "/collections/jurisdictions/items/520502" }
                if path == "/collections/streams/items/{featureId}" {
                    let first = try await client.call("/collections/streams/items?limit=1", token: token).json()
                    uri = "/collections/streams/items/\(first["features"]?.arrayValue?.first?["id"]?.stringValue ?? "")"
                }
                let answer = try await client.call(uri, token: token)
                XCTAssertTrue([.ok, .seeOther].contains(answer.status), "\(uri): \(answer.status)")
            }
            // Documented methods other than GET exist too (they refuse a request without a body or token, not 404).
            for (path, method) in [("/login", HTTPRequest.Method.post), ("/logout", .post), ("/uploads", .post), ("/scheme", .put)] {
                let answer = try await client.call(path, method)
                XCTAssertNotEqual(answer.status, .notFound, path)
                XCTAssertNotEqual(answer.status, .methodNotAllowed, path)
            }
        }
    }

    func testCollectionsNeedSigningInAndDeclareCRS84() async throws {
        try await ServeFixture.test { _, client in
            for uri in ["/collections", "/collections/sections", "/collections/sections/items", "/collections/sections/items/S1"] {
                let r = try await client.call(uri)
                XCTAssertEqual(r.status, .unauthorized, uri)
                XCTAssertEqual(r.headers[.wwwAuthenticate], "Bearer")
            }
            let bogus = try await client.call("/collections", token: String(repeating: "a", count: 64))
            XCTAssertEqual(bogus.status, .unauthorized)
            let token = try await client.login(ServeFixture.Accounts.other)
            let list = try await client.call("/collections", token: token).json()
            let ids = (list["collections"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
            XCTAssertEqual(ids, ["sections", "crossings", "streams", "jurisdictions", "flux", "ledger"])
            for c in list["collections"]?.arrayValue ?? [] {
                XCTAssertEqual(c["crs"], ["http://www.opengis.net/def/crs/OGC/1.3/CRS84"])
                XCTAssertEqual(c["itemType"], "feature")
            }
            let items = try await client.call("/collections/sections/items", token: token)
            XCTAssertEqual(items.headers[.contentType], "application/geo+json")
            XCTAssertEqual(items.headers[HTTPField.Name("Content-Crs")!], "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>")
            let answer1 = try await client.call("/collections/nothing", token: token)
            XCTAssertEqual(answer1.status, .notFound)
            let answer2 = try await client.call("/collections/sections/items/S9", token: token)
            XCTAssertEqual(answer2.status, .notFound)
        }
    }

    func testItemsPagesChainThroughNextLinksToTheFullCount() async throws {
        try await ServeFixture.test { _, client in
            let token = try await client.login(ServeFixture.Accounts.county)
            for c in ["sections", "crossings", "streams", "jurisdictions", "flux", "ledger"] {
                let all = try await client.call("/collections/\(c)/items?limit=10000", token: token).json()
                let total = Int(all["numberMatched"]?.numberValue ?? -1)
                XCTAssertEqual(all["features"]?.arrayValue?.count, total, c)
                XCTAssertGreaterThan(total, 0, c)
                var ids: [String] = []
                var next: String? = "/collections/\(c)/items?limit=3"
                var pages = 0
                while let uri = next, pages < 1000 {
                    let page = try await client.call(uri, token: token).json()
                    let features = page["features"]?.arrayValue ?? []
                    XCTAssertLessThanOrEqual(features.count, 3)
                    XCTAssertEqual(Int(page["numberReturned"]?.numberValue ?? -1), features.count)
                    ids += features.compactMap { $0["id"]?.stringValue }
                    next = (page["links"]?.arrayValue ?? []).first { $0["rel"]?.stringValue == "next" }?["href"]?.stringValue.map(localPart)
                    pages += 1
                }
                XCTAssertEqual(ids.count, total, c)
                XCTAssertEqual(Set(ids).count, total, "\(c): a feature came twice or not at all")
                XCTAssertEqual(pages, (total + 2) / 3, c)
            }
        }
    }

    func testBBoxAndPropertyFiltersAndMalformedParameters() async throws {
        try await ServeFixture.test { _, client in
            let token = try await client.login(ServeFixture.Accounts.county)
            let s1 = try await client.call("/collections/sections/items/S1", token: token).json()
            let position = try XCTUnwrap(s1["geometry"]?["coordinates"]?.arrayValue?.compactMap(\.numberValue))
            // A box of ±0.001° (about 100 m) around S1 holds S1 only: the sections are kilometres apart.
            let box = "\(position[0] - 0.001),\(position[1] - 0.001),\(position[0] + 0.001),\(position[1] + 0.001)"
            let near = try await client.call("/collections/sections/items?bbox=\(box)", token: token).json()
            XCTAssertEqual((near["features"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }, ["S1"])
            let far = try await client.call("/collections/sections/items?bbox=0,0,1,1", token: token).json()
            XCTAssertEqual(far["numberMatched"], 0)
            // Property filter: the ledger lines 520502 pays, checked against the whole ledger.
            let ledger = try await client.call("/collections/ledger/items?limit=10000", token: token).json()
            let expected = (ledger["features"]?.arrayValue ?? []).filter { $0["properties"]?["payer"] == "520502" }.count
            XCTAssertGreaterThan(expected, 0)
            let paid = try await client.call("/collections/ledger/items?payer=520502&limit=10000", token: token).json()
            XCTAssertEqual(Int(paid["numberMatched"]?.numberValue ?? -1), expected)
            XCTAssertTrue((paid["features"]?.arrayValue ?? []).allSatisfy { $0["properties"]?["payer"] == "520502" })
            for bad in ["limit=0", "limit=x", "offset=-1", "bbox=1,2,3", "bbox=a,b,c,d", "colour=red", "f=xml"] {
                let r = try await client.call("/collections/sections/items?\(bad)", token: token)
                XCTAssertEqual(r.status, .badRequest, bad)
            }
        }
    }

    func testCoordinatesAreLonLatAndFiguresHoldTheirInvariants() async throws {
        try await ServeFixture.test { _, client in
            let token = try await client.login(ServeFixture.Accounts.county)
            // The demo basin lies at UTM 48N easting 420–440 km, northing 3,120 km: about 104.2° E, 28.2° N.
            let sections = try await client.call("/collections/sections/items", token: token).json()
            for f in sections["features"]?.arrayValue ?? [] {
                let c = f["geometry"]?["coordinates"]?.arrayValue?.compactMap(\.numberValue) ?? []
                XCTAssertEqual(c.count, 2)
                XCTAssertTrue((103.5...105.0).contains(c.first ?? 0) && (27.8...28.6).contains(c.last ?? 0), "\(c)")
                // Shares of each pollutant at each level sum to one with the unknown part.
                for (_, byPollutant) in f["properties"]?["shares"]?.objectValue ?? [:] {
                    for (p, split) in byPollutant.objectValue ?? [:] {
                        let sum = (split["origins"]?.arrayValue ?? []).compactMap { $0["share"]?.numberValue }.reduce(0, +)
                        XCTAssertEqual(sum, 1, accuracy: 1e-9, p)
                    }
                }
            }
            // Money is conserved: what the jurisdictions and other parties receive net sums to zero, to the fen.
            let ledger = try await client.call("/collections/ledger/items?limit=10000", token: token).json()
            var net: [String: Double] = [:], netFen: [String: Int64] = [:]
            for e in ledger["features"]?.arrayValue ?? [] {
                let amount = e["properties"]?["amount"]?.numberValue ?? 0
                let fen = Int64(e["properties"]?["amount_fen"]?.numberValue ?? -1)
                XCTAssertEqual(Double(fen), (amount * 100).rounded(), "amount and fen agree")
                net[e["properties"]?["payer"]?.stringValue ?? "", default: 0] -= amount
                net[e["properties"]?["payee"]?.stringValue ?? "", default: 0] += amount
                netFen[e["properties"]?["payer"]?.stringValue ?? "", default: 0] -= fen
                netFen[e["properties"]?["payee"]?.stringValue ?? "", default: 0] += fen
                XCTAssertEqual(e["geometry"], .null)
            }
            XCTAssertEqual(netFen.values.reduce(0, +), 0, "to the fen")
            let jurisdictions = try await client.call("/collections/jurisdictions/items", token: token).json()
            for j in jurisdictions["features"]?.arrayValue ?? [] {
                let id = j["id"]?.stringValue ?? ""
                XCTAssertEqual(j["properties"]?["net"]?.numberValue ?? .nan, net[id] ?? 0, accuracy: 0.01, id)
                XCTAssertNotNil(j["properties"]?["budget"]?["TP"]?["generated_kg_yr"]?.numberValue, id)
            }
        }
    }

    func testNamesFromDataAreEscapedInHTML() async throws {
        try await ServeFixture.test { _, client in
            let token = try await client.login(ServeFixture.Accounts.county)
            for uri in ["/collections/sections/items?f=html", "/collections/sections/items/S4?f=html"] {
                let page = try await client.call(uri, token: token).text
                XCTAssertFalse(page.contains("<script>alert"), uri)
                XCTAssertTrue(page.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;S4&#39;"), uri)
            }
            let json = try await client.call("/collections/sections/items/S4", token: token).json()
            XCTAssertEqual(json["properties"]?["name"]?.stringValue, ServeFixture.hostileName)
        }
    }
}
