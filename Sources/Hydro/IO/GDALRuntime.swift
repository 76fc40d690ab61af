import CGDAL
import Foundation

/// One-time GDAL set-up and the helpers every I/O file uses to talk to GDAL's C API.
///
/// Only files in this folder import CGDAL; nothing GDAL-typed leaves it.
enum GDALRuntime {
    /// Registers the drivers once and silences GDAL's own stderr printing: errors are read back
    /// with `lastError` and reported by the tool as one line naming the file.
    static let ready: Bool = {
        GDALAllRegister()
        CPLSetErrorHandler(CPLQuietErrorHandler)
        // GeoPackages record a modification time; a fixed one keeps outputs byte-identical between runs.
        CPLSetConfigOption("OGR_CURRENT_DATE", "2000-01-01T00:00:00.000Z")
        // Whole bands are read straight into the tool's own buffers, so GDAL's block cache (5 % of RAM
        // by default) would only hold a second copy of the grid; 64 MiB is plenty for tiled reads.
        GDALSetCacheMax64(64 << 20)
        return true
    }()

    static func ensureReady() { _ = ready }

    /// The message of the last GDAL error on this thread, or `fallback` when GDAL said nothing.
    static func lastError(or fallback: String) -> String {
        guard let cString = CPLGetLastErrorMsg() else { return fallback }
        let message = String(cString: cString).trimmingWhitespace()
        return message.isEmpty ? fallback : message
    }

    static var version: String {
        String(cString: GDALVersionInfo("RELEASE_NAME"))
    }
}

/// An owned GDAL string list (`char **`), freed when released. Every `CSLSetNameValue` /
/// `CSLAddString` may reallocate, so the list is always reassigned.
final class StringList {
    private(set) var pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?

    init() {}

    convenience init(nameValues: [String]) {
        self.init()
        for item in nameValues { add(item) }
    }

    /// The same list typed as `const char * const *` for the functions that take it so.
    var constPointer: UnsafePointer<UnsafePointer<CChar>?>? {
        pointer.map { UnsafeRawPointer($0).assumingMemoryBound(to: UnsafePointer<CChar>?.self) }
    }

    func add(_ item: String) { pointer = CSLAddString(pointer, item) }

    func set(_ name: String, _ value: String) { pointer = CSLSetNameValue(pointer, name, value) }

    func value(_ name: String) -> String? {
        guard let v = CSLFetchNameValue(pointer, name) else { return nil }
        return String(cString: v)
    }

    deinit { CSLDestroy(pointer) }
}

/// Bridges a `TaskProgress` to GDAL's progress callback for the duration of `body`.
final class GDALProgressBridge {
    let progress: TaskProgress
    init(_ progress: TaskProgress) { self.progress = progress }

    static let callback: GDALProgressFunc = { fraction, _, context in
        guard let context else { return 1 }
        let bridge = Unmanaged<GDALProgressBridge>.fromOpaque(context).takeUnretainedValue()
        return (try? bridge.progress.report(fraction)) == nil ? 0 : 1
    }

    func withCallback<T>(_ body: (GDALProgressFunc?, UnsafeMutableRawPointer?) throws -> T) rethrows -> T {
        guard progress.isActive else { return try body(nil, nil) }
        return try withExtendedLifetime(self) {
            try body(GDALProgressBridge.callback, Unmanaged.passUnretained(self).toOpaque())
        }
    }
}

extension GDALRasterIOExtraArg {
    /// Extra arguments for a whole-band RasterIO call reporting to a progress callback.
    static func withProgress(_ callback: GDALProgressFunc?, _ context: UnsafeMutableRawPointer?) -> GDALRasterIOExtraArg {
        var extra = GDALRasterIOExtraArg()
        extra.nVersion = 1
        extra.eResampleAlg = GRIORA_NearestNeighbour
        extra.pfnProgress = callback
        extra.pProgressData = context
        extra.bFloatingPointWindowValidity = 0
        return extra
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s = s.dropFirst() }
        while let c = s.last, c.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}

/// Throws a plain "does not exist" for a missing local file, which GDAL reports only vaguely.
/// GDAL's virtual paths (/vsizip/, /vsicurl/, …) and connection strings are left to GDAL.
func requireExists(_ path: String) throws {
    guard !path.hasPrefix("/vsi"), !path.contains(":") || path.hasPrefix("/") else { return }
    guard FileManager.default.fileExists(atPath: path) else {
        throw HydroError(.io, path, "does not exist")
    }
    try InputFile.requireRegular(path)
}
