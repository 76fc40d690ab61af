/// A georeferenced raster: contiguous row-major cells plus the geometry they sit on.
///
/// NoData is explicit: `nodata` is the sentinel stored in cells that hold no value, and NaN is
/// always treated as no value in floating-point grids (NaN never equals itself, so a NaN
/// sentinel is checked with `isNaN`).
public struct Grid<Cell: GridCell>: Sendable {
    public var geometry: GridGeometry
    public var cells: [Cell]
    public var nodata: Cell?

    /// A grid filled with `value`.
    public init(geometry: GridGeometry, filledWith value: Cell, nodata: Cell? = nil) {
        self.geometry = geometry
        self.cells = Array(repeating: value, count: geometry.cellCount)
        self.nodata = nodata
    }

    /// A grid over existing cells; throws when the count does not match the geometry.
    public init(geometry: GridGeometry, cells: [Cell], nodata: Cell? = nil) throws {
        guard cells.count == geometry.cellCount else {
            throw HydroError(.invalidInput, "grid", "has \(cells.count) cells, geometry needs \(geometry.cellCount)")
        }
        self.geometry = geometry
        self.cells = cells
        self.nodata = nodata
    }

    /// A grid over cells whose count is known to match (internal constructions).
    init(geometry: GridGeometry, trustedCells: [Cell], nodata: Cell?) {
        self.geometry = geometry
        self.cells = trustedCells
        self.nodata = nodata
    }

    /// Converts a nodata value read from a file (always a Double in GDAL) to this cell type,
    /// rejecting values the type cannot hold exactly.
    public static func nodataSentinel(_ value: Double?, file: String) throws -> Cell? {
        guard let value else { return nil }
        guard let sentinel = Cell(exactly: value) else {
            throw HydroError(.invalidInput, file, "nodata value \(value) cannot be stored in a \(Cell.kind.rawValue) grid")
        }
        return sentinel
    }

    public var width: Int { geometry.width }
    public var height: Int { geometry.height }
    public var count: Int { cells.count }

    @inline(__always) public func isValid(_ value: Cell) -> Bool {
        if value.isNaN { return false }
        if let nodata, value == nodata { return false }
        return true
    }

    @inline(__always) public func isValid(at index: Int) -> Bool { isValid(cells[index]) }

    public subscript(column: Int, row: Int) -> Cell {
        get { cells[row * geometry.width + column] }
        set { cells[row * geometry.width + column] = newValue }
    }

    /// The value at a cell, or nil for nodata.
    public func value(column: Int, row: Int) -> Cell? {
        let v = self[column, row]
        return isValid(v) ? v : nil
    }

    /// A grid of the same geometry with every cell mapped through `transform`.
    public func map<Other: GridCell>(nodata newNodata: Other? = nil, _ transform: (Cell) -> Other) -> Grid<Other> {
        let mapped = [Other](unsafeUninitializedCapacity: cells.count) { dst, initialized in
            cells.withUnsafeBufferPointer { src in
                for i in 0..<src.count { dst.initializeElement(at: i, to: transform(src[i])) }
            }
            initialized = cells.count
        }
        return Grid<Other>(geometry: geometry, trustedCells: mapped, nodata: newNodata)
    }

    /// Number of cells holding a value.
    public var validCount: Int {
        cells.withUnsafeBufferPointer { buffer in
            var n = 0
            for v in buffer where isValid(v) { n += 1 }
            return n
        }
    }
}

/// Summary statistics of the valid cells of a grid.
public struct GridStatistics: Sendable, Equatable {
    public var validCount: Int
    public var nodataCount: Int
    public var minimum: Double?
    public var maximum: Double?
    public var mean: Double?

    public init<Cell>(_ grid: Grid<Cell>) {
        var n = 0, lo = Double.infinity, hi = -Double.infinity, sum = 0.0
        grid.cells.withUnsafeBufferPointer { buffer in
            for v in buffer where grid.isValid(v) {
                let d = v.doubleValue
                n += 1
                sum += d
                if d < lo { lo = d }
                if d > hi { hi = d }
            }
        }
        validCount = n
        nodataCount = grid.count - n
        minimum = n > 0 ? lo : nil
        maximum = n > 0 ? hi : nil
        mean = n > 0 ? sum / Double(n) : nil
    }
}
