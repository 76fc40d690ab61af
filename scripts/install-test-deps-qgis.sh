#!/usr/bin/env bash
# Installs what the QGIS Processing provider's tests need, if missing: Debian's QGIS (qgis, which
# carries the Processing framework, and python3-qgis, its bindings for /usr/bin/python3) and GDAL's
# Python bindings (python3-gdal, to compare rasters cell by cell). Recommended packages are skipped
# (GRASS, the manual): the tests run QGIS headless (QT_QPA_PLATFORM=offscreen) and need none of them.
# As root it installs them non-interactively; otherwise it prints the command to run.
set -euo pipefail
packages=(qgis python3-qgis python3-gdal)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  echo "installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
else
  echo "the QGIS provider's tests need: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
