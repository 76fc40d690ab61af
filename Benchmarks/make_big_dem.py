#!/usr/bin/python3
"""Writes a synthetic DEM larger than memory, strip by strip, for the out-of-core benchmark
(`hydrotool bench tiles BIG.tif --memory 4G`). Only one strip of rows is ever held.

The surface drains to the west edge: a regional tilt along the columns, a valley along the middle
row, whole-metre rounding with random noise of 0–3 m (many ties, small flats and pits), bowls of
bounded size (depressions up to ~60 m deep) and flat plateaus of bounded size (up to 2000×1500
cells) scattered over the grid, so depressions and flats cross tile edges everywhere while no
single flat holds a large part of the grid. Values depend only on (seed, row, column), not on the
strip height.

Usage: make_big_dem.py OUT.tif WIDTH HEIGHT SEED"""
import sys
import numpy as np
from osgeo import gdal, osr

out, width, height, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
if width <= 0 or height <= 0:
    sys.exit("make_big_dem.py: WIDTH and HEIGHT must be positive")
features = np.random.default_rng(seed)
count = max(1, width * height // 20_000_000)
bowls = [(features.uniform(0, width), features.uniform(0, height), features.uniform(50, 400), features.uniform(10, 60))
         for _ in range(count)]
plateaus = [(int(features.uniform(0, width)), int(features.uniform(0, height)), int(features.uniform(200, 2000)),
             int(features.uniform(200, 1500))) for _ in range(count)]

gdal.UseExceptions()
ds = gdal.GetDriverByName("GTiff").Create(out, width, height, 1, gdal.GDT_Float32,
                                           ["TILED=YES", "COMPRESS=DEFLATE", "ZLEVEL=1", "BIGTIFF=YES", "NUM_THREADS=ALL_CPUS"])
ds.SetGeoTransform([500000, 30, 0, 3000000 + 30 * height, 0, -30])
srs = osr.SpatialReference()
srs.ImportFromEPSG(32648)
ds.SetProjection(srs.ExportToWkt())
band = ds.GetRasterBand(1)
band.SetNoDataValue(-9999)
strip = max(1, min(height, 8_000_000 // width))
for y0 in range(0, height, strip):
    rows = min(strip, height - y0)
    r, c = np.mgrid[y0:y0 + rows, 0:width]
    z = c * 0.05 + np.abs(r - height // 2) * 0.03 + 100
    for (bx, by, radius, depth) in bowls:
        if abs(by - (y0 + rows / 2)) > radius + rows:
            continue
        z -= np.maximum(0, 1 - np.hypot(c - bx, r - by) / radius) * depth
    # Noise seeded by strip index of a fixed 256-row lattice, so the strip height does not matter.
    noise = np.empty((rows, width), dtype=np.int64)
    for block in range(y0 // 256, (y0 + rows - 1) // 256 + 1):
        lo, hi = max(y0, block * 256), min(y0 + rows, (block + 1) * 256)
        g = np.random.default_rng([seed, block]).integers(0, 4, size=(256, width))
        noise[lo - y0:hi - y0] = g[lo - block * 256:hi - block * 256]
    z = np.round(z + noise).astype(np.float32)
    for (px, py, pw, ph) in plateaus:
        top, bottom = max(py, y0), min(py + ph, y0 + rows)
        if top < bottom:
            z[top - y0:bottom - y0, px:min(width, px + pw)] = 100 + px * 0.05 + 40
    band.WriteArray(z, 0, y0)
    print(f"\r{y0 + rows}/{height} rows", end="", file=sys.stderr, flush=True)
print(file=sys.stderr)
ds = None
