import Foundation
import XCTest
@testable import Hydro

/// Every command over the corpus in fixtures/malformed (made by scripts/make-malformed-fixtures.py)
/// and a few large or special cases made here, under a time and memory limit: no signal, no hang,
/// a non-zero exit with a one-line error naming the input, and no new file in the folder.
final class MalformedInputTests: XCTestCase {
    /// Rasters no command can use.
    static let unreadable = ["dem-empty.tif", "dem-garbage.tif", "dem-truncated.tif", "dem-huge.vrt", "dem-header-only.asc",
                             "dem-complex.tif", "dem-cellsize-zero.tif"]
    /// Readable rasters that are not usable as elevation (±Inf cells; nothing but nodata).
    static let notElevation = ["dem-inf.tif", "dem-all-nodata.tif"]

    private func assertRefused(_ arguments: [String], naming expected: String, in folder: URL,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        let before = fileList(folder)
        let r = try runToolLimited(arguments, in: folder, seconds: 60, memoryKiB: 6 << 20)
        let label = arguments.joined(separator: " ")
        XCTAssertFalse(r.timedOut, "\(label): still running after 60 s", file: file, line: line)
        XCTAssertFalse(r.signalled, "\(label): ended by signal \(r.status)\n\(r.stderr.prefix(2000))", file: file, line: line)
        XCTAssertNotEqual(r.status, 0, "\(label): exit 0\n\(r.stderr)", file: file, line: line)
        let lines = r.stderr.split(separator: "\n").filter { !$0.contains("warning:") }
        XCTAssertEqual(lines.count, 1, "\(label): not one line:\n\(r.stderr.prefix(2000))", file: file, line: line)
        let message = lines.last.map(String.init) ?? ""
        XCTAssertTrue(message.hasPrefix("hydrotool: error: "), "\(label): \(message)", file: file, line: line)
        XCTAssertTrue(message.contains(expected), "\(label): error does not name \(expected): \(message)", file: file, line: line)
        XCTAssertLessThan(message.count, 600, "\(label): error too long", file: file, line: line)
        let added = fileList(folder).subtracting(before).filter { !$0.hasSuffix(FolderLock.fileName) }
        XCTAssertEqual(added, [], "\(label): left files behind", file: file, line: line)
    }

    func testRasterCommandsRefuseBadRasters() throws {
        let folder = try copyFixtures("malformed", for: self)
        for dem in Self.unreadable {
            try assertRefused(["info", dem], naming: dem, in: folder)
            try assertRefused(["info", "--json", dem], naming: dem, in: folder)
            try assertRefused(["accumulate", "-q", dem, "out.tif", "--encoding", "esri"], naming: dem, in: folder)
            try assertRefused(["streams", "-q", "--flowdir", dem, "--encoding", "esri", "--raster", "s.tif"], naming: dem, in: folder)
        }
        for dem in Self.unreadable + Self.notElevation {
            try assertRefused(["fill", "-q", dem, "out.tif"], naming: dem, in: folder)
            try assertRefused(["breach", "-q", dem, "out.tif"], naming: dem, in: folder)
            try assertRefused(["flowdir", "-q", dem, "out.tif"], naming: dem, in: folder)
        }
        try assertRefused(["accumulate", "-q", "flowdir-255.tif", "out.tif", "--encoding", "esri"], naming: "flowdir-255.tif", in: folder)
    }

    func testValidButUnusualRastersAreDescribed() throws {
        let folder = try copyFixtures("malformed", for: self)
        for dem in ["dem-inf.tif", "dem-nan-nodata.tif", "dem-all-nodata.tif"] {
            let r = try runToolLimited(["info", "--json", dem], in: folder)
            XCTAssertEqual(r.status, 0, "\(dem): \(r.stderr)")
            let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
            XCTAssertEqual(object?["width"] as? Int, 8, dem)
        }
    }

