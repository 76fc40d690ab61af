#ifndef HYDRO_CMPI_SHIM_H
#define HYDRO_CMPI_SHIM_H
#include <mpi.h>

// Open MPI spells these handles as macros over addresses of globals, which Swift cannot import.
static inline MPI_Comm hydro_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype hydro_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Errhandler hydro_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline MPI_Status *hydro_mpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
static inline int hydro_mpi_any_source(void) { return MPI_ANY_SOURCE; }
static inline int hydro_mpi_any_tag(void) { return MPI_ANY_TAG; }
#endif
