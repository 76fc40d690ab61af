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
    /// How long an expected file may take to appear.
    private let patience: TimeInterval

    init(folder: String?, name: String, patience: TimeInterval = 75,
         encode: @escaping (Value) -> [UInt8], decode: @escaping ([UInt8]) throws -> Value) {
        self.folder = folder
        self.patience = patience
        self.name = name
        self.encode = encode
        self.decode = decode
    }

    private func path(_ tile: Int) -> String? { folder.map { ($0 as NSString).appendingPathComponent(".\(name)-\(tile).raw") } }

    func keep(_ value: Value, for tile: Int) throws {
        guard let path = path(tile) else { memory[tile] = value; return }
        try AtomicOutput.write(Data(encode(value)), to: path, overwrite: true)
    }

    /// The tile's value, left in place. When the value is `expected` (the tile was kept before)
    /// and its file is not there yet, waits for it a while: a network filesystem may answer from a
    /// listing it cached before another rank wrote the file (NFS keeps one up to a minute).
    func peek(_ tile: Int, expected: Bool = false) throws -> Value? {
        guard let path = path(tile) else { return memory[tile] }
        let deadline = Date().addingTimeInterval(expected ? patience : 0)
        while true {
            if let data = FileManager.default.contents(atPath: path) { return try decode(Array(data)) }
            if FileManager.default.fileExists(atPath: path) { throw HydroError(.io, path, "cannot read a tile's kept \(name)") }
            guard Date() < deadline else { break }
            usleep(100_000)
        }
        guard !expected else {
            throw HydroError(.io, path, "tile \(tile)'s kept \(name) is missing: the tiles' folder must be one that every rank sees")
        }
        return nil
    }

    /// The tile's value, removed.
    func take(_ tile: Int, expected: Bool = false) throws -> Value? {
        guard let path = path(tile) else { return memory.removeValue(forKey: tile) }
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try peek(tile, expected: expected)
    }
}
