import Crypto
import Foundation
import Hydro
import HummingbirdBcrypt

/// Accounts and sessions: bcrypt password hashes, random session tokens stored only as their
/// SHA-256 (a copy of the database gives no usable token), expiry, and a throttle on failed logins.
public final class Accounts: Sendable {
    let store: ServerStore
    let bcryptCost: UInt8
    let throttle = LoginThrottle()

    public init(store: ServerStore, bcryptCost: UInt8 = 12) {
        self.store = store
        self.bcryptCost = bcryptCost
    }

    /// Adds an account; a county account names the jurisdiction (scheme party) it speaks for.
    public func add(name: String, password: String, role: UserAccount.Role, jurisdiction: String?) throws -> UserAccount {
        guard name.count >= 1, name.count <= 64, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.@".contains($0) }) else {
            throw HydroError(.invalidParameter, "--add-user", "'\(name)' is not a user name (1–64 letters, digits, - _ . @)")
        }
        guard password.count >= 8 else { throw HydroError(.invalidParameter, "password", "must have at least 8 characters") }
        guard password.utf8.count <= 72 else { throw HydroError(.invalidParameter, "password", "must be at most 72 bytes (bcrypt's limit)") }
        if role == .county && (jurisdiction ?? "").isEmpty {
            throw HydroError(.invalidParameter, "--jurisdiction", "is needed for a county account (or give --admin)")
        }
        return try store.addUser(name: name, role: role, jurisdiction: role == .admin ? nil : jurisdiction,
                                 passwordHash: Bcrypt.hash(password, cost: bcryptCost))
    }

    public enum LoginResult: Sendable {
        case signedIn(UserAccount, token: String, csrf: String, expires: Date)
        case refused
        case throttled(retryAfter: Int)
    }

    public func login(name: String, password: String, client: String?) async throws -> LoginResult {
        let keys = ["user:" + name.lowercased()] + (client.map { ["ip:" + $0] } ?? [])
        if let wait = await throttle.blocked(keys) { return .throttled(retryAfter: wait) }
        // A missing account still costs one bcrypt verification, so timing does not tell which names exist.
        let found = try store.user(named: name)
        let ok = Bcrypt.verify(password, hash: found?.1 ?? Self.dummyHash) && found != nil
        guard ok, let user = found?.0 else {
            await throttle.fail(keys)
            try store.audit(actor: name, action: "login_failed", detail: "from \(client ?? "unknown")")
            return .refused
        }
        await throttle.clear(keys[0])
        let token = Self.randomToken(), csrf = Self.randomToken()
        let expires = Date().addingTimeInterval(ServeLimits.sessionLifetime)
        try store.createSession(user: user.id, tokenSHA256: Self.sha256(token), csrf: csrf, expires: expires)
        try store.audit(actor: user.name, action: "login", detail: "from \(client ?? "unknown")")
        return .signedIn(user, token: token, csrf: csrf, expires: expires)
    }

    public func session(token: String) throws -> (UserAccount, csrf: String, expires: Date)? {
        guard token.count == 64, token.allSatisfy(\.isHexDigit) else { return nil }
        return try store.session(tokenSHA256: Self.sha256(token))
    }

    public func logout(token: String) throws { try store.endSession(tokenSHA256: Self.sha256(token)) }

    static let dummyHash = Bcrypt.hash("not a password of anyone", cost: 10)

    /// 32 random bytes from the system's secure generator, as hex.
    public static func randomToken() -> String {
        var g = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &g)) }.joined()
    }

    public static func sha256(_ text: String) -> String { sha256(Data(text.utf8)) }
    public static func sha256(_ data: Data) -> String { Crypto.SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() }
}

/// Failed logins by key (account name, client address) in a sliding window.
actor LoginThrottle {
    private var failures: [String: [Date]] = [:]

    /// Seconds to wait when any key has used up its failures, else nil.
    func blocked(_ keys: [String], now: Date = Date()) -> Int? {
        var wait: TimeInterval = 0
        for key in keys {
            let recent = (failures[key] ?? []).filter { now.timeIntervalSince($0) < ServeLimits.failureWindow }
            failures[key] = recent
            if recent.count >= ServeLimits.maxFailures, let first = recent.first {
                wait = max(wait, ServeLimits.failureWindow - now.timeIntervalSince(first))
            }
        }
        return wait > 0 ? Int(wait.rounded(.up)) : nil
    }

    func fail(_ keys: [String], now: Date = Date()) { for key in keys { failures[key, default: []].append(now) } }
    func clear(_ key: String) { failures[key] = nil }
}
