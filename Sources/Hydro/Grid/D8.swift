/// The eight-neighbourhood and the D8 direction encodings in use.
///
/// Internal direction index, clockwise from east (rows grow southwards):
///
///     5 6 7        NW N NE
///     4 · 0   =    W  ·  E
///     3 2 1        SW S SE
///
/// Encodings of the same picture (a direction raster without its encoding is ambiguous):
///
///     ESRI / ArcGIS / pysheds   WhiteboxTools        TauDEM            GRASS r.watershed
///      32  64 128                64 128   1           4  3  2           3  2  1
///      16   ·   1                32   ·   2           5  ·  1           4  ·  8
///       8   4   2                16   8   4           6  7  8           5  6  7
///     no flow 0, nodata 255     no flow 0           no flow 0         no flow 0
///
/// (DOMAIN.md's table; WhiteboxTools' is its D8Pointer default, GRASS's the `drainage` output.)
public enum D8 {
    /// Column offsets of the eight neighbours, by internal index.
    public static let dx: [Int] = [1, 1, 0, -1, -1, -1, 0, 1]
    /// Row offsets of the eight neighbours, by internal index.
    public static let dy: [Int] = [0, 1, 1, 1, 0, -1, -1, -1]
    /// Internal code of a cell with a value but no downstream neighbour (a pit kept as a sink).
    public static let noFlow: UInt8 = 8
    /// Internal code of a nodata cell.
    public static let noData: UInt8 = 255

    /// Directions with the cardinal ones first (E, S, W, N, then the diagonals): the tie order for
    /// outlets at the grid's edge and for flat cells, so straight steps win over diagonal ones.
    public static let cardinalFirst = [0, 2, 4, 6, 1, 3, 5, 7]

    @inline(__always) public static func isDiagonal(_ direction: Int) -> Bool { direction & 1 == 1 }

    /// Index offsets of the neighbours in a row-major grid of `width` columns.
    public static func offsets(width: Int) -> [Int] {
        (0..<8).map { dy[$0] * width + dx[$0] }
    }

    /// The direction opposite to `direction`.
    @inline(__always) public static func opposite(_ direction: Int) -> Int { (direction + 4) & 7 }
}

/// Integer encodings of D8 directions written to and read from rasters.
public enum D8Encoding: String, CaseIterable, Sendable {
    case esri, whitebox, taudem, grass

    /// The value written for each internal direction 0…7 (E, SE, S, SW, W, NW, N, NE).
    public var codes: [UInt8] {
        switch self {
        case .esri: [1, 2, 4, 8, 16, 32, 64, 128]
        case .whitebox: [2, 4, 8, 16, 32, 64, 128, 1]
        case .taudem: [1, 8, 7, 6, 5, 4, 3, 2]
        case .grass: [8, 7, 6, 5, 4, 3, 2, 1]
        }
    }

    /// The value for a cell with no downstream neighbour.
    public var noFlowCode: UInt8 { 0 }
    /// The nodata value of the written raster.
    public var noDataCode: UInt8 { 255 }

    /// Metadata key and value naming the encoding inside a written direction raster.
    public static let metadataKey = "HYDROTOOL_D8_ENCODING"

    /// A lookup from written value to internal code; unknown values map to nil.
    public var decodeTable: [UInt8?] {
        var table = [UInt8?](repeating: nil, count: 256)
        for (internalCode, value) in codes.enumerated() { table[Int(value)] = UInt8(internalCode) }
        table[Int(noFlowCode)] = D8.noFlow
        table[Int(noDataCode)] = D8.noData
        return table
    }
}
