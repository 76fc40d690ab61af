import Dispatch
import Foundation

/// A buffer pointer handed to worker threads that write disjoint parts of it.
///
/// Swift cannot prove that the parts are disjoint, hence `@unchecked`; every use splits the
/// buffer by rows so no cell is touched by two threads.
struct SharedBuffer<Element>: @unchecked Sendable {
    let base: UnsafeMutableBufferPointer<Element>
}

/// A read-only buffer pointer shared by worker threads.
struct SharedReadOnlyBuffer<Element>: @unchecked Sendable {
    let base: UnsafeBufferPointer<Element>
}

enum Parallel {
    /// Runs `body(firstRow, endRow)` over row bands of `rows` rows on `threads` threads.
    /// With one thread the bands run in order on the calling thread.
    static func forEachRowBand(rows: Int, threads: Int, _ body: @Sendable (Int, Int) -> Void) {
        guard rows > 0 else { return }
        let bands = threads <= 1 ? 1 : min(rows, threads * 8)
        let rowsPerBand = (rows + bands - 1) / bands
        if bands == 1 { body(0, rows); return }
        DispatchQueue.concurrentPerform(iterations: bands) { band in
            let first = band * rowsPerBand
            let end = min(rows, first + rowsPerBand)
            if first < end { body(first, end) }
        }
    }

    /// Runs `body(0..<count)` on up to `threads` threads, each taking the next item when it is
    /// free; with one thread, in order on the calling thread.
    static func forEach(_ count: Int, threads: Int, _ body: @Sendable (Int) -> Void) {
        if threads <= 1 || count <= 1 {
            for k in 0..<count { body(k) }
        } else {
            DispatchQueue.concurrentPerform(iterations: count, execute: body)
        }
    }

    /// Runs `body(0..<count)` on up to `threads` threads, each taking the next item when it is
    /// free, and reports the share of items finished to `progress` from the calling thread.
    /// When `progress` asks to stop, the items already started still finish before this throws.
    static func forEach(_ count: Int, threads: Int, progress: TaskProgress, _ body: @escaping @Sendable (Int) -> Void) throws {
        guard threads > 1, count > 1 else {
            for k in 0..<count {
                body(k)
                try progress.report(Double(k + 1) / Double(count))
            }
            return
        }
        let finished = FinishedCount()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            DispatchQueue.concurrentPerform(iterations: count) { k in
                body(k)
                finished.add()
            }
        }
        while group.wait(timeout: .now() + .milliseconds(100)) == .timedOut {
            do {
                try progress.report(Double(finished.value) / Double(count))
            } catch {
                group.wait()
                throw error
            }
        }
        try progress.report(1)
    }
}

extension Parallel {
    /// Runs `first` on another thread while `second` runs on the calling one, and returns when both
    /// have finished: for two independent outputs (each writing its own file). When either throws,
    /// the error of `first` is thrown if it failed, else that of `second`: the same error whatever
    /// finished first.
    static func both(threads: Int, _ first: @escaping @Sendable () throws -> Void, _ second: () throws -> Void) throws {
        guard threads > 1 else {
            try first()
            try second()
            return
        }
        let outcome = Outcome()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            do { try first() } catch { outcome.set(error) }
        }
        var secondError: Error?
        do { try second() } catch { secondError = error }
        group.wait()
        if let error = outcome.error { throw error }
        if let secondError { throw secondError }
    }
}

/// The error of work done on another thread, if it failed.
private final class Outcome: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Error?

    func set(_ error: Error) { lock.withLock { stored = error } }
    var error: Error? { lock.withLock { stored } }
}

/// A counter shared by worker threads.
private final class FinishedCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
