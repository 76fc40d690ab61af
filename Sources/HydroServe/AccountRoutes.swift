import Foundation
import Hummingbird

/// Sign-in (JSON for API clients, a form with a CSRF token for the browser), sign-out and `/me`.
extension HydroServer {
    struct LoginForm: Decodable { var username: String; var password: String; var csrf: String? }

    func addAccountRoutes(_ router: Router<ServeContext>) {
        router.get("/login") { _, context -> Response in
            let csrf = Accounts.randomToken()
            var response = Self.html(Page.login(csrf: csrf, message: nil, user: context.user))
            response.setCookie(Cookie(name: SessionCookie.loginCSRF, value: csrf, maxAge: 3600, path: "/login", httpOnly: true, sameSite: .strict))
            return response
        }
        router.post("/login") { request, context -> Response in
            let type = request.headers[.contentType]?.lowercased() ?? ""
            let isForm = type.hasPrefix("application/x-www-form-urlencoded")
            guard isForm || type.hasPrefix("application/json") else {
                throw HTTPError(.unsupportedMediaType, message: "send the user name and password as application/json or a form")
            }
            let form: LoginForm
            do {
                form = isForm ? try await URLEncodedFormDecoder().decode(LoginForm.self, from: request, context: context)
                    : try await JSONDecoder().decode(LoginForm.self, from: request, context: context)
            } catch let error as HTTPError { throw error } catch {
                throw HTTPError(.badRequest, message: "the request needs 'username' and 'password'")
            }
            if isForm {
                guard let sent = form.csrf, let expected = request.cookies[SessionCookie.loginCSRF]?.value, constantTimeEqual(sent, expected) else {
                    throw HTTPError(.forbidden, message: "the form's CSRF token is missing or wrong: reload the sign-in page")
                }
            }
            switch try await self.accounts.login(name: form.username, password: form.password, client: context.remoteAddress) {
            case .throttled(let wait):
                throw HTTPError(.tooManyRequests, headers: [.retryAfter: String(wait)], message: "too many failed sign-ins: try again in \(wait) s")
            case .refused:
                if isForm {
                    let csrf = Accounts.randomToken()
                    var response = Self.html(Page.login(csrf: csrf, message: "Wrong user name or password.", user: nil), status: .unauthorized)
                    response.setCookie(Cookie(name: SessionCookie.loginCSRF, value: csrf, maxAge: 3600, path: "/login", httpOnly: true, sameSite: .strict))
                    return response
                }
                throw HTTPError(.unauthorized, message: "wrong user name or password")
            case .signedIn(let user, let token, let csrf, let expires):
                if isForm {
                    var response = Self.redirect("/map")
                    response.setCookie(Cookie(name: SessionCookie.name, value: token, maxAge: Int(ServeLimits.sessionLifetime), path: "/",
                                              httpOnly: true, sameSite: .strict))
                    return response
                }
                return Self.json(["token": .string(token), "csrf": .string(csrf), "expires": .string(ISO8601DateFormatter().string(from: expires)),
                                  "user": Self.userJSON(user)])
            }
        }
        router.post("/logout") { request, context -> Response in
            _ = try context.requireUser()
            if let header = request.headers[.authorization] {
                try self.accounts.logout(token: String(header.dropFirst(7)))
                return Response(status: .noContent)
            }
            if let expected = context.cookieCSRF, request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") ?? false {
                let form = try await URLEncodedFormDecoder().decode([String: String].self, from: request, context: context)
                guard let sent = form["csrf"], constantTimeEqual(sent, expected) else { throw HTTPError(.forbidden, message: "CSRF token missing or wrong") }
            }
            if let cookie = request.cookies[SessionCookie.name] { try self.accounts.logout(token: cookie.value) }
            var response = Self.redirect("/login")
            response.setCookie(Cookie(name: SessionCookie.name, value: "", maxAge: 0, path: "/", httpOnly: true, sameSite: .strict))
            return response
        }
        router.get("/me") { _, context -> Response in
            let user = try context.requireUser()
            var body = Self.userJSON(user)
            if case .object(var o) = body {
                o["expires"] = context.sessionExpires.map { .string(ISO8601DateFormatter().string(from: $0)) } ?? .null
                body = .object(o)
            }
            return Self.json(body)
        }
    }

    static func userJSON(_ u: UserAccount) -> JSONValue {
        ["name": .string(u.name), "role": .string(u.role.rawValue), "jurisdiction": u.jurisdiction.map(JSONValue.string) ?? .null]
    }
}
