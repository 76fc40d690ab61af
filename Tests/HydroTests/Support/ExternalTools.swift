import Foundation
import XCTest

/// Runs another program (ogrinfo, gdalinfo, python3, chromium, bash) found on PATH or at an
/// absolute path; nil when it is not installed.
@discardableResult
func runExternal(_ program: String, _ arguments: [String], in folder: URL? = nil) throws -> (status: Int32, stdout: String, stderr: String)? {
    let path: String
    if program.hasPrefix("/") {
        path = program
    } else {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init) + ["/usr/bin", "/bin"]
        guard let found = dirs.map({ "\($0)/\(program)" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return nil }
        path = found
    }
    guard FileManager.default.isExecutableFile(atPath: path) else { return nil }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    if let folder { process.currentDirectoryURL = folder }
    // stderr goes to a file, so a chatty program never blocks on a full pipe while stdout is read.
    let errFile = FileManager.default.temporaryDirectory.appendingPathComponent("hydro-stderr-\(UUID().uuidString)")
    _ = FileManager.default.createFile(atPath: errFile.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: errFile) }
    let out = Pipe()
    let err = try FileHandle(forWritingTo: errFile)
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    try err.close()
    let stderrData = (try? Data(contentsOf: errFile)) ?? Data()
    return (process.terminationStatus, String(decoding: stdoutData, as: UTF8.self), String(decoding: stderrData, as: UTF8.self))
}

/// The system Python with GDAL's bindings (Debian's python3-gdal), for GDAL's own validators.
func systemPythonWithGDAL() throws -> String {
    let python = "/usr/bin/python3"
    guard let r = try runExternal(python, ["-c", "import osgeo_utils.samples.validate_cloud_optimized_geotiff"]), r.status == 0 else {
        throw XCTSkip("needs /usr/bin/python3 with python3-gdal (GDAL's COG validator)")
    }
    return python
}
