import Foundation

/// Open MPI's calls, reached through libHydroMPI.so (Sources/HydroMPI), which the executable loads
/// only when `mpirun` has started it. hydrotool therefore builds and runs without Open MPI; the
/// library is built beside the executable (`swift build --product HydroMPI`) where Open MPI's
/// headers are installed (scripts/install-test-deps-mpi.sh).
struct MPILibrary {
    typealias Start = @convention(c) (UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Int32>) -> Int32
    typealias Broadcast = @convention(c) (UnsafeMutableRawPointer?, Int32) -> Int32
    typealias Send = @convention(c) (UnsafeRawPointer?, Int32, Int32, Int32) -> Int32
    typealias Poll = @convention(c) (Int32, UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Int32>,
                                     UnsafeMutablePointer<Int32>) -> Int32
    typealias Receive = @convention(c) (UnsafeMutableRawPointer?, Int32, Int32, Int32) -> Int32
    typealias Finish = @convention(c) () -> Int32
    typealias Abort = @convention(c) (Int32) -> Int32

    static let fileName = "libHydroMPI.so"

    let start: Start
    let broadcast: Broadcast
    let send: Send
    let poll: Poll
    let receive: Receive
    let finish: Finish
    let abort: Abort

    /// Loads the library from beside the running executable.
    static func load() throws -> MPILibrary {
        let folder = (Self.executablePath() as NSString).deletingLastPathComponent
        let path = (folder as NSString).appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: path) else {
            throw HydroError(.invalidInput, "mpirun", "this hydrotool was built without MPI support (\(path) is missing): install Open MPI with `bash scripts/install-test-deps-mpi.sh`, then build it with `swift build --product HydroMPI` (add -c release for a release build)")
        }
        // Global symbols: Open MPI's own components, loaded later by MPI_Init, resolve against libmpi.
        guard let handle = dlopen(path, RTLD_NOW | RTLD_GLOBAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown reason"
            throw HydroError(.io, path, "cannot be loaded: \(reason)")
        }
        func symbol<T>(_ name: String, _: T.Type) throws -> T {
            guard let address = dlsym(handle, name) else { throw HydroError(.io, path, "has no \(name); rebuild it with this hydrotool") }
            return unsafeBitCast(address, to: T.self)
        }
        return MPILibrary(start: try symbol("hydro_mpi_start", Start.self), broadcast: try symbol("hydro_mpi_broadcast", Broadcast.self),
                          send: try symbol("hydro_mpi_send", Send.self), poll: try symbol("hydro_mpi_poll", Poll.self),
                          receive: try symbol("hydro_mpi_receive", Receive.self), finish: try symbol("hydro_mpi_finish", Finish.self),
                          abort: try symbol("hydro_mpi_abort", Abort.self))
    }

    /// The running executable's real path (through symbolic links), so that the library beside it is found.
    static func executablePath() -> String {
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return resolved }
        return (CommandLine.arguments.first.map { ($0 as NSString).resolvingSymlinksInPath }) ?? ""
    }
}
