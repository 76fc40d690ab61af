#!/usr/bin/env bash
# Installs what the QGIS Processing provider's tests need, if missing: Debian's QGIS (qgis, which
# carries the Processing framework, and python3-qgis, its bindings for /usr/bin/python3) and GDAL's
# Python bindings (python3-gdal, to compare rasters cell by cell). Recommended packages are skipped
# (GRASS, the manual): the tests run QGIS headless (QT_QPA_PLATFORM=offscreen) and need none of them.
# As root it installs them non-interactively; otherwise it prints the command to run.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/apt-missing.sh"
apt_install_missing "the QGIS provider's tests" --no-install-recommends qgis python3-qgis python3-gdal
