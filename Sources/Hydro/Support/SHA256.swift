import Crypto
import Foundation

/// SHA-256 (FIPS 180-4), for the checksums recorded beside every figure and for deciding
/// whether a pipeline step's inputs changed. A small API over swift-crypto's implementation.
public struct SHA256 {
    private var hasher = Crypto.SHA256()

    public init() {}

    public mutating func update(_ data: Data) { hasher.update(data: data) }

    public mutating func update(_ string: String) { hasher.update(data: Data(string.utf8)) }

    /// The lower-case hex digest of everything given so far.
    public mutating func finalize() -> String {
        hasher.finalize().map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
        }.joined()
    }

    /// Hex digest of a string.
    public static func hex(_ string: String) -> String {
        var h = SHA256()
        h.update(string)
        return h.finalize()
    }

    /// Hex digest of a file's bytes, read in 4 MiB pieces.
    public static func hex(file path: String) throws -> String {
        try InputFile.requireRegular(path)
        guard let handle = FileHandle(forReadingAtPath: path) else { throw HydroError(.io, path, "cannot be read for its checksum") }
        defer { try? handle.close() }
        var h = SHA256()
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: 4 << 20) ?? Data() } catch {
                throw HydroError(.io, path, "cannot be read for its checksum: \(error.localizedDescription)")
            }
            if chunk.isEmpty { break }
            h.update(chunk)
        }
        return h.finalize()
    }
}
