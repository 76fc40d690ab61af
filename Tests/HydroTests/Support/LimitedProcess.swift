import Foundation
import XCTest

/// How a run of the tool under limits ended.
struct LimitedRun {
    var status: Int32
    /// True when the process ended by a signal (a Swift trap, an abort, a kill).
    var signalled: Bool
    var timedOut: Bool
    var stdout: String
    var stderr: String
}

/// Runs the built tool with an address-space limit (`ulimit -v`, KiB) and a wall-clock limit,
/// output going to files so that a hanging process cannot block the reader.
func runToolLimited(_ arguments: [String], in folder: URL, seconds: Double = 60, memoryKiB: Int = 8 << 20,
                    environment: [String: String] = [:]) throws -> LimitedRun {
    let logs = FileManager.default.temporaryDirectory.appendingPathComponent("hydro-run-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: logs) }
    let outURL = logs.appendingPathComponent("out"), errURL = logs.appendingPathComponent("err")
    FileManager.default.createFile(atPath: outURL.path, contents: nil)
    FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    // exec keeps the tool's own exit status and signal visible to the parent.
    process.arguments = ["-c", "ulimit -v \(memoryKiB) && exec \"$0\" \"$@\"", TestPaths.executable.path] + arguments
    process.currentDirectoryURL = folder
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    process.environment = env
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = try FileHandle(forWritingTo: outURL)
    process.standardError = try FileHandle(forWritingTo: errURL)
    try process.run()
    let deadline = Date().addingTimeInterval(seconds)
    var timedOut = false
    while process.isRunning {
        if Date() > deadline {
            timedOut = true
            kill(process.processIdentifier, SIGKILL)
            break
        }
        usleep(20_000)
    }
    process.waitUntilExit()
    return LimitedRun(status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal, timedOut: timedOut,
                      stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
}

/// Every file under `folder` (relative paths), for before/after comparisons.
func fileList(_ folder: URL) -> Set<String> {
    guard let e = FileManager.default.enumerator(atPath: folder.path) else { return [] }
    var files = Set<String>()
    for case let path as String in e {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder.appendingPathComponent(path).path, isDirectory: &isDirectory), !isDirectory.boolValue {
            files.insert(path)
        }
    }
    return files
}

/// Copies a fixtures folder into a fresh temporary folder, so runs never write into fixtures/.
func copyFixtures(_ name: String, for test: XCTestCase) throws -> URL {
    let target = try TestPaths.temporaryFolder(test).appendingPathComponent(name)
    try FileManager.default.copyItem(at: TestPaths.packageRoot.appendingPathComponent("fixtures/\(name)"), to: target)
    return target
}
