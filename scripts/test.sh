#!/usr/bin/env bash
# Installs what is missing and runs every test: the Swift suite, the tiled runs under mpirun, the QGIS
# provider's tests, then the server's end-to-end tests (a real browser, kill -9 during uploads).
# This is README's second command and what .ci/run runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/install-test-deps-report.sh
# Open MPI before the build: `swift build` also builds libHydroMPI.so, which needs its headers.
bash scripts/install-test-deps-mpi.sh
swift build
swift test
bash scripts/test-mpi.sh
bash scripts/install-test-deps-qgis.sh
QT_QPA_PLATFORM=offscreen /usr/bin/python3 qgis/tests/run_tests.py
bash scripts/install-test-deps.sh
bash scripts/test-serve.sh
