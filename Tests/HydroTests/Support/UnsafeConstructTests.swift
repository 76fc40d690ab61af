import Foundation
import XCTest

/// No `try!`, force unwrap or force cast where user data can reach: each would end the process
/// instead of printing an error. The few proven-safe uses are listed with the reason.
final class UnsafeConstructTests: XCTestCase {
    /// file → the exact lines allowed, each safe whatever the input.
    static let allowed: [String: [String]] = [:]
    /// Forms safe wherever they appear (matched after string literals are emptied):
    /// an HTTP field name made from a literal is a constant valid token, so its initialiser never fails.
    static let safeForms = [#"HTTPField\.Name\(""\)!"#]

    func testNoTrapsInSources() throws {
        let sources = TestPaths.packageRoot.appendingPathComponent("Sources")
        let files = try XCTUnwrap(FileManager.default.enumerator(atPath: sources.path)).compactMap { $0 as? String }
            .filter { $0.hasSuffix(".swift") }
        XCTAssertGreaterThan(files.count, 50)
        // `try!`, `as!`, and a `!` right after a name, `)` or `]` that is not `!=` (a force unwrap).
        let pattern = try NSRegularExpression(pattern: #"try!|as!|[A-Za-z0-9_)\]]!(?!=)"#)
        var offenders: [String] = []
        for file in files {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            for (n, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                var line = String(rawLine)
                if let comment = line.range(of: "//") { line = String(line[..<comment.lowerBound]) }
                // String literals may hold any text ("Hello!"); drop them before matching.
                line = line.replacingOccurrences(of: #""([^"\\]|\\.)*""#, with: "\"\"", options: .regularExpression)
                for form in Self.safeForms { line = line.replacingOccurrences(of: form, with: "", options: .regularExpression) }
                let range = NSRange(line.startIndex..., in: line)
                guard pattern.firstMatch(in: line, range: range) != nil else { continue }
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if Self.allowed[file]?.contains(trimmed) == true { continue }
                offenders.append("\(file):\(n + 1): \(trimmed)")
            }
        }
        XCTAssertEqual(offenders, [], "traps on paths user data can reach")
    }
}
