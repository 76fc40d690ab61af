import Foundation
import XCTest
@testable import Hydro

/// The files ranks share in a distributed run: opened anew for every read and write (close-to-open
/// consistency, as NFS gives), and a kept tile state that another rank wrote found even when it
/// shows up late.
final class SharedTileFilesTests: XCTestCase {
    private func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("shared-tiles-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    private func openDescriptors() throws -> Int { try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count }

    func testASharedStoreKeepsNoFileOpenAndSeesWhatAnotherRankWrote() throws {
        let path = (try folder() as NSString).appendingPathComponent("cells.raw")
        let before = try openDescriptors()
        let leader = try TileStore<Float>(path: path, width: 7, height: 5, create: true, shared: true)
        // A rank that opened the store before the leader wrote: it must read what was written after.
        let rank = try TileStore<Float>(path: path, width: 7, height: 5, create: false, shared: true)
        XCTAssertEqual(try openDescriptors(), before, "a shared store holds no descriptor between calls")
        try leader.fill { c, r, w, h in (0..<(w * h)).map { Float((r + $0 / w) * 7 + c + $0 % w) } }
        XCTAssertEqual(try rank.read(column: 2, row: 1, columns: 3, rows: 2), [9, 10, 11, 16, 17, 18])
        try rank.write([-1, -2, -3, -4], column: 5, row: 3, columns: 2, rows: 2)
        XCTAssertEqual(try leader.read(column: 4, row: 3, columns: 3, rows: 2), [25, -1, -2, 32, -3, -4])
        XCTAssertEqual(try openDescriptors(), before)
        // A store of one process keeps its file open for its life.
        let local = try TileStore<Float>(path: path + ".local", width: 7, height: 5, create: true)
        XCTAssertEqual(try openDescriptors(), before + 1)
        withExtendedLifetime(local) {}
    }

    private static func held(_ folder: String?, patience: TimeInterval) -> HeldTiles<[Int32]> {
        HeldTiles(folder: folder, name: "test-state", patience: patience,
                  encode: { v in v.flatMap { withUnsafeBytes(of: $0.littleEndian) { Array($0) } } },
                  decode: { b in stride(from: 0, to: b.count, by: 4).map { i in Int32(littleEndian: b[i..<(i + 4)].withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }) } })
    }

    func testAStateKeptByOneRankIsTakenByAnother() throws {
        let dir = try folder()
        let writer = Self.held(dir, patience: 1), reader = Self.held(dir, patience: 1)
        try writer.keep([3, -7, 1 << 30], for: 4)
        XCTAssertEqual(try reader.take(4, expected: true), [3, -7, 1 << 30])
        XCTAssertNil(try reader.take(4), "taking removes the file")
    }

    func testAnExpectedStateThatAppearsLateIsWaitedFor() throws {
        let dir = try folder()
        let reader = Self.held(dir, patience: 5)
        let wrote = expectation(description: "written")
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) {
            do { try SharedTileFilesTests.held(dir, patience: 5).keep([42], for: 1) } catch { XCTFail("keeping failed: \(error)") }
            wrote.fulfill()
        }
        XCTAssertEqual(try reader.take(1, expected: true), [42])
        wait(for: [wrote], timeout: 5)
    }

    func testAnExpectedStateThatNeverAppearsIsAClearError() throws {
        let dir = try folder()
        XCTAssertNil(try Self.held(dir, patience: 0.2).take(2), "a first visit has no state")
        XCTAssertThrowsError(try Self.held(dir, patience: 0.2).take(2, expected: true)) { error in
            XCTAssertTrue("\(error)".contains("every rank sees"), "\(error)")
            XCTAssertTrue("\(error)".contains(dir), "\(error)")
        }
    }
}
