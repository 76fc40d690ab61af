import Foundation
import Hummingbird
import HummingbirdTesting
import Hydro
import HydroServe
import NIOCore
import XCTest

/// One demo basin, built and run once for all server tests; each test gets its own server state.
enum ServeFixture {
    /// A section name with every character HTML must escape.
    static let hostileName = "<script>alert(\"x\")</script> & 'S4'"
    static let lock = NSLock()
    nonisolated(unsafe) static var built: ProjectConfig?

    static func config() throws -> ProjectConfig {
        try lock.withLock {
            if let built { return built }
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hydroserve-fixture-\(ProcessInfo.processInfo.processIdentifier)").path
            try? FileManager.default.removeItem(atPath: folder)
            let project = try DemoCase.write(into: folder, seed: 5, size: 90)
            // The outlet section gets a name that must be escaped wherever it is shown.
            let sectionsFile = (folder as NSString).appendingPathComponent("inputs/sections.gpkg")
            var sections = try VectorReader.read(sectionsFile)
            if let k = sections.features.firstIndex(where: { $0["id"].stringValue == "S4" }) {
                sections.features[k].attributes["name"] = .string(hostileName)
            }
            try VectorWriter.write(sections, to: sectionsFile, overwrite: true)
            let config = try ProjectConfig.load(project)
            try ProjectRun(config).runThrough(.compensation)
            built = config
            return config
        }
    }

    struct Accounts {
        static let admin = ("admin", "admin-password")
        /// 七星关区, upstream at S2 and S3, downstream at S1.
        static let county = ("qixingguan", "county-password")
        /// 赤水市, upstream at S4 only and downstream at S3.
        static let other = ("chishui", "chishui-password")
    }

    static func server() throws -> HydroServer {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("hydroserve-state-\(UUID().uuidString)").path
        let server = try HydroServer(config: try config(), bcryptCost: 4, stateFolder: state)
        _ = try server.accounts.add(name: Accounts.admin.0, password: Accounts.admin.1, role: .admin, jurisdiction: nil)
        _ = try server.accounts.add(name: Accounts.county.0, password: Accounts.county.1, role: .county, jurisdiction: "520502")
        _ = try server.accounts.add(name: Accounts.other.0, password: Accounts.other.1, role: .county, jurisdiction: "520381")
        return server
    }

    static func test<T: Sendable>(_ setup: TestingSetup = .router, _ body: @Sendable @escaping (HydroServer, any TestClientProtocol) async throws -> T) async throws -> T {
        let server = try server()
        defer { try? FileManager.default.removeItem(atPath: server.folder) }
        let app = Application(router: server.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        return try await app.test(setup) { client in try await body(server, client) }
    }

    static let month = """
    section,period,parameter,concentration,flow_m3s
    S3,2024-08,CODMn,3.1,150
    S3,2024-08,NH3-N,0.3,150
    S3,2024-08,TP,0.08,150

    """
}

extension TestClientProtocol {
    @discardableResult
    func call(_ uri: String, _ method: HTTPRequest.Method = .get, token: String? = nil, headers: HTTPFields = [:],
              body: String? = nil, type: String? = nil) async throws -> TestResponse {
        var h = headers
        if let token { h[.authorization] = "Bearer \(token)" }
        if let type { h[.contentType] = type }
        return try await execute(uri: uri, method: method, headers: h, body: body.map { ByteBuffer(string: $0) })
    }

    func login(_ account: (String, String)) async throws -> String {
        let r = try await call("/login", .post, body: #"{"username":"\#(account.0)","password":"\#(account.1)"}"#, type: "application/json")
        XCTAssertEqual(r.status, .ok, String(buffer: r.body))
        return try XCTUnwrap(try r.json()["token"]?.stringValue)
    }
}

extension TestResponse {
    func json() throws -> JSONValue { try JSONValue.decode(Data(String(buffer: body).utf8)) }
    var text: String { String(buffer: body) }
    var errorMessage: String { (try? json()["error"]?["message"]?.stringValue) ?? text }
}

/// The path and query of an absolute link, to follow it with the test client.
func localPart(_ href: String) -> String {
    guard let c = URLComponents(string: href) else { return href }
    return c.percentEncodedPath + (c.percentEncodedQuery.map { "?\($0)" } ?? "")
}
