import Foundation
import XCTest
@testable import Hydro

/// Two pieces of work at once (`Parallel.both`): both run to the end, and a failure is reported
/// the same way whichever finished first.
final class ParallelTests: XCTestCase {
    private struct Failure: Error, Equatable { var name: String }

    private final class Flag: @unchecked Sendable {
        private let lock = NSLock()
        private var set = false
        func raise() { lock.withLock { set = true } }
        var isRaised: Bool { lock.withLock { set } }
    }

    func testBothRunToTheEnd() throws {
        for threads in [1, 2] {
            let first = Flag()
            var second = false
            try Parallel.both(threads: threads, { Thread.sleep(forTimeInterval: 0.02); first.raise() }) { second = true }
            XCTAssertTrue(first.isRaised, "\(threads) threads")
            XCTAssertTrue(second)
        }
    }

    func testTheFirstWorksErrorWinsWhateverFinishedFirst() {
        for threads in [1, 2] {
            // The first fails late, the second at once: the first's error is the one thrown.
            XCTAssertThrowsError(try Parallel.both(threads: threads, { Thread.sleep(forTimeInterval: 0.02); throw Failure(name: "first") }) {
                throw Failure(name: "second")
            }) { XCTAssertEqual($0 as? Failure, Failure(name: "first"), "\(threads) threads") }
            XCTAssertThrowsError(try Parallel.both(threads: threads, {}) { throw Failure(name: "second") }) {
                XCTAssertEqual($0 as? Failure, Failure(name: "second"))
            }
        }
    }

    func testASecondThatFailsStillWaitsForTheFirst() {
        let first = Flag()
        XCTAssertThrowsError(try Parallel.both(threads: 2, { Thread.sleep(forTimeInterval: 0.05); first.raise() }) {
            throw Failure(name: "second")
        })
        XCTAssertTrue(first.isRaised, "returned before the first work had finished")
    }
}
