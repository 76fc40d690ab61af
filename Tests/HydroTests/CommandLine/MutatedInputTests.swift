import Foundation
import XCTest
@testable import Hydro

/// Hundreds of inputs made by damaging a valid raster and a valid project file (seeded, so every run
/// sees the same ones): whatever the damage, the tool ends by itself, by exit and not by a signal,
/// with either a result or a one-line error, and never changes its inputs.
final class MutatedInputTests: XCTestCase {
    private func check(_ r: LimitedRun, _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(r.timedOut, "\(label): hung", file: file, line: line)
        XCTAssertFalse(r.signalled, "\(label): signal \(r.status)\n\(r.stderr.prefix(1500))", file: file, line: line)
        guard r.status != 0 else { return }
        let lines = r.stderr.split(separator: "\n").filter { !$0.contains("warning:") }
        XCTAssertEqual(lines.count, 1, "\(label): \(r.stderr.prefix(1500))", file: file, line: line)
        XCTAssertTrue(lines.last?.hasPrefix("hydrotool: error: ") ?? false, "\(label): \(r.stderr.prefix(500))", file: file, line: line)
    }

    func testDamagedRasters() throws {
        let folder = try copyFixtures("malformed", for: self)
        let original = [UInt8](try Data(contentsOf: folder.appendingPathComponent("dem-nan-nodata.tif")))
        var random = SeededGenerator(seed: 2024)
        for k in 0..<120 {
            var bytes = original
            switch k % 4 {
            case 0: bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &random)))
            case 1: for _ in 0..<4 { bytes[Int.random(in: 0..<min(bytes.count, 256), using: &random)] = UInt8.random(in: 0...255, using: &random) }
            case 2: for _ in 0..<8 { bytes[Int.random(in: 0..<bytes.count, using: &random)] ^= 1 << UInt8.random(in: 0..<8, using: &random) }
            default: bytes[Int.random(in: 8..<min(bytes.count, 200), using: &random)] = 0xFF
            }
            let name = "mutant-\(k).tif"
            let url = folder.appendingPathComponent(name)
            try Data(bytes).write(to: url)
            let before = try SHA256.hex(file: url.path)
            check(try runToolLimited(["info", "--json", name], in: folder, seconds: 30, memoryKiB: 6 << 20), "info \(name)")
            check(try runToolLimited(["fill", "-q", "--overwrite", name, "out-\(k).tif"], in: folder, seconds: 30, memoryKiB: 6 << 20), "fill \(name)")
            XCTAssertEqual(try SHA256.hex(file: url.path), before, "\(name) was changed")
        }
    }

    func testDamagedProjectFiles() throws {
        let folder = try copyFixtures("malformed", for: self)
        let valid = """
        [project]
        name = "tiny"
        output = "tiny-out"
        [inputs]
        dem = "dem-nan-nodata.tif"
        [terrain]
        conditioning = "fill"
        stream_threshold_km2 = 0.001
        [decay]
        TP = 0.05

        """
        let inserts = ["nan", "inf", "-1", "1e999", "\"\\u0000\"", "[[", "]]", "{", "\"=cmd|' /C calc'!A0\"", "0x", "'''", "\"\"\"",
                       "2024-13-45", "[project]", "= =", "\u{FEFF}", "\u{0}", "\r", "\\", "#"]
        var random = SeededGenerator(seed: 7)
        let dem = folder.appendingPathComponent("dem-nan-nodata.tif").path
        let demBefore = try SHA256.hex(file: dem)
        for k in 0..<100 {
            var text = Array(valid.unicodeScalars)
            switch k % 4 {
            case 0:
                let at = Int.random(in: 0...text.count, using: &random)
                text.insert(contentsOf: inserts[k / 4 % inserts.count].unicodeScalars, at: at)
            case 1:
                if !text.isEmpty { text.remove(at: Int.random(in: 0..<text.count, using: &random)) }
            case 2:
                text = Array(text.prefix(Int.random(in: 0...text.count, using: &random)))
            default:
                let at = Int.random(in: 0..<text.count, using: &random)
                text[at] = Unicode.Scalar(UInt8.random(in: 32...126, using: &random))
            }
            var view = String.UnicodeScalarView()
            view.append(contentsOf: text)
            let name = "mutant-\(k).toml"
            try String(view).write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
            check(try runToolLimited(["run", "-q", name], in: folder, seconds: 60, memoryKiB: 6 << 20), "run \(name): \(String(view).debugDescription)")
        }
        XCTAssertEqual(try SHA256.hex(file: dem), demBefore)
    }
}
