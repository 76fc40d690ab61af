import Foundation

/// Remembers, in the output folder, the key each step last ran with and the checksums of what
/// it wrote, so that a re-run skips steps whose inputs, parameters and outputs are unchanged
/// (decided by SHA-256 checksums, never by file times).
struct StepCache {
    struct Entry: Codable {
        var key: String
        var outputs: [String: String]
        /// Warnings the step gave when it ran, repeated when it is skipped.
        var warnings: [String]?
    }

    let file: String
    var entries: [String: Entry]

    init(folder: String) {
        file = (folder as NSString).appendingPathComponent(".hydrotool-steps.json")
        if let data = FileManager.default.contents(atPath: file),
           let decoded = try? JSONDecoder().decode([String: Entry].self, from: data) {
            entries = decoded
        } else {
            entries = [:]
        }
    }

    /// True when the step last ran with `key` and every output still has the checksum it was written with.
    func isUpToDate(_ step: String, key: String, folder: String) -> Bool {
        guard let entry = entries[step], entry.key == key, !entry.outputs.isEmpty else { return false }
        for (name, checksum) in entry.outputs {
            let path = (folder as NSString).appendingPathComponent(name)
            guard let actual = try? SHA256.hex(file: path), actual == checksum else { return false }
        }
        return true
    }

    mutating func record(_ step: String, key: String, outputs: [String], warnings: [String], folder: String) throws {
        var sums: [String: String] = [:]
        for name in outputs { sums[name] = try SHA256.hex(file: (folder as NSString).appendingPathComponent(name)) }
        entries[step] = Entry(key: key, outputs: sums, warnings: warnings)
        try save()
    }

    /// Forgets a step and deletes what it wrote (a step switched off, or made stale by an earlier step).
    mutating func discard(_ step: String, outputs: [String], folder: String) throws {
        for name in outputs { try? FileManager.default.removeItem(atPath: (folder as NSString).appendingPathComponent(name)) }
        guard entries.removeValue(forKey: step) != nil else { return }
        try save()
    }

    /// Forgets a step's record (its outputs are about to be replaced).
    mutating func forget(_ step: String) throws {
        guard entries.removeValue(forKey: step) != nil else { return }
        try save()
    }

    func warnings(_ step: String) -> [String] { entries[step]?.warnings ?? [] }

    private func save() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicOutput.write(try encoder.encode(entries), to: file, overwrite: true)
    }

    func checksums(_ step: String) -> [String: String] { entries[step]?.outputs ?? [:] }
}
