/// A min-priority queue of cells keyed by (elevation, index): ties in elevation pop in index
/// order, so results never depend on insertion order, hashing or threads.
struct CellHeap {
    private var keys: [Float] = []
    private var cells: [Int] = []

    var isEmpty: Bool { cells.isEmpty }
    var count: Int { cells.count }

    @inline(__always) private static func less(_ za: Float, _ ia: Int, _ zb: Float, _ ib: Int) -> Bool {
        za < zb || (za == zb && ia < ib)
    }

    mutating func reserve(_ n: Int) {
        keys.reserveCapacity(n)
        cells.reserveCapacity(n)
    }

    mutating func push(_ z: Float, _ cell: Int) {
        keys.append(z)
        cells.append(cell)
        keys.withUnsafeMutableBufferPointer { k in
            cells.withUnsafeMutableBufferPointer { c in
                var child = c.count - 1
                while child > 0 {
                    let parent = (child - 1) >> 1
                    guard Self.less(z, cell, k[parent], c[parent]) else { break }
                    k[child] = k[parent]
                    c[child] = c[parent]
                    child = parent
                }
                k[child] = z
                c[child] = cell
            }
        }
    }

    /// Removes and returns the lowest cell; the heap must not be empty.
    mutating func pop() -> (z: Float, cell: Int) {
        let topZ = keys[0], topCell = cells[0]
        let lastZ = keys.removeLast(), lastCell = cells.removeLast()
        let n = cells.count
        if n > 0 {
            keys.withUnsafeMutableBufferPointer { k in
                cells.withUnsafeMutableBufferPointer { c in
                    var parent = 0
                    while true {
                        var child = 2 &* parent &+ 1
                        if child >= n { break }
                        if child &+ 1 < n && Self.less(k[child &+ 1], c[child &+ 1], k[child], c[child]) { child &+= 1 }
                        guard Self.less(k[child], c[child], lastZ, lastCell) else { break }
                        k[parent] = k[child]
                        c[parent] = c[child]
                        parent = child
                    }
                    k[parent] = lastZ
                    c[parent] = lastCell
                }
            }
        }
        return (topZ, topCell)
    }
}

/// A first-in first-out queue of cell indices that reuses its storage once drained.
struct CellFIFO {
    private var items: [Int] = []
    private var head = 0

    var isEmpty: Bool { head == items.count }

    @inline(__always) mutating func push(_ cell: Int) { items.append(cell) }

    @inline(__always) mutating func pop() -> Int {
        let cell = items[head]
        head &+= 1
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        }
        return cell
    }
}
