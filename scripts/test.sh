#!/usr/bin/env bash
# Installs what is missing and runs every test: the Swift suite, then the QGIS provider's tests.
# This is README's second command and what .ci/run runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build
swift test
bash scripts/install-test-deps-qgis.sh
QT_QPA_PLATFORM=offscreen /usr/bin/python3 qgis/tests/run_tests.py
