import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Hydro
@testable import HydroServe
import NIOCore
import XCTest

final class ConcurrencyTests: XCTestCase {
    /// 100 uploads from four clients on their own connections at once, over a real socket: every one
    /// lands, each in its own settlement version, and the audit log has every one.
    func testHundredConcurrentUploadsAllLand() async throws {
        try await ServeFixture.test(.live) { server, client in
            let port = try XCTUnwrap(client.port)
            let accounts = [ServeFixture.Accounts.admin, ServeFixture.Accounts.county, ServeFixture.Accounts.other, ServeFixture.Accounts.admin]
            // Sections each account is party to: 七星关区 at S1–S3, 赤水市 at S3–S4; the administrator anywhere.
            let sections = [["S1", "S4"], ["S1", "S2", "S3"], ["S3", "S4"], ["S2", "S3"]]
            var tokens: [String] = []
            for a in accounts { tokens.append(try await client.login(a)) }
            let frozenTokens = tokens
            let sent = try await withThrowingTaskGroup(of: [String].self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        try await TestClient.withClient(host: "localhost", port: port) { c in
                            var texts: [String] = []
                            for k in 0..<25 {
                                let section = sections[worker][k % sections[worker].count]
                                let csv = "section,period,parameter,concentration,flow_m3s\n\(section),2024-\(String(format: "%02d", 1 + k % 12)),TP,\(0.05 + Double(worker * 100 + k) / 1e5),90\n"
                                let r = try await c.post("/uploads?filename=w\(worker)-\(k).csv",
                                                         headers: [.authorization: "Bearer \(frozenTokens[worker])", .contentType: "text/csv"],
                                                         body: ByteBuffer(string: csv))
                                XCTAssertEqual(r.status, .created, String(buffer: r.body ?? ByteBuffer()))
                                texts.append(csv)
                            }
                            return texts
                        }
                    }
                }
                var all: [String] = []
                for try await texts in group { all += texts }
                return all
            }
            XCTAssertEqual(sent.count, 100)
            let stored = try server.store.uploads()
            XCTAssertEqual(stored.count, 100)
            XCTAssertEqual(Set(stored.map(\.content)), Set(sent), "every upload is stored as sent")
            XCTAssertEqual(stored.map(\.version), Array(1...100))
            for u in stored { XCTAssertEqual(u.sha256, Hydro.SHA256.hex(u.content)) }
            let logged = try server.store.auditLog().filter { $0.action == "upload" }
            XCTAssertEqual(logged.count, 100)
            XCTAssertEqual(Set(logged.compactMap(\.sha256)), Set(stored.map(\.sha256)))
            let versions = try server.store.settlementVersions()
            XCTAssertEqual(versions.map(\.version), Array(1...101))
            XCTAssertEqual(versions.map(\.throughUpload), Array(0...100), "one settlement version per upload, in order")
        }
    }
}
