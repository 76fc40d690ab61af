import Foundation
import GRDB
import Hydro

/// A settlement version as published: the ledger of one compensation run and what it was based on.
public struct SettlementRecord: Sendable, Codable, Equatable {
    public var version: Int
    public var createdAt: String
    /// What the version settles: "project" (the project's own monitoring), "upload N", "scheme N", "restart".
    public var basis: String
    public var currency: String
    public var year: Int
    public var entries: [LedgerEntry]
    public var balances: [String: Double]
    public var gaps: [String]
    /// The last upload and scheme versions included (0 = none, the project's own files).
    public var throughUpload: Int = 0
    public var schemeVersion: Int = 0
    /// SHA-256 of the monitoring and scheme texts the run used.
    public var inputsSHA256: String = ""
}

public struct UserAccount: Sendable, Equatable {
    public enum Role: String, Sendable { case admin, county }
    public var id: Int64
    public var name: String
    public var role: Role
    /// The jurisdiction (scheme party) a county account speaks for; nil for the administrator.
    public var jurisdiction: String?
}

public struct UploadRecord: Sendable, Equatable {
    public var version: Int
    public var uploader: String
    public var jurisdiction: String?
    public var receivedAt: String
    public var sha256: String
    public var filename: String
    public var rows: Int
    public var content: String
}

public struct AuditEntry: Sendable, Equatable {
    public var id: Int
    public var at: String
    public var actor: String
    public var action: String
    public var detail: String
    public var sha256: String?
}

/// The server's own state in an embedded SQLite database (WAL mode, migrations): accounts, sessions,
/// uploads, scheme versions, settlement versions and the audit log. Uploads, schemes, settlements and
/// the audit log are append-only: triggers refuse UPDATE and DELETE on them. Every statement binds its
/// values as arguments.
public final class ServerStore: Sendable {
    public let path: String
    let pool: DatabasePool

