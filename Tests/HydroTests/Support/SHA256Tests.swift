import Foundation
import XCTest
@testable import Hydro

/// Known answers from FIPS 180-4's examples (NIST CSRC "SHA256.pdf", "SHA2_Additional").
final class SHA256Tests: XCTestCase {
    func testNISTVectors() {
        XCTAssertEqual(SHA256.hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func testOneMillionAInPiecesAndFromAFile() throws {
        var h = SHA256()
        // Pieces of uneven size cross the 64-byte block boundary at every offset.
        var given = 0
        var piece = 1
        while given < 1_000_000 {
            let n = min(piece, 1_000_000 - given)
            h.update(String(repeating: "a", count: n))
            given += n
            piece = piece % 97 + 1
        }
        let expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        XCTAssertEqual(h.finalize(), expected)
        let folder = try TestPaths.temporaryFolder(self)
        let file = folder.appendingPathComponent("a.txt")
        try Data(repeating: UInt8(ascii: "a"), count: 1_000_000).write(to: file)
        XCTAssertEqual(try SHA256.hex(file: file.path), expected)
    }

    func testANamedPipeIsRefusedNotReadForEver() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let pipe = folder.appendingPathComponent("pipe").path
        XCTAssertEqual(mkfifo(pipe, 0o600), 0)
        XCTAssertThrowsError(try SHA256.hex(file: pipe)) { XCTAssertTrue("\($0)".contains("named pipe"), "\($0)") }
    }
}
