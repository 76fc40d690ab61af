import Foundation
import Hydro

/// Publishes settlement versions one at a time: merges accepted uploads into the project's
/// monitoring, re-runs the project through the compensation step (every earlier step is up to date
/// and skipped) and stores the upload and the new settlement in one transaction, so an upload is
/// acknowledged only once it and its settlement are on disk.
final class SettlementPublisher: @unchecked Sendable {
    let base: ProjectConfig
    let store: ServerStore
    /// The server's own files (merged monitoring, scheme versions), beside the database.
    let folder: String
    let log: (String) -> Void
    private let queue = DispatchQueue(label: "hydroserve.settlement")
    // Touched only on `queue`.
    private var merged = MonitoringData()
    private var schemeFile: String?
    private var schemeText = ""

    init(config: ProjectConfig, store: ServerStore, folder: String, log: @escaping (String) -> Void) {
        base = config
        self.store = store
        self.folder = folder
        self.log = log
    }

    /// Runs `body` on the publisher's serial queue, off the server's threads.
    func perform<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }

    func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }

    /// Rebuilds the merged monitoring and the current scheme from the database, runs the project and
    /// publishes a version when there is none yet or the inputs changed since the last one.
    func start() throws -> (RunSnapshot, SettlementRecord?) {
        if let (_, content) = try store.latestScheme() {
            schemeText = content
            schemeFile = try writeScheme(content)
        } else if let file = base.scheme {
            schemeFile = file
            schemeText = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        }
        merged = try base.monitoring.map(MonitoringData.load) ?? MonitoringData()
        for upload in try store.uploads() {
            merged = Self.merge(merged, try MonitoringData.parse(upload.content, file: upload.filename))
        }
        let (snapshot, run) = try compensate()
        guard var record = try RunSnapshot.settlement(run) else { return (snapshot, nil) }
        record.inputsSHA256 = inputsHash()
        let latest = try store.settlement()
        if let latest, latest.inputsSHA256 == record.inputsSHA256 { return (snapshot, latest) }
        record.basis = latest == nil ? "project" : "restart (inputs changed)"
        return (snapshot, try store.publish(.init(actor: "server", upload: nil, scheme: nil, settlement: record)))
    }

    /// Accepts an upload already checked: merges it, settles and stores both.
    func accept(_ data: MonitoringData, text: String, filename: String, rows: Int, user: UserAccount) throws -> SettlementRecord {
        let before = merged
        merged = Self.merge(merged, data)
        do {
            let (_, run) = try compensate(gather: false)
            guard var record = try RunSnapshot.settlement(run) else {
                throw HydroError(.invalidInput, "scheme", "the project has no compensation scheme, so monitoring uploads settle nothing")
            }
            record.inputsSHA256 = inputsHash()
            return try store.publish(.init(actor: user.name, upload: (user.jurisdiction, filename, rows, text, Accounts.sha256(Data(text.utf8))),
                                           scheme: nil, settlement: record))
        } catch {
            merged = before
            throw error
        }
    }

    /// Replaces the scheme (already parsed once by the caller) and settles under it.
    func replaceScheme(_ text: String, user: UserAccount) throws -> (RunSnapshot, SettlementRecord) {
        let beforeFile = schemeFile, beforeText = schemeText
        do {
            schemeFile = try writeScheme(text)
            schemeText = text
            let (snapshot, run) = try compensate()
            guard var record = try RunSnapshot.settlement(run) else {
                throw HydroError(.invalidInput, "scheme", "the project has no monitoring data to settle")
            }
            record.inputsSHA256 = inputsHash()
            return (snapshot, try store.publish(.init(actor: user.name, upload: nil, scheme: (text, Accounts.sha256(Data(text.utf8))), settlement: record)))
        } catch {
            schemeFile = beforeFile
            schemeText = beforeText
            throw error
        }
    }

    var currentSchemeFile: String? { queue.sync { schemeFile } }

    /// Checks a scheme text with the project's own scheme reader; errors name `scheme.toml` and the line.
    static func checkScheme(_ text: String, folder: String) throws -> Scheme {
        let file = (folder as NSString).appendingPathComponent("scheme-check-\(Accounts.randomToken().prefix(12)).toml")
        try AtomicOutput.write(text, to: file, overwrite: true)
        defer { try? FileManager.default.removeItem(atPath: file) }
        do { return try Scheme.load(file) } catch let error as HydroError {
            throw HydroError(error.kind, error.subject.replacingOccurrences(of: file, with: "scheme.toml"),
                             error.message.replacingOccurrences(of: file, with: "scheme.toml"))
        }
    }

    private func writeScheme(_ text: String) throws -> String {
        let file = path("scheme-\(Accounts.sha256(Data(text.utf8)).prefix(16)).toml")
        if !FileManager.default.fileExists(atPath: file) { try AtomicOutput.write(text, to: file, overwrite: true) }
        return file
    }

    private func inputsHash() -> String {
        Accounts.sha256(Data((Self.csv(merged) + "\u{0}" + schemeText).utf8))
    }

    /// Writes the merged monitoring and runs the project through compensation with it and the current scheme.
    private func compensate(gather: Bool = true) throws -> (RunSnapshot, ProjectRun) {
        var config = base
        let monitoringFile = path("monitoring.csv")
        try AtomicOutput.write(Self.csv(merged), to: monitoringFile, overwrite: true)
        config.monitoring = monitoringFile
        config.scheme = schemeFile
        let run = try ProjectRun(config, log: log)
        try run.runThrough(.compensation)
        return (gather ? try RunSnapshot.gather(run) : RunSnapshot.empty, run)
    }

    /// `newer`'s values replace `older`'s for the same section, month and parameter (and flows for the same section and month).
    static func merge(_ older: MonitoringData, _ newer: MonitoringData) -> MonitoringData {
        var m = older
        for (key, values) in newer.concentrations { m.concentrations[key, default: [:]].merge(values) { _, new in new } }
        for (key, v) in newer.volumes { m.volumes[key] = v }
        for (key, v) in newer.minimumFlows { m.minimumFlows[key] = v }
        return m
    }

    /// Monitoring as CSV in the project's format, sorted, with volumes and minimum flows spelled out
    /// so reading it back gives the same values.
    static func csv(_ m: MonitoringData) -> String {
        let keys = Set(m.concentrations.keys).union(m.volumes.keys).union(m.minimumFlows.keys)
            .sorted { ($0.section, $0.period) < ($1.section, $1.period) }
        var rows: [[String]] = []
        for key in keys {
            let volume = m.volumes[key].map { "\($0)" } ?? "", minimum = m.minimumFlows[key].map { "\($0)" } ?? ""
            let values = (m.concentrations[key] ?? [:]).sorted { $0.key < $1.key }
            if values.isEmpty { rows.append([key.section, key.period, "", "", volume, minimum]) }
            for (p, c) in values { rows.append([key.section, key.period, p.name, "\(c)", volume, minimum]) }
        }
        return CSVWriter.text(header: ["section", "period", "parameter", "concentration", "volume_m3", "min_flow_m3s"], rows: rows)
    }
}
