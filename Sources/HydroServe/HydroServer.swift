import Foundation
import HTTPTypes
import Hummingbird
import Hydro

/// `hydrotool serve`: the project's latest run as OGC API – Features collections, a web map, accounts
/// per jurisdiction, monitoring uploads and settlement versions, with its state in SQLite beside the output.
public final class HydroServer: Sendable {
    public let config: ProjectConfig
    public let store: ServerStore
    public let accounts: Accounts
    let publisher: SettlementPublisher
    let state: ServeState
    /// Where the server keeps its database and files: `<output>-serve` beside the output folder.
    public let folder: String
    public let leafletFolder: String

    /// Opens (or creates) the server's state and runs the project through compensation.
    /// - Parameter stateFolder: where to keep the state instead of `<output>-serve`.
    public init(config: ProjectConfig, bcryptCost: UInt8 = 12, leafletFolder: String = "/usr/share/javascript/leaflet",
                stateFolder: String? = nil, log: @escaping @Sendable (String) -> Void = { _ in }) throws {
        self.config = config
        folder = stateFolder ?? Self.stateFolder(config)
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw HydroError(.io, folder, "cannot create the server's folder")
        }
        store = try ServerStore(path: (folder as NSString).appendingPathComponent("hydroserve.sqlite"))
        accounts = Accounts(store: store, bcryptCost: bcryptCost)
        publisher = SettlementPublisher(config: config, store: store, folder: folder, log: log)
        let (snapshot, settlement) = try publisher.start()
        state = ServeState(snapshot: snapshot, settlement: settlement)
        self.leafletFolder = leafletFolder
    }

    public static func stateFolder(_ config: ProjectConfig) -> String {
        (config.output.hasSuffix("/") ? String(config.output.dropLast()) : config.output) + "-serve"
    }

    /// Opens only the database (for `--add-user`), without running the project.
    public static func openAccounts(_ config: ProjectConfig, bcryptCost: UInt8 = 12) throws -> Accounts {
        let folder = stateFolder(config)
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw HydroError(.io, folder, "cannot create the server's folder")
        }
        return Accounts(store: try ServerStore(path: (folder as NSString).appendingPathComponent("hydroserve.sqlite")), bcryptCost: bcryptCost)
    }

    /// The codes an account may speak for: the project's jurisdictions with their prefecture and
    /// province codes, and every party and group the scheme names.
    public static func knownParties(_ config: ProjectConfig) throws -> Set<String> {
        var parties = Set<String>()
        if let file = config.jurisdictions {
            for f in try VectorReader.read(file).features {
                guard let id = f[config.jurisdictionIdField].stringValue?.replacingOccurrences(of: ".0", with: "") else { continue }
                parties.insert(id)
                if id.count == 6, id.allSatisfy(\.isNumber) {
                    parties.insert(String(id.prefix(4)) + "00")
                    parties.insert(String(id.prefix(2)) + "0000")
                }
            }
        }
        if let file = config.scheme {
            let scheme = try Scheme.load(file)
            for s in scheme.sections { parties.formUnion(s.upstream + s.downstream) }
            for (group, members) in scheme.groups { parties.insert(group); parties.formUnion(members) }
        }
        return parties
    }

    public func router() -> Router<ServeContext> {
        let router = Router(context: ServeContext.self)
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: AuthenticationMiddleware(accounts: accounts))
        addOGCRoutes(router)
        addAccountRoutes(router)
        addUploadRoutes(router)
        addMapRoutes(router)
        return router
    }

    public func application(host: String = "127.0.0.1", port: Int) -> some ApplicationProtocol {
        Application(router: router(), configuration: .init(address: .hostname(host, port: port), serverName: "hydrotool"))
    }

    /// Serves until SIGINT or SIGTERM, then closes connections and returns.
    public func run(host: String = "127.0.0.1", port: Int) async throws {
        try await application(host: host, port: port).runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }

    // MARK: responses

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, type: String = "application/json", headers: HTTPFields = [:]) -> Response {
        bytes(value.encoded(), status: status, type: type, headers: headers)
    }

    static func html(_ text: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        bytes(Data(text.utf8), status: status, type: "text/html; charset=utf-8", headers: headers)
    }

    static func bytes(_ data: Data, status: HTTPResponse.Status = .ok, type: String, headers: HTTPFields = [:]) -> Response {
        var h = headers
        h[.contentType] = type
        return Response(status: status, headers: h, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func redirect(_ location: String, headers: HTTPFields = [:]) -> Response {
        var h = headers
        h[.location] = location
        return Response(status: .seeOther, headers: h)
    }

    /// HTML when `f=html`, or when the client asks for HTML without `f`; JSON otherwise.
    static func wantsHTML(_ request: Request) -> Bool {
        switch request.uri.queryParameters.get("f") {
        case "html": return true
        case .some: return false
        case .none:
            let accept = request.headers[.accept] ?? ""
            return accept.contains("text/html")
        }
    }

    static func baseURL(_ request: Request) -> String {
        let host = request.head.authority ?? "localhost"
        return "http://\(host)"
    }
}

/// Headers every answer carries: no sniffing, no framing, scripts and styles from this server only.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = ServeContext
    func handle(_ request: Request, context: ServeContext, next: (Request, ServeContext) async throws -> Response) async throws -> Response {
        var response: Response
        do { response = try await next(request, context) } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[.contentSecurityPolicy] = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        return response
    }
}
