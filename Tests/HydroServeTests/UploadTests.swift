import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Hydro
@testable import HydroServe
import XCTest

final class UploadTests: XCTestCase {
    func testWritesNeedAuthorization() async throws {
        try await ServeFixture.test { _, client in
            let answer1 = try await client.call("/uploads", .post, body: ServeFixture.month, type: "text/csv")
            XCTAssertEqual(answer1.status, .unauthorized)
            let answer2 = try await client.call("/scheme", .put, body: "x", type: "application/toml")
            XCTAssertEqual(answer2.status, .unauthorized)
            let answer3 = try await client.call("/logout", .post)
            XCTAssertEqual(answer3.status, .unauthorized)
            let county = try await client.login(ServeFixture.Accounts.county)
            let scheme = try await client.call("/scheme", .put, token: county, body: "[scheme]\n", type: "application/toml")
            XCTAssertEqual(scheme.status, .forbidden)
            // S4 belongs to 赤水市 (520381) upstream and 古蔺县 (510525) downstream, not to 七星关区.
            let foreign = "section,period,parameter,concentration,flow_m3s\nS3,2024-08,TP,0.08,150\nS4,2024-08,TP,0.08,150\n"
            let refused = try await client.call("/uploads?filename=mixed.csv", .post, token: county, body: foreign, type: "text/csv")
            XCTAssertEqual(refused.status, .forbidden)
            XCTAssertTrue(refused.errorMessage.hasPrefix("mixed.csv:3: 520502 is not a party to section 'S4'"), refused.errorMessage)
            let answer4 = try await client.call("/uploads", token: county)
            XCTAssertEqual(try answer4.json()["uploads"], .array([]))
        }
    }

    func testBadFilesAreRefusedWithTheirLineAndTooLargeOnesWith413() async throws {
        try await ServeFixture.test { _, client in
            let token = try await client.login(ServeFixture.Accounts.county)
            let header = "section,period,parameter,concentration,flow_m3s\n"
            let cases: [(String, String)] = [
                (header + "S3,2024-07,TP,0.08,150\nS3,2024-13,TP,0.08,150\n", "bad.csv:3: period '2024-13' is not YYYY-MM"),
                (header + "S3,2024-07,TP,-0.1,150\n", "bad.csv:2: concentration must not be negative"),
                (header + "S3,2024-07,TP,lots,150\n", "bad.csv:2: 'concentration' is 'lots', not a number"),
                (header + "S3,2024-07,TP,0.1,150\nS3,2024-07,TP,0.2,150\n", "bad.csv:3: TP at S3 in 2024-07 is given twice (0.1 and 0.2)"),
                (header + "S3,2024-07,TP,0.1\n", "bad.csv:2: has 4 fields, the header has 5"),
                (header + "S9,2024-07,TP,0.1,150\n", "bad.csv:2: section 'S9' is not an assessment section of the scheme"),
                ("station,period,parameter,concentration\nS3,2024-07,TP,0.1\n", "bad.csv: has no column 'section'"),
                (header, "bad.csv: has no data rows"),
            ]
            for (csv, message) in cases {
                let r = try await client.call("/uploads?filename=bad.csv", .post, token: token, body: csv, type: "text/csv")
                XCTAssertEqual(r.status, .unprocessableContent, message)
                XCTAssertTrue(r.errorMessage.hasPrefix(message), "\(r.errorMessage) ≠ \(message)")
            }
            let big = header + String(repeating: "S3,2024-07,TP,0.08,150\n", count: ServeLimits.maxBody / 20)
            let tooLarge = try await client.call("/uploads", .post, token: token, body: big, type: "text/csv")
            XCTAssertEqual(tooLarge.status, .contentTooLarge)
            let answer5 = try await client.call("/uploads", .post, token: token, body: "{}", type: "application/json")
            XCTAssertEqual(answer5.status, .unsupportedMediaType)
            let answer6 = try await client.call("/uploads", token: token)
            XCTAssertEqual(try answer6.json()["uploads"], .array([]), "nothing refused was stored")
        }
    }

