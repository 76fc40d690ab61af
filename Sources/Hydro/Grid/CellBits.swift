/// A set of cells in one bit a cell (n/8 bytes): which cells have a D8 receiver, which send water
/// along links, which end reaches, which hold point sources. `empty` holds no cell and takes no
/// memory; ask `isEmpty` before `contains` on it.
struct CellBits: Sendable {
    private(set) var words: [UInt64]

    /// Room for `count` cells, none in the set.
    init(count: Int) { words = [UInt64](repeating: 0, count: (count + 63) / 64) }

    static let empty = CellBits(count: 0)

    var isEmpty: Bool { words.isEmpty }

    @inline(__always) mutating func insert(_ cell: Int) { words[cell >> 6] |= 1 << UInt64(cell & 63) }

    @inline(__always) func contains(_ cell: Int) -> Bool { words[cell >> 6] & (1 << UInt64(cell & 63)) != 0 }

    /// The same test over raw words (`words.withUnsafeBufferPointer`), for passes over all cells.
    @inline(__always) static func contains(_ cell: Int, in words: UnsafeBufferPointer<UInt64>) -> Bool {
        words[cell >> 6] & (1 << UInt64(cell & 63)) != 0
    }
}
