#!/usr/bin/env bash
# Renders a report.html in headless Chromium (Debian's package) as a reader would see it:
#   OUT.png      the page at 1200 px wide (desktop),
#   OUT-420.png  the page at 420 px wide (a phone),
#   OUT.pdf      the page printed (A4, the report's print stylesheet),
# and, when pdftoppm (poppler-utils) is there, OUT-page-N.png for the first pages of the PDF.
# Installs chromium and CJK fonts when missing (as root).
# Usage: bash scripts/screenshot-report.sh hydrotool-demo/output/report.html OUT [height]
set -euo pipefail
report=${1:?report.html}
out=${2:?output name (OUT.png, OUT-420.png, OUT.pdf are written)}
out=${out%.png}
height=${3:-3000}
if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
  if [ "$(id -u)" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >&2
  else
    echo "needs: sudo apt-get install -y chromium fonts-noto-cjk" >&2; exit 1
  fi
fi
url="file://$(realpath "$report")"
base="$(realpath -m "$out")"
mkdir -p "$(dirname "$base")"
shoot() { # width height file
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
    --window-size="$1,$2" --screenshot="$3" "$url" >/dev/null 2>&1
}
shoot 1200 "$height" "$base.png"
shoot 420 "$((height * 2))" "$base-420.png"
chromium --headless --no-sandbox --disable-gpu --no-pdf-header-footer --print-to-pdf="$base.pdf" "$url" >/dev/null 2>&1
for f in "$base.png" "$base-420.png" "$base.pdf"; do
  test -s "$f" || { echo "screenshot-report: $f was not written" >&2; exit 1; }
  echo "written: $f"
done
if command -v pdftoppm >/dev/null 2>&1; then
  pdftoppm -png -r 50 -f 1 -l 6 "$base.pdf" "$base-page"
  echo "pages: $base-page-*.png"
fi