    func testAnUploadPublishesANewSettlementVersionAndKeepsTheOldOne() async throws {
        try await ServeFixture.test { server, client in
            let token = try await client.login(ServeFixture.Accounts.county)
            // Version 1 is the project's own settlement: the same ledger the compensation step wrote.
            let run = try ProjectRun(server.config)
            try run.runThrough(.compensation)
            let own = try JSONValue.decode(try Data(contentsOf: URL(fileURLWithPath: run.path("ledger.json"))))
            let v1 = try await client.call("/settlements/1", token: token).json()
            XCTAssertEqual(v1["entries"]?.arrayValue?.count, own["entries"]?.arrayValue?.count)
            XCTAssertEqual(v1["basis"], "project")
            XCTAssertTrue((v1["gaps"]?.arrayValue ?? []).contains { $0.stringValue?.hasPrefix("S3 2024-08") ?? false })
            func august(_ ledger: JSONValue) -> Int {
                (ledger["features"]?.arrayValue ?? []).filter { $0["properties"]?["section"] == "S3" && $0["properties"]?["period"] == "2024-08" }.count
            }
            let before = try await client.call("/collections/ledger/items?limit=10000", token: token).json()
            XCTAssertEqual(august(before), 0, "the demo has no August sample at S3, so nothing is settled for it")

            let r = try await client.call("/uploads?filename=august.csv", .post, token: token, body: ServeFixture.month, type: "text/csv")
            XCTAssertEqual(r.status, .created, r.errorMessage)
            let answer = try r.json()
            XCTAssertEqual(answer["settlement_version"], 2)
            XCTAssertEqual(answer["upload"], 1)
            XCTAssertEqual(answer["sha256"]?.stringValue, Hydro.SHA256.hex(ServeFixture.month))
            let after = try await client.call("/collections/ledger/items?limit=10000", token: token).json()
            XCTAssertGreaterThan(august(after), 0, "the uploaded month is settled")
            XCTAssertEqual((after["features"]?.arrayValue?.first?["properties"]?["settlement_version"]), 2)
            // The earlier version stays readable, unchanged.
            let old = try await client.call("/collections/ledger/items?limit=10000&version=1", token: token).json()
            XCTAssertEqual(old["numberMatched"], before["numberMatched"])
            XCTAssertEqual(august(old), 0)
            let answer7 = try await client.call("/collections/ledger/items?version=99", token: token)
            XCTAssertEqual(answer7.status, .notFound)
            let versions = try await client.call("/settlements", token: token).json()
            XCTAssertEqual(versions["current"], 2)
            XCTAssertEqual((versions["versions"]?.arrayValue ?? []).compactMap { $0["basis"]?.stringValue }, ["project", "upload 1"])
            // The upload is stored as sent, with uploader, time and SHA-256, and logged.
            let record = try await client.call("/uploads/1", token: token).json()
            XCTAssertEqual(record["uploader"], "qixingguan")
            XCTAssertEqual(record["jurisdiction"], "520502")
            XCTAssertEqual(record["rows"], 3)
            let answer8 = try await client.call("/uploads/1/content", token: token)
            XCTAssertEqual(answer8.text, ServeFixture.month)
            let audit = try await client.call("/audit", token: token).json()
            XCTAssertTrue((audit["entries"]?.arrayValue ?? []).contains { $0["action"] == "upload" && $0["sha256"] == answer["sha256"] })
            // Another county reads everything too.
            let other = try await client.login(ServeFixture.Accounts.other)
            let answer9 = try await client.call("/uploads/1/content", token: other)
            XCTAssertEqual(answer9.status, .ok)
        }
    }

    func testTheAuditLogUploadsAndSettlementsAreAppendOnly() async throws {
        try await ServeFixture.test { server, client in
            let token = try await client.login(ServeFixture.Accounts.county)
            let answer10 = try await client.call("/uploads", .post, token: token, body: ServeFixture.month, type: "text/csv")
            XCTAssertEqual(answer10.status, .created)
            let db = try DatabaseQueue(path: server.store.path)
            for sql in ["UPDATE uploads SET content = 'x'", "DELETE FROM uploads", "UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log",
                        "UPDATE settlements SET record = '{}'", "DELETE FROM settlements"] {
                XCTAssertThrowsError(try db.inDatabase { try $0.execute(sql: sql) }, sql)
            }
            XCTAssertEqual(try server.store.uploads().map(\.content), [ServeFixture.month])
        }
    }

