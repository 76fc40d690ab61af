import Foundation

/// A whole grid of fixed-size cells kept in one raw file in a temporary folder and read and
/// written by windows: the intermediate results of tiled processing (filled DEM, directions)
/// stay on disk, so memory holds a few tiles at a time.
final class TileStore<Cell: BitwiseCopyable> {
    let path: String
    let width: Int
    let height: Int
    private let descriptor: Int32
    private let owner: Bool

    /// Creates the file (`create`, on the leading rank) or opens the one it created (other ranks).
    init(path: String, width: Int, height: Int, create: Bool) throws {
        self.path = path
        self.width = width
        self.height = height
        self.owner = create
        descriptor = open(path, create ? O_RDWR | O_CREAT | O_TRUNC : O_RDWR, 0o600)
        guard descriptor >= 0 else { throw HydroError(.io, path, "cannot open a temporary tile file: \(String(cString: strerror(errno)))") }
        guard !create || ftruncate(descriptor, off_t(width * height * MemoryLayout<Cell>.stride)) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw HydroError(.io, path, "cannot size a temporary tile file: \(reason)")
        }
    }

    deinit {
        close(descriptor)
        if owner { unlink(path) }
    }

    /// The cells of a window inside the grid, row-major.
    func read(column: Int, row: Int, columns: Int, rows: Int) throws -> [Cell] {
        let stride = MemoryLayout<Cell>.stride
        var cells = [Cell](unsafeUninitializedCapacity: columns * rows) { _, n in n = columns * rows }
        try cells.withUnsafeMutableBytes { bytes in
            guard let base = bytes.baseAddress else { return }
            for r in 0..<rows {
                let target = base + r * columns * stride
                try transfer(target, count: columns * stride, offset: ((row + r) * width + column) * stride, write: false)
            }
        }
        return cells
    }

    /// Writes a window inside the grid from row-major cells.
    func write(_ cells: [Cell], column: Int, row: Int, columns: Int, rows: Int) throws {
        let stride = MemoryLayout<Cell>.stride
        try cells.withUnsafeBytes { bytes in
            guard let base = bytes.baseAddress else { return }
            for r in 0..<rows {
                let source = UnsafeMutableRawPointer(mutating: base + r * columns * stride)
                try transfer(source, count: columns * stride, offset: ((row + r) * width + column) * stride, write: true)
            }
        }
    }

    private func transfer(_ pointer: UnsafeMutableRawPointer, count: Int, offset: Int, write: Bool) throws {
        var done = 0
        while done < count {
            let n = write ? pwrite(descriptor, pointer + done, count - done, off_t(offset + done))
                          : pread(descriptor, pointer + done, count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let reason = n == 0 ? "unexpected end of file" : String(cString: strerror(errno))
                throw HydroError(.io, path, "cannot \(write ? "write" : "read") a temporary tile file: \(reason)")
            }
            done += n
        }
    }
}
