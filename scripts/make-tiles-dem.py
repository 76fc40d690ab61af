#!/usr/bin/python3
"""Writes a synthetic DEM for the tiled-processing tests: whole metres (many ties and flats), a wide
bowl and a plateau across tile edges, nodata cells. Usage: make-tiles-dem.py OUT.tif WIDTH HEIGHT SEED"""
import sys
import numpy as np
from osgeo import gdal, osr

out, width, height, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = np.random.default_rng(seed)
r, c = np.mgrid[0:height, 0:width]
z = c * 0.7 + np.abs(r - height // 2) * 0.4
z -= np.maximum(0, 12 - np.hypot(c - width // 3, r - height // 3) * 0.8) * (width / 40)
z += rng.integers(0, 4, size=z.shape)
z = np.round(z).astype(np.float32)
z[height // 2:height // 2 + height // 4, width // 2:width // 2 + width // 3] = z.max() + 5
z[height - 3, width // 2:] = 5
z[2 * height // 3, width // 4:width // 4 + 2] = -9999
ds = gdal.GetDriverByName("GTiff").Create(out, width, height, 1, gdal.GDT_Float32, ["TILED=YES", "COMPRESS=DEFLATE"])
ds.SetGeoTransform([500000, 30, 0, 3000000, 0, -30])
srs = osr.SpatialReference()
srs.ImportFromEPSG(32648)
ds.SetProjection(srs.ExportToWkt())
band = ds.GetRasterBand(1)
band.SetNoDataValue(-9999)
band.WriteArray(z)
ds = None
