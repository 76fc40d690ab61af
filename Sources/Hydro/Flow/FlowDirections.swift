/// D8 flow directions: for every cell the neighbour it drains to, as internal codes
/// (0…7 clockwise from east, `D8.noFlow`, `D8.noData`; see `D8`).
///
/// A direction may point off the grid or into nodata: that cell is an outlet whose water
/// leaves the modelled domain there.
public struct FlowDirections: Sendable {
    public var geometry: GridGeometry
    public var codes: [UInt8]

    public init(geometry: GridGeometry, codes: [UInt8]) throws {
        guard codes.count == geometry.cellCount else {
            throw HydroError(.invalidInput, "flow directions", "has \(codes.count) cells, geometry needs \(geometry.cellCount)")
        }
        self.geometry = geometry
        self.codes = codes
    }

    /// Index of the cell that `index` drains to, or nil when the water leaves the grid, enters
    /// nodata, or stops (no flow / nodata).
    @inline(__always) public func downstream(of index: Int) -> Int? {
        let code = codes[index]
        guard code < 8 else { return nil }
        let w = geometry.width
        let column = index % w + D8.dx[Int(code)], row = index / w + D8.dy[Int(code)]
        guard column >= 0, row >= 0, column < w, row < geometry.height else { return nil }
        let target = row * w + column
        return codes[target] == D8.noData ? nil : target
    }

    /// The directions in `encoding`, as a UInt8 grid with nodata 255.
    public func encoded(_ encoding: D8Encoding) -> Grid<UInt8> {
        let values = encoding.codes
        let mapped = codes.map { code -> UInt8 in
            code < 8 ? values[Int(code)] : code == D8.noFlow ? encoding.noFlowCode : encoding.noDataCode
        }
        return Grid(geometry: geometry, trustedCells: mapped, nodata: encoding.noDataCode)
    }

    /// Parses a direction raster of any integer type (TauDEM writes Int16 with nodata −32768, others
    /// UInt8): nodata cells become nodata, any other value must be a code of `encoding`.
    public init(decoding grid: Grid<Int32>, encoding: D8Encoding, source: String) throws {
        var bytes = [UInt8](repeating: encoding.noDataCode, count: grid.count)
        for i in 0..<grid.count {
            let value = grid.cells[i]
            if let nodata = grid.nodata, value == nodata { continue }
            guard let byte = UInt8(exactly: value), byte != encoding.noDataCode else {
                throw HydroError(.invalidInput, source, "value \(value) at column \(i % grid.width), row \(i / grid.width) is not a D8 direction in the \(encoding.rawValue) encoding (give the right --encoding)")
            }
            bytes[i] = byte
        }
        try self.init(decoding: Grid(geometry: grid.geometry, trustedCells: bytes, nodata: encoding.noDataCode), encoding: encoding, source: source)
    }

    /// Parses a direction raster written in `encoding`; any value outside the encoding is an error.
    public init(decoding grid: Grid<UInt8>, encoding: D8Encoding, source: String) throws {
        let table = encoding.decodeTable
        var codes = [UInt8](repeating: D8.noData, count: grid.count)
        for i in 0..<grid.count {
            let value = grid.cells[i]
            if let nodata = grid.nodata, value == nodata { continue }
            guard let code = table[Int(value)] else {
                let r = i / grid.width, c = i % grid.width
                throw HydroError(.invalidInput, source, "value \(value) at column \(c), row \(r) is not a D8 direction in the \(encoding.rawValue) encoding (give the right --encoding)")
            }
            if code == D8.noData {
                // Without a declared nodata a 255 is as likely a corrupt cell as a hole: refuse to guess.
                throw HydroError(.invalidInput, source, "value \(value) at column \(i % grid.width), row \(i / grid.width) is the \(encoding.rawValue) nodata code, but the raster declares no nodata (set it: gdal_edit.py -a_nodata \(value))")
            }
            codes[i] = code
        }
        try self.init(geometry: grid.geometry, codes: codes)
    }
}
