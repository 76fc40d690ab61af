#!/usr/bin/python3
"""Writes the small malformed inputs in fixtures/malformed/ (run with Debian's /usr/bin/python3,
which has GDAL's bindings). Large cases (a 12 MB TOML file, a 10 MB key, a named pipe) are made
by the tests themselves at run time, so they are not stored."""
import os
import struct
import sys

from osgeo import gdal, osr

gdal.UseExceptions()
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "fixtures", "malformed")
os.makedirs(out, exist_ok=True)
utm = osr.SpatialReference()
utm.ImportFromEPSG(32648)


def tif(name, array_rows, dtype=gdal.GDT_Float32, nodata=None, srs=True, pixel=30.0):
    h, w = len(array_rows), len(array_rows[0])
    ds = gdal.GetDriverByName("GTiff").Create(os.path.join(out, name), w, h, 1, dtype)
    ds.SetGeoTransform((500000, pixel, 0, 3000000, 0, -pixel))
    if srs:
        ds.SetProjection(utm.ExportToWkt())
    band = ds.GetRasterBand(1)
    if nodata is not None:
        band.SetNoDataValue(nodata)
    fmt = {gdal.GDT_Float32: "f", gdal.GDT_Byte: "B", gdal.GDT_CInt16: "hh"}[dtype]
    for y, row in enumerate(array_rows):
        values = [v for x in row for v in (x if isinstance(x, tuple) else (x,))]
        band.WriteRaster(0, y, w, 1, struct.pack("<" + fmt * w, *values), buf_type=dtype)
    ds = None


slope = [[100.0 - x - y for x in range(8)] for y in range(8)]
inf = float("inf")
tif("dem-inf.tif", [[inf if (x, y) == (3, 3) else v for x, v in enumerate(r)] for y, r in enumerate(slope)])
tif("dem-all-nodata.tif", [[-9999.0] * 8 for _ in range(8)], nodata=-9999.0)
tif("dem-nan-nodata.tif", [[float("nan") if x == 0 else v for x, v in enumerate(r)] for r in slope], nodata=float("nan"))
tif("dem-complex.tif", [[(1, 0)] * 8 for _ in range(8)], dtype=gdal.GDT_CInt16)
tif("dem-cellsize-zero.tif", slope, pixel=0.0)
tif("flowdir-255.tif", [[255] * 8 for _ in range(8)], dtype=gdal.GDT_Byte)

# A raster that declares four trillion cells in a few hundred bytes.
with open(os.path.join(out, "dem-huge.vrt"), "w") as f:
    f.write('<VRTDataset rasterXSize="2000000" rasterYSize="2000000">\n'
            f'  <SRS>{utm.ExportToWkt()}</SRS>\n'
            '  <GeoTransform>500000, 30, 0, 3000000, 0, -30</GeoTransform>\n'
            '  <VRTRasterBand dataType="Float32" band="1"/>\n'
            '</VRTDataset>\n')

# Not rasters at all, or cut short.
open(os.path.join(out, "dem-empty.tif"), "wb").close()
with open(os.path.join(out, "dem-garbage.tif"), "wb") as f:
    f.write(bytes((i * 73 + 11) % 256 for i in range(4096)))
with open(os.path.join(out, "dem-inf.tif"), "rb") as f:
    whole = f.read()
with open(os.path.join(out, "dem-truncated.tif"), "wb") as f:
    f.write(whole[: len(whole) // 3])
with open(os.path.join(out, "dem-header-only.asc"), "w") as f:
    f.write("ncols 4000000\nnrows 4000000\nxllcorner 0\nyllcorner 0\ncellsize 30\nNODATA_value -9999\n1 2 3\n")

# Project files that are not valid or hold impossible figures (the DEM named is this folder's dem-inf.tif).
projects = {
    "project-syntax.toml": '[inputs]\ndem = "dem-inf.tif"\n[terrain\nconditioning = "fill"\n',
    "project-unknown-key.toml": '[inputs]\ndem = "dem-inf.tif"\n[terrain]\nconditionning = "fill"\n',
    "project-nan.toml": '[inputs]\ndem = "dem-inf.tif"\n[terrain]\nburn_depth_m = nan\n',
    "project-wrong-type.toml": '[inputs]\ndem = 5\n',
    "project-missing-dem.toml": '[inputs]\ndem = "no-such-dem.tif"\n',
    "project-empty-output.toml": '[project]\noutput = ""\n[inputs]\ndem = "dem-inf.tif"\n',
    "project-deep.toml": "a = " + "[" * 5000 + "]" * 5000 + "\n",
    "project-inf-dem.toml": '[project]\noutput = "inf-output"\n[inputs]\ndem = "dem-inf.tif"\n[decay]\nTP = 0.05\n',
    "project-all-nodata.toml": '[project]\noutput = "nodata-output"\n[inputs]\ndem = "dem-all-nodata.tif"\n[decay]\nTP = 0.05\n',
    "project-huge-dem.toml": '[project]\noutput = "huge-output"\n[inputs]\ndem = "dem-huge.vrt"\n[decay]\nTP = 0.05\n',
    "project-no-pollutant.toml": '[project]\noutput = "np-output"\n[inputs]\ndem = "dem-nan-nodata.tif"\n',
    "project-not-utf8.toml": None,
}
for name, text in projects.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(text.encode() if text is not None else b'[inputs]\ndem = "\xff\xfe.tif"\n')
print("wrote", len(os.listdir(out)), "files to", out)
