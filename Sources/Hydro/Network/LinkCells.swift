/// The cells of one stream link, head first: four bytes a cell, held at their exact count. Grown
/// cell by cell as an `[Int]`, a link took eight bytes a cell and up to as much again in spare
/// capacity, and on a dense network the channel cells are a large share of the grid.
public struct LinkCells: RandomAccessCollection, Equatable, Sendable {
    private let storage: [Int32]

    /// An exact copy of cells gathered as 32-bit indices (a scratch buffer's capacity is not kept);
    /// grid indices fit 32 bits on every grid a network is built on (`GridLimits`).
    init(copying cells: [Int32]) {
        storage = Array(unsafeUninitializedCapacity: cells.count) { buffer, initialized in
            for k in cells.indices { buffer[k] = cells[k] }
            initialized = cells.count
        }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { storage.count }
    @inline(__always) public subscript(position: Int) -> Int { Int(storage[position]) }
}
