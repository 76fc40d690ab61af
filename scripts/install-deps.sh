#!/usr/bin/env bash
# Installs the Debian packages hydrotool builds and tests against, if any is missing:
# GDAL and PROJ headers and libraries (libgdal-dev, libproj-dev), GDAL's command-line tools
# (gdal-bin, used by tests and the benchmark), pkg-config (which finds GDAL and PROJ), Leaflet
# (libjs-leaflet, which `hydrotool serve` serves to its map page from the system, never from a CDN)
# and the Noto CJK fonts (fonts-noto-cjk), so the report's Chinese names render in a browser here.
# As root it installs them non-interactively; otherwise it prints the command to run.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/apt-missing.sh"
if ! command -v swift >/dev/null 2>&1; then
  echo "hydrotool: Swift 6 is needed (swift not found on PATH)" >&2
  exit 1
fi
apt_install_missing hydrotool libgdal-dev libproj-dev gdal-bin pkg-config libjs-leaflet fonts-noto-cjk