    func testProjectCommandsRefuseBadProjects() throws {
        let folder = try copyFixtures("malformed", for: self)
        let cases: [(String, String)] = [
            ("project-syntax.toml", "project-syntax.toml:3"), ("project-unknown-key.toml", "project-unknown-key.toml:4"),
            ("project-nan.toml", "project-nan.toml:4"), ("project-wrong-type.toml", "project-wrong-type.toml:2"),
            ("project-missing-dem.toml", "no-such-dem.tif"), ("project-empty-output.toml", "output"),
            ("project-deep.toml", "project-deep.toml:1"), ("project-inf-dem.toml", "dem-inf.tif"),
            ("project-all-nodata.toml", "dem-all-nodata.tif"), ("project-huge-dem.toml", "dem-huge.vrt"),
            ("project-not-utf8.toml", "project-not-utf8.toml"), ("project-no-pollutant.toml", "project-no-pollutant.toml"),
        ]
        for (project, expected) in cases {
            for command in ["run", "loads", "attribute", "compensate"] {
                try assertRefused([command, "-q", project], naming: expected, in: folder)
            }
        }
        try assertRefused(["run", "-q", "--output", "", "project-inf-dem.toml"], naming: "--output", in: folder)
        try assertRefused(["spill", "-q", "project-inf-dem.toml", "--at", "1,2", "--mass", "inf", "--time", "2024-01-01T00:00:00Z"],
                          naming: "--mass", in: folder)
    }

    func testOptionsOutOfRange() throws {
        let folder = try copyFixtures("malformed", for: self)
        try assertRefused(["breach", "-q", "dem-nan-nodata.tif", "o.tif", "--max-length", "3000000000"], naming: "--max-length", in: folder)
        try assertRefused(["demo", "-q", "--size", "100000000", "--output", "d"], naming: "--size", in: folder)
        try assertRefused(["demo", "-q", "--size", "29000", "--output", "d"], naming: "--size", in: folder)
        try assertRefused(["fill", "-q", "dem-nan-nodata.tif", "o.tif", "--threads", "0"], naming: "--threads", in: folder)
        try assertRefused(["burn", "-q", "dem-nan-nodata.tif", "dem-nan-nodata.tif", "o.tif", "--depth", "1e308"], naming: "--depth", in: folder)
        try assertRefused(["fill", "-q", "dem-nan-nodata.tif", "o.tif", "-co", "COMPRESS=BOGUS"], naming: "--co", in: folder)
        try assertRefused(["fill", "-q", "dem-nan-nodata.tif", "o.png", "--of", "PNG"], naming: "o.png", in: folder)
    }

    /// Large and special inputs are made here rather than stored.
    func testHugeAndSpecialFiles() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let pipe = folder.appendingPathComponent("pipe.tif").path
        XCTAssertEqual(mkfifo(pipe, 0o600), 0)
        try assertRefused(["info", "pipe.tif"], naming: "pipe.tif", in: folder)
        try assertRefused(["fill", "-q", "pipe.tif", "o.tif"], naming: "pipe.tif", in: folder)
        let pipeProject = folder.appendingPathComponent("pipe.toml").path
        XCTAssertEqual(mkfifo(pipeProject, 0o600), 0)
        try assertRefused(["run", "-q", "pipe.toml"], naming: "pipe.toml", in: folder)
        // 12 MB of multi-line array: over the size limit, refused at once.
        let big = "values = [\n" + String(repeating: "  1.5,\n", count: 12_000_000 / 7) + "]\n"
        try big.write(to: folder.appendingPathComponent("big.toml"), atomically: true, encoding: .utf8)
        try assertRefused(["run", "-q", "big.toml"], naming: "big.toml", in: folder)
        // A 10 MB key: the message names the line and is clipped.
        let key = String(repeating: "k", count: 1 << 20)
        try "[inputs]\ndem = \"x.tif\"\n\(key) = 1\n".write(to: folder.appendingPathComponent("key.toml"), atomically: true, encoding: .utf8)
        try assertRefused(["run", "-q", "key.toml"], naming: "key.toml", in: folder)
        // Nested 100,000 levels deep.
        let deep = "a = " + String(repeating: "{b = ", count: 100_000) + "1" + String(repeating: "}", count: 100_000) + "\n"
        try deep.write(to: folder.appendingPathComponent("deep.toml"), atomically: true, encoding: .utf8)
        try assertRefused(["run", "-q", "deep.toml"], naming: "deep.toml:1", in: folder)
    }
}
