import Foundation

/// Writes outputs so that a failure never leaves a half-written file and never replaces
/// an existing file unless asked: everything is written into a hidden folder beside the target
/// and renamed into place only when complete (a rename within one folder is atomic).
///
/// Staging folders are named `.hydrotool-tmp-PID-…`; one whose process is gone (killed) is
/// removed by the next write into the same folder.
public enum AtomicOutput {
    static let stagingPrefix = ".hydrotool-tmp-"

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
        removeStaleStaging(in: directory.path)
        let staging = try makeStaging(in: directory.path, label: "\(UInt32.random(in: 0...UInt32.max))", naming: path)
        defer { try? fm.removeItem(atPath: staging) }
        let temporary = (staging as NSString).appendingPathComponent(target.lastPathComponent)
        do { try body(temporary) } catch let error as HydroError {
            if DiskSpace.isFull(staging) { throw DiskSpace.fullError(path) }
            throw error
        }
        // A full disk can truncate a file without the writer noticing (GDAL 3.6 reports no error on close).
        if DiskSpace.isFull(staging) { throw DiskSpace.fullError(path) }
        let produced = (try? fm.contentsOfDirectory(atPath: staging)) ?? []
        guard produced.contains(target.lastPathComponent) else {
            throw HydroError(.io, path, "the writer produced no file")
        }
        try moveProducts(from: staging, into: directory.path, mainFiles: [target.lastPathComponent])
    }

    /// Moves everything in `staging` into `folder`. For each of `mainFiles`, sidecars of the file being
    /// replaced (statistics, pyramids) that were not written anew are dropped, since they describe the old
    /// raster; sidecars move first and main files last, so a main file never appears without them.
    public static func moveProducts(from staging: String, into folder: String, mainFiles: [String]) throws {
        let fm = FileManager.default
        let produced: [String]
        do { produced = try fm.contentsOfDirectory(atPath: staging) } catch {
            throw HydroError(.io, staging, "cannot list the finished outputs: \(reason(error))")
        }
        let mains = Set(mainFiles)
        for main in mainFiles {
            for suffix in [".aux.xml", ".ovr", ".msk"] where !produced.contains(main + suffix) {
                try? fm.removeItem(atPath: (folder as NSString).appendingPathComponent(main + suffix))
            }
        }
        for name in produced.sorted(by: { a, b in (mains.contains(a) ? 1 : 0, a) < (mains.contains(b) ? 1 : 0, b) }) {
            let from = (staging as NSString).appendingPathComponent(name)
            let to = (folder as NSString).appendingPathComponent(name)
            guard rename(from, to) == 0 else {
                throw HydroError(.io, to, "cannot move the finished output into place: \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Creates a staging folder in `folder` named for this process; `naming` is the output named in errors.
    public static func makeStaging(in folder: String, label: String, naming: String? = nil) throws -> String {
        let staging = (folder as NSString).appendingPathComponent("\(stagingPrefix)\(getpid())-\(label)")
        try? FileManager.default.removeItem(atPath: staging)
        guard mkdir(staging, 0o755) == 0 else {
            let code = errno
            if code == ENOSPC { throw DiskSpace.fullError(naming ?? folder) }
            throw HydroError(.io, naming ?? folder, "cannot write in folder \(folder): \(String(cString: strerror(code)))")
        }
        return staging
    }

    /// Removes staging folders in `folder` whose process has ended (a run killed while writing).
    public static func removeStaleStaging(in folder: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names where name.hasPrefix(stagingPrefix) {
            let pidText = name.dropFirst(stagingPrefix.count).prefix { $0.isNumber }
            guard let pid = Int32(pidText), pid != getpid() else { continue }
            if kill(pid, 0) == 0 || errno == EPERM { continue }  // still running
            try? FileManager.default.removeItem(atPath: (folder as NSString).appendingPathComponent(name))
        }
    }

    /// Writes bytes (CSV, JSON, HTML) atomically.
    public static func write(_ data: Data, to path: String, overwrite: Bool, inputs: [String] = []) throws {
        try write(to: path, overwrite: overwrite, inputs: inputs) { temporary in
            try FileBytes.save(data, to: temporary, naming: path)
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

    /// A short reason for a Foundation file error, saying "no space left on device" when that is the cause.
    public static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if ns.domain == NSCocoaErrorDomain && ns.code == CocoaError.fileWriteOutOfSpace.rawValue { return "no space left on device" }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(truncatingIfNeeded: underlying.code)))
        }
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(truncatingIfNeeded: ns.code))) }
        return ns.localizedDescription
    }
}

/// Free space, to tell a full disk from other write failures (GDAL's messages do not say it).
public enum DiskSpace {
    /// True when the file system holding `path` has no block left for an ordinary user.
    public static func isFull(_ path: String) -> Bool {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return false }
        return info.f_bavail == 0
    }

    static func fullError(_ path: String) -> HydroError {
        HydroError(.io, path, "no space left on device (the output was not written; free space and run again)")
    }
}
