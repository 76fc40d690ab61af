import Foundation
import XCTest
@testable import Hydro

/// Faults while the main job writes: a kill at each step, a full disk, two runs into one folder.
final class FaultTests: XCTestCase {
    private static let steps = ["terrain", "network", "loads", "attribution", "compensation"]

    /// Every run has the same command line (rasters record it), from a trial folder of its own.
    private static let arguments = ["run", "--output", "out", "../case/project.toml"]

    /// A demo project and the checksums of an uninterrupted run (all outputs but the manifest and
    /// report, which hold times).
    private func reference() throws -> (folder: URL, sums: [String: String]) {
        let folder = try TestPaths.temporaryFolder(self)
        _ = try DemoCase.write(into: folder.appendingPathComponent("case").path, seed: 7, size: 90)
        let trial = try trialFolder(folder, "reference")
        let r = try runToolLimited(Self.arguments, in: trial, seconds: 300)
        XCTAssertEqual(r.status, 0, r.stderr)
        return (folder, try checksums(trial.appendingPathComponent("out")))
    }

    private func trialFolder(_ folder: URL, _ name: String) throws -> URL {
        let trial = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: trial, withIntermediateDirectories: true)
        return trial
    }

    private func checksums(_ output: URL) throws -> [String: String] {
        var sums: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: output.path)
        where !name.hasPrefix(".") && name != Outputs.manifest && name != Outputs.report {
            sums[name] = try SHA256.hex(file: output.appendingPathComponent(name).path)
        }
        return sums
    }

    private func staging(_ output: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: output.path)) ?? []).filter { $0.hasPrefix(".hydrotool-tmp-") }
    }

    /// Starts `hydrotool run` and kills it with SIGKILL as soon as its log shows `trigger`.
    private func runAndKill(_ arguments: [String], in folder: URL, when trigger: String, delayMicroseconds: UInt32) throws -> Bool {
        let log = folder.appendingPathComponent("kill-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let process = Process()
        process.executableURL = TestPaths.executable
        process.arguments = arguments
        process.currentDirectoryURL = folder
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        let deadline = Date().addingTimeInterval(300)
        var killed = false
        while process.isRunning && Date() < deadline {
            if let text = try? String(contentsOf: log, encoding: .utf8), text.contains(trigger) {
                usleep(delayMicroseconds)
                kill(process.processIdentifier, SIGKILL)
                killed = true
                break
            }
            usleep(2_000)
        }
        if process.isRunning && !killed { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return killed && process.terminationReason == .uncaughtSignal
    }

    func testAKillAtEachStepThenARerunEqualsAnUninterruptedRun() throws {
        let (folder, expected) = try reference()
        XCTAssertGreaterThan(expected.count, 15)
        for (k, step) in Self.steps.enumerated() {
            for delay: UInt32 in [0, 30_000] {
                let trial = try trialFolder(folder, "killed-\(step)-\(delay)")
                let killed = try runAndKill(Self.arguments, in: trial, when: "\(step): running", delayMicroseconds: delay)
                XCTAssertTrue(killed, "\(step): the run ended before it could be killed")
                let r = try runToolLimited(Self.arguments, in: trial, seconds: 300)
                XCTAssertEqual(r.status, 0, "\(step): rerun failed: \(r.stderr)")
                let out = trial.appendingPathComponent("out")
                XCTAssertEqual(try checksums(out), expected, "after a kill in step \(k + 1) (\(step)), delay \(delay) µs")
                XCTAssertEqual(staging(out), [], "staging folders left after the rerun")
            }
        }
    }

    func testTwoConcurrentRunsIntoOneFolderGiveOneCorrectSet() throws {
        let (folder, expected) = try reference()
        let trial = try trialFolder(folder, "shared")
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var runs: [LimitedRun] = []
            func add(_ r: LimitedRun?) { lock.lock(); if let r { runs.append(r) }; lock.unlock() }
        }
        let results = Results()
        let group = DispatchGroup()
        for _ in 0..<2 {
            group.enter()
            DispatchQueue.global().async {
                results.add(try? runToolLimited(Self.arguments, in: trial, seconds: 300))
                group.leave()
            }
        }
        group.wait()
        let runs = results.runs
        XCTAssertEqual(runs.count, 2)
        for r in runs { XCTAssertEqual(r.status, 0, r.stderr) }
        let out = trial.appendingPathComponent("out")
        XCTAssertEqual(try checksums(out), expected)
        XCTAssertEqual(staging(out), [])
        // The second either waited for the first's lock or found every step done.
        XCTAssertTrue(runs.contains { $0.stderr.contains("waiting for it to finish") || $0.stderr.contains("up to date, skipped") },
                      runs.map(\.stderr).joined(separator: "\n---\n"))
    }

    func testAFullDiskIsReportedAndLeavesNoPartialOutput() throws {
        let (folder, _) = try reference()
        let project = folder.appendingPathComponent("case/project.toml").path
        let mountPoint = folder.appendingPathComponent("small")
        try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
        let mount = try runProgram("/bin/mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", mountPoint.path])
        guard mount == 0 else { throw XCTSkip("cannot mount a small tmpfs here (mount exit \(mount)); run as root to test a full disk") }
        defer { _ = try? runProgram("/bin/umount", [mountPoint.path]) }
        let output = mountPoint.appendingPathComponent("out")
        let r = try runToolLimited(["run", "-q", "--output", output.path, project], in: folder, seconds: 300)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertFalse(r.signalled)
        XCTAssertTrue(r.stderr.contains("no space left on device"), r.stderr)
        XCTAssertTrue(r.stderr.contains(output.path + "/"), "the message names the output: \(r.stderr)")
        XCTAssertFalse(r.stderr.contains(".hydrotool-tmp"), "the message names the staging copy: \(r.stderr)")
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertEqual(staging(output), [], "staging folders left behind")
        // Whatever is left is the complete output of steps that finished, each recorded with its checksum.
        let cache = StepCache(folder: output.path)
        let recorded = cache.entries.values.reduce(into: [String: String]()) { all, entry in all.merge(entry.outputs) { a, _ in a } }
        for name in try FileManager.default.contentsOfDirectory(atPath: output.path) where !name.hasPrefix(".") {
            XCTAssertEqual(recorded[name], try SHA256.hex(file: output.appendingPathComponent(name).path), "\(name) is not a recorded, complete output")
        }
    }

    private func runProgram(_ path: String, _ arguments: [String]) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }
}
