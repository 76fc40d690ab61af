/// A min-priority queue of cells keyed by (elevation, index), packed into one UInt64 per entry:
/// the elevation's bits made order-preserving in the high word, the cell index in the low word.
/// Ties in elevation therefore pop in index order, so results never depend on insertion order,
/// hashing or threads; and comparing one integer keeps the heap fast.
struct CellHeap {
    private var keys: [UInt64] = []

    var isEmpty: Bool { keys.isEmpty }
    var count: Int { keys.count }

    /// Float bits mapped so that unsigned integer order equals numeric order (no NaN here).
    @inline(__always) static func orderedBits(_ z: Float) -> UInt64 {
        let bits = z.bitPattern
        return UInt64(bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000)
    }

    @inline(__always) static func key(_ z: Float, _ cell: Int) -> UInt64 { orderedBits(z) << 32 | UInt64(UInt32(truncatingIfNeeded: cell)) }

    /// The elevation packed into a key (the inverse of `orderedBits`).
    @inline(__always) static func elevation(_ key: UInt64) -> Float {
        let high = UInt32(truncatingIfNeeded: key >> 32)
        return Float(bitPattern: high & 0x8000_0000 != 0 ? high & 0x7FFF_FFFF : ~high)
    }

    mutating func push(_ z: Float, _ cell: Int) {
        let key = Self.key(z, cell)
        keys.append(key)
        keys.withUnsafeMutableBufferPointer { k in
            var child = k.count &- 1
            while child > 0 {
                let parent = (child &- 1) >> 1
                let p = k[parent]
                guard key < p else { break }
                k[child] = p
                child = parent
            }
            k[child] = key
        }
    }

    /// Removes the lowest entry and returns its elevation and cell; the heap must not be empty.
    mutating func popWithElevation() -> (z: Float, cell: Int) {
        let key = keys[0]
        return (Self.elevation(key), pop())
    }

    /// Removes and returns the lowest cell; the heap must not be empty.
    mutating func pop() -> Int {
        let last = keys.removeLast()
        guard !keys.isEmpty else { return Int(UInt32(truncatingIfNeeded: last)) }
        return keys.withUnsafeMutableBufferPointer { k -> Int in
            let top = k[0]
            let n = k.count
            var parent = 0
            while true {
                var child = 2 &* parent &+ 1
                if child >= n { break }
                if child &+ 1 < n && k[child &+ 1] < k[child] { child &+= 1 }
                guard k[child] < last else { break }
                k[parent] = k[child]
                parent = child
            }
            k[parent] = last
            return Int(UInt32(truncatingIfNeeded: top))
        }
    }
}

/// A monotone priority queue of cells by elevation: a radix heap (Ahuja, Mehlhorn, Orlin &
/// Tarjan 1990) over the order-preserving bits of the elevation (`CellHeap.orderedBits`). It
/// requires every elevation pushed after a pop to be at least the one popped, which
/// Priority-Flood guarantees (a cell is only ever queued at or above the current flood level), and
/// then costs O(1) per push and amortised O(32) per pop, with sequential memory access instead of
/// a binary heap's cache misses. Cells of equal elevation come out newest first without ever being
/// sorted (a DEM in whole metres has many); the order is fixed by the pushes, and the filled
/// surface does not depend on it.
struct MonotoneCellQueue {
    /// Entries packed as `CellHeap.key`. Bucket 0 holds those at the last popped elevation, bucket b
    /// those whose elevation bits first differ from it at bit b − 1.
    private var buckets = [[UInt64]](repeating: [], count: 33)
    private var last: UInt32 = 0
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    @inline(__always) private func bucket(_ key: UInt64) -> Int {
        let high = UInt32(truncatingIfNeeded: key >> 32)
        return high == last ? 0 : 32 - (high ^ last).leadingZeroBitCount
    }

    @inline(__always) mutating func push(_ z: Float, _ cell: Int) {
        let key = CellHeap.key(z, cell)
        buckets[bucket(key)].append(key)
        count &+= 1
    }

    /// Removes a lowest entry and returns its cell and the elevation it was queued with, which
    /// spares the caller a memory read of a cell that is rarely in cache.
    mutating func popWithElevation() -> (z: Float, cell: Int) {
        let cell = pop()  // popped at elevation `last`
        return (CellHeap.elevation(UInt64(last) << 32), cell)
    }

    private mutating func pop() -> Int {
        if buckets[0].isEmpty {
            var i = 1
            while buckets[i].isEmpty { i += 1 }
            var smallest = UInt32.max
            for key in buckets[i] { smallest = min(smallest, UInt32(truncatingIfNeeded: key >> 32)) }
            last = smallest
            // Every entry of bucket i now falls into a lower bucket; its storage is reused afterwards.
            var moving: [UInt64] = []
            swap(&moving, &buckets[i])
            for key in moving { buckets[bucket(key)].append(key) }
            moving.removeAll(keepingCapacity: true)
            buckets[i] = moving
        }
        count &-= 1
        return Int(UInt32(truncatingIfNeeded: buckets[0].removeLast()))
    }
}

/// A last-in first-out stack of cell indices. Priority-Flood may take the cells of its plain queues
/// in any order (all of them already hold their final level), and taking the newest first keeps
/// the neighbours it just touched in cache.
struct CellStack {
    private var items: [Int32] = []

    var isEmpty: Bool { items.isEmpty }

    @inline(__always) mutating func push(_ cell: Int) { items.append(Int32(truncatingIfNeeded: cell)) }

    @inline(__always) mutating func pop() -> Int { Int(items.removeLast()) }
}
