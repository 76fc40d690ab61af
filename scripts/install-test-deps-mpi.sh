#!/usr/bin/env bash
# Installs Open MPI (libopenmpi-dev, openmpi-bin) if missing: its headers build libHydroMPI.so, which
# hydrotool loads under `mpirun -np N hydrotool tiles …`, and mpirun runs the distributed tests.
# As root it installs them non-interactively; otherwise it prints the command to run.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/apt-missing.sh"
apt_install_missing "the MPI runs and tests" libopenmpi-dev openmpi-bin
