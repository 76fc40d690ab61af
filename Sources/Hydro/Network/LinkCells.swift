/// The cells of one stream link, head first: four bytes a cell, held at their exact count. Grown
/// cell by cell as an `[Int]`, a link took eight bytes a cell and up to as much again in spare
/// capacity, and on a dense network the channel cells are a large share of the grid.
public struct LinkCells: RandomAccessCollection, Equatable, Sendable {
    private let storage: [Int32]

    /// `cells`: grid indices, which fit 32 bits on every grid a flow graph is built on (`GridLimits`).
    public init(_ cells: some Collection<Int>) {
        storage = Array(unsafeUninitializedCapacity: cells.count) { buffer, initialized in
            for (k, c) in cells.enumerated() { buffer[k] = Int32(truncatingIfNeeded: c) }
            initialized = cells.count
        }
    }

    /// The same from cells gathered as 32-bit indices (a scratch buffer's capacity is not kept).
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
