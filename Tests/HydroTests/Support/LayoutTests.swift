import Foundation
import XCTest

/// The package's structure rules that the compiler cannot enforce inside one module.
final class LayoutTests: XCTestCase {
    /// Only `Sources/Hydro/IO` may talk to the C libraries; everything else works on Swift values.
    func testOnlyIOImportsTheCLibraries() throws {
        let sources = TestPaths.packageRoot.appendingPathComponent("Sources")
        let files = try XCTUnwrap(FileManager.default.enumerator(atPath: sources.path)).compactMap { $0 as? String }
            .filter { $0.hasSuffix(".swift") }
        XCTAssertGreaterThan(files.count, 50, "the source tree was not found at \(sources.path)")
        var offenders: [String] = []
        for file in files where !file.hasPrefix("Hydro/IO/") {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            for line in text.split(separator: "\n") {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.hasPrefix("import CGDAL") || trimmed.hasPrefix("import CPROJ")
                    || trimmed.hasPrefix("@_exported import CGDAL") || trimmed.hasPrefix("@_exported import CPROJ") {
                    offenders.append("\(file): \(trimmed)")
                }
            }
        }
        XCTAssertEqual(offenders, [], "C imports outside Sources/Hydro/IO")
    }
}
