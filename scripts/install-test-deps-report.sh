#!/usr/bin/env bash
# Test-only packages for the report's browser checks: headless Chromium (screenshots and
# --print-to-pdf of report.html), poppler-utils (pdfinfo, pdftoppm) and the Noto CJK fonts.
# GDAL's COG validator comes with python3-gdal, which gdal-bin depends on.
# As root it installs what is missing; otherwise it prints the command and the tests that need
# these packages skip.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/apt-missing.sh"
apt_install_missing "the report's browser tests" chromium poppler-utils fonts-noto-cjk python3-gdal
