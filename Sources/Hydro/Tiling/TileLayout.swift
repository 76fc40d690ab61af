/// A grid cut into rectangular tiles of `tileWidth` × `tileHeight` cells (the last row and column
/// of tiles take what is left, so the size need not divide the grid). Tiles are numbered row-major.
public struct TileLayout: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let tileWidth: Int
    public let tileHeight: Int
    public let tileColumns: Int
    public let tileRows: Int

    public init(width: Int, height: Int, tileWidth: Int, tileHeight: Int) throws {
        guard width > 0, height > 0 else { throw HydroError(.invalidInput, "grid", "is empty") }
        guard tileWidth > 0, tileHeight > 0 else {
            throw HydroError(.invalidParameter, "--tile-size", "must be at least 1×1 cells, got \(tileWidth)×\(tileHeight)")
        }
        self.width = width
        self.height = height
        self.tileWidth = min(tileWidth, width)
        self.tileHeight = min(tileHeight, height)
        tileColumns = (width + self.tileWidth - 1) / self.tileWidth
        tileRows = (height + self.tileHeight - 1) / self.tileHeight
    }

    public var count: Int { tileColumns * tileRows }

    /// The cells of tile `index`: first column and row, and its size.
    public func tile(_ index: Int) -> Tile {
        let tr = index / tileColumns, tc = index % tileColumns
        let column = tc * tileWidth, row = tr * tileHeight
        return Tile(index: index, column: column, row: row,
                    columns: min(tileWidth, width - column), rows: min(tileHeight, height - row))
    }

    /// The tile holding a cell.
    @inline(__always) public func tileIndex(column: Int, row: Int) -> Int {
        (row / tileHeight) * tileColumns + column / tileWidth
    }
}

/// One tile of a `TileLayout`.
public struct Tile: Sendable, Equatable {
    public let index: Int
    public let column: Int
    public let row: Int
    public let columns: Int
    public let rows: Int

    public var cellCount: Int { columns * rows }

    /// Whether the tile-local cell lies on the tile's outer ring.
    @inline(__always) func onEdge(_ localColumn: Int, _ localRow: Int) -> Bool {
        localColumn == 0 || localRow == 0 || localColumn == columns - 1 || localRow == rows - 1
    }

    /// Cells on the tile's outer ring.
    var perimeterCount: Int { columns == 1 || rows == 1 ? cellCount : 2 * (columns + rows) - 4 }

    /// Position of a ring cell in the ring (0..<perimeterCount): top row, bottom row, then the sides.
    @inline(__always) func perimeterIndex(_ localColumn: Int, _ localRow: Int) -> Int {
        if rows == 1 { return localColumn }
        if columns == 1 { return localRow }
        if localRow == 0 { return localColumn }
        if localRow == rows - 1 { return columns + localColumn }
        return 2 * columns + (localRow - 1) * 2 + (localColumn == 0 ? 0 : 1)
    }
}

/// A window of a grid around a tile with `halo` extra cells on every side; cells beyond the grid
/// hold `outside`. Row-major, `width` = tile columns + 2·halo.
struct HaloWindow<Cell> {
    let tile: Tile
    let halo: Int
    let width: Int
    let height: Int
    var cells: [Cell]

    /// Buffer index of tile-local cell (column, row) (which may lie in the halo: −halo…).
    @inline(__always) func index(_ localColumn: Int, _ localRow: Int) -> Int {
        (localRow + halo) * width + localColumn + halo
    }

    /// Reads the window from `read(column, row, columns, rows)` (a window inside the grid).
    static func read(_ tile: Tile, halo: Int, gridWidth: Int, gridHeight: Int, outside: Cell,
                     _ read: (Int, Int, Int, Int) throws -> [Cell]) throws -> HaloWindow {
        let width = tile.columns + 2 * halo, height = tile.rows + 2 * halo
        var cells = [Cell](repeating: outside, count: width * height)
        let c0 = max(0, tile.column - halo), r0 = max(0, tile.row - halo)
        let c1 = min(gridWidth, tile.column + tile.columns + halo), r1 = min(gridHeight, tile.row + tile.rows + halo)
        let part = try read(c0, r0, c1 - c0, r1 - r0)
        let w = c1 - c0
        for r in r0..<r1 {
            let target = (r - tile.row + halo) * width + (c0 - tile.column + halo)
            let source = (r - r0) * w
            for c in 0..<w { cells[target + c] = part[source + c] }
        }
        return HaloWindow(tile: tile, halo: halo, width: width, height: height, cells: cells)
    }
}
