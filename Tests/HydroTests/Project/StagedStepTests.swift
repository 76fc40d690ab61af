import Foundation
import XCTest
@testable import Hydro

/// A step's outputs appear together or not at all; killed runs' staging folders are removed.
final class StagedStepTests: XCTestCase {
    private func makeRun() throws -> ProjectRun {
        let folder = try TestPaths.temporaryFolder(self)
        var config = try ProjectConfig.load(try DemoCase.write(into: folder.appendingPathComponent("case").path, seed: 3, size: 60))
        config.output = folder.appendingPathComponent("out").path
        let run = try ProjectRun(config)
        try FileManager.default.createDirectory(atPath: run.folder, withIntermediateDirectories: true)
        return run
    }

    private func visible(_ run: ProjectRun) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: run.folder).filter { !$0.hasPrefix(".") || $0.hasPrefix(".hydrotool-tmp-") }.sorted()
    }

    func testAFailingStepLeavesNoneOfItsOutputs() throws {
        let run = try makeRun()
        struct Planned: Error {}
        XCTAssertThrowsError(try run.step("x", after: [], inputs: [], parameters: "", outputs: ["a.csv", "b.csv"], progress: .silent) {
            try AtomicOutput.write("1\n", to: run.path("a.csv"), overwrite: true)
            throw Planned()
        })
        XCTAssertEqual(try visible(run), [])
        try run.step("x", after: [], inputs: [], parameters: "", outputs: ["a.csv", "b.csv"], progress: .silent) {
            try AtomicOutput.write("1\n", to: run.path("a.csv"), overwrite: true)
            try AtomicOutput.write("2\n", to: run.path("b.csv"), overwrite: true)
        }
        XCTAssertEqual(try visible(run), ["a.csv", "b.csv"])
        // A later failure (a figure that is NaN in the second output) keeps the previous complete set, names the step.
        XCTAssertThrowsError(try run.step("x", after: [], inputs: [], parameters: "changed", outputs: ["a.csv", "b.csv"], progress: .silent) {
            try AtomicOutput.write("3\n", to: run.path("a.csv"), overwrite: true)
            struct Budgets: Encodable { var budgets: [[String: Double]] }
            try StepResultFile.write(Budgets(budgets: [["delivered_kg": .nan]]), to: run.path("b.csv"))
        }) { error in
            XCTAssertTrue("\(error)".hasPrefix("x step: b.csv: budgets[0].delivered_kg is not a number (NaN)"), "\(error)")
        }
        XCTAssertEqual(try String(contentsOfFile: run.path("a.csv"), encoding: .utf8), "1\n")
        XCTAssertEqual(try visible(run), ["a.csv", "b.csv"])
        // A step that forgets an output is refused, not recorded.
        XCTAssertThrowsError(try run.step("y", after: [], inputs: [], parameters: "", outputs: ["c.csv"], progress: .silent) {})
        XCTAssertEqual(try visible(run), ["a.csv", "b.csv"])
    }

    func testStagingOfAKilledProcessIsRemovedAndALiveOneKept() throws {
        let run = try makeRun()
        try FileManager.default.createDirectory(atPath: run.folder, withIntermediateDirectories: true)
        // A process id that is not running: spawn a short process and wait for it to end.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run()
        p.waitUntilExit()
        let dead = (run.folder as NSString).appendingPathComponent(".hydrotool-tmp-\(p.processIdentifier)-step-terrain")
        let live = (run.folder as NSString).appendingPathComponent(".hydrotool-tmp-1-step-terrain")
        for f in [dead, live] {
            try FileManager.default.createDirectory(atPath: f, withIntermediateDirectories: true)
            try Data("half".utf8).write(to: URL(fileURLWithPath: (f as NSString).appendingPathComponent("conditioned_dem.tif")))
        }
        AtomicOutput.removeStaleStaging(in: run.folder)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dead))
        XCTAssertTrue(FileManager.default.fileExists(atPath: live), "pid 1 is running; its folder must stay")
    }
}

extension StagedStepTests {
    /// An input that sits in the output folder under an output's name (or is linked there) is never replaced.
    func testAnInputUnderAnOutputNameIsRefused() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let project = try DemoCase.write(into: folder.appendingPathComponent("case").path, seed: 3, size: 60)
        var config = try ProjectConfig.load(project)
        let out = folder.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let dem = try XCTUnwrap(config.dem)
        try FileManager.default.createSymbolicLink(atPath: out.appendingPathComponent(Outputs.conditionedDEM).path, withDestinationPath: dem)
        config.output = out.path
        let before = try SHA256.hex(file: dem)
        XCTAssertThrowsError(try ProjectRun(config).runAll()) { XCTAssertTrue("\($0)".contains("replace the input"), "\($0)") }
        XCTAssertEqual(try SHA256.hex(file: dem), before)
    }
}
