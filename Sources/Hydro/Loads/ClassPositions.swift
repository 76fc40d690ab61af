/// Each cell's land-use class position (0: no class; k: the k-th code met): one byte a cell while
/// fewer than 256 positions are in use (any land-use map in practice), two bytes from then on.
struct ClassPositions: Sendable {
    private var narrow: [UInt8]
    private var wide: [UInt16] = []
    private(set) var isWide = false

    init(count: Int) { narrow = [UInt8](repeating: 0, count: count) }

    var count: Int { isWide ? wide.count : narrow.count }

    /// Positions up to `UInt16.max`; the first one past a byte widens the storage once.
    subscript(cell: Int) -> Int {
        @inline(__always) get { isWide ? Int(wide[cell]) : Int(narrow[cell]) }
        set {
            if !isWide, newValue > Int(UInt8.max) {
                wide = narrow.map(UInt16.init)
                narrow = []
                isWide = true
            }
            if isWide { wide[cell] = UInt16(truncatingIfNeeded: newValue) } else { narrow[cell] = UInt8(truncatingIfNeeded: newValue) }
        }
    }
}
