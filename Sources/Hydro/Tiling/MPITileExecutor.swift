import Foundation

/// Tiles spread over the ranks of an MPI job (Open MPI, through `MPILibrary`; launched with `mpirun`).
///
/// Rank 0 leads: it hands tiles to the other ranks one at a time (the next one to whichever
/// finishes first), gathers what they send back and solves the perimeter graphs; it processes
/// tiles itself only when it runs alone. Messages are byte strings; a rank that fails sends its
/// error to rank 0, which stops the job (`abort`) after removing its staging folder, so no output
/// appears. A rank that dies is noticed by `mpirun`, which ends every rank: again no output.
public final class MPITileExecutor: TileExecutor {
    public let rank: Int
    public let size: Int
    private let mpi: MPILibrary

    private enum Tag: Int32 { case task = 1, result, failure, endOfMap }
    private static let anySource: Int32 = -1

    /// Whether this process was started by `mpirun` (Open MPI sets these variables in every rank).
    public static var launchedByMPI: Bool {
        ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_SIZE"] != nil || ProcessInfo.processInfo.environment["PMIX_RANK"] != nil
    }

    /// The executor for this process: MPI's ranks under `mpirun`, else every tile here.
    public static func forThisProcess() throws -> TileExecutor {
        launchedByMPI ? try MPITileExecutor() : LocalTileExecutor()
    }

    public init() throws {
        mpi = try MPILibrary.load()
        var r: Int32 = 0, s: Int32 = 0
        guard mpi.start(&r, &s) == 0 else { throw HydroError(.io, "MPI", "MPI_Init failed") }
        rank = Int(r)
        size = Int(s)
    }

    /// Ends MPI after a successful run (every rank calls it).
    public func finish() {
        _ = mpi.finish()
    }

    /// Stops every rank of the job with exit code `code`.
    public func abort(code: Int32) -> Never {
        _ = mpi.abort(code)
        exit(code)
    }

    public func broadcast(_ bytes: [UInt8]?) throws -> [UInt8] {
        guard size > 1 else { return bytes ?? [] }
        var count = Int64(bytes?.count ?? 0).littleEndian
        try withUnsafeMutableBytes(of: &count) { b in try check(mpi.broadcast(b.baseAddress, 8), "broadcast") }
        count = Int64(littleEndian: count)
        guard let n = Int32(exactly: count), n >= 0 else { throw HydroError(.io, "MPI", "a broadcast of \(count) bytes is larger than MPI can send at once") }
        var buffer = rank == 0 ? (bytes ?? []) : [UInt8](repeating: 0, count: Int(n))
        try buffer.withUnsafeMutableBytes { b in try check(mpi.broadcast(b.baseAddress, n), "broadcast") }
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
            var w = ByteWriter()
            w.put(next)
            w.put(tasks[next])
            try send(w.bytes, to: worker, tag: .task)
            next += 1
            busy += 1
        }
        for worker in 1..<Int32(size) where next < tasks.count { try hand(to: worker) }
        while busy > 0 {
            let (bytes, source, tag) = try receive(from: Self.anySource)
            busy -= 1
            switch tag {
            case Tag.result.rawValue:
                var reader = ByteReader(bytes)
                let position = try reader.int()
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
            var reader = ByteReader(bytes)
            let position = try reader.int(), task = try reader.int()
            do {
                var reply = ByteWriter()
                reply.put(position)
                try send(reply.bytes + body(task), to: 0, tag: .result)
            } catch {
                try send(Array("\(error)".utf8), to: 0, tag: .failure)
            }
        }
    }

    private func send(_ bytes: [UInt8], to destination: Int32, tag: Tag) throws {
        guard let n = Int32(exactly: bytes.count) else { throw HydroError(.io, "MPI", "a message of \(bytes.count) bytes is larger than MPI can send at once") }
        try bytes.withUnsafeBytes { b in try check(mpi.send(b.baseAddress, n, destination, tag.rawValue), "send to rank \(destination)") }
    }

    private func receive(from source: Int32) throws -> (bytes: [UInt8], source: Int32, tag: Int32) {
        // Polls with a pause rather than a blocking probe, which spins a core while it waits: a leader
        // waiting for tiles would take a core from the rank processing them.
        var arrived: Int32 = 0, from: Int32 = 0, tag: Int32 = 0, count: Int32 = 0
        while true {
            try check(mpi.poll(source, &arrived, &from, &tag, &count), "wait for a message")
            if arrived != 0 { break }
            usleep(500)
        }
        var buffer = [UInt8](repeating: 0, count: Int(max(count, 0)))
        try buffer.withUnsafeMutableBytes { b in try check(mpi.receive(b.baseAddress, count, from, tag), "receive from rank \(from)") }
        return (buffer, from, tag)
    }

    private func check(_ code: Int32, _ what: String) throws {
        guard code == 0 else {
            throw HydroError(.io, "MPI rank \(rank)", "cannot \(what) (MPI error \(code)): a rank stopped; nothing was written")
        }
    }
}
