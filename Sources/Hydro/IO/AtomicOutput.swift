import Foundation

/// Writes outputs so that a failure never leaves a half-written file and never replaces
/// an existing file unless asked: everything is written into a hidden folder beside the target
/// and renamed into place only when complete (a rename within one folder is atomic).
public enum AtomicOutput {
    /// Runs `body` with a temporary path beside `path`, then renames the result (and any
    /// sidecar files the format wrote next to it, such as `.aux.xml`) into place.
    public static func write(to path: String, overwrite: Bool, inputs: [String] = [],
                             _ body: (String) throws -> Void) throws {
        let fm = FileManager.default
        let target = URL(fileURLWithPath: path).standardizedFileURL
        let directory = target.deletingLastPathComponent()
        try checkTarget(path, overwrite: overwrite, inputs: inputs)
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw HydroError(.io, path, "output folder \(directory.path) does not exist")
        }
        let staging = directory.appendingPathComponent(".hydrotool-tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        do {
            try fm.createDirectory(at: staging, withIntermediateDirectories: false)
        } catch {
            throw HydroError(.io, path, "cannot write in folder \(directory.path) (permission denied or read-only)")
        }
        defer { try? fm.removeItem(at: staging) }
        try body(staging.appendingPathComponent(target.lastPathComponent).path)
        let produced = (try? fm.contentsOfDirectory(atPath: staging.path)) ?? []
        guard produced.contains(target.lastPathComponent) else {
            throw HydroError(.io, path, "the writer produced no file")
        }
        // Sidecars of the file being replaced (statistics, pyramids) describe the old raster: drop those not written anew.
        for suffix in [".aux.xml", ".ovr", ".msk"] {
            let old = target.path + suffix
            if !produced.contains(target.lastPathComponent + suffix) { try? fm.removeItem(atPath: old) }
        }
        // Sidecars first, the main file last, so the main file never appears without them.
        for name in produced.sorted(by: { a, _ in a != target.lastPathComponent }) {
            let from = staging.appendingPathComponent(name).path
            let to = directory.appendingPathComponent(name).path
            guard rename(from, to) == 0 else {
                throw HydroError(.io, to, "cannot move the finished output into place: \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Writes bytes (CSV, JSON, HTML) atomically.
    public static func write(_ data: Data, to path: String, overwrite: Bool, inputs: [String] = []) throws {
        try write(to: path, overwrite: overwrite, inputs: inputs) { temporary in
            do { try data.write(to: URL(fileURLWithPath: temporary)) } catch {
                throw HydroError(.io, path, "cannot write: \(error.localizedDescription)")
            }
        }
    }

    public static func write(_ text: String, to path: String, overwrite: Bool, inputs: [String] = []) throws {
        try write(Data(text.utf8), to: path, overwrite: overwrite, inputs: inputs)
    }

    /// Refuses an existing output without `overwrite`, and an output that is one of the inputs.
    public static func checkTarget(_ path: String, overwrite: Bool, inputs: [String] = []) throws {
        let resolvedTarget = URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
        for input in inputs where URL(fileURLWithPath: input).resolvingSymlinksInPath().standardizedFileURL.path == resolvedTarget {
            throw HydroError(.outputExists, path, "output would replace the input file; choose another output name")
        }
        if FileManager.default.fileExists(atPath: path) && !overwrite {
            throw HydroError(.outputExists, path, "output exists; use --overwrite to replace it")
        }
    }
}
