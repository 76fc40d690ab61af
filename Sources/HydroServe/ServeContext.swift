import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The request context: who is signed in (from a bearer token or the session cookie) and the
/// client's address for throttling failed logins.
public struct ServeContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var user: UserAccount?
    /// The session's CSRF token when the request was authenticated by cookie (nil for bearer tokens).
    public var cookieCSRF: String?
    public var sessionExpires: Date?
    public let remoteAddress: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress
    }

    /// Uploads are CSV files of a year or so of monitoring; anything larger is refused with 413.
    public var maxUploadSize: Int { ServeLimits.maxBody }
}

public enum ServeLimits {
    /// Largest request body accepted (monitoring uploads, scheme files), bytes.
    public static let maxBody = 2 * 1024 * 1024
    public static let sessionLifetime: TimeInterval = 8 * 3600
    /// Failed logins allowed per account name and per client address within `failureWindow`.
    public static let maxFailures = 5
    public static let failureWindow: TimeInterval = 15 * 60
    public static let defaultLimit = 100
    public static let maxLimit = 10_000
}

public enum SessionCookie {
    public static let name = "hydro_session"
    public static let loginCSRF = "hydro_login_csrf"
}

/// Signs requests in: a bearer token (API clients) or the session cookie (the browser). Rejects
/// cookie-authenticated writes that lack the session's CSRF token in `X-CSRF-Token` (forms put it in
/// a field, checked by the form's handler).
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = ServeContext
    let accounts: Accounts

    func handle(_ request: Request, context: ServeContext, next: (Request, ServeContext) async throws -> Response) async throws -> Response {
        var context = context
        if let header = request.headers[.authorization] {
            guard header.lowercased().hasPrefix("bearer "), let (user, _, expires) = try accounts.session(token: String(header.dropFirst(7))) else {
                throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer"], message: "the bearer token is unknown or has expired: sign in again at POST /login")
            }
            context.user = user
            context.sessionExpires = expires
        } else if let cookie = request.cookies[SessionCookie.name], let (user, csrf, expires) = try accounts.session(token: cookie.value) {
            context.user = user
            context.cookieCSRF = csrf
            context.sessionExpires = expires
            let form = request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") ?? false
            // Forms carry the token in a field (checked by their handlers); sign-in needs no session.
            if ![.get, .head, .options].contains(request.method), !form, request.uri.path != "/login" {
                guard let sent = request.headers[HTTPField.Name("X-CSRF-Token")!], constantTimeEqual(sent, csrf) else {
                    throw HTTPError(.forbidden, message: "CSRF token missing or wrong: send the page's token in X-CSRF-Token")
                }
            }
        }
        return try await next(request, context)
    }
}

func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    guard x.count == y.count else { return false }
    var diff: UInt8 = 0
    for i in 0..<x.count { diff |= x[i] ^ y[i] }
    return diff == 0
}

extension ServeContext {
    /// The signed-in account, or 401.
    func requireUser() throws -> UserAccount {
        guard let user else {
            throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer"], message: "sign in first: POST /login, then send the token as 'Authorization: Bearer TOKEN'")
        }
        return user
    }

    func requireAdmin() throws -> UserAccount {
        let user = try requireUser()
        guard user.role == .admin else { throw HTTPError(.forbidden, message: "only the administrator may change the scheme") }
        return user
    }
}
