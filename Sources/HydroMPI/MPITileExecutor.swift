import CMPI
import Foundation
import Hydro

/// Tiles spread over the ranks of an MPI job (Open MPI's C API; launched with `mpirun`).
///
/// Rank 0 leads: it hands tiles to the other ranks one at a time (the next one to whichever
/// finishes first), gathers what they send back and solves the perimeter graphs; it processes
/// tiles itself only when it runs alone. Messages are byte strings; a rank that fails sends its
/// error to rank 0, which stops the job (`abort`) after removing its staging folder, so no output
/// appears. A rank that dies is noticed by `mpirun`, which ends every rank: again no output.
public final class MPITileExecutor: TileExecutor {
    public let rank: Int
    public let size: Int
    private let world: MPI_Comm

    private enum Tag: Int32 { case task = 1, result, failure, endOfMap }

    /// Whether this process was started by `mpirun` (Open MPI sets these variables in every rank).
    public static var launchedByMPI: Bool {
        ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_SIZE"] != nil || ProcessInfo.processInfo.environment["PMIX_RANK"] != nil
    }

    public init() throws {
        guard MPI_Init(nil, nil) == MPI_SUCCESS else { throw HydroError(.io, "MPI", "MPI_Init failed") }
        world = hydro_mpi_comm_world()
        MPI_Comm_set_errhandler(world, hydro_mpi_errors_return())
        var r: Int32 = 0, s: Int32 = 0
        MPI_Comm_rank(world, &r)
        MPI_Comm_size(world, &s)
        rank = Int(r)
        size = Int(s)
    }

    /// Ends MPI after a successful run (every rank calls it).
    public func finish() {
        MPI_Barrier(world)
        MPI_Finalize()
    }

    /// Stops every rank of the job with exit code `code`.
    public func abort(code: Int32) -> Never {
        MPI_Abort(world, code)
        exit(code)
    }

    public func broadcast(_ bytes: [UInt8]?) throws -> [UInt8] {
        guard size > 1 else { return bytes ?? [] }
        var count = Int64(bytes?.count ?? 0)
        try check(MPI_Bcast(&count, 1, hydro_mpi_int64(), 0, world), "broadcast")
        guard let n = Int32(exactly: count) else { throw HydroError(.io, "MPI", "a broadcast of \(count) bytes is larger than MPI can send at once") }
        var buffer = rank == 0 ? (bytes ?? []) : [UInt8](repeating: 0, count: Int(n))
        try buffer.withUnsafeMutableBytes { b in try check(MPI_Bcast(b.baseAddress, n, hydro_mpi_byte(), 0, world), "broadcast") }
        return buffer
    }

    public func map(_ tasks: [Int], _ body: (Int) throws -> [UInt8]) throws -> [[UInt8]] {
        guard size > 1 else { return try tasks.map(body) }
        return rank == 0 ? try lead(tasks) : try work(body)
    }

    private func lead(_ tasks: [Int]) throws -> [[UInt8]] {
        var results = [[UInt8]](repeating: [], count: tasks.count)
        var next = 0, busy = 0
        func hand(to worker: Int32) throws {
            var w = [UInt8]()
            for v in [Int64(next), Int64(tasks[next])] { withUnsafeBytes(of: v.littleEndian) { w.append(contentsOf: $0) } }
            try send(w, to: worker, tag: .task)
            next += 1
            busy += 1
        }
        for worker in 1..<Int32(size) where next < tasks.count { try hand(to: worker) }
        while busy > 0 {
            let (bytes, source, tag) = try receive(from: hydro_mpi_any_source())
            busy -= 1
            switch tag {
            case Tag.result.rawValue:
                guard bytes.count >= 8 else { throw HydroError(.io, "rank \(source)", "sent a truncated result") }
                let position = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
                guard position >= 0, position < tasks.count else { throw HydroError(.io, "rank \(source)", "sent a result for no task") }
                results[position] = Array(bytes[8...])
                if next < tasks.count { try hand(to: source) }
            case Tag.failure.rawValue:
                throw HydroError(.io, "rank \(source)", String(decoding: bytes, as: UTF8.self))
            default:
                throw HydroError(.io, "rank \(source)", "sent an unexpected message (tag \(tag))")
            }
        }
        for worker in 1..<Int32(size) { try send([], to: worker, tag: .endOfMap) }
        return results
    }

    private func work(_ body: (Int) throws -> [UInt8]) throws -> [[UInt8]] {
        while true {
            let (bytes, _, tag) = try receive(from: 0)
            guard tag == Tag.task.rawValue else { return [] }
            guard bytes.count == 16 else { throw HydroError(.io, "rank 0", "sent a malformed task") }
            let position = Int64(littleEndian: bytes[0..<8].withUnsafeBytes { $0.loadUnaligned(as: Int64.self) })
            let task = Int(Int64(littleEndian: bytes[8..<16].withUnsafeBytes { $0.loadUnaligned(as: Int64.self) }))
            do {
                var reply = [UInt8]()
                withUnsafeBytes(of: position.littleEndian) { reply.append(contentsOf: $0) }
                reply += try body(task)
                try send(reply, to: 0, tag: .result)
            } catch {
                try send(Array("\(error)".utf8), to: 0, tag: .failure)
            }
        }
    }

    private func send(_ bytes: [UInt8], to destination: Int32, tag: Tag) throws {
        guard let n = Int32(exactly: bytes.count) else { throw HydroError(.io, "MPI", "a message of \(bytes.count) bytes is larger than MPI can send at once") }
        var copy = bytes
        try copy.withUnsafeMutableBytes { b in
            try check(MPI_Send(b.baseAddress, n, hydro_mpi_byte(), destination, tag.rawValue, world), "send to rank \(destination)")
        }
    }

    private func receive(from source: Int32) throws -> (bytes: [UInt8], source: Int32, tag: Int32) {
        var status = MPI_Status()
        // Polls with a pause rather than MPI_Probe, which spins a core while it waits: a leader waiting
        // for tiles would take a core from the rank processing them.
        var arrived: Int32 = 0
        while true {
            try check(MPI_Iprobe(source, hydro_mpi_any_tag(), world, &arrived, &status), "wait for a message")
            if arrived != 0 { break }
            usleep(500)
        }
        var count: Int32 = 0
        MPI_Get_count(&status, hydro_mpi_byte(), &count)
        var buffer = [UInt8](repeating: 0, count: Int(max(count, 0)))
        let from = status.MPI_SOURCE, tag = status.MPI_TAG
        try buffer.withUnsafeMutableBytes { b in
            try check(MPI_Recv(b.baseAddress, count, hydro_mpi_byte(), from, tag, world, hydro_mpi_status_ignore()), "receive from rank \(from)")
        }
        return (buffer, from, tag)
    }

    private func check(_ code: Int32, _ what: String) throws {
        guard code == MPI_SUCCESS else {
            throw HydroError(.io, "MPI rank \(rank)", "cannot \(what) (MPI error \(code)): a rank stopped; nothing was written")
        }
    }
}
