import Dispatch

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
}
