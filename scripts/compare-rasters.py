#!/usr/bin/python3
"""Exits 1 unless the rasters hold the same cells, bit for bit (type, size, nodata and values).
Usage: compare-rasters.py A B"""
import sys
from osgeo import gdal

a, b = (gdal.Open(p) for p in sys.argv[1:3])
ba, bb = a.GetRasterBand(1), b.GetRasterBand(1)
same = (a.RasterXSize, a.RasterYSize, ba.DataType, repr(ba.GetNoDataValue())) == (b.RasterXSize, b.RasterYSize, bb.DataType, repr(bb.GetNoDataValue()))
same = same and ba.ReadRaster() == bb.ReadRaster()
if not same:
    print(f"{sys.argv[1]} and {sys.argv[2]} differ", file=sys.stderr)
    sys.exit(1)