    func testOnlyTheAdministratorChangesTheScheme() async throws {
        try await ServeFixture.test { server, client in
            let admin = try await client.login(ServeFixture.Accounts.admin)
            let current = try await client.call("/scheme", token: admin).text
            XCTAssertTrue(current.contains("[scheme]"))
            let broken = current.replacingOccurrences(of: "year = 2024", with: "year = \"next\"")
            let refused = try await client.call("/scheme", .put, token: admin, body: broken, type: "application/toml")
            XCTAssertEqual(refused.status, .unprocessableContent)
            XCTAssertTrue(refused.errorMessage.hasPrefix("scheme.toml:"), refused.errorMessage)
            // Doubling what meeting the target earns at S1–S3 doubles each such payment.
            let richer = current.replacingOccurrences(of: "amount_met = 300_000", with: "amount_met = 600_000")
            let r = try await client.call("/scheme", .put, token: admin, body: richer, type: "application/toml")
            XCTAssertEqual(r.status, .created, r.errorMessage)
            XCTAssertEqual(try r.json()["scheme_version"], 1)
            let v1 = try XCTUnwrap(try server.store.settlement(1)), v2 = try XCTUnwrap(try server.store.settlement(2))
            XCTAssertEqual(v2.schemeVersion, 1)
            let met1 = v1.entries.filter { $0.rule.hasPrefix("monthly_two_way met") && $0.section == "S1" }
            let met2 = v2.entries.filter { $0.rule.hasPrefix("monthly_two_way met") && $0.section == "S1" }
            XCTAssertEqual(met1.count, met2.count)
            XCTAssertGreaterThan(met1.count, 0)
            for (a, b) in zip(met1, met2) { XCTAssertEqual(b.amount, 2 * a.amount, accuracy: 0.005) }
            let answer11 = try await client.call("/scheme", token: admin)
            XCTAssertEqual(answer11.text, richer)
            let db = try DatabaseQueue(path: server.store.path)
            XCTAssertThrowsError(try db.inDatabase { try $0.execute(sql: "UPDATE schemes SET content = 'x'") })
            XCTAssertThrowsError(try db.inDatabase { try $0.execute(sql: "DELETE FROM schemes") })
        }
    }

    func testARestartKeepsUploadsAndRebuildsTheSameSettlement() async throws {
        let server = try ServeFixture.server()
        defer { try? FileManager.default.removeItem(atPath: server.folder) }
        let app = Application(router: server.router())
        try await app.test(.router) { client in
            let token = try await client.login(ServeFixture.Accounts.county)
            let answer12 = try await client.call("/uploads", .post, token: token, body: ServeFixture.month, type: "text/csv")
            XCTAssertEqual(answer12.status, .created)
        }
        let again = try HydroServer(config: server.config, bcryptCost: 4, stateFolder: server.folder)
        // Nothing changed, so the restart publishes no new version.
        XCTAssertEqual(try again.store.settlementVersions().count, 2)
        XCTAssertEqual(again.state.current.settlement?.version, 2)
        XCTAssertEqual(try again.store.uploads().count, 1)
    }

    func testMergedMonitoringRoundTripsThroughTheProjectReader() throws {
        let a = try MonitoringData.parse("section,period,parameter,concentration,flow_m3s\nS1,2024-01,TP,0.1,10\nS1,2024-02,TP,0.2,10\n", file: "a.csv")
        let b = try MonitoringData.parse("section,period,parameter,concentration,volume_m3\nS1,2024-02,TP,0.3,5\nS1,2024-02,CODMn,2,5\n", file: "b.csv")
        let merged = SettlementPublisher.merge(a, b)
        let key1 = MonitoringData.Key(section: "S1", period: "2024-01"), key2 = MonitoringData.Key(section: "S1", period: "2024-02")
        let tp = try Pollutant(parsing: "TP", parameter: "t"), cod = try Pollutant(parsing: "CODMn", parameter: "t")
        XCTAssertEqual(merged.concentrations[key2]?[tp], 0.3, "the newer value wins")
        XCTAssertEqual(merged.concentrations[key2]?[cod], 2)
        XCTAssertEqual(merged.concentrations[key1]?[tp], 0.1, "other months stay")
        XCTAssertEqual(merged.volumes[key1], 10 * 31 * 86400)
        XCTAssertEqual(merged.volumes[key2], 5)
        let back = try MonitoringData.parse(SettlementPublisher.csv(merged), file: "merged.csv")
        XCTAssertEqual(back.concentrations, merged.concentrations)
        XCTAssertEqual(back.volumes, merged.volumes)
        XCTAssertEqual(back.minimumFlows, merged.minimumFlows)
    }
}
