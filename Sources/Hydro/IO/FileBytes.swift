import Foundation

/// Writes a whole byte buffer to a new file.
///
/// Not `Data.write(to:)`: with the Foundation of Swift 6.3 on Linux a buffer over 0x7ffff000 bytes
/// (2 GiB less a page, the most Linux writes in one call) comes out wrong: the bytes after the first
/// call are the buffer's start again (measured with a 2.16 GB buffer read back). A report or JSON of
/// a 2×10⁸-cell project reaches that size.
enum FileBytes {
    /// Writes `data` to `path` (created or truncated) in pieces of at most `piece` bytes, each call
    /// continuing where the last one stopped; `naming` is the output named in errors.
    static func save(_ data: Data, to path: String, naming: String, piece: Int = 1 << 30) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure(naming, errno) }
        var written = 0
        let status: Int32 = data.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return 0 }
            while written < buffer.count {
                let count = write(fd, base + written, min(max(piece, 1), buffer.count - written))
                if count < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                written += count
            }
            return 0
        }
        let closed = close(fd) == 0 ? 0 : errno
        if status != 0 { throw failure(naming, status) }
        if closed != 0 { throw failure(naming, closed) }
    }

    private static func failure(_ path: String, _ code: Int32) -> HydroError {
        code == ENOSPC ? DiskSpace.fullError(path) : HydroError(.io, path, "cannot write: \(String(cString: strerror(code)))")
    }
}
