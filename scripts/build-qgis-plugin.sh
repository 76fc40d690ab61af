#!/usr/bin/env bash
# Builds the QGIS plugin zip (Plugins → Manage and Install Plugins → Install from ZIP) from
# qgis/hydrotool_provider: one top-level folder, no caches, entries sorted and dated 1980-01-01 so
# the same sources give the same zip. Usage: bash scripts/build-qgis-plugin.sh [OUTPUT_FOLDER]
# (default dist/); prints the zip's path.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-dist}
mkdir -p "$out"
version=$(sed -n 's/^version=//p' qgis/hydrotool_provider/metadata.txt)
zip_path="$out/hydrotool_provider-$version.zip"
python3 - "$zip_path" <<'PY'
import os, sys, zipfile
target = sys.argv[1]
root = "qgis"
entries = []
for folder, dirs, files in os.walk(os.path.join(root, "hydrotool_provider")):
    dirs[:] = sorted(d for d in dirs if d != "__pycache__")
    entries += [os.path.join(folder, f) for f in files if not f.endswith((".pyc", ".pyo"))]
temporary = target + ".part"
with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
    for path in sorted(entries):
        info = zipfile.ZipInfo(os.path.relpath(path, root), date_time=(1980, 1, 1, 0, 0, 0))
        info.external_attr = 0o644 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        with open(path, "rb") as f:
            archive.writestr(info, f.read())
os.replace(temporary, target)
PY
echo "$zip_path"
