#!/usr/bin/env bash
# Renders a report.html in headless Chromium (Debian's package) and saves a PNG screenshot, to check
# that the report looks right in a real browser. Installs chromium and CJK fonts when missing (as root).
# Usage: bash scripts/screenshot-report.sh hydrotool-demo/output/report.html report.png [height]
set -euo pipefail
report=${1:?report.html}
png=${2:?output.png}
height=${3:-3000}
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >&2
  else
    echo "needs: sudo apt-get install -y chromium fonts-noto-cjk" >&2; exit 1
  fi
fi
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1200,"$height" \
  --screenshot="$(realpath -m "$png")" "file://$(realpath "$report")" 2>/dev/null
test -s "$png" && echo "screenshot: $png"
