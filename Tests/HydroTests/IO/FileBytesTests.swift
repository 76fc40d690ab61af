import Foundation
import XCTest
@testable import Hydro

/// Whole-buffer writes continue where each write call stopped: the bytes on disk are the buffer's,
/// however small the pieces (the Linux Foundation write rewrote the buffer's start after 2 GiB).
final class FileBytesTests: XCTestCase {
    /// Bytes that differ from position to position, so a piece written from the wrong offset shows.
    private func pattern(_ count: Int) -> Data {
        Data((0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 / 251) })
    }

    func testPiecesSmallerThanTheBufferLeaveItsBytesOnDisk() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let path = folder.appendingPathComponent("bytes.bin").path
        for (count, piece) in [(10_007, 7), (4096, 4096), (4097, 4096), (1, 1 << 30), (65_536, 1000)] {
            let data = pattern(count)
            try FileBytes.save(data, to: path, naming: "bytes.bin", piece: piece)
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), data, "\(count) bytes in pieces of \(piece)")
        }
    }

    func testALongerFileIsReplacedNotOverlaid() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let path = folder.appendingPathComponent("short.bin").path
        try FileBytes.save(pattern(5000), to: path, naming: "short.bin")
        try FileBytes.save(Data([1, 2, 3]), to: path, naming: "short.bin", piece: 2)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), Data([1, 2, 3]))
        try FileBytes.save(Data(), to: path, naming: "short.bin")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)).count, 0)
    }

    func testAFolderThatIsMissingIsAnErrorNamingTheOutput() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let path = folder.appendingPathComponent("absent/out.csv").path
        XCTAssertThrowsError(try FileBytes.save(pattern(10), to: path, naming: "out.csv")) { error in
            XCTAssertEqual((error as? HydroError)?.kind, .io)
            XCTAssertEqual((error as? HydroError)?.subject, "out.csv")
            XCTAssertTrue((error as? HydroError)?.message.contains("No such file") ?? false, "\(error)")
        }
    }

    /// The atomic write of text goes through the same writer.
    func testAtomicTextWriteRoundTrips() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let path = folder.appendingPathComponent("report.html").path
        let text = String(repeating: "断面 section ", count: 20_000)
        try AtomicOutput.write(text, to: path, overwrite: false)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), text)
    }
}
