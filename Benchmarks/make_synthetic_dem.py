#!/usr/bin/env python3
"""Write a deterministic synthetic fractal DEM GeoTIFF for terrain benchmarks.

The surface is built to stress the "fill depressions + D8 flow direction +
flow accumulation" pipeline the way real DEMs do:

* Spectral-synthesis fractal terrain: Gaussian white noise shaped in the
  Fourier domain by a power spectrum ``P(f) ~ (f^2 + f0^2)^(-beta/2)``
  (``beta`` 3.2, i.e. Hurst exponent 0.6), band-limited below
  ``f0 = 1 / 20 km`` by a high-pass factor, so the statistics do not depend
  on the grid size: a large grid is more of the same landscape, not one
  huge hill.
* A soft-plus transform of the standardised noise gives sharp mountains and
  broad, gently sloping lowlands; a regional tilt (mostly towards the south
  edge, a little towards the east) gives large-scale drainage to the edges.
* Closed basins of the fractal surface become depressions of all sizes;
  karst-like sinkholes (small random bowls, ``--pit-density``) add many
  small ones; rounding to ``--quantum`` metres (like integer-metre DEMs)
  turns the low-relief lowlands into flats.
* The lowest ``--nodata-fraction`` of the fractal relief (anywhere in the
  grid, not only at the edge) is written as nodata -9999: lakes with ragged
  shores, so nodata holes and their outlets are exercised too.

With the defaults about a third of the valid cells are either raised by a
Priority-Flood fill or left on a flat (no strictly lower neighbour after
filling), and the share hardly depends on the size (seed 42, measured with
pyflwdir's fill; raised / raised-or-flat):

==============  ===============  ====================
size            raised by fill   raised or flat
==============  ===============  ====================
1000 x 1000     23.2 %           31.1 %
2000 x 2000     25.9 %           33.4 %
4000 x 4000     25.3 %           33.0 %
10000 x 10000   26.0 %           33.7 %
==============  ===============  ====================

Output: single-band Float32 GeoTIFF, tiled 512x512, DEFLATE without a
predictor (whitebox-workflows cannot decode TIFF predictors; ``--compress
NONE`` is faster to write), projected CRS EPSG:32648 (WGS 84 / UTM 48N) with
30 m cells, nodata -9999, origin in southern China.

Determinism: the same ``--seed`` and size give the same file for a given
numpy version (numpy's PCG64 ``Generator`` stream and its FFT), whichever
writer is used. numpy 1.24 (Debian) and 2.3 gave identical 1000 x 1000
grids; in principle another numpy's FFT could differ in the last bits and
round a handful of cells to a different quantum.

Memory: the FFT needs the whole grid; peak memory is about 32 bytes per cell
(complex spectrum + FFT work array + float32 field), i.e. ~3.2 GB for the
default 10000 x 10000 = 100 M cells (about 20 s on 2 cores with DEFLATE).
Everything after the FFT is done in strips of rows.

Interpreter: any Python 3 with numpy plus either the GDAL bindings
(``osgeo.gdal``, e.g. Debian's ``/usr/bin/python3`` with ``python3-gdal``)
or ``rasterio`` (e.g. the benchmark virtualenv ``.venv-bench``). GDAL
bindings are preferred when both are present.

Examples::

    /usr/bin/python3 Benchmarks/make_synthetic_dem.py --rows 1000 --cols 1000 \
        --out /tmp/synth_1k.tif
    /usr/bin/python3 Benchmarks/make_synthetic_dem.py --out /tmp/synth_100M.tif
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from statistics import NormalDist

import numpy as np

NODATA = -9999.0
EPSG = 32648
# Lower-left corner of the grid in UTM 48N (about 103.0 E, 26.9 N).
ORIGIN_X = 300000.0
ORIGIN_Y_SOUTH = 2980000.0
TILE = 512


def log(msg: str) -> None:
    print(f"[make_synthetic_dem] {msg}", file=sys.stderr, flush=True)


def fractal_field(rows: int, cols: int, cell: float, beta: float,
                  rolloff_m: float, rng: np.random.Generator,
                  chunk_rows: int = 256) -> np.ndarray:
    """Return a zero-mean, unit-variance fractal field as float32 (rows, cols).

    The spectrum is built row chunk by row chunk to avoid large temporaries.
    """
    ncf = cols // 2 + 1
    spec = np.empty((rows, ncf), dtype=np.complex128)
    fy_all = np.fft.fftfreq(rows, d=cell)          # cycles per metre
    fx = np.fft.rfftfreq(cols, d=cell)
    f0sq = (1.0 / rolloff_m) ** 2
    for r0 in range(0, rows, chunk_rows):
        r1 = min(rows, r0 + chunk_rows)
        fy = fy_all[r0:r1, None]
        fsq = fy * fy + fx[None, :] ** 2
        # Power-law spectrum, band-limited below f0: the high-pass factor
        # fsq / (fsq + f0sq) removes continent-sized undulations so that large
        # scale drainage is controlled by the regional tilt.
        amp = (fsq + f0sq) ** (-beta / 4.0) * np.sqrt(fsq / (fsq + f0sq))
        noise = rng.standard_normal((r1 - r0, ncf, 2))
        spec[r0:r1] = amp * (noise[..., 0] + 1j * noise[..., 1])
    spec[0, 0] = 0.0
    field = np.fft.irfft2(spec, s=(rows, cols))
    del spec
    out = np.empty((rows, cols), dtype=np.float32)
    # Standardise in chunks (float64 accumulation), casting to float32.
    total = 0.0
    total_sq = 0.0
    for r0 in range(0, rows, chunk_rows):
        blk = field[r0:r0 + chunk_rows]
        total += float(blk.sum())
        total_sq += float(np.square(blk).sum())
    n = rows * cols
    mean = total / n
    std = math.sqrt(max(total_sq / n - mean * mean, 1e-300))
    for r0 in range(0, rows, chunk_rows):
        out[r0:r0 + chunk_rows] = (field[r0:r0 + chunk_rows] - mean) / std
    del field
    return out


class Terrain:
    """Turns the standardised fractal field into elevations, strip by strip."""

    def __init__(self, args: argparse.Namespace, field: np.ndarray,
                 rng: np.random.Generator):
        self.a = args
        self.field = field
        self.rows, self.cols = field.shape
        # Sinkholes: centres, radii (cells) and depths (m), drawn up front.
        n_pits = int(round(args.pit_density * self.rows * self.cols))
        self.pit_r = rng.integers(0, self.rows, n_pits)
        self.pit_c = rng.integers(0, self.cols, n_pits)
        self.pit_rad = rng.integers(1, 4, n_pits)            # 1..3 cells
        self.pit_depth = rng.uniform(1.0, 6.0, n_pits)
        order = np.argsort(self.pit_r, kind="stable")
        for name in ("pit_r", "pit_c", "pit_rad", "pit_depth"):
            setattr(self, name, getattr(self, name)[order])
        # Lakes (nodata): the lowest parts of the fractal relief, anywhere in
        # the grid; the field is Gaussian with unit variance, so the
        # threshold for a given area fraction is a normal quantile.
        frac = min(max(args.nodata_fraction, 0.0), 0.5)
        self.lake_t = NormalDist().inv_cdf(frac) if frac > 0 else -math.inf

    def base(self, r0: int, r1: int) -> np.ndarray:
        """Elevation before sinkholes, quantisation and lake mask (float64)."""
        a = self.a
        t = self.field[r0:r1].astype(np.float64)
        k = a.softness
        relief = np.logaddexp(0.0, k * t) / k * a.relief     # soft-plus
        north_m = (self.rows - 1 - np.arange(r0, r1, dtype=np.float64)) * a.cell
        east_m = np.arange(self.cols, dtype=np.float64) * a.cell
        tilt = a.tilt * north_m[:, None] + 0.35 * a.tilt * (east_m[-1] - east_m)[None, :]
        return 50.0 + relief + tilt

    def strip(self, r0: int, r1: int) -> np.ndarray:
        """Final float32 elevations for rows [r0, r1) with nodata applied."""
        a = self.a
        z = self.base(r0, r1)
        lake = self.field[r0:r1] < self.lake_t
        # Sinkholes whose bowl reaches into this strip (max radius 3).
        lo = np.searchsorted(self.pit_r, r0 - 3, side="left")
        hi = np.searchsorted(self.pit_r, r1 + 3, side="left")
        for rad in (1, 2, 3):
            sel = np.nonzero(self.pit_rad[lo:hi] == rad)[0] + lo
            if sel.size == 0:
                continue
            for dr in range(-rad, rad + 1):
                for dc in range(-rad, rad + 1):
                    d = math.hypot(dr, dc)
                    if d > rad + 0.5:
                        continue
                    w = 1.0 - d / (rad + 1.0)          # cone-shaped bowl
                    rr = self.pit_r[sel] + dr
                    cc = self.pit_c[sel] + dc
                    ok = (rr >= r0) & (rr < r1) & (cc >= 0) & (cc < self.cols)
                    np.subtract.at(z, (rr[ok] - r0, cc[ok]),
                                   w * self.pit_depth[sel][ok])
        if a.quantum > 0:
            z = np.round(z / a.quantum) * a.quantum
        out = z.astype(np.float32)
        out[lake] = NODATA
        return out


def open_writer(path: str, rows: int, cols: int, cell: float, compress: str):
    """Return (write_strip(r0, arr), close()) using osgeo.gdal or rasterio."""
    x0 = ORIGIN_X
    y0 = ORIGIN_Y_SOUTH + rows * cell
    try:
        from osgeo import gdal, osr  # type: ignore
        gdal.UseExceptions()
        opts = ["TILED=YES", f"BLOCKXSIZE={TILE}", f"BLOCKYSIZE={TILE}",
                "BIGTIFF=IF_SAFER", f"COMPRESS={compress}"]
        if compress != "NONE":
            opts.append("NUM_THREADS=ALL_CPUS")
        ds = gdal.GetDriverByName("GTiff").Create(path, cols, rows, 1,
                                                  gdal.GDT_Float32, opts)
        ds.SetGeoTransform((x0, cell, 0.0, y0, 0.0, -cell))
        srs = osr.SpatialReference()
        srs.ImportFromEPSG(EPSG)
        ds.SetProjection(srs.ExportToWkt())
        band = ds.GetRasterBand(1)
        band.SetNoDataValue(NODATA)

        def write(r0: int, arr: np.ndarray) -> None:
            band.WriteArray(arr, 0, r0)

        def close() -> None:
            nonlocal ds, band
            band.FlushCache()
            band = None
            ds = None

        log(f"writing with GDAL {gdal.__version__}")
        return write, close
    except ImportError:
        pass
    import rasterio  # type: ignore
    from rasterio.transform import Affine  # type: ignore
    from rasterio.windows import Window  # type: ignore
    profile = dict(driver="GTiff", width=cols, height=rows, count=1,
                   dtype="float32", crs=f"EPSG:{EPSG}", nodata=NODATA,
                   transform=Affine(cell, 0.0, x0, 0.0, -cell, y0),
                   tiled=True, blockxsize=TILE, blockysize=TILE,
                   BIGTIFF="IF_SAFER")
    if compress != "NONE":
        profile.update(compress=compress.lower(), num_threads="all_cpus")
    dst = rasterio.open(path, "w", **profile)

    def write(r0: int, arr: np.ndarray) -> None:
        dst.write(arr, 1, window=Window(0, r0, arr.shape[1], arr.shape[0]))

    def close() -> None:
        dst.close()

    log(f"writing with rasterio {rasterio.__version__}")
    return write, close


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--rows", type=int, default=10000)
    p.add_argument("--cols", type=int, default=10000)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--out", default=argparse.SUPPRESS,
                   help="output GeoTIFF [default: synthetic_dem_ROWSxCOLS_sSEED.tif "
                        "in the current directory]")
    p.add_argument("--cell", type=float, default=30.0, help="cell size in metres")
    p.add_argument("--beta", type=float, default=3.2,
                   help="spectral exponent of the power spectrum")
    p.add_argument("--rolloff-km", type=float, default=20.0,
                   help="wavelength above which the spectrum flattens")
    p.add_argument("--relief", type=float, default=450.0,
                   help="metres of relief per standard deviation of the noise")
    p.add_argument("--softness", type=float, default=3.5,
                   help="soft-plus sharpness; larger = flatter lowlands")
    p.add_argument("--tilt", type=float, default=0.002,
                   help="regional slope towards the south edge (m/m)")
    p.add_argument("--pit-density", type=float, default=0.002,
                   help="sinkholes per cell")
    p.add_argument("--quantum", type=float, default=1.0,
                   help="round elevations to this many metres (0 = off)")
    p.add_argument("--nodata-fraction", type=float, default=0.02,
                   help="approximate fraction of cells in nodata lakes")
    p.add_argument("--compress", default="DEFLATE",
                   choices=["DEFLATE", "LZW", "NONE"])
    a = p.parse_args(argv)
    if a.rows < 8 or a.cols < 8:
        p.error("--rows and --cols must be at least 8")
    out = getattr(a, "out", None) or f"synthetic_dem_{a.rows}x{a.cols}_s{a.seed}.tif"

    t0 = time.perf_counter()
    rng = np.random.default_rng(a.seed)
    log(f"{a.rows} x {a.cols} = {a.rows * a.cols / 1e6:.1f} M cells, seed {a.seed}")
    field = fractal_field(a.rows, a.cols, a.cell, a.beta, a.rolloff_km * 1000.0, rng)
    log(f"fractal field done in {time.perf_counter() - t0:.1f} s")
    terrain = Terrain(a, field, rng)
    write, close = open_writer(out, a.rows, a.cols, a.cell, a.compress)
    zmin, zmax, n_nodata = math.inf, -math.inf, 0
    for r0 in range(0, a.rows, TILE):
        r1 = min(a.rows, r0 + TILE)
        z = terrain.strip(r0, r1)
        valid = z != NODATA
        n_nodata += int(z.size - np.count_nonzero(valid))
        if valid.any():
            zmin = min(zmin, float(z[valid].min()))
            zmax = max(zmax, float(z[valid].max()))
        write(r0, z)
    close()
    log(f"wrote {out} in {time.perf_counter() - t0:.1f} s: elevation "
        f"{zmin:.0f}..{zmax:.0f} m, nodata {100.0 * n_nodata / (a.rows * a.cols):.1f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
