import Foundation

/// An exclusive lock on an output folder (`flock` on a lock file inside it), so that two runs into
/// one folder never interleave their steps: the second waits until the first is done. The kernel
/// drops the lock when the holder exits, however it ends (kill -9 included).
public final class FolderLock {
    public static let fileName = ".hydrotool.lock"
    private let descriptor: Int32
    public let path: String

    /// Takes the lock, calling `waiting` once when another process holds it and this one waits.
    public init(folder: String, waiting: (String) -> Void = { _ in }) throws {
        path = (folder as NSString).appendingPathComponent(Self.fileName)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw HydroError(.io, folder, "cannot write in the output folder: \(String(cString: strerror(errno)))")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK else {
                let reason = String(cString: strerror(errno))
                close(fd)
                throw HydroError(.io, path, "cannot lock the output folder: \(reason)")
            }
            waiting("another run is writing into \(folder); waiting for it to finish (lock \(path))")
            while flock(fd, LOCK_EX) != 0 {
                guard errno == EINTR else {
                    let reason = String(cString: strerror(errno))
                    close(fd)
                    throw HydroError(.io, path, "cannot lock the output folder: \(reason)")
                }
            }
        }
        descriptor = fd
    }

    deinit { close(descriptor) }
}
