import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Hydro
@testable import HydroServe
import XCTest

final class AccountTests: XCTestCase {
    func testPasswordsAreStoredAsBcryptHashesAndWrongOnesRefused() async throws {
        try await ServeFixture.test { server, client in
            let (_, hash) = try XCTUnwrap(try server.store.user(named: ServeFixture.Accounts.county.0))
            XCTAssertTrue(hash.hasPrefix("$2"), hash)
            XCTAssertFalse(hash.contains(ServeFixture.Accounts.county.1))
            let wrong = try await client.call("/login", .post, body: #"{"username":"qixingguan","password":"not-it"}"#, type: "application/json")
            XCTAssertEqual(wrong.status, .unauthorized)
            let nobody = try await client.call("/login", .post, body: #"{"username":"nobody","password":"whatever1"}"#, type: "application/json")
            XCTAssertEqual(nobody.status, .unauthorized)
            let token = try await client.login(ServeFixture.Accounts.county)
            let me = try await client.call("/me", token: token).json()
            XCTAssertEqual(me["jurisdiction"], "520502")
            XCTAssertEqual(me["role"], "county")
            XCTAssertThrowsError(try server.accounts.add(name: "short", password: "1234567", role: .county, jurisdiction: "520502"))
            XCTAssertThrowsError(try server.accounts.add(name: "x y", password: "12345678", role: .county, jurisdiction: "520502"))
            XCTAssertThrowsError(try server.accounts.add(name: "nojur", password: "12345678", role: .county, jurisdiction: nil))
            XCTAssertThrowsError(try server.accounts.add(name: "qixingguan", password: "12345678", role: .county, jurisdiction: "520502"))
        }
    }

    func testFailedLoginsAreThrottled() async throws {
        try await ServeFixture.test { _, client in
            for k in 1...ServeLimits.maxFailures {
                let r = try await client.call("/login", .post, body: #"{"username":"chishui","password":"guess-\#(k)"}"#, type: "application/json")
                XCTAssertEqual(r.status, .unauthorized, "attempt \(k)")
            }
            // The right password does not help once the account's failures are used up.
            let blocked = try await client.call("/login", .post, body: #"{"username":"chishui","password":"chishui-password"}"#, type: "application/json")
            XCTAssertEqual(blocked.status, .tooManyRequests)
            let wait = Int(blocked.headers[.retryAfter] ?? "") ?? 0
            XCTAssertTrue(wait > 0 && wait <= Int(ServeLimits.failureWindow), "\(wait)")
            // Another account is not blocked by chishui's failures.
            _ = try await client.login(ServeFixture.Accounts.county)
        }
    }

    func testSessionsExpireAndLogoutEndsThem() async throws {
        try await ServeFixture.test { server, client in
            let (user, _) = try XCTUnwrap(try server.store.user(named: ServeFixture.Accounts.county.0))
            let stale = Accounts.randomToken()
            try server.store.createSession(user: user.id, tokenSHA256: Accounts.sha256(stale), csrf: "c", expires: Date().addingTimeInterval(-1))
            let answer1 = try await client.call("/me", token: stale)
            XCTAssertEqual(answer1.status, .unauthorized)
            let token = try await client.login(ServeFixture.Accounts.county)
            let answer2 = try await client.call("/me", token: token)
            XCTAssertEqual(answer2.status, .ok)
            let answer3 = try await client.call("/logout", .post, token: token)
            XCTAssertEqual(answer3.status, .noContent)
            let answer4 = try await client.call("/me", token: token)
            XCTAssertEqual(answer4.status, .unauthorized)
        }
    }

    func testBrowserFormsNeedTheirCSRFTokens() async throws {
        try await ServeFixture.test { _, client in
            let form = try await client.call("/login")
            let cookie = try XCTUnwrap(form.headers[values: .setCookie].first { $0.hasPrefix(SessionCookie.loginCSRF) })
            let csrf = String(cookie.dropFirst(SessionCookie.loginCSRF.count + 1).prefix(64))
            XCTAssertTrue(form.text.contains("value=\"\(csrf)\""))
            let body = "username=qixingguan&password=county-password"
            let missing = try await client.call("/login", .post, headers: [.cookie: "\(SessionCookie.loginCSRF)=\(csrf)"], body: body,
                                                type: "application/x-www-form-urlencoded")
            XCTAssertEqual(missing.status, .forbidden)
            let wrong = try await client.call("/login", .post, headers: [.cookie: "\(SessionCookie.loginCSRF)=\(csrf)"], body: body + "&csrf=\(String(repeating: "0", count: 64))",
                                              type: "application/x-www-form-urlencoded")
            XCTAssertEqual(wrong.status, .forbidden)
            let ok = try await client.call("/login", .post, headers: [.cookie: "\(SessionCookie.loginCSRF)=\(csrf)"], body: body + "&csrf=\(csrf)",
                                           type: "application/x-www-form-urlencoded")
            XCTAssertEqual(ok.status, .seeOther)
            XCTAssertEqual(ok.headers[.location], "/map")
            let session = try XCTUnwrap(ok.headers[values: .setCookie].first { $0.hasPrefix(SessionCookie.name + "=") })
            XCTAssertTrue(session.contains("HttpOnly") && session.contains("SameSite=Strict"), session)
            let sessionCookie = String(session.split(separator: ";")[0])
            // The map page carries the session's CSRF token; a cookie-authenticated upload needs it.
            let map = try await client.call("/map", headers: [.cookie: sessionCookie])
            XCTAssertEqual(map.status, .ok)
            let marker = "name=\"csrf-token\" content=\""
            let start = try XCTUnwrap(map.text.range(of: marker))
            let token = String(map.text[start.upperBound...].prefix(64))
            let refused = try await client.call("/uploads", .post, headers: [.cookie: sessionCookie], body: ServeFixture.month, type: "text/csv")
            XCTAssertEqual(refused.status, .forbidden)
            let accepted = try await client.call("/uploads", .post, headers: [.cookie: sessionCookie, HTTPField.Name("X-CSRF-Token")!: token],
                                                 body: ServeFixture.month, type: "text/csv")
            XCTAssertEqual(accepted.status, .created, accepted.errorMessage)
            // The map without a session sends the visitor to the sign-in form.
            let anonymous = try await client.call("/map")
            XCTAssertEqual(anonymous.status, .seeOther)
            XCTAssertEqual(anonymous.headers[.location], "/login")
        }
    }
}
