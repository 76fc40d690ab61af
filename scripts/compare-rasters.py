#!/usr/bin/python3
"""Exits 1 unless the rasters hold the same cells in every band, bit for bit (band count, type,
size, nodata and values).
Usage: compare-rasters.py A B"""
import sys
from osgeo import gdal

a, b = (gdal.Open(p) for p in sys.argv[1:3])
same = (a.RasterXSize, a.RasterYSize, a.RasterCount) == (b.RasterXSize, b.RasterYSize, b.RasterCount)
for k in range(1, a.RasterCount + 1):
    ba, bb = a.GetRasterBand(k), b.GetRasterBand(k)
    same = same and (ba.DataType, repr(ba.GetNoDataValue())) == (bb.DataType, repr(bb.GetNoDataValue()))
    same = same and ba.ReadRaster() == bb.ReadRaster()
if not same:
    print(f"{sys.argv[1]} and {sys.argv[2]} differ", file=sys.stderr)
    sys.exit(1)
