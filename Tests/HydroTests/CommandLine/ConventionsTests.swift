import Foundation
import XCTest
@testable import Hydro

/// GDAL's command-line conventions: creation options checked, versions named, examples in help,
/// progress never broken by log lines.
final class ConventionsTests: XCTestCase {
    func testBadCreationOptionExitsNonZeroBeforeAnyWork() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let dem = folder.appendingPathComponent("dem.tif").path
        try RasterWriter.write(SyntheticTerrain.valley(width: 30, height: 20), to: dem)
        for arguments in [["fill", dem, "o.tif", "-co", "COMPRESS=BOGUS"], ["fill", dem, "o.tif", "--co", "NOT_AN_OPTION=3"],
                          ["fill", dem, "o.tif", "--of", "COG", "-co", "BLOCKSIZE=12"]] {
            let r = try runTool(arguments, in: folder)
            XCTAssertNotEqual(r.status, 0, "\(arguments)")
            XCTAssertTrue(r.stderr.hasPrefix("hydrotool: error: --co: "), r.stderr)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("o.tif").path))
        }
        // The project commands check them too, before reading the project.
        let r = try runTool(["run", "nothing.toml", "-co", "COMPRESS=BOGUS"], in: folder)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("--co"), r.stderr)
        let of = try runTool(["run", "nothing.toml", "--of", "AAIGrid"], in: folder)
        XCTAssertNotEqual(of.status, 0)
        XCTAssertTrue(of.stderr.contains("use GTiff or COG"), of.stderr)
    }

    func testVersionNamesGDALAndPROJ() throws {
        let r = try runTool(["--version"])
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.stdout, "hydrotool \(Provenance.version) (GDAL \(LibraryVersions.gdal), PROJ \(LibraryVersions.proj))\n")
        XCTAssertTrue(LibraryVersions.gdal.first?.isNumber ?? false)
        XCTAssertTrue(LibraryVersions.proj.first?.isNumber ?? false)
    }

    func testEveryCommandsHelpEndsWithTwoWorkedExamples() throws {
        let commands = [["info"], ["fill"], ["breach"], ["burn"], ["flowdir"], ["accumulate"], ["streams"], ["snap"], ["watershed"],
                        ["run"], ["loads"], ["attribute"], ["compensate"], ["spill"], ["demo"], ["serve"], ["bench"], ["bench", "terrain"],
                        ["bench", "io"], ["bench", "routing"], ["bench", "run"], ["calibrate"], ["bench", "calibrate"], ["tiles"], ["bench", "tiles"], ["bench", "synthetic"], []]
        for command in commands {
            let r = try runTool(command + ["--help"])
            XCTAssertEqual(r.status, 0, "\(command)")
            let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            guard let start = lines.lastIndex(of: "EXAMPLES:") else { XCTFail("\(command): no EXAMPLES:\n\(r.stdout)"); continue }
            let tail = lines[(start + 1)...].filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            let commandsShown = tail.filter { $0.trimmingCharacters(in: .whitespaces).hasPrefix("$ hydrotool") }
            XCTAssertEqual(commandsShown.count, 2, "\(command): \(tail)")
            // Nothing but examples after the heading: it is the end of the help.
            XCTAssertEqual(tail.count, 4, "\(command): \(tail)")
            XCTAssertTrue(commandsShown.allSatisfy { $0.contains("hydrotool \(command.joined(separator: " "))") || command.isEmpty }, "\(command): \(commandsShown)")
            XCTAssertLessThan(lines.firstIndex { $0.hasPrefix("USAGE:") } ?? Int.max, start, "\(command): examples after usage")
        }
    }

    func testProgressBarIsNeverInterleavedWithLogLines() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let project = try DemoCase.write(into: folder.path, seed: 2, size: 60)
        let r = try runTool(["run", project])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stderr.split(separator: "\n").map(String.init)
        let bar = try NSRegularExpression(pattern: "^0(\\.\\.\\.[0-9]+|\\.)*( - done\\.)?$")
        var logLines = 0, barLines = 0
        for line in lines {
            let isBar = bar.firstMatch(in: line, range: NSRange(location: 0, length: (line as NSString).length)) != nil
            if isBar { barLines += 1; continue }
            logLines += 1
            XCTAssertFalse(line.contains("..."), "a log line holds part of the bar: \(line)")
            XCTAssertFalse(line.first?.isNumber ?? false, "a log line starts with a bar fragment: \(line)")
        }
        XCTAssertGreaterThan(logLines, 5)
        XCTAssertGreaterThan(barLines, 1)
        // The last line is the finished bar, drawn from 0 to 100.
        XCTAssertEqual(lines.last, "0...10...20...30...40...50...60...70...80...90...100 - done.")
    }
}
