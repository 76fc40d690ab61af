import Foundation

/// Checks on a file before it is opened for reading.
public enum InputFile {
    /// Refuses named pipes, sockets and devices: reading one would block for ever or never end.
    /// A missing path passes (the reader reports it); folders pass (some formats are folders).
    public static func requireRegular(_ path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else { return }
        let type = info.st_mode & S_IFMT
        switch type {
        case S_IFREG, S_IFDIR: return
        case S_IFIFO: throw HydroError(.invalidInput, path, "is a named pipe, not a regular file")
        case S_IFSOCK: throw HydroError(.invalidInput, path, "is a socket, not a regular file")
        default: throw HydroError(.invalidInput, path, "is a device, not a regular file")
        }
    }

    /// The file's bytes, refusing non-regular files and files larger than `limit` bytes.
    public static func contents(_ path: String, limit: Int, what: String = "file") throws -> Data {
        try requireRegular(path)
        var info = stat()
        guard stat(path, &info) == 0 else { throw HydroError(.io, path, "does not exist") }
        if info.st_mode & S_IFMT == S_IFDIR { throw HydroError(.invalidInput, path, "is a folder, not a \(what)") }
        guard Int64(info.st_size) <= Int64(limit) else {
            throw HydroError(.invalidInput, path, "is \(info.st_size) bytes; a \(what) may be at most \(limit) bytes")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw HydroError(.io, path, "cannot be read") }
        return data
    }
}
