import Foundation
import XCTest
@testable import Hydro

/// Paths and helpers shared by the tests.
enum TestPaths {
    /// The package root (four levels above this file: Tests/HydroTests/Support/).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `../shared/data` beside the project, holding real public data.
    static let sharedData = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data")

    /// A file under ../shared/data, or a skip with a clear message when the data are absent.
    static func shared(_ relative: String) throws -> String {
        let path = sharedData.appendingPathComponent(relative).path
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("real data not present at \(path); the test needs ../shared/data beside the project")
        }
        return path
    }

    /// A fresh temporary folder, removed when the test ends.
    static func temporaryFolder(_ test: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hydro-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// The built `hydrotool` executable next to the test bundle.
    static var executable: URL {
        let candidates = [Bundle.main.bundleURL, Bundle(for: BundleAnchor.self).bundleURL.deletingLastPathComponent(),
                          Bundle(for: BundleAnchor.self).bundleURL.deletingLastPathComponent().appendingPathComponent("debug"),
                          packageRoot.appendingPathComponent(".build/debug")]
        let found = candidates.map { $0.appendingPathComponent("hydrotool") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
        return found ?? packageRoot.appendingPathComponent(".build/debug/hydrotool")
    }
}

private final class BundleAnchor {}

/// Runs the command-line tool and returns its exit status, stdout and stderr.
@discardableResult
func runTool(_ arguments: [String], in folder: URL? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = TestPaths.executable
    process.arguments = arguments
    if let folder { process.currentDirectoryURL = folder }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
    let stderrData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: stdoutData, as: UTF8.self), String(decoding: stderrData, as: UTF8.self))
}

/// A metric grid from rows of values (first row is the northernmost).
func grid(_ rows: [[Float]], cellSize: Double = 1, nodata: Float? = -9999) -> Grid<Float> {
    let geometry = GridGeometry.metric(width: rows[0].count, height: rows.count, cellSize: cellSize)
    return Grid(geometry: geometry, trustedCells: rows.flatMap { $0 }, nodata: nodata)
}

/// Follows D8 directions from every valid cell and fails on a cycle or a stop that is not an outlet.
func assertEveryCellReachesAnOutlet(_ directions: FlowDirections, file: StaticString = #filePath, line: UInt = #line) {
    let n = directions.geometry.cellCount
    var state = [UInt8](repeating: 0, count: n)  // 0 unknown, 1 on current path, 2 reaches an outlet
    for start in 0..<n where directions.codes[start] != D8.noData && state[start] == 0 {
        var path: [Int] = []
        var c = start
        while state[c] == 0 {
            state[c] = 1
            path.append(c)
            guard let d = directions.downstream(of: c) else { break }
            c = d
        }
        if state[c] == 1 && directions.downstream(of: c) != nil {
            XCTFail("cycle through cell \(c)", file: file, line: line)
            return
        }
        if directions.codes[c] == D8.noFlow {
            XCTFail("cell \(c) has no flow direction and is not an outlet", file: file, line: line)
            return
        }
        for p in path { state[p] = 2 }
    }
}
