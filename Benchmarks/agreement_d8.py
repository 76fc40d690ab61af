#!/usr/bin/env python3
"""Cross-check hydrotool's D8 flow directions and filled DEM against other tools.

Inputs (all on the same grid):

* ``DEM``      the original DEM,
* ``--d8``     hydrotool's D8 raster, ESRI encoding
               (1=E 2=SE 4=S 8=SW 16=W 32=NW 64=N 128=NE, 0 = no flow,
               255 = nodata),
* ``--filled`` hydrotool's filled DEM.

What it reports:

1. **D8 agreement.** An independent steepest-descent tool computes D8 on
   hydrotool's *filled* DEM: whitebox-workflows ``d8_pointer`` and/or pysheds
   ``flowdir``. Their encodings are converted to ESRI (whitebox:
   1=NE 2=E 4=SE 8=S 16=SW 32=W 64=NW 128=N, per its ``d8_pointer`` help
   page; pysheds' default ``dirmap`` is already ESRI). A numpy reference is
   also computed here: for every cell the drop to each neighbour divided by
   the metric distance to it. For a geographic CRS the distances are per row
   on the CRS ellipsoid (WGS84 if unknown): width = N(phi) cos(phi) dlon,
   height = M(phi) dlat, diagonal = hypot(width, height), phi being the
   latitude of the cell's row centre; for a projected CRS they are the cell
   size. Cells are compared only where the answer is unambiguous:

   (a) not modified by filling (hydrotool filled == original DEM),
   (b) not in a flat (some neighbour strictly lower in the filled DEM),
   (c) the steepest neighbour is unique (best slope exceeds the second best
       by more than ``--tie-rtol`` relative),
   (d) interior: all 8 neighbours are inside the grid and valid (tools
       differ in how they route flow off edges and into nodata).

   Agreement is printed for hydrotool vs each tool, hydrotool vs the numpy
   reference and each tool vs the numpy reference. If hydrotool agrees badly
   with the reference, the other common encodings are tried and reported.

2. **Fill check.** Whether hydrotool's filled DEM equals a plain
   Priority-Flood fill of the original DEM (no flat resolution):
   ``pyflwdir.dem.fill_depressions``, which treats every valid cell that
   touches the grid edge or a nodata cell as an outlet (optionally also
   whitebox ``fill_depressions`` with ``fix_flats=False``). Reports the
   number of differing cells and the maximum absolute difference.

Conventions found in the other tools (whitebox-workflows 2.0.6, pysheds 0.5):
on a geographic CRS both treat cells as square (degrees), so they disagree
with a metric D8 wherever the E/W vs N/S choice depends on cos(latitude);
the report then adds a square-cell reference to show this.
whitebox ``fill_depressions(fix_flats=False)`` is not a plain Priority-Flood:
it raises cells that are in no depression (on the Texas example DEM, which
has no pits, 7,559 cells by up to 18 m) and grid-edge cells, so only
pyflwdir is used as the fill reference by default (``--fill-refs
pyflwdir,whitebox`` adds it). whitebox cannot read TIFFs with a predictor (see
``bench_io.py``); such inputs are copied without one first.

Run with the benchmark virtualenv (needs numpy, rasterio, pyproj and at least
one of whitebox-workflows / pysheds / pyflwdir)::

    .venv-bench/bin/python Benchmarks/agreement_d8.py DEM.tif \
        --d8 hydro_d8.tif --filled hydro_filled.tif [--json-out report.json]

Always exits 0 once the inputs could be read (the report is the result);
exits 2 on bad arguments or unreadable/mismatched inputs.

Memory: the inputs and masks are held as whole arrays, the numpy reference
and the fill comparison work in strips of rows, and one tool runs at a time.
Peak is about 50 bytes per cell for the reference alone and about 85 with
whitebox or pysheds (1.3 GB for 16 M cells, 7.6 GB for 100 M).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench_io import whitebox_readable

# Neighbour order used throughout: E, SE, S, SW, W, NW, N, NE (ESRI bits 0..7).
DR = np.array([0, 1, 1, 1, 0, -1, -1, -1])
DC = np.array([1, 1, 0, -1, -1, -1, 0, 1])
ESRI = np.array([1, 2, 4, 8, 16, 32, 64, 128], dtype=np.uint8)
DIAGONAL = (DR != 0) & (DC != 0)
NODATA_D8 = 255

# Lookup tables from other encodings to ESRI (index = code, 0 = no flow).
# Whitebox (clockwise from NE): 1=NE 2=E 4=SE 8=S 16=SW 32=W 64=NW 128=N.
WHITEBOX_TO_ESRI = {1: 128, 2: 1, 4: 2, 8: 4, 16: 8, 32: 16, 64: 32, 128: 64}
# Alternatives tried when hydrotool's codes look wrong (name -> code->ESRI).
ALT_ENCODINGS = {
    "whitebox (1=NE 2=E ... 128=N)": WHITEBOX_TO_ESRI,
    # ESRI with north and south swapped (rows taken bottom-up); this is also
    # what a counter-clockwise 1=E 2=NE 4=N ... 128=SE scheme looks like.
    "esri with N/S swapped": {1: 1, 2: 128, 4: 64, 8: 32, 16: 16, 32: 8, 64: 4, 128: 2},
    "clockwise from N (1=N 2=NE 4=E ...)": {1: 64, 2: 128, 4: 1, 8: 2, 16: 4,
                                            32: 8, 64: 16, 128: 32},
    "TauDEM 1..8 (1=E 2=NE 3=N ... 8=SE)": {1: 1, 2: 128, 3: 64, 4: 32, 5: 16,
                                            6: 8, 7: 4, 8: 2},
}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# I/O
# ---------------------------------------------------------------------------
class Grid:
    """Raster array with its georeferencing (read with rasterio)."""

    def __init__(self, path: str):
        import rasterio
        with rasterio.open(path) as ds:
            self.path = path
            self.array = ds.read(1)
            self.nodata = ds.nodata
            self.transform = ds.transform
            self.crs = ds.crs
            self.shape = (ds.height, ds.width)

    def valid(self) -> np.ndarray:
        a = self.array
        ok = np.ones(a.shape, dtype=bool)
        if self.nodata is not None and not (isinstance(self.nodata, float)
                                            and math.isnan(self.nodata)):
            ok &= a != self.nodata
        if np.issubdtype(a.dtype, np.floating):
            ok &= np.isfinite(a)
        return ok


def to_esri(codes: np.ndarray, mapping: dict[int, int] | None) -> np.ndarray:
    """Convert integer D8 codes to ESRI uint8; unknown codes become 255."""
    c = np.asarray(codes)
    out = np.full(c.shape, NODATA_D8, dtype=np.uint8)
    table = mapping or {int(v): int(v) for v in ESRI}
    for src, dst in table.items():
        out[c == src] = dst
    out[c == 0] = 0
    return out


# ---------------------------------------------------------------------------
# numpy reference: metric steepest descent
# ---------------------------------------------------------------------------
def ellipsoid(crs) -> tuple[float, float]:
    """(semi-major axis in m, first eccentricity squared) of ``crs``."""
    a, inv_f = 6378137.0, 298.257223563            # WGS84
    try:
        from pyproj import CRS
        ell = CRS.from_user_input(crs.to_wkt()).ellipsoid
        if ell is not None and ell.semi_major_metre:
            a = ell.semi_major_metre
            inv_f = ell.inverse_flattening or inv_f
    except Exception:  # noqa: BLE001 - fall back to WGS84
        pass
    f = 1.0 / inv_f
    return a, f * (2.0 - f)


def row_distances(grid: Grid) -> tuple[np.ndarray, np.ndarray]:
    """Per-row cell width and height in metres (projected: CRS units)."""
    rows = grid.shape[0]
    t = grid.transform
    if grid.crs is not None and grid.crs.is_geographic:
        a, e2 = ellipsoid(grid.crs)
        lat = np.radians(t.f + (np.arange(rows) + 0.5) * t.e)
        s2 = np.sin(lat) ** 2
        n_rad = a / np.sqrt(1.0 - e2 * s2)                 # prime vertical
        m_rad = a * (1.0 - e2) / (1.0 - e2 * s2) ** 1.5    # meridional
        width = n_rad * np.cos(lat) * np.radians(abs(t.a))
        height = m_rad * np.radians(abs(t.e))
    else:
        width = np.full(rows, abs(t.a))
        height = np.full(rows, abs(t.e))
    return width, height


def reference_d8(filled: np.ndarray, valid: np.ndarray, width: np.ndarray,
                 height: np.ndarray, tie_rtol: float, strip: int = 512):
    """Steepest-descent D8 (ESRI) and masks from the filled DEM.

    Returns (d8, has_lower, unique, interior); d8 is 0 where no neighbour is
    lower and 255 on nodata.
    """
    rows, cols = filled.shape
    d8 = np.full((rows, cols), NODATA_D8, dtype=np.uint8)
    has_lower = np.zeros((rows, cols), dtype=bool)
    unique = np.zeros((rows, cols), dtype=bool)
    interior = np.zeros((rows, cols), dtype=bool)
    for r0 in range(0, rows, strip):
        r1 = min(rows, r0 + strip)
        n = r1 - r0
        pad = np.full((n + 2, cols + 2), np.nan)
        lo, hi = max(0, r0 - 1), min(rows, r1 + 1)
        pad[1 + lo - r0:1 + hi - r0, 1:-1] = np.where(
            valid[lo:hi], filled[lo:hi].astype(np.float64), np.nan)
        zc = pad[1:-1, 1:-1]
        w = width[r0:r1, None]
        h = height[r0:r1, None]
        diag = np.hypot(w, h)
        slopes = np.empty((8, n, cols))
        inside = np.ones((n, cols), dtype=bool)
        for k in range(8):
            nb = pad[1 + DR[k]:1 + DR[k] + n, 1 + DC[k]:1 + DC[k] + cols]
            dist = diag if DIAGONAL[k] else (w if DR[k] == 0 else h)
            s = (zc - nb) / dist
            nan = np.isnan(s)
            inside &= ~np.isnan(nb)
            s[nan] = -np.inf
            slopes[k] = s
        best_k = np.argmax(slopes, axis=0)
        srt = np.sort(slopes, axis=0)
        best, second = srt[-1], srt[-2]
        ok = ~np.isnan(zc)
        lower = ok & (best > 0)
        with np.errstate(invalid="ignore"):
            uniq = lower & ((best - second) > tie_rtol * best)
        blk = np.where(lower, ESRI[best_k], np.uint8(0))
        blk[~ok] = NODATA_D8
        d8[r0:r1] = blk
        has_lower[r0:r1] = lower
        unique[r0:r1] = uniq
        interior[r0:r1] = inside & ok
    return d8, has_lower, unique, interior


# ---------------------------------------------------------------------------
# independent tools
# ---------------------------------------------------------------------------
def whitebox_d8(filled_path: str) -> tuple[np.ndarray, str]:
    import whitebox_workflows as wbw
    from importlib.metadata import version
    wbe = wbw.WbEnvironment()
    wbe.verbose = False
    with tempfile.TemporaryDirectory(prefix="agreement_wbw_") as tmp:
        path, note = whitebox_readable(filled_path, tmp)
        if note:
            log("note: " + note)
        pntr = wbe.hydrology.d8_pointer(dem=wbe.read_raster(path))
    arr = pntr.to_numpy()                    # float64; nodata is -32768
    arr[~np.isfinite(arr)] = -1
    codes = arr.astype(np.int16)
    del arr, pntr
    return to_esri(codes, WHITEBOX_TO_ESRI), f"whitebox-workflows {version('whitebox-workflows')}"


def pysheds_d8(filled_path: str) -> tuple[np.ndarray, str]:
    from pysheds.grid import Grid as PsGrid
    from importlib.metadata import version
    grid = PsGrid.from_raster(filled_path)
    dem = grid.read_raster(filled_path)
    fdir = grid.flowdir(dem, flats=0, pits=0, nodata_out=NODATA_D8)
    return to_esri(np.asarray(fdir), None), f"pysheds {version('pysheds')}"


def pyflwdir_fill(dem: Grid, valid: np.ndarray) -> tuple[np.ndarray, str]:
    import pyflwdir
    from importlib.metadata import version
    a = dem.array
    work = a.astype(np.float32) if a.dtype.itemsize <= 4 else a.astype(np.float64)
    work = np.where(valid, work, np.nan).astype(work.dtype)
    filled, _ = pyflwdir.dem.fill_depressions(work, nodata=np.nan)
    return filled, f"pyflwdir {version('pyflwdir')} dem.fill_depressions"


def whitebox_fill(dem_path: str) -> tuple[np.ndarray, str]:
    import whitebox_workflows as wbw
    from importlib.metadata import version
    wbe = wbw.WbEnvironment()
    wbe.verbose = False
    with tempfile.TemporaryDirectory(prefix="agreement_wbw_") as tmp:
        path, note = whitebox_readable(dem_path, tmp)
        if note:
            log("note: " + note)
        out = wbe.hydrology.fill_depressions(dem=wbe.read_raster(path), fix_flats=False)
    return out.to_numpy(), (f"whitebox-workflows {version('whitebox-workflows')} "
                            "fill_depressions(fix_flats=False)")


# ---------------------------------------------------------------------------
# report helpers
# ---------------------------------------------------------------------------
def pct(n: int, d: int) -> str:
    return f"{n:,} / {d:,} ({100.0 * n / d:.4f} %)" if d else f"{n:,} / 0"


def agreement(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> dict:
    n = int(mask.sum())
    agree = int(np.count_nonzero((a == b) & mask))
    return {"compared": n, "agree": agree,
            "fraction": agree / n if n else None}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description="Compare hydrotool D8 and filled DEM with independent tools.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("dem", help="original DEM")
    p.add_argument("--d8", required=True, help="hydrotool D8 raster (ESRI codes)")
    p.add_argument("--filled", required=True, help="hydrotool filled DEM")
    p.add_argument("--tools", default="whitebox,pysheds",
                   help="independent D8 tools to try (whitebox, pysheds)")
    p.add_argument("--fill-refs", default="pyflwdir",
                   help="Priority-Flood references, comma-separated: pyflwdir, "
                        "whitebox (whitebox is not a plain Priority-Flood; see the module "
                        "docstring)")
    p.add_argument("--tie-rtol", type=float, default=1e-6,
                   help="relative margin for 'unique steepest neighbour'")
    p.add_argument("--json-out", default=argparse.SUPPRESS,
                   help="also write the report as JSON to this file")
    a = p.parse_args(argv)

    try:
        dem, d8g, filled = Grid(a.dem), Grid(a.d8), Grid(a.filled)
    except Exception as exc:  # noqa: BLE001 - report any read error plainly
        print(f"error: cannot read inputs: {exc}", file=sys.stderr)
        return 2
    if not (dem.shape == d8g.shape == filled.shape):
        print(f"error: grid shapes differ: DEM {dem.shape}, D8 {d8g.shape}, "
              f"filled {filled.shape}", file=sys.stderr)
        return 2
    if not (dem.transform.almost_equals(d8g.transform)
            and dem.transform.almost_equals(filled.transform)):
        log("warning: geotransforms differ between inputs; comparing cell by cell anyway")

    rows, cols = dem.shape
    report: dict = {"dem": a.dem, "d8": a.d8, "filled": a.filled,
                    "rows": rows, "cols": cols,
                    "crs": dem.crs.to_string() if dem.crs else None,
                    "geographic": bool(dem.crs and dem.crs.is_geographic)}
    lines = [f"DEM {a.dem}: {rows} x {cols} = {rows * cols:,} cells, "
             f"{dem.array.dtype}, CRS {report['crs']}"]

    valid = dem.valid()
    fvalid = filled.valid()
    hd8 = d8g.array
    n_valid = int(valid.sum())

    # --- sanity of hydrotool's outputs -----------------------------------
    known = np.isin(hd8, [0, NODATA_D8, *ESRI.tolist()])
    sanity = {
        "valid_cells": n_valid,
        "d8_unknown_codes": int((~known).sum()),
        "d8_nodata_on_valid": int(np.count_nonzero((hd8 == NODATA_D8) & valid)),
        "d8_code_on_nodata": int(np.count_nonzero((hd8 != NODATA_D8) & ~valid)),
        "d8_no_flow_on_valid": int(np.count_nonzero((hd8 == 0) & valid)),
        "filled_nodata_mismatch": int(np.count_nonzero(fvalid != valid)),
    }
    both = valid & fvalid
    fz, dz = filled.array, dem.array        # compared with numpy's upcasting
    below = int(np.count_nonzero(both & (fz < dz)))
    sanity["filled_below_original"] = below
    report["sanity"] = sanity
    lines.append("hydrotool outputs: valid cells {:,}; D8 unknown codes {:,}, "
                 "255 on valid {:,}, code on nodata {:,}, 0 (no flow) {:,}; "
                 "filled nodata mismatch {:,}, filled below original {:,}".format(
                     n_valid, sanity["d8_unknown_codes"], sanity["d8_nodata_on_valid"],
                     sanity["d8_code_on_nodata"], sanity["d8_no_flow_on_valid"],
                     sanity["filled_nodata_mismatch"], below))

    # --- reference and masks ---------------------------------------------
    t0 = time.perf_counter()
    width, height = row_distances(filled)
    ref, has_lower, unique, interior = reference_d8(filled.array, both, width,
                                                    height, a.tie_rtol)
    unmodified = both & (fz == dz)
    mask = unmodified & has_lower & unique & interior
    masks = {"valid": n_valid, "a_unmodified_by_fill": int(unmodified.sum()),
             "b_not_flat": int((both & has_lower).sum()),
             "c_unique_steepest": int(unique.sum()),
             "d_interior": int(interior.sum()), "compared": int(mask.sum())}
    report["masks"] = masks
    report["distances_m"] = {"width_first_row": float(width[0]),
                             "height_first_row": float(height[0])}
    lines.append("cell size (first row): {:.3f} x {:.3f}{}".format(
        width[0], height[0], " m (ellipsoidal, per row)" if report["geographic"] else ""))
    lines.append("cells compared: {} of valid [(a) unmodified by fill {:,}, (b) not flat "
                 "{:,}, (c) unique steepest {:,}, (d) interior {:,}] (reference {:.1f} s)"
                 .format(pct(masks["compared"], n_valid), masks["a_unmodified_by_fill"],
                         masks["b_not_flat"], masks["c_unique_steepest"],
                         masks["d_interior"], time.perf_counter() - t0))

    ref_square = None
    if report["geographic"]:
        # whitebox-workflows and pysheds treat geographic cells as square
        # (cell size in degrees); a square-cell reference shows that their
        # disagreement with hydrotool is that convention, not encoding.
        rows_n = filled.shape[0]
        ref_square, _, unique_sq, _ = reference_d8(
            filled.array, both, np.full(rows_n, abs(filled.transform.a)),
            np.full(rows_n, abs(filled.transform.e)), a.tie_rtol)
        mask_square = mask & unique_sq
        del unique_sq

    hyd = to_esri(hd8, None)
    d8_res: dict = {"hydrotool_vs_reference": agreement(hyd, ref, mask)}
    lines.append("D8 hydrotool vs numpy reference: " + pct(
        d8_res["hydrotool_vs_reference"]["agree"], masks["compared"]))
    frac = d8_res["hydrotool_vs_reference"]["fraction"]
    if frac is not None and frac < 0.9:
        alts = {}
        for name, table in ALT_ENCODINGS.items():
            alts[name] = agreement(to_esri(hd8, table), ref, mask)["fraction"]
        best = max(alts, key=lambda k: alts[k] or 0)
        d8_res["alternative_encodings"] = alts
        lines.append(f"  low agreement: best alternative encoding '{best}' gives "
                     f"{100 * (alts[best] or 0):.2f} % - check the D8 encoding")

    for tool in [t.strip() for t in a.tools.split(",") if t.strip()]:
        fn = {"whitebox": whitebox_d8, "pysheds": pysheds_d8}.get(tool)
        if fn is None:
            lines.append(f"D8 tool {tool}: unknown, skipped")
            continue
        try:
            t1 = time.perf_counter()
            other, label = fn(a.filled)
        except ImportError as exc:
            lines.append(f"D8 tool {tool}: not installed ({exc}), skipped")
            d8_res[tool] = {"skipped": str(exc)}
            continue
        except Exception as exc:  # noqa: BLE001 - keep going with other tools
            lines.append(f"D8 tool {tool}: failed ({exc}), skipped")
            d8_res[tool] = {"failed": str(exc)}
            continue
        res = {"label": label,
               "hydrotool_vs_tool": agreement(hyd, other, mask),
               "tool_vs_reference": agreement(other, ref, mask),
               "tool_vs_square_cell_reference": (agreement(other, ref_square, mask_square)
                                                 if ref_square is not None else None),
               "hydrotool_vs_tool_all_valid_with_flow": agreement(
                   hyd, other, both & has_lower),
               "seconds": time.perf_counter() - t1}
        d8_res[tool] = res
        lines.append(f"D8 hydrotool vs {label}: "
                     + pct(res["hydrotool_vs_tool"]["agree"], masks["compared"])
                     + f"   [{tool} vs reference: "
                     + pct(res["tool_vs_reference"]["agree"], masks["compared"]) + "]")
        allv = res["hydrotool_vs_tool_all_valid_with_flow"]
        lines.append(f"   (all valid non-flat cells, no other filter: "
                     f"{pct(allv['agree'], allv['compared'])})")
        if ref_square is not None:
            sq = res["tool_vs_square_cell_reference"]
            lines.append(f"   geographic CRS: {tool} vs a square-cell (degree) reference: "
                         f"{pct(sq['agree'], sq['compared'])} - it is not metric, so "
                         "only the numpy reference checks hydrotool's distances")
        del other
    report["d8"] = d8_res

    # --- fill check ---------------------------------------------------------
    fill_res: dict = {}
    for refname in [t.strip() for t in a.fill_refs.split(",") if t.strip()]:
        try:
            t1 = time.perf_counter()
            if refname == "pyflwdir":
                pf, label = pyflwdir_fill(dem, valid)
            elif refname == "whitebox":
                pf, label = whitebox_fill(a.dem)
            else:
                lines.append(f"fill reference {refname}: unknown, skipped")
                continue
        except ImportError as exc:
            lines.append(f"fill reference {refname}: not installed ({exc}), skipped")
            fill_res[refname] = {"skipped": str(exc)}
            continue
        except Exception as exc:  # noqa: BLE001
            lines.append(f"fill reference {refname}: failed ({exc}), skipped")
            fill_res[refname] = {"failed": str(exc)}
            continue
        cmp_mask = both
        ndiff = on_border = raised_ref = raised_hyd = 0
        maxdiff = 0.0
        for r0 in range(0, rows, 1024):           # strips keep float64 small
            sl = slice(r0, r0 + 1024)
            m = cmp_mask[sl]
            diff = np.abs(fz[sl].astype(np.float64) - pf[sl].astype(np.float64))
            differs = (diff != 0) & m
            ndiff += int(np.count_nonzero(differs))
            on_border += int(np.count_nonzero(differs & ~interior[sl]))
            if m.any():
                maxdiff = max(maxdiff, float(diff[m].max()))
            raised_ref += int(np.count_nonzero((pf[sl] > dz[sl]) & m))
            raised_hyd += int(np.count_nonzero((fz[sl] > dz[sl]) & m))
        fill_res[refname] = {"label": label, "differing_cells": ndiff,
                             "max_abs_diff": maxdiff, "compared": int(cmp_mask.sum()),
                             "raised_by_reference": raised_ref,
                             "raised_by_hydrotool": raised_hyd,
                             "differing_on_edge_or_next_to_nodata": on_border,
                             "equal": ndiff == 0,
                             "seconds": time.perf_counter() - t1}
        lines.append(f"fill vs {label}: {'EQUAL' if ndiff == 0 else 'DIFFERENT'}; "
                     f"differing cells {pct(ndiff, int(cmp_mask.sum()))}, max |diff| "
                     f"{maxdiff:.6g}; cells raised: hydrotool {raised_hyd:,}, "
                     f"reference {raised_ref:,}"
                     + (f"; {on_border:,} of the differing cells are on the grid edge "
                        "or next to nodata" if ndiff else ""))
        del pf
    report["fill"] = fill_res

    print("\n".join(lines))
    if getattr(a, "json_out", None):
        Path(a.json_out).write_text(json.dumps(report, indent=2) + "\n")
        log(f"JSON written to {a.json_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
