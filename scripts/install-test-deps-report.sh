#!/usr/bin/env bash
# Test-only packages for the report's browser checks: headless Chromium (screenshots and
# --print-to-pdf of report.html), poppler-utils (pdfinfo, pdftoppm) and the Noto CJK fonts.
# GDAL's COG validator comes with python3-gdal, which gdal-bin depends on.
# As root it installs what is missing; otherwise it prints the command and the tests that need
# these packages skip.
set -euo pipefail
packages=(chromium poppler-utils fonts-noto-cjk python3-gdal)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  echo "installing (tests): ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq "${missing[@]}" >&2
else
  echo "the report's browser tests need: sudo apt-get install -y ${missing[*]}" >&2
fi
