#!/usr/bin/env bash
# Starts Debian's QGIS in a virtual X display (Xvfb) with the plugin installed from its zip, opens the
# Processing toolbox on the hydrotool provider and the Fill dialog, and saves a PNG of the screen, to see
# the provider as an analyst does (with the demo's upstream area and streams, styled, on the map). Installs xvfb when missing (as root). Needs the QGIS test packages
# (scripts/install-test-deps-qgis.sh) and a built hydrotool on PATH or in .build/debug.
# Usage: bash scripts/screenshot-qgis-toolbox.sh toolbox.png [ALGORITHM]   (default algorithm: fill);
# writes toolbox.png (map, legend, toolbox) and toolbox-dialog.png (the algorithm's dialog).
set -euo pipefail
png=$(realpath -m "${1:?output.png}")
algorithm=${2:-fill}
cd "$(dirname "$0")/.."
if ! command -v xvfb-run >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends xvfb xauth >&2
  else
    echo "needs: sudo apt-get install -y xvfb xauth" >&2; exit 1
  fi
fi
command -v hydrotool >/dev/null 2>&1 || export PATH="$PWD/.build/debug:$PATH"
profiles=$(mktemp -d)
trap 'rm -rf "$profiles"' EXIT
zip=$(bash scripts/build-qgis-plugin.sh "$profiles/dist")
plugins="$profiles/profiles/default/python/plugins"
mkdir -p "$plugins" "$profiles/profiles/default/QGIS"
python3 -c "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])" "$zip" "$plugins"
cat > "$profiles/profiles/default/QGIS/QGIS3.ini" <<INI
[PythonPlugins]
hydrotool_provider=true
[qgis]
checkVersion=false
showTips322=false
[core]
NewsFeed\\httpsfeedqgisorg\\disabled=true
INI
hydrotool demo --output "$profiles/demo" -q >/dev/null
cat > "$profiles/startup.py" <<PY
# Runs two algorithms so their styled outputs show on the map, then opens the toolbox and a dialog.
from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtWidgets import QApplication, QDockWidget
from qgis.utils import iface
import processing

def open_toolbox():
    iface.mainWindow().setGeometry(0, 0, 1600, 1000)
    demo = "$profiles/demo/output/"
    processing.runAndLoadResults("hydrotool:accumulate", {"FLOWDIR": demo + "flowdir_d8.tif", "UNITS": 1,
                                                          "OUTPUT": "$profiles/upstream_km2.tif"})
    processing.runAndLoadResults("hydrotool:streams", {"FLOWDIR": demo + "flowdir_d8.tif", "THRESHOLD": 2,
                                                       "VECTOR": "$profiles/streams.gpkg"})
    iface.mapCanvas().setExtent(iface.activeLayer().extent())
    iface.mapCanvas().refresh()
    for dock in iface.mainWindow().findChildren(QDockWidget):
        if dock.objectName() == "ProcessingToolbox":
            dock.show()
            dock.raise_()
            if hasattr(dock, "searchBox"):
                dock.searchBox.setText("hydrotool")
    QTimer.singleShot(3000, shoot_map)

def shoot_map():
    QApplication.primaryScreen().grabWindow(0).save("$png")
    dialog = processing.createAlgorithmDialog("hydrotool:$algorithm")
    dialog.show()
    dialog.setGeometry(300, 200, 980, 640)
    QTimer.singleShot(3000, lambda: shoot_dialog(dialog))

def shoot_dialog(dialog):
    QApplication.primaryScreen().grabWindow(0).save("${png%.png}-dialog.png")
    dialog.close()
    QApplication.exit(0)

QTimer.singleShot(4000, open_toolbox)
PY
timeout 120 xvfb-run -a -s "-screen 0 1600x1000x24" qgis --profiles-path "$profiles" --nologo --noversioncheck \
  --code "$profiles/startup.py" >/dev/null 2>&1 || true
test -s "$png" && echo "screenshots: $png ${png%.png}-dialog.png"
