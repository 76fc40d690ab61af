/// Where the tiles of a tiled run are processed: in this process one after the other (out of
/// core), or spread over the ranks of an MPI job (`MPITileExecutor`). Every rank runs the same program
/// (`TiledTerrain.run`); rank 0 solves the perimeter graphs and writes the mosaics, the other ranks
/// process tiles. The results do not depend on the executor or the rank count.
public protocol TileExecutor: AnyObject {
    /// This process's rank (0 leads) and the number of ranks.
    var rank: Int { get }
    var size: Int { get }
    /// Runs `body` once for each of `tasks` on some rank; returns the results in task order on rank 0
    /// and an empty array elsewhere. Every rank calls it, with the same tasks.
    func map(_ tasks: [Int], _ body: (Int) throws -> [UInt8]) throws -> [[UInt8]]
    /// Rank 0's `bytes` on every rank (others pass nil). Every rank calls it.
    func broadcast(_ bytes: [UInt8]?) throws -> [UInt8]
}

extension TileExecutor {
    public var isLeader: Bool { rank == 0 }
}

/// Every tile in this process, in order.
public final class LocalTileExecutor: TileExecutor {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func map(_ tasks: [Int], _ body: (Int) throws -> [UInt8]) throws -> [[UInt8]] { try tasks.map(body) }
    public func broadcast(_ bytes: [UInt8]?) throws -> [UInt8] { bytes ?? [] }
}

/// Little-endian packing of the plain values tiles exchange.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    mutating func put<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }
    mutating func put(_ v: Int) { put(Int64(v)) }
    mutating func put(_ v: Float) { put(v.bitPattern) }
    mutating func put(_ v: Double) { put(v.bitPattern) }
    mutating func put(bytes: [UInt8]) { self.bytes.append(contentsOf: bytes) }
    mutating func put(_ s: String) {
        let utf8 = Array(s.utf8)
        put(utf8.count)
        bytes.append(contentsOf: utf8)
    }
}

struct ByteReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { offset >= bytes.count }

    mutating func get<T: FixedWidthInteger>(_: T.Type) throws -> T {
        let n = MemoryLayout<T>.size
        guard offset + n <= bytes.count else { throw HydroError(.io, "tile message", "ends early (a rank sent a truncated message)") }
        var v: T = 0
        for i in 0..<n { v |= T(truncatingIfNeeded: bytes[offset + i]) << (8 * i) }
        offset += n
        return v
    }
    mutating func int() throws -> Int { Int(try get(Int64.self)) }
    /// A count of items that follow: not negative, and not more than the bytes left could hold.
    mutating func count() throws -> Int {
        let n = try int()
        guard n >= 0, n <= bytes.count - offset else { throw HydroError(.io, "tile message", "a count of \(n) items where \(bytes.count - offset) bytes are left") }
        return n
    }
    mutating func bytes(count n: Int) throws -> [UInt8] {
        guard n >= 0, offset + n <= bytes.count else { throw HydroError(.io, "tile message", "ends early (a rank sent a truncated message)") }
        defer { offset += n }
        return Array(bytes[offset..<offset + n])
    }
    mutating func float() throws -> Float { Float(bitPattern: try get(UInt32.self)) }
    mutating func double() throws -> Double { Double(bitPattern: try get(UInt64.self)) }
    mutating func string() throws -> String {
        let n = try int()
        guard n >= 0, offset + n <= bytes.count else { throw HydroError(.io, "tile message", "ends early (a rank sent a truncated message)") }
        defer { offset += n }
        return String(decoding: bytes[offset..<offset + n], as: UTF8.self)
    }
}
