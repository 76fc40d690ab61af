import Foundation

/// What a tiled pass keeps of a tile between its visits (a routing state, fractions): in memory
/// when one process visits every tile, else a file a tile in a folder every rank sees, written by
/// the rank that visited the tile last and read by whichever visits it next.
final class HeldTiles<Value> {
    private let folder: String?
    private let name: String
    private let encode: (Value) -> [UInt8]
    private let decode: ([UInt8]) throws -> Value
    private var memory: [Int: Value] = [:]

    init(folder: String?, name: String, encode: @escaping (Value) -> [UInt8], decode: @escaping ([UInt8]) throws -> Value) {
        self.folder = folder
        self.name = name
        self.encode = encode
        self.decode = decode
    }

    private func path(_ tile: Int) -> String? { folder.map { ($0 as NSString).appendingPathComponent(".\(name)-\(tile).raw") } }

    func keep(_ value: Value, for tile: Int) throws {
        guard let path = path(tile) else { memory[tile] = value; return }
        try AtomicOutput.write(Data(encode(value)), to: path, overwrite: true)
    }

    /// The tile's value, left in place.
    func peek(_ tile: Int) throws -> Value? {
        guard let path = path(tile) else { return memory[tile] }
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else { throw HydroError(.io, path, "cannot read a tile's kept \(name)") }
        return try decode(Array(data))
    }

    /// The tile's value, removed.
    func take(_ tile: Int) throws -> Value? {
        guard let path = path(tile) else { return memory.removeValue(forKey: tile) }
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try peek(tile)
    }
}
