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
        let cell = pop()
        let high = UInt32(truncatingIfNeeded: key >> 32)
        return (Float(bitPattern: high & 0x8000_0000 != 0 ? high & 0x7FFF_FFFF : ~high), cell)
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

/// A first-in first-out queue of cell indices that reuses its storage once drained.
struct CellFIFO {
    private var items: [Int32] = []
    private var head = 0

    var isEmpty: Bool { head == items.count }

    @inline(__always) mutating func push(_ cell: Int) { items.append(Int32(truncatingIfNeeded: cell)) }

    @inline(__always) mutating func pop() -> Int {
        let cell = Int(items[head])
        head &+= 1
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        }
        return cell
    }
}
