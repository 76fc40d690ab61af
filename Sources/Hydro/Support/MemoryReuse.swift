#if canImport(Glibc)
import Glibc
#endif

/// Whole-grid arrays are allocated and freed many times in a run. By default glibc maps each large
/// array afresh and returns it to the kernel when freed, so every new grid is faulted in and
/// zeroed page by page: measured here at about 1 s per 336 MB, more than half of a run's time on a
/// 42 M-cell grid. Keeping large blocks in the heap lets a freed grid's pages serve the next one
/// (China 30″ project: 119 s → 71 s; the peak grows by about 5 %, from blocks not reused exactly).
public enum MemoryReuse {
    /// Called once at start-up by the command line, before any grid exists.
    public static func keepFreedGridsForReuse() {
        #if canImport(Glibc)
        // mallopt is not in Swift's Glibc module (malloc.h); look it up. Parameters from malloc.h.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        let trimThreshold: Int32 = -1, mmapMax: Int32 = -4
        _ = mallopt(mmapMax, 0)
        _ = mallopt(trimThreshold, Int32.max)
        #endif
    }

    /// Gives the kernel back the pages of freed blocks (glibc's malloc_trim): called between steps and
    /// where a step lets go of whole grids, so that blocks the next grids cannot reuse (a different
    /// size) do not stay resident and set the run's peak (China 30″: 35 bytes a cell kept, 31.2 given
    /// back, in the same time within the machine's noise). Within a step, freed grids still serve
    /// the next ones (a pollutant's after another's).
    public static func releaseFreedMemory() {
        #if canImport(Glibc)
        typealias MallocTrim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: MallocTrim.self)(0)
        #endif
    }
}

/// A whole-grid buffer made at the start of a step, before the step's other grids, and handed to the
/// pass that needs it: freed grids stay in the heap (`MemoryReuse`), and the largest grid made first
/// takes the room of one the step before let go, where made last it would find only smaller holes
/// and add fresh pages (China 30″ attribution: 8 bytes a cell).
public final class GridBuffer: @unchecked Sendable {
    private var values: [Double]

    public init(count: Int) { values = [Double](repeating: 0, count: count) }

    /// The buffer, moved out (no copy) when it has `count` cells; a new one otherwise.
    func take(count: Int) -> [Double] {
        var taken: [Double] = []
        swap(&taken, &values)
        return taken.count == count ? taken : [Double](repeating: 0, count: count)
    }
}
