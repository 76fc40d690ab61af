import Foundation
import XCTest
@testable import Hydro

/// TOML 1.0 through TOMLKit, with the line of every key kept for messages.
final class ConfigFileTests: XCTestCase {
    func testTOMLOneFeaturesAndKeyLines() throws {
        let text = """
        # header comment
        name = "\\u8D64\\u6C34"   # \\u escapes
        count = 0x10
        big = 1_000
        "dotted.key" = 'literal \\n'
        text = \"\"\"
        first
        second\"\"\"

        [terrain]
        conditioning = "fill"
        burn.depth = 5.5

        [[point_sources]]
        file = "a.geojson"

        [[point_sources]]
        # comment
        file = "b.geojson"
        """
        let t = try ConfigFile.parseTOML(text, file: "p.toml")
        XCTAssertEqual(try t.string("name"), "赤水")
        XCTAssertEqual(try t.number("count"), 16)
        XCTAssertEqual(try t.integer("big"), 1000)
        XCTAssertEqual(try t.string("dotted.key"), "literal \\n")
        XCTAssertEqual(try t.string("text"), "first\nsecond")
        XCTAssertEqual(t.location("dotted.key"), "p.toml:5")
        XCTAssertEqual(t.location("text"), "p.toml:6")
        let terrain = try XCTUnwrap(t.table("terrain"))
        XCTAssertEqual(terrain.location("conditioning"), "p.toml:11")
        XCTAssertEqual(try terrain.table("burn")?.location("depth"), "p.toml:12")
        let sources = try t.tables("point_sources")
        XCTAssertEqual(sources.count, 2)
        XCTAssertEqual(sources.map { $0.location("file") }, ["p.toml:15", "p.toml:19"])
        XCTAssertEqual(t.order, ["name", "count", "big", "dotted.key", "text", "terrain", "point_sources"])
    }

    func testUnknownKeyNamesItsLineAndSuggests() throws {
        let t = try ConfigFile.parseTOML("[terrain]\n\n\nconditionning = \"fill\"\n", file: "p.toml")
        let terrain = try XCTUnwrap(t.table("terrain"))
        XCTAssertThrowsError(try terrain.requireOnly(["conditioning", "burn"])) { error in
            XCTAssertTrue("\(error)".hasPrefix("p.toml:4: unknown key 'terrain.conditionning' (did you mean 'conditioning'?)"), "\(error)")
        }
    }

    func testAHugeUnknownKeyIsNotEchoedWhole() throws {
        let key = String(repeating: "k", count: 1_000_000)
        let t = try ConfigFile.parseTOML("\(key) = 1\n", file: "p.toml")
        XCTAssertThrowsError(try t.requireOnly(["name"])) { error in
            XCTAssertLessThan("\(error)".count, 400)
            XCTAssertTrue("\(error)".contains("1000000 bytes"), "\(error)")
        }
    }

    func testSyntaxErrorsNameTheLine() {
        XCTAssertThrowsError(try ConfigFile.parseTOML("a = 1\nb = [1, 2\nc = 3\n", file: "p.toml")) { error in
            XCTAssertTrue("\(error)".hasPrefix("p.toml:"), "\(error)")
            XCTAssertTrue("\(error)".contains("not valid TOML"), "\(error)")
        }
        XCTAssertThrowsError(try ConfigFile.parseTOML("a = 1\na = 2\n", file: "p.toml")) { XCTAssertTrue("\($0)".hasPrefix("p.toml:2"), "\($0)") }
        XCTAssertThrowsError(try ConfigFile.parseTOML("a = inf\n", file: "p.toml")) { XCTAssertTrue("\($0)".contains("finite"), "\($0)") }
        XCTAssertThrowsError(try ConfigFile.parseTOML("a = nan\n", file: "p.toml")) { XCTAssertTrue("\($0)".contains("finite"), "\($0)") }
        XCTAssertThrowsError(try ConfigFile.parseTOML("a = \"x\u{0}\"\n", file: "p.toml")) { XCTAssertTrue("\($0)".contains("NUL"), "\($0)") }
    }

    func testDeepNestingIsRefusedWithoutRecursion() {
        let deepArray = "a = " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "\n"
        XCTAssertThrowsError(try ConfigFile.parseTOML(deepArray, file: "p.toml")) { XCTAssertTrue("\($0)".contains("nested more than"), "\($0)") }
        let deepTable = "a = " + String(repeating: "{b = ", count: 100_000) + "1" + String(repeating: "}", count: 100_000) + "\n"
        XCTAssertThrowsError(try ConfigFile.parseTOML(deepTable, file: "p.toml")) { XCTAssertTrue("\($0)".contains("nested more than"), "\($0)") }
        let deepKey = Array(repeating: "k", count: 100_000).joined(separator: ".") + " = 1\n"
        XCTAssertThrowsError(try ConfigFile.parseTOML(deepKey, file: "p.toml")) { XCTAssertTrue("\($0)".contains("dotted parts"), "\($0)") }
        let deepJSON = String(repeating: "{\"a\":", count: 100_000) + "1" + String(repeating: "}", count: 100_000)
        XCTAssertThrowsError(try ConfigFile.parseJSON(deepJSON, file: "p.json")) { XCTAssertTrue("\($0)".contains("nested more than"), "\($0)") }
    }

    /// The old parser re-joined lines and took 30 s for 126 KB; this checks the result, not the time,
    /// of a large multi-line array (speed belongs in benchmarks).
    func testLargeMultiLineArray() throws {
        let n = 200_000
        let text = "values = [\n" + (0..<n).map { "  \($0)," }.joined(separator: "\n") + "\n]\nafter = 1\n"
        let t = try ConfigFile.parseTOML(text, file: "p.toml")
        let values = try XCTUnwrap(t.numbers("values"))
        XCTAssertEqual(values.count, n)
        XCTAssertEqual(values.last, Double(n - 1))
        XCTAssertEqual(t.location("after"), "p.toml:\(n + 3)")
    }

    func testNonRegularAndOversizedFilesAreRefused() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let pipe = folder.appendingPathComponent("p.toml").path
        XCTAssertEqual(mkfifo(pipe, 0o600), 0)
        XCTAssertThrowsError(try ConfigFile.load(pipe)) { XCTAssertTrue("\($0)".contains("named pipe"), "\($0)") }
        let big = folder.appendingPathComponent("big.toml")
        try Data(repeating: UInt8(ascii: "#"), count: ConfigFile.maximumBytes + 1).write(to: big)
        XCTAssertThrowsError(try ConfigFile.load(big.path)) { XCTAssertTrue("\($0)".contains("at most"), "\($0)") }
    }
}
