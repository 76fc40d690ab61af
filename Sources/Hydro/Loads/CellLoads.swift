/// One pollutant's generated load of every cell, kg/yr: a whole grid, or made cell by cell when it
/// is read from the compact inputs it comes from (`CellLoads.Terms`).
///
/// Uniform areal rates (a cell's area depends on its row only) and land-use export coefficients
/// (each cell's class position, a byte, which the run keeps anyway) give such loads, point sources
/// adding their few cells: read this way, a province-sized run keeps no 8-byte grid a pollutant for
/// them, and every cell still reads the very value its grid would hold (the same additions in the
/// same order; 0 on nodata cells).
public struct CellLoads: Sendable {
    /// The grid (cell order); empty when the loads are made cell by cell.
    let grid: [Double]
    let terms: Terms?
    public let count: Int

    /// What a pollutant's load at a cell adds up, in the order the grid would add it: starting at 0
    /// (or at the cell's point loads), one term per diffuse input; 0 on nodata.
    struct Terms: Sendable {
        enum Term: Sendable {
            /// The same load on every cell of a row (a uniform areal rate: rate · cell area / 10⁴).
            case rows([Double])
            /// Export coefficient (kg/ha/yr) of each cell's land-use class position, times the row's hectares.
            case classes(positions: ClassPositions, rates: [Double?], hectares: [Double])
        }
        var terms: [Term]
        let width: Int
        /// D8 codes of the grid: a nodata cell generates nothing.
        let codes: [UInt8]
        /// Cells that may hold point sources (one bit a cell: a cell not in it has none) and the
        /// load of those that do, as the grid holds it.
        let pointBits: CellBits
        let pointCells: [Int: Double]

        /// - Parameter pointBits: a set holding every cell of `pointLoads` (and perhaps other
        ///   pollutants' point cells), shared by the pollutants' terms: one bit a cell for them all.
        init(terms: [Term], width: Int, codes: [UInt8], pointLoads: [(cell: Int, kgPerYear: Double)], pointBits: CellBits) {
            let width = max(width, 1)
            self.terms = terms
            self.width = width
            self.codes = codes
            var starts: [Int: Double] = [:]
            for load in pointLoads { starts[load.cell, default: 0] += load.kgPerYear }
            assert(pointLoads.allSatisfy { pointBits.contains($0.cell) }, "the point set holds every point cell")
            self.pointBits = pointBits
            var cells: [Int: Double] = [:]
            for (cell, start) in starts { cells[cell] = Self.sum(terms, cell: cell, row: cell / width, from: start) }
            pointCells = cells
        }

        @inline(__always) static func sum(_ terms: [Term], cell c: Int, row: Int, from start: Double) -> Double {
            var v = start
            for term in terms {
                switch term {
                case .rows(let rows): v += rows[row]
                case .classes(let positions, let rates, let hectares):
                    if let r = rates[positions[c]] { v += r * hectares[row] }
                }
            }
            return v
        }

        @inline(__always) func value(_ c: Int) -> Double {
            if codes[c] == D8.noData { return 0 }
            if !pointBits.isEmpty, pointBits.contains(c), let v = pointCells[c] { return v }
            return Self.sum(terms, cell: c, row: c / width, from: 0)
        }
    }

    public init(grid: [Double]) {
        self.grid = grid
        terms = nil
        count = grid.count
    }

    init(terms: Terms) {
        grid = []
        self.terms = terms
        count = terms.codes.count
    }

    /// Whether the loads are made cell by cell (no grid is held).
    public var isMadeByCell: Bool { terms != nil }

    @inline(__always) public subscript(c: Int) -> Double {
        if let terms { return terms.value(c) }
        return grid[c]
    }

    /// The whole grid (made for loads read cell by cell).
    public var values: [Double] { terms == nil ? grid : (0..<count).map { self[$0] } }

    /// Calls `body` with a reader of the values that does no bounds checks on a held grid: cells
    /// must lie in 0 ..< count.
    @inline(__always) func withReader<R>(_ body: (CellLoadReader) throws -> R) rethrows -> R {
        try grid.withUnsafeBufferPointer { g in try body(CellLoadReader(grid: terms == nil ? g : nil, terms: terms)) }
    }
}

/// `CellLoads` read in a pass over the cells (see `CellLoads.withReader`).
struct CellLoadReader {
    let grid: UnsafeBufferPointer<Double>?
    let terms: CellLoads.Terms?

    @inline(__always) subscript(c: Int) -> Double {
        if let grid { return grid[c] }
        return terms?.value(c) ?? 0
    }
}
