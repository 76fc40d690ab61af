import Foundation
import Hummingbird
import Hydro

/// Monitoring uploads, settlement versions, the scheme and the audit log.
extension HydroServer {
    func addUploadRoutes(_ router: Router<ServeContext>) {
        router.post("/uploads") { request, context -> Response in
            let user = try context.requireUser()
            let (text, filename, isForm) = try await self.uploadBody(request, context: context)
            let (data, rows) = try self.checkUpload(text, filename: filename, user: user)
            let record: SettlementRecord
            do {
                record = try await self.publisher.perform { try self.publisher.accept(data, text: text, filename: filename, rows: rows, user: user) }
            } catch let error as HydroError {
                throw HTTPError(.unprocessableContent, message: error.description)
            }
            self.state.update(settlement: record)
            if isForm { return Self.redirect("/map?upload=\(record.throughUpload)") }
            return Self.json(["upload": .number(Double(record.throughUpload)), "sha256": .string(Accounts.sha256(Data(text.utf8))),
                              "rows": .number(Double(rows)), "settlement_version": .number(Double(record.version)),
                              "ledger_entries": .number(Double(record.entries.count))], status: .created,
                             headers: [.location: "/uploads/\(record.throughUpload)"])
        }
        router.get("/uploads") { _, context -> Response in
            _ = try context.requireUser()
            return Self.json(["uploads": .array(try self.store.uploads().map(Self.uploadJSON))])
        }
        router.get("/uploads/:version") { _, context -> Response in
            _ = try context.requireUser()
            return Self.json(Self.uploadJSON(try self.upload(context)))
        }
        router.get("/uploads/:version/content") { _, context -> Response in
            _ = try context.requireUser()
            let u = try self.upload(context)
            return Self.bytes(Data(u.content.utf8), type: "text/csv; charset=utf-8",
                              headers: [.contentDisposition: "attachment; filename=\"upload-\(u.version).csv\""])
        }
        router.get("/settlements") { _, context -> Response in
            _ = try context.requireUser()
            let versions = try self.store.settlementVersions().map { s -> JSONValue in
                ["version": .number(Double(s.version)), "created_at": .string(s.createdAt), "basis": .string(s.basis),
                 "through_upload": .number(Double(s.throughUpload)), "scheme_version": .number(Double(s.schemeVersion)),
                 "entries": .number(Double(s.entries.count)), "total_paid": .number(s.entries.reduce(0) { $0 + $1.amount }),
                 "currency": .string(s.currency)]
            }
            return Self.json(["current": .number(Double(self.state.current.settlement?.version ?? 0)), "versions": .array(versions)])
        }
        router.get("/settlements/:version") { _, context -> Response in
            _ = try context.requireUser()
            guard let v = context.parameters.get("version").flatMap(Int.init), let s = try self.store.settlement(v) else {
                throw HTTPError(.notFound, message: "no settlement version '\(context.parameters.get("version") ?? "")'")
            }
            let data = try JSONEncoder().encode(s)
            return Self.bytes(data, type: "application/json")
        }
        router.get("/scheme") { _, context -> Response in
            _ = try context.requireUser()
            guard let file = self.publisher.currentSchemeFile, let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw HTTPError(.notFound, message: "the project has no compensation scheme")
            }
            return Self.bytes(Data(text.utf8), type: "application/toml; charset=utf-8")
        }
        router.put("/scheme") { request, context -> Response in
            let user = try context.requireAdmin()
            let buffer = try await Self.collect(request, context: context)
            guard let text = String(data: Data(buffer: buffer), encoding: .utf8) else {
                throw HTTPError(.unprocessableContent, message: "scheme.toml: is not UTF-8 text")
            }
            do { _ = try SettlementPublisher.checkScheme(text, folder: self.folder) } catch let error as HydroError {
                throw HTTPError(.unprocessableContent, message: error.description)
            }
            let (snapshot, record): (RunSnapshot, SettlementRecord)
            do { (snapshot, record) = try await self.publisher.perform { try self.publisher.replaceScheme(text, user: user) } } catch let error as HydroError {
                throw HTTPError(.unprocessableContent, message: error.description)
            }
            self.state.update(snapshot: snapshot, settlement: record)
            return Self.json(["scheme_version": .number(Double(record.schemeVersion)), "settlement_version": .number(Double(record.version))], status: .created)
        }
        router.get("/audit") { _, context -> Response in
            _ = try context.requireUser()
            let entries = try self.store.auditLog().map { e -> JSONValue in
                ["id": .number(Double(e.id)), "at": .string(e.at), "actor": .string(e.actor), "action": .string(e.action),
                 "detail": .string(e.detail), "sha256": e.sha256.map(JSONValue.string) ?? .null]
            }
            return Self.json(["entries": .array(entries)])
        }
    }

    func upload(_ context: ServeContext) throws -> UploadRecord {
        guard let v = context.parameters.get("version").flatMap(Int.init), let u = try store.upload(v) else {
            throw HTTPError(.notFound, message: "no upload '\(context.parameters.get("version") ?? "")'")
        }
        return u
    }

    static func uploadJSON(_ u: UploadRecord) -> JSONValue {
        ["version": .number(Double(u.version)), "uploader": .string(u.uploader), "jurisdiction": u.jurisdiction.map(JSONValue.string) ?? .null,
         "received_at": .string(u.receivedAt), "sha256": .string(u.sha256), "filename": .string(u.filename), "rows": .number(Double(u.rows)),
         "content": .string("/uploads/\(u.version)/content")]
    }

    /// The body up to the size limit; 413 past it (told by Content-Length before reading when given).
    static func collect(_ request: Request, context: ServeContext) async throws -> ByteBuffer {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > ServeLimits.maxBody {
            throw HTTPError(.contentTooLarge, message: "the body has \(length) bytes; at most \(ServeLimits.maxBody) are accepted")
        }
        do { return try await request.body.collect(upTo: ServeLimits.maxBody) } catch {
            throw HTTPError(.contentTooLarge, message: "the body is larger than \(ServeLimits.maxBody) bytes")
        }
    }

    /// The CSV text and its file name, from a text/csv body or the map page's form (whose CSRF token is checked here).
    func uploadBody(_ request: Request, context: ServeContext) async throws -> (String, String, Bool) {
        let type = request.headers[.contentType]?.lowercased() ?? ""
        let buffer = try await Self.collect(request, context: context)
        let data = Data(buffer: buffer)
        var filename = request.uri.queryParameters.get("filename") ?? "upload.csv"
        if type.hasPrefix("application/x-www-form-urlencoded") {
            let form: [String: String]
            do { form = try URLEncodedFormDecoder().decode([String: String].self, from: String(decoding: data, as: UTF8.self)) } catch {
                throw HTTPError(.badRequest, message: "the form cannot be read")
            }
            if let expected = context.cookieCSRF {
                guard let sent = form["csrf"], constantTimeEqual(sent, expected) else { throw HTTPError(.forbidden, message: "CSRF token missing or wrong") }
            }
            guard let csv = form["csv"] else { throw HTTPError(.unprocessableContent, message: "the form has no 'csv' field") }
            if let f = form["filename"], !f.isEmpty { filename = f }
            return (csv, Self.cleanName(filename), true)
        }
        guard type.hasPrefix("text/csv") || type.hasPrefix("text/plain") || type.isEmpty else {
            throw HTTPError(.unsupportedMediaType, message: "send monitoring data as text/csv")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw HTTPError(.unprocessableContent, message: "\(Self.cleanName(filename)): is not UTF-8 text")
        }
        return (text, Self.cleanName(filename), false)
    }

    /// A file name fit for messages and the audit log: the last path part, printable, at most 100 characters.
    static func cleanName(_ name: String) -> String {
        let last = name.split(separator: "/").last.map(String.init) ?? "upload.csv"
        let kept = String(last.filter { $0.isLetter || $0.isNumber || "-_. ".contains($0) }.prefix(100))
        return kept.isEmpty ? "upload.csv" : kept
    }

    /// The project's own monitoring checks (line-numbered 422 errors), then: every row names an
    /// assessment section of the scheme (422), one the account is party to (403).
    func checkUpload(_ text: String, filename: String, user: UserAccount) throws -> (MonitoringData, Int) {
        let data: MonitoringData
        let table: CSVTable
        do {
            data = try MonitoringData.parse(text, file: filename)
            table = try CSVTable.parse(text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text, file: filename)
        } catch let error as HydroError {
            throw HTTPError(.unprocessableContent, message: error.description)
        }
        guard !table.rows.isEmpty else { throw HTTPError(.unprocessableContent, message: "\(filename): has no data rows") }
        let snapshot = state.current.snapshot
        guard !snapshot.schemeSections.isEmpty else {
            throw HTTPError(.unprocessableContent, message: "the project has no compensation scheme, so monitoring uploads settle nothing")
        }
        guard let column = try? table.column("section", "section_id") else {
            throw HTTPError(.unprocessableContent, message: "\(filename): has no column 'section'")
        }
        for row in 0..<table.rows.count {
            let id = table.rows[row][column]
            guard let section = snapshot.schemeSections.first(where: { $0.id == id }) else {
                throw HTTPError(.unprocessableContent, message: "\(table.location(row)): section '\(id)' is not an assessment section of the scheme (sections: \(snapshot.schemeSections.map(\.id).joined(separator: ", ")))")
            }
            guard user.role == .admin || isParty(user.jurisdiction ?? "", to: section, groups: snapshot.schemeGroups) else {
                throw HTTPError(.forbidden, message: "\(table.location(row)): \(user.jurisdiction ?? user.name) is not a party to section '\(id)' (parties: \((section.upstream + section.downstream).joined(separator: ", "))); it may upload only for its own sections")
            }
        }
        return (data, table.rows.count)
    }

    func isParty(_ jurisdiction: String, to section: RunSnapshot.SchemeSection, groups: [String: [String]]) -> Bool {
        guard !jurisdiction.isEmpty else { return false }
        return (section.upstream + section.downstream).contains { party in
            party == jurisdiction || ProjectRun.belongs(jurisdiction, to: party, groups: groups)
        }
    }
}
