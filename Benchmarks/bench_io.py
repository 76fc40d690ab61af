"""Small GeoTIFF helpers shared by the benchmark scripts.

whitebox-workflows 2.0.6 reads GeoTIFFs written with a TIFF ``Predictor``
(``PREDICTOR=2`` horizontal differencing or ``PREDICTOR=3`` floating point)
without undoing the predictor, so it silently computes on garbage: integers
come back as differences to the left neighbour. All DEMs in the shared data
folder that are DEFLATE-compressed use a predictor, and so do hydrotool's
GTiff outputs. ``whitebox_readable`` hands whitebox a predictor-free copy.
"""

from __future__ import annotations

import os


def tiff_predictor(path: str) -> int:
    """The TIFF predictor of ``path`` (1 = none; 1 for non-TIFF files)."""
    import rasterio
    with rasterio.open(path) as ds:
        if ds.driver != "GTiff":
            return 1
        value = ds.tags(ns="IMAGE_STRUCTURE").get("PREDICTOR", "1")
    try:
        return int(value)
    except ValueError:
        return 1


def plain_copy(src: str, dst: str) -> str:
    """Copy ``src`` to a tiled, DEFLATE-compressed GeoTIFF with no predictor."""
    import rasterio.shutil
    rasterio.shutil.copy(src, dst, driver="GTiff", compress="deflate",
                         tiled=True, blockxsize=512, blockysize=512,
                         BIGTIFF="IF_SAFER", num_threads="all_cpus")
    return dst


def whitebox_readable(path: str, tmpdir: str) -> tuple[str, str | None]:
    """Return (path whitebox can read correctly, note or None)."""
    pred = tiff_predictor(path)
    if pred == 1:
        return path, None
    base = os.path.splitext(os.path.basename(path))[0]
    dst = plain_copy(path, os.path.join(tmpdir, f"{base}_nopredictor.tif"))
    return dst, (f"{os.path.basename(path)} has TIFF PREDICTOR={pred}, which "
                 "whitebox-workflows does not decode; it was given a "
                 "predictor-free copy")