    public init(path: String) throws {
        self.path = path
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            // FULL: a commit is on disk before it returns, so an acknowledged upload survives a crash.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        configuration.busyMode = .timeout(10)
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
        } catch let error as DatabaseError {
            throw HydroError(.io, path, "cannot open the server database: \(error.message ?? error.description)")
        }
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
            CREATE TABLE users (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                name TEXT NOT NULL UNIQUE,
                role TEXT NOT NULL CHECK (role IN ('admin', 'county')),
                jurisdiction TEXT,
                password_hash TEXT NOT NULL,
                created_at TEXT NOT NULL);
            CREATE TABLE sessions (
                token_sha256 TEXT PRIMARY KEY,
                user_id INTEGER NOT NULL REFERENCES users(id),
                csrf TEXT NOT NULL,
                expires_at REAL NOT NULL);
            CREATE TABLE uploads (
                version INTEGER PRIMARY KEY AUTOINCREMENT,
                uploader TEXT NOT NULL,
                jurisdiction TEXT,
                received_at TEXT NOT NULL,
                sha256 TEXT NOT NULL,
                filename TEXT NOT NULL,
                rows INTEGER NOT NULL,
                content TEXT NOT NULL);
            CREATE TABLE schemes (
                version INTEGER PRIMARY KEY AUTOINCREMENT,
                author TEXT NOT NULL,
                created_at TEXT NOT NULL,
                sha256 TEXT NOT NULL,
                content TEXT NOT NULL);
            CREATE TABLE settlements (
                version INTEGER PRIMARY KEY AUTOINCREMENT,
                created_at TEXT NOT NULL,
                through_upload INTEGER NOT NULL,
                scheme_version INTEGER NOT NULL,
                inputs_sha256 TEXT NOT NULL,
                record TEXT NOT NULL);
            CREATE TABLE audit_log (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                at TEXT NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                detail TEXT NOT NULL,
                sha256 TEXT);
            """)
            for table in ["uploads", "schemes", "settlements", "audit_log"] {
                for op in ["UPDATE", "DELETE"] {
                    try db.execute(sql: """
                    CREATE TRIGGER \(table)_no_\(op.lowercased()) BEFORE \(op) ON \(table)
                    BEGIN SELECT RAISE(ABORT, '\(table) is append-only'); END
                    """)
                }
            }
        }
        return m
    }

    static func now() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date())
    }

    func wrap<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as DatabaseError {
            throw HydroError(.io, path, "database: \(error.message ?? error.description)")
        }
    }

    // MARK: accounts

    public func addUser(name: String, role: UserAccount.Role, jurisdiction: String?, passwordHash: String) throws -> UserAccount {
        try wrap {
            try pool.write { db in
                if try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM users WHERE name = ?", arguments: [name]) ?? 0 > 0 {
                    throw HydroError(.invalidParameter, "--add-user", "an account named '\(name)' exists already")
                }
                try db.execute(sql: "INSERT INTO users (name, role, jurisdiction, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                               arguments: [name, role.rawValue, jurisdiction, passwordHash, Self.now()])
                let id = db.lastInsertedRowID
                try Self.audit(db, actor: "cli", action: "user_added", detail: "\(name) (\(role.rawValue)\(jurisdiction.map { " of \($0)" } ?? ""))")
                return UserAccount(id: id, name: name, role: role, jurisdiction: jurisdiction)
            }
        }
    }

    /// The account and its stored password hash.
    public func user(named name: String) throws -> (UserAccount, String)? {
        try wrap {
            try pool.read { db in
                try Row.fetchOne(db, sql: "SELECT id, name, role, jurisdiction, password_hash FROM users WHERE name = ?", arguments: [name]).map { row in
                    (Self.account(row), row["password_hash"] as String)
                }
            }
        }
    }

    static func account(_ row: Row) -> UserAccount {
        UserAccount(id: row["id"], name: row["name"], role: UserAccount.Role(rawValue: row["role"]) ?? .county, jurisdiction: row["jurisdiction"])
    }

    public func users() throws -> [UserAccount] {
        try wrap { try pool.read { db in try Row.fetchAll(db, sql: "SELECT id, name, role, jurisdiction FROM users ORDER BY id").map(Self.account) } }
    }

    public func createSession(user: Int64, tokenSHA256: String, csrf: String, expires: Date) throws {
        try wrap {
            try pool.write { db in
                try db.execute(sql: "DELETE FROM sessions WHERE expires_at < ?", arguments: [Date().timeIntervalSince1970])
                try db.execute(sql: "INSERT INTO sessions (token_sha256, user_id, csrf, expires_at) VALUES (?, ?, ?, ?)",
                               arguments: [tokenSHA256, user, csrf, expires.timeIntervalSince1970])
            }
        }
    }

    /// The account of an unexpired session, with the session's CSRF token.
    public func session(tokenSHA256: String) throws -> (UserAccount, csrf: String, expires: Date)? {
        try wrap {
            try pool.read { db in
                try Row.fetchOne(db, sql: """
                    SELECT u.id, u.name, u.role, u.jurisdiction, s.csrf, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id
                    WHERE s.token_sha256 = ? AND s.expires_at > ?
                    """, arguments: [tokenSHA256, Date().timeIntervalSince1970]).map { row in
                    (Self.account(row), row["csrf"] as String, Date(timeIntervalSince1970: row["expires_at"]))
                }
            }
        }
    }

    public func endSession(tokenSHA256: String) throws {
        try wrap { try pool.write { db in try db.execute(sql: "DELETE FROM sessions WHERE token_sha256 = ?", arguments: [tokenSHA256]) } }
    }

    // MARK: audit

    static func audit(_ db: Database, actor: String, action: String, detail: String, sha256: String? = nil) throws {
        try db.execute(sql: "INSERT INTO audit_log (at, actor, action, detail, sha256) VALUES (?, ?, ?, ?, ?)",
                       arguments: [now(), actor, action, detail, sha256])
    }

    public func audit(actor: String, action: String, detail: String, sha256: String? = nil) throws {
        try wrap { try pool.write { db in try Self.audit(db, actor: actor, action: action, detail: detail, sha256: sha256) } }
    }

    public func auditLog() throws -> [AuditEntry] {
        try wrap {
            try pool.read { db in
                try Row.fetchAll(db, sql: "SELECT id, at, actor, action, detail, sha256 FROM audit_log ORDER BY id").map { r in
                    AuditEntry(id: r["id"], at: r["at"], actor: r["actor"], action: r["action"], detail: r["detail"], sha256: r["sha256"])
                }
            }
        }
    }

    // MARK: uploads, schemes and settlements

    public func uploads(through version: Int = Int.max) throws -> [UploadRecord] {
        try wrap {
            try pool.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM uploads WHERE version <= ? ORDER BY version", arguments: [version]).map(Self.upload)
            }
        }
    }

    public func upload(_ version: Int) throws -> UploadRecord? {
        try wrap { try pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM uploads WHERE version = ?", arguments: [version]).map(Self.upload) } }
    }

    static func upload(_ r: Row) -> UploadRecord {
        UploadRecord(version: r["version"], uploader: r["uploader"], jurisdiction: r["jurisdiction"], receivedAt: r["received_at"],
                     sha256: r["sha256"], filename: r["filename"], rows: r["rows"], content: r["content"])
    }

    public func latestScheme() throws -> (version: Int, content: String)? {
        try wrap {
            try pool.read { db in
                try Row.fetchOne(db, sql: "SELECT version, content FROM schemes ORDER BY version DESC LIMIT 1").map { ($0["version"], $0["content"]) }
            }
        }
    }

    public func settlement(_ version: Int? = nil) throws -> SettlementRecord? {
        try wrap {
            try pool.read { db in
                let row = try version.map { try Row.fetchOne(db, sql: "SELECT record FROM settlements WHERE version = ?", arguments: [$0]) }
                    ?? Row.fetchOne(db, sql: "SELECT record FROM settlements ORDER BY version DESC LIMIT 1")
                return try row.map { try JSONDecoder().decode(SettlementRecord.self, from: Data(($0["record"] as String).utf8)) }
            }
        }
    }

    /// Every version's number, time, basis and totals, oldest first.
    public func settlementVersions() throws -> [SettlementRecord] {
        try wrap {
            try pool.read { db in
                try String.fetchAll(db, sql: "SELECT record FROM settlements ORDER BY version").map {
                    try JSONDecoder().decode(SettlementRecord.self, from: Data($0.utf8))
                }
            }
        }
    }

    /// What one publication adds, in one transaction: an upload or a scheme (when given), the new
    /// settlement version, and their audit lines. Returns the record with its version numbers set.
    public struct Publication: Sendable {
        public var actor: String
        public var upload: (jurisdiction: String?, filename: String, rows: Int, content: String, sha256: String)?
        public var scheme: (content: String, sha256: String)?
        public var settlement: SettlementRecord
    }

    public func publish(_ p: Publication) throws -> SettlementRecord {
        try wrap {
            try pool.write { db in
                var record = p.settlement
                let now = Self.now()
                let previous = try Row.fetchOne(db, sql: "SELECT through_upload, scheme_version FROM settlements ORDER BY version DESC LIMIT 1")
                record.throughUpload = previous?["through_upload"] ?? 0
                record.schemeVersion = previous?["scheme_version"] ?? 0
                if let u = p.upload {
                    try db.execute(sql: """
                        INSERT INTO uploads (uploader, jurisdiction, received_at, sha256, filename, rows, content) VALUES (?, ?, ?, ?, ?, ?, ?)
                        """, arguments: [p.actor, u.jurisdiction, now, u.sha256, u.filename, u.rows, u.content])
                    record.throughUpload = Int(db.lastInsertedRowID)
                    record.basis = "upload \(record.throughUpload)"
                    try Self.audit(db, actor: p.actor, action: "upload",
                                   detail: "version \(record.throughUpload): \(u.filename), \(u.rows) rows\(u.jurisdiction.map { " for \($0)" } ?? "")",
                                   sha256: u.sha256)
                }
                if let s = p.scheme {
                    try db.execute(sql: "INSERT INTO schemes (author, created_at, sha256, content) VALUES (?, ?, ?, ?)",
                                   arguments: [p.actor, now, s.sha256, s.content])
                    record.schemeVersion = Int(db.lastInsertedRowID)
                    record.basis = "scheme \(record.schemeVersion)"
                    try Self.audit(db, actor: p.actor, action: "scheme", detail: "version \(record.schemeVersion)", sha256: s.sha256)
                }
                let next = (try Int.fetchOne(db, sql: "SELECT MAX(version) FROM settlements") ?? 0) + 1
                record.version = next
                record.createdAt = now
                let json = String(decoding: try JSONEncoder().encode(record), as: UTF8.self)
                try db.execute(sql: """
                    INSERT INTO settlements (version, created_at, through_upload, scheme_version, inputs_sha256, record) VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [next, now, record.throughUpload, record.schemeVersion, record.inputsSHA256, json])
                try Self.audit(db, actor: p.actor, action: "settlement",
                               detail: "version \(next) (\(record.basis)): \(record.entries.count) ledger entries", sha256: record.inputsSHA256)
                return record
            }
        }
    }
}
