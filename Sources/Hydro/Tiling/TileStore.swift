import Foundation

/// A whole grid of fixed-size cells kept in one raw file in a temporary folder and read and
/// written by windows: the intermediate results of tiled processing (filled DEM, directions)
/// stay on disk, so memory holds a few tiles at a time.
///
/// A store that several ranks share (`shared`) may sit on a network filesystem whose clients
/// promise only close-to-open consistency (NFS, nfs(5)): a client sends what it wrote when it
/// closes the file and checks its cache when it opens one, so a rank that kept the file open may
/// read stale cells. A shared store therefore opens the file for each read or write and closes
/// it before returning: the rank then tells the leader its tile is done, and whoever reads those
/// cells next opens the file anew. A store of one process keeps the file open.
final class TileStore<Cell: BitwiseCopyable> {
    let path: String
    let width: Int
    let height: Int
    let shared: Bool
    private let descriptor: Int32?
    private let owner: Bool

    /// Creates the file (`create`, on the leading rank) or opens the one it created (other ranks).
    init(path: String, width: Int, height: Int, create: Bool, shared: Bool = false) throws {
        self.path = path
        self.width = width
        self.height = height
        self.shared = shared
        self.owner = create
        let fd = try Self.openFile(path, create: create)
        if create {
            guard ftruncate(fd, off_t(width * height * MemoryLayout<Cell>.stride)) == 0 else {
                let reason = String(cString: strerror(errno))
                close(fd)
                throw HydroError(.io, path, "cannot size a temporary tile file: \(reason)")
            }
        }
        if shared {
            try Self.closeReporting(fd, path)
            descriptor = nil
        } else {
            descriptor = fd
        }
    }

    deinit {
        if let descriptor { close(descriptor) }
        if owner { unlink(path) }
    }

    private static func openFile(_ path: String, create: Bool) throws -> Int32 {
        let fd = open(path, create ? O_RDWR | O_CREAT | O_TRUNC : O_RDWR, 0o600)
        guard fd >= 0 else { throw HydroError(.io, path, "cannot open a temporary tile file: \(String(cString: strerror(errno)))") }
        return fd
    }

    /// Closes a file, with its error: on NFS, close is where the writes reach the server.
    private static func closeReporting(_ fd: Int32, _ path: String) throws {
        guard close(fd) == 0 else { throw HydroError(.io, path, "cannot close a temporary tile file: \(String(cString: strerror(errno)))") }
    }

    /// Runs `body` on the open file: this store's descriptor, or (shared) one opened for the call.
    private func withFile<T>(_ body: (Int32) throws -> T) throws -> T {
        if let descriptor { return try body(descriptor) }
        let fd = try Self.openFile(path, create: false)
        let result: T
        do { result = try body(fd) } catch { close(fd); throw error }
        try Self.closeReporting(fd, path)
        return result
    }

    /// The cells of a window inside the grid, row-major.
    func read(column: Int, row: Int, columns: Int, rows: Int) throws -> [Cell] {
        let stride = MemoryLayout<Cell>.stride
        var cells = [Cell](unsafeUninitializedCapacity: columns * rows) { _, n in n = columns * rows }
        try withFile { fd in
            try cells.withUnsafeMutableBytes { bytes in
                guard let base = bytes.baseAddress else { return }
                for r in 0..<rows {
                    let target = base + r * columns * stride
                    try transfer(fd, target, count: columns * stride, offset: ((row + r) * width + column) * stride, write: false)
                }
            }
        }
        return cells
    }

    /// Writes a window inside the grid from row-major cells.
    func write(_ cells: [Cell], column: Int, row: Int, columns: Int, rows: Int) throws {
        try withFile { fd in try write(cells, column: column, row: row, columns: columns, rows: rows, into: fd) }
    }

    /// Writes the whole grid from `cells(column, row, columns, rows)`, a band of rows at a time
    /// (a shared store opens the file once).
    func fill(_ cells: TiledLoads.Window<Cell>) throws {
        let rowsAtATime = max(1, (1 << 22) / max(width, 1))
        try withFile { fd in
            var row = 0
            while row < height {
                let rows = min(rowsAtATime, height - row)
                try write(try cells(0, row, width, rows), column: 0, row: row, columns: width, rows: rows, into: fd)
                row += rows
            }
        }
    }

    private func write(_ cells: [Cell], column: Int, row: Int, columns: Int, rows: Int, into fd: Int32) throws {
        let stride = MemoryLayout<Cell>.stride
        try cells.withUnsafeBytes { bytes in
            guard let base = bytes.baseAddress else { return }
            for r in 0..<rows {
                let source = UnsafeMutableRawPointer(mutating: base + r * columns * stride)
                try transfer(fd, source, count: columns * stride, offset: ((row + r) * width + column) * stride, write: true)
            }
        }
    }

    private func transfer(_ fd: Int32, _ pointer: UnsafeMutableRawPointer, count: Int, offset: Int, write: Bool) throws {
        var done = 0
        while done < count {
            let n = write ? pwrite(fd, pointer + done, count - done, off_t(offset + done))
                          : pread(fd, pointer + done, count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let reason = n == 0 ? "unexpected end of file" : String(cString: strerror(errno))
                throw HydroError(.io, path, "cannot \(write ? "write" : "read") a temporary tile file: \(reason)")
            }
            done += n
        }
    }
}
