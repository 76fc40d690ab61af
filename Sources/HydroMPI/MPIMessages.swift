import CMPI

// The message layer of distributed tiled runs, as a shared library with a C interface of plain
// integers and byte buffers (libHydroMPI.so, built beside the executable when Open MPI is installed).
// The executable loads it only when `mpirun` starts it, so hydrotool itself builds and runs without
// Open MPI; the tile scheduling over these calls lives in Hydro (`MessagePassingTileExecutor`).
// Every function returns MPI's error code (0 is success).

/// Initialises MPI with errors returned instead of aborting; gives this rank and the rank count.
@_cdecl("hydro_mpi_start")
public func hydroMPIStart(_ rank: UnsafeMutablePointer<Int32>, _ size: UnsafeMutablePointer<Int32>) -> Int32 {
    let code = MPI_Init(nil, nil)
    guard code == MPI_SUCCESS else { return code }
    MPI_Comm_set_errhandler(hydro_mpi_comm_world(), hydro_mpi_errors_return())
    MPI_Comm_rank(hydro_mpi_comm_world(), rank)
    return MPI_Comm_size(hydro_mpi_comm_world(), size)
}

/// Rank 0's `count` bytes at `buffer` into every rank's `buffer` (every rank calls it with the same count).
@_cdecl("hydro_mpi_broadcast")
public func hydroMPIBroadcast(_ buffer: UnsafeMutableRawPointer?, _ count: Int32) -> Int32 {
    MPI_Bcast(buffer, count, hydro_mpi_byte(), 0, hydro_mpi_comm_world())
}

@_cdecl("hydro_mpi_send")
public func hydroMPISend(_ buffer: UnsafeRawPointer?, _ count: Int32, _ destination: Int32, _ tag: Int32) -> Int32 {
    MPI_Send(buffer, count, hydro_mpi_byte(), destination, tag, hydro_mpi_comm_world())
}

/// Whether a message from `source` (-1: any rank) has arrived; if so its sender, tag and byte count.
@_cdecl("hydro_mpi_poll")
public func hydroMPIPoll(_ source: Int32, _ arrived: UnsafeMutablePointer<Int32>, _ sender: UnsafeMutablePointer<Int32>,
                         _ tag: UnsafeMutablePointer<Int32>, _ count: UnsafeMutablePointer<Int32>) -> Int32 {
    var status = MPI_Status()
    let code = MPI_Iprobe(source < 0 ? hydro_mpi_any_source() : source, hydro_mpi_any_tag(), hydro_mpi_comm_world(), arrived, &status)
    guard code == MPI_SUCCESS, arrived.pointee != 0 else { return code }
    sender.pointee = status.MPI_SOURCE
    tag.pointee = status.MPI_TAG
    return MPI_Get_count(&status, hydro_mpi_byte(), count)
}

@_cdecl("hydro_mpi_receive")
public func hydroMPIReceive(_ buffer: UnsafeMutableRawPointer?, _ count: Int32, _ source: Int32, _ tag: Int32) -> Int32 {
    MPI_Recv(buffer, count, hydro_mpi_byte(), source, tag, hydro_mpi_comm_world(), hydro_mpi_status_ignore())
}

/// Waits for every rank, then ends MPI.
@_cdecl("hydro_mpi_finish")
public func hydroMPIFinish() -> Int32 {
    MPI_Barrier(hydro_mpi_comm_world())
    return MPI_Finalize()
}

/// Stops every rank of the job with exit code `code`.
@_cdecl("hydro_mpi_abort")
public func hydroMPIAbort(_ code: Int32) -> Int32 {
    MPI_Abort(hydro_mpi_comm_world(), code)
}
