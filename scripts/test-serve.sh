#!/usr/bin/env bash
# The server's end-to-end tests against the built binary: a real browser (headless Chromium through
# Selenium) signs in as a county, uploads a month and sees the ledger change; a kill -9 during uploads
# loses nothing acknowledged; SIGINT/SIGTERM stop cleanly. Needs scripts/install-test-deps.sh and a
# `swift build` first. Prints 'N passed, N failed'.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(swift build --show-bin-path)"
[ -x "$bin/hydrotool" ] || { echo "test-serve: build first ($bin/hydrotool is missing)" >&2; exit 1; }
python3 Tests/EndToEnd/serve_e2e.py "$bin/hydrotool" "$@"
