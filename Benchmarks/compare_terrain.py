#!/usr/bin/env python3
"""Benchmark "fill depressions + D8 flow direction + flow accumulation".

Runs the same terrain pipeline with hydrotool and with the other tools that
are installed (``--tools``), each in its own subprocess measured by ``/usr/bin/time -v``
(wall-clock seconds and peak resident set size), and prints a Markdown table
(also written, with all raw numbers, to a JSON file).

Run it with the benchmark virtualenv's Python (see ``requirements.txt``)::

    .venv-bench/bin/python Benchmarks/compare_terrain.py DEM.tif
    .venv-bench/bin/python Benchmarks/compare_terrain.py DEM.tif \
        --tools hydrotool,whitebox --repeat 3 --json-out results.json

Tools and the pipeline each one runs (nothing is written to disk except by
GRASS and SAGA, which need their own raster formats):

==========  ==================================================================
hydrotool   ``hydrotool bench terrain DEM --threads N --json`` (in-process
            fill + flowdir + accumulate; path set by ``--hydrotool``)
whitebox    whitebox-workflows: ``fill_depressions`` (priority-flood, flats
            fixed with a small gradient) -> ``d8_pointer`` ->
            ``d8_flow_accum`` (cells); ``max_procs = N``. A DEM with a TIFF
            predictor is first copied without one (outside the timing):
            whitebox-workflows 2.0.6 cannot decode predictors.
pyflwdir    ``pyflwdir.dem.fill_depressions`` (priority-flood; its D8 is
            the flooding order, not steepest descent) -> ``FlwdirRaster`` ->
            ``upstream_area('cell')``; single-threaded numba
pysheds     ``fill_pits`` -> ``fill_depressions`` -> ``resolve_flats`` ->
            ``flowdir`` (D8) -> ``accumulation``; numba
grass       ``r.in.gdal`` -> ``r.fill.dir`` -> ``r.watershed -s`` (SFD = D8)
            in a throw-away location; single-threaded. Not in the default
            ``--tools`` because ``r.fill.dir`` is iterative and very slow on
            big flats (5 min for 16 M cells); ask with ``--tools all``.
saga        ``ta_preprocessor 5`` (Fill Sinks XXL, Wang & Liu) ->
            ``ta_hydrology 0`` (top-down accumulation, D8); ``--cores=N``
==========  ==================================================================

Columns: *wall s* is the whole subprocess (interpreter start-up, imports,
JIT compilation, reading the DEM) as measured by ``/usr/bin/time``;
*compute s* is the pipeline alone as timed inside the process (for the
numba-based tools after a warm-up call on a tiny grid, so it excludes JIT
compilation); *Mcells/s* is total grid cells / compute s (wall s when a tool
reports no compute time); *peak RSS MiB* and *bytes/cell* come from the
maximum resident set size (``/usr/bin/time``), bytes/cell = peak RSS / total
grid cells (so small grids are dominated by the interpreter's baseline).
With ``--repeat N`` the run with the smallest wall time is reported.
The very first pysheds/pyflwdir run after installing them compiles numba's
on-disk cache (pysheds: ~50 s of wall time); later runs load it.

hydrotool JSON: the last JSON object on stdout is stored verbatim under
``details``. Timings are read from snake_case or camelCase keys, at the top
level or inside ``timings``: compute time from ``pipelineSeconds`` /
``compute_seconds`` / ``total_seconds`` / ``seconds`` (else the sum of the
step times), steps from ``readSeconds``, ``fillSeconds``,
``flowDirectionSeconds``, ``accumulationSeconds`` (or ``read_seconds``,
``fill_seconds``, ``flowdir_seconds``, ``accumulate_seconds``). The version
comes from a ``version`` key or ``hydrotool --version``. hydrotool 0.1.0
prints e.g.::

    {"cells": 70848, "fillSeconds": 0.0166, "flowDirectionSeconds": 0.0129,
     "accumulationSeconds": 0.0025, "pipelineSeconds": 0.0320,
     "readSeconds": 0.0215, "peakResidentBytes": 66519040, "threads": 2, ...}

Its own ``peakResidentBytes`` is kept in ``details``; the table uses the
``/usr/bin/time`` figure for every tool alike.

Tools that are not installed are reported as ``skipped``; a tool that fails
or exceeds ``--timeout`` is reported as ``failed``/``timeout`` and the rest
still run. Worker threads are limited with ``--threads`` (default 2) and the
OMP/NUMBA/RAYON thread environment variables.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_io import whitebox_readable

REPO_ROOT = Path(__file__).resolve().parent.parent
ALL_TOOLS = ["hydrotool", "hydrotool-eps", "whitebox", "pyflwdir", "pysheds", "saga", "grass"]
# GRASS r.fill.dir is iterative and very slow on large flat areas (about 5 min
# for the 16 M-cell synthetic DEM), so it only runs when asked for.
# hydrotool-eps: flats drained by an epsilon fill, as whitebox's fix_flats does.
DEFAULT_TOOLS = ["hydrotool", "hydrotool-eps", "whitebox", "pyflwdir", "pysheds", "saga"]
SKIP_EXIT = 3           # worker exit code meaning "tool not available"
TIME_BIN = "/usr/bin/time"


# --------------------------------------------------------------------------
# Workers: each runs inside its own measured subprocess and prints one JSON
# object (prefixed by RESULT_TAG) on stdout.
# --------------------------------------------------------------------------
RESULT_TAG = "@@RESULT@@"


def _emit(result: dict) -> None:
    print(RESULT_TAG + json.dumps(result), flush=True)


def _skip(reason: str) -> None:
    _emit({"skipped": reason})
    sys.exit(SKIP_EXIT)


def _pkg_version(dist: str) -> str:
    from importlib.metadata import version
    try:
        return version(dist)
    except Exception:  # noqa: BLE001 - any failure just means "unknown"
        return "?"


def worker_whitebox(dem: str, threads: int) -> dict:
    try:
        import whitebox_workflows as wbw
    except ImportError as exc:
        _skip(f"whitebox-workflows not importable: {exc}")
    wbe = wbw.WbEnvironment()
    wbe.max_procs = threads
    wbe.verbose = False
    hyd = wbe.hydrology
    t0 = time.perf_counter()
    raster = wbe.read_raster(dem)
    t1 = time.perf_counter()
    filled = hyd.fill_depressions(dem=raster, fix_flats=True)
    t2 = time.perf_counter()
    pntr = hyd.d8_pointer(dem=filled)
    t3 = time.perf_counter()
    hyd.d8_flow_accum(input=pntr, input_is_pointer=True, out_type="cells")
    t4 = time.perf_counter()
    return {"version": _pkg_version("whitebox-workflows"),
            "steps": "fill_depressions(fix_flats) > d8_pointer > d8_flow_accum "
                     "(read_raster is lazy: the read happens inside fill)",
            "read_seconds": t1 - t0, "fill_seconds": t2 - t1,
            "flowdir_seconds": t3 - t2, "accumulate_seconds": t4 - t3,
            "compute_seconds": t4 - t1}


def _read_rasterio(dem: str):
    import rasterio
    with rasterio.open(dem) as ds:
        return ds.read(1), ds.nodata, ds.transform, ds.crs


def worker_pyflwdir(dem: str, threads: int) -> dict:
    try:
        import numpy as np
        import pyflwdir
    except ImportError as exc:
        _skip(f"pyflwdir not importable: {exc}")
    t0 = time.perf_counter()
    data, nodata, transform, crs = _read_rasterio(dem)
    t1 = time.perf_counter()
    nodata = -9999.0 if nodata is None else nodata
    latlon = bool(crs is not None and crs.is_geographic)

    def pipeline(z, nd, tr):
        _filled, d8 = pyflwdir.dem.fill_depressions(z, nodata=nd)
        flw = pyflwdir.from_array(d8, ftype="d8", check_ftype=False,
                                  transform=tr, latlon=latlon)
        return flw.upstream_area(unit="cell")

    # Warm-up on a tiny grid so numba compilation is not in compute time.
    rng = np.random.default_rng(0)
    small = rng.uniform(0, 10, (16, 16)).astype(data.dtype)
    pipeline(small, nodata, transform)
    t2 = time.perf_counter()
    filled, d8 = pyflwdir.dem.fill_depressions(data, nodata=nodata)
    t3 = time.perf_counter()
    flw = pyflwdir.from_array(d8, ftype="d8", check_ftype=False,
                              transform=transform, latlon=latlon)
    t4 = time.perf_counter()
    flw.upstream_area(unit="cell")
    t5 = time.perf_counter()
    del filled
    return {"version": _pkg_version("pyflwdir"),
            "steps": "dem.fill_depressions (+flood-order D8) > from_array > "
                     "upstream_area (includes cell ordering)",
            "read_seconds": t1 - t0, "warmup_seconds": t2 - t1,
            "fill_seconds": t3 - t2, "flowdir_seconds": t4 - t3,
            "accumulate_seconds": t5 - t4, "compute_seconds": t5 - t2}


def worker_pysheds(dem: str, threads: int) -> dict:
    try:
        import numpy as np
        from pysheds.grid import Grid
        from pysheds.sview import Raster, ViewFinder
    except ImportError as exc:
        _skip(f"pysheds not importable: {exc}")

    def pipeline(grid, raster):
        pits = grid.fill_pits(raster)
        flooded = grid.fill_depressions(pits)
        inflated = grid.resolve_flats(flooded)
        fdir = grid.flowdir(inflated)
        return grid.accumulation(fdir)

    # Warm-up (numba) on a tiny grid.
    small = np.random.default_rng(0).uniform(0, 10, (16, 16))
    vf = ViewFinder(shape=small.shape, nodata=-9999.0)
    pipeline(Grid(viewfinder=vf), Raster(small, viewfinder=vf))

    t0 = time.perf_counter()
    grid = Grid.from_raster(dem)
    raster = grid.read_raster(dem)
    t1 = time.perf_counter()
    pits = grid.fill_pits(raster)
    flooded = grid.fill_depressions(pits)
    del pits
    inflated = grid.resolve_flats(flooded)
    del flooded
    t2 = time.perf_counter()
    fdir = grid.flowdir(inflated)
    del inflated
    t3 = time.perf_counter()
    grid.accumulation(fdir)
    t4 = time.perf_counter()
    return {"version": _pkg_version("pysheds"),
            "steps": "fill_pits > fill_depressions > resolve_flats > flowdir > accumulation",
            "read_seconds": t1 - t0, "fill_seconds": t2 - t1,
            "flowdir_seconds": t3 - t2, "accumulate_seconds": t4 - t3,
            "compute_seconds": t4 - t1}


def _run_timed(cmd: list[str], env: dict | None = None) -> float:
    t = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:])
        raise RuntimeError(f"{' '.join(cmd[:4])}... exited {proc.returncode}")
    return time.perf_counter() - t


def worker_grass(dem: str, threads: int) -> dict:
    grass = shutil.which("grass")
    if grass is None:
        _skip("grass not on PATH (Debian package grass-core)")
    vproc = subprocess.run([grass, "--version"], capture_output=True, text=True)
    m = re.search(r"GRASS GIS\s+(\S+)", vproc.stdout + vproc.stderr)
    version = m.group(1) if m else "?"
    with tempfile.TemporaryDirectory(prefix="bench_grass_") as tmp:
        loc = os.path.join(tmp, "loc")
        env = dict(os.environ, GRASS_OVERWRITE="1", GRASS_VERBOSE="-1")
        _run_timed([grass, "-c", dem, "-e", loc], env)
        mapset = os.path.join(loc, "PERMANENT")

        def gx(*args: str) -> float:
            return _run_timed([grass, mapset, "--exec", *args], env)

        t_read = gx("r.in.gdal", f"input={dem}", "output=dem")
        t_fill = gx("r.fill.dir", "input=dem", "output=filled",
                    "direction=fdir", "format=grass")
        t_acc = gx("r.watershed", "-s", "elevation=filled",
                   "accumulation=acc", "drainage=drain")
    return {"version": version,
            "steps": "r.in.gdal > r.fill.dir > r.watershed -s",
            "read_seconds": t_read, "fill_seconds": t_fill,
            "accumulate_seconds": t_acc,
            "compute_seconds": t_fill + t_acc,
            "note": "each step is a separate GRASS process (start-up included)"}


def worker_saga(dem: str, threads: int) -> dict:
    saga = shutil.which("saga_cmd")
    if saga is None:
        _skip("saga_cmd not on PATH (Debian package saga)")
    out = subprocess.run([saga, "--version"], capture_output=True, text=True).stdout
    m = re.search(r"SAGA Version:\s*(\S+)", out)
    version = m.group(1) if m else "?"
    with tempfile.TemporaryDirectory(prefix="bench_saga_") as tmp:
        filled = os.path.join(tmp, "filled.sdat")
        acc = os.path.join(tmp, "acc.sdat")
        base = [saga, f"--cores={threads}", "--flags=s"]
        t_fill = _run_timed(base + ["ta_preprocessor", "5", "-ELEV", dem,
                                    "-FILLED", filled])
        t_acc = _run_timed(base + ["ta_hydrology", "0", "-ELEVATION", filled,
                                   "-FLOW", acc, "-METHOD", "0",
                                   "-FLOW_UNIT", "0"])
    return {"version": version,
            "steps": "ta_preprocessor 5 (Fill Sinks XXL) > ta_hydrology 0 (D8)",
            "fill_seconds": t_fill, "accumulate_seconds": t_acc,
            "compute_seconds": t_fill + t_acc,
            "note": "SAGA reads the GeoTIFF and writes SAGA grids inside these times"}


WORKERS = {"whitebox": worker_whitebox, "pyflwdir": worker_pyflwdir,
           "pysheds": worker_pysheds, "grass": worker_grass,
           "saga": worker_saga}


def run_worker(tool: str, dem: str, threads: int) -> int:
    result = WORKERS[tool](dem, threads)
    _emit(result)
    return 0


# --------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------
def thread_env(threads: int) -> dict:
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "NUMBA_NUM_THREADS", "RAYON_NUM_THREADS",
                "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    return env


def parse_time_v(text: str) -> dict:
    """Extract wall seconds and max RSS (bytes) from ``/usr/bin/time -v``."""
    res: dict = {}
    m = re.search(r"Elapsed \(wall clock\) time.*?:\s*(?:(\d+):)?(\d+):([\d.]+)", text)
    if m:
        h = int(m.group(1) or 0)
        res["wall_seconds"] = h * 3600 + int(m.group(2)) * 60 + float(m.group(3))
    m = re.search(r"Maximum resident set size \(kbytes\):\s*(\d+)", text)
    if m:
        res["peak_rss_bytes"] = int(m.group(1)) * 1024
    m = re.search(r"Exit status:\s*(\d+)", text)
    if m:
        res["exit_status"] = int(m.group(1))
    return res


# Stand-in for ``/usr/bin/time -v -o FILE`` when the Debian package ``time``
# is missing: runs the command, then writes the same three lines.
_TIME_FALLBACK = r"""
import resource, subprocess, sys, time
t0 = time.perf_counter()
rc = subprocess.call(sys.argv[2:])
wall = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
with open(sys.argv[1], "w") as f:
    f.write("Elapsed (wall clock) time (h:mm:ss or m:ss): %d:%d:%06.3f\n"
            % (wall // 3600, wall % 3600 // 60, wall % 60))
    f.write("Maximum resident set size (kbytes): %d\n" % rss)
    f.write("Exit status: %d\n" % (rc if rc >= 0 else 128 - rc))
sys.exit(rc if rc >= 0 else 128 - rc)
"""


def measured_run(cmd: list[str], env: dict, timeout: float) -> dict:
    """Run ``cmd`` under ``/usr/bin/time -v`` (or a Python stand-in)."""
    use_time = os.access(TIME_BIN, os.X_OK)
    with tempfile.NamedTemporaryFile("r", suffix=".time", delete=False) as tf:
        time_file = tf.name
    if use_time:
        full = [TIME_BIN, "-v", "-o", time_file] + cmd
    else:
        full = [sys.executable, "-c", _TIME_FALLBACK, time_file] + cmd
    t0 = time.perf_counter()
    proc = subprocess.Popen(full, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    timed_out = False
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(proc.pid, 9)
        stdout, stderr = proc.communicate()
    wall = time.perf_counter() - t0
    res = {"returncode": proc.returncode, "stdout": stdout, "stderr": stderr,
           "timed_out": timed_out, "wall_seconds": wall,
           "measured_by": TIME_BIN if use_time else "python rusage stand-in"}
    try:
        res.update(parse_time_v(Path(time_file).read_text()))
    except OSError:
        pass
    if "exit_status" in res:
        res["returncode"] = res.pop("exit_status")
    os.unlink(time_file)
    return res


def last_json_object(text: str) -> dict | None:
    """Return the last JSON object found in ``text`` (tagged or not)."""
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith(RESULT_TAG):
            line = line[len(RESULT_TAG):]
        if line.startswith("{"):
            try:
                obj = json.loads(line)
                if isinstance(obj, dict):
                    return obj
            except json.JSONDecodeError:
                pass
    start = text.find("{")
    if start >= 0:          # a pretty-printed, multi-line object
        try:
            obj = json.loads(text[start:text.rfind("}") + 1])
            if isinstance(obj, dict):
                return obj
        except json.JSONDecodeError:
            pass
    return None


# Accepted spellings of the timing fields in hydrotool's JSON.
TIMING_ALIASES = {
    "read_seconds": ("read_seconds", "readSeconds"),
    "fill_seconds": ("fill_seconds", "fillSeconds"),
    "flowdir_seconds": ("flowdir_seconds", "flowdirSeconds",
                        "flowDirectionSeconds", "flow_direction_seconds"),
    "accumulate_seconds": ("accumulate_seconds", "accumulateSeconds",
                           "accumulationSeconds", "accumulation_seconds"),
    "compute_seconds": ("compute_seconds", "computeSeconds", "pipeline_seconds",
                        "pipelineSeconds", "total_seconds", "totalSeconds", "seconds"),
}


def normalise_timings(obj: dict) -> dict:
    """Map hydrotool's timing keys (snake or camel case, top level or inside
    ``timings``) to this script's names; derive compute = fill+flowdir+acc."""
    scopes = [obj]
    if isinstance(obj.get("timings"), dict):
        scopes.append(obj["timings"])
    out: dict = {}
    for canon, names in TIMING_ALIASES.items():
        for scope in scopes:
            hit = next((scope[n] for n in names
                        if isinstance(scope.get(n), (int, float))), None)
            if hit is not None:
                out[canon] = float(hit)
                break
    steps = [out.get(k) for k in ("fill_seconds", "flowdir_seconds", "accumulate_seconds")]
    if "compute_seconds" not in out and all(v is not None for v in steps):
        out["compute_seconds"] = sum(steps)
    return out


def hydrotool_version(exe: str) -> str:
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True,
                             timeout=30)
        text = (out.stdout or out.stderr).strip().splitlines()
        return text[0] if text and out.returncode == 0 else "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


def dem_info(dem: str) -> dict:
    try:
        import rasterio
        with rasterio.open(dem) as ds:
            return {"rows": ds.height, "cols": ds.width, "dtype": ds.dtypes[0],
                    "nodata": ds.nodata,
                    "crs": ds.crs.to_string() if ds.crs else None,
                    "cell_size": [ds.transform.a, -ds.transform.e]}
    except ImportError:
        out = subprocess.run(["gdalinfo", "-json", dem], capture_output=True,
                             text=True, check=True).stdout
        info = json.loads(out)
        band = info["bands"][0]
        gt = info.get("geoTransform", [0, 1, 0, 0, 0, -1])
        return {"rows": info["size"][1], "cols": info["size"][0],
                "dtype": band.get("type"), "nodata": band.get("noDataValue"),
                "crs": None, "cell_size": [gt[1], -gt[5]]}


def machine_info() -> dict:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = None
    try:
        m = re.search(r"MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text())
        mem = int(m.group(1)) * 1024 if m else None
    except OSError:
        pass
    return {"cpu": cpu, "logical_cpus": os.cpu_count(), "mem_bytes": mem,
            "platform": platform.platform(), "python": platform.python_version()}


def run_tool(tool: str, args: argparse.Namespace, cells: int) -> dict:
    env = thread_env(args.threads)
    row: dict = {"tool": tool, "status": "ok", "version": "?"}
    if tool in ("hydrotool", "hydrotool-eps"):
        exe = args.hydrotool
        if not (os.path.isfile(exe) and os.access(exe, os.X_OK)):
            row.update(status="skipped", reason=f"{exe} not found (swift build -c release)")
            return row
        cmd = [exe, "bench", "terrain", args.dem, "--threads", str(args.threads), "--json"]
        if tool == "hydrotool-eps":
            cmd.append("--epsilon")
        row["version"] = hydrotool_version(exe)
        row["steps"] = "bench terrain (in-process fill > flowdir > accumulate)" + (" with --epsilon" if tool == "hydrotool-eps" else "")
    else:
        dem = args.dem
        if tool == "whitebox":
            # Outside the measured run: whitebox cannot decode TIFF predictors.
            try:
                dem, note = whitebox_readable(args.dem, args.tmpdir)
            except ImportError:     # no rasterio: the worker will skip anyway
                note = None
            if note:
                row["note"] = note
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", tool,
               dem, "--threads", str(args.threads)]
    best = None
    for _ in range(args.repeat):
        res = measured_run(cmd, env, args.timeout)
        payload = last_json_object(res["stdout"]) or {}
        if res["timed_out"]:
            row.update(status="timeout", reason=f"exceeded {args.timeout:g} s")
            return row
        if tool != "hydrotool" and res["returncode"] == SKIP_EXIT and "skipped" in payload:
            row.update(status="skipped", reason=payload["skipped"])
            return row
        if res["returncode"] != 0:
            tail = (res["stderr"] or res["stdout"]).strip().splitlines()[-5:]
            row.update(status="failed", reason=f"exit {res['returncode']}: " + " | ".join(tail))
            return row
        if tool.startswith("hydrotool") and not payload:
            row.update(status="failed", reason="no JSON object on stdout")
            return row
        if best is None or res["wall_seconds"] < best[0]["wall_seconds"]:
            best = (res, payload)
    res, payload = best
    if tool.startswith("hydrotool"):
        timings = normalise_timings(payload)
        compute = timings.get("compute_seconds")
        row["timings"] = timings
        if payload.get("version"):
            row["version"] = str(payload["version"])
    else:
        compute = payload.get("compute_seconds")
        row["timings"] = normalise_timings(payload)
        row["version"] = payload.get("version", "?")
        row["steps"] = payload.get("steps")
    row["wall_seconds"] = res["wall_seconds"]
    row["compute_seconds"] = compute
    row["peak_rss_bytes"] = res.get("peak_rss_bytes")
    basis = compute if compute else res["wall_seconds"]
    row["mcells_per_second"] = cells / basis / 1e6 if basis else None
    row["bytes_per_cell"] = (row["peak_rss_bytes"] / cells
                             if row["peak_rss_bytes"] else None)
    row["measured_by"] = res["measured_by"]
    row["details"] = payload
    return row


def fmt(val, spec: str) -> str:
    return "–" if val is None else format(val, spec)


def markdown_table(rows: list[dict], title: str) -> str:
    out = [title, "",
           "| tool | version | wall s | compute s | Mcells/s | peak RSS MiB | bytes/cell | status |",
           "|---|---|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        rss = r.get("peak_rss_bytes")
        status = r["status"] if r["status"] == "ok" else f"{r['status']}: {r.get('reason', '')}"
        out.append("| {} | {} | {} | {} | {} | {} | {} | {} |".format(
            r["tool"], r.get("version", "?"), fmt(r.get("wall_seconds"), ".2f"),
            fmt(r.get("compute_seconds"), ".2f"), fmt(r.get("mcells_per_second"), ".2f"),
            fmt(rss / 2**20 if rss else None, ".0f"), fmt(r.get("bytes_per_cell"), ".1f"),
            status.replace("|", "/")))
    out += ["", "Per-step seconds (as timed inside each tool's process):", "",
            "| tool | read | fill | flowdir | accumulate | steps |",
            "|---|---:|---:|---:|---:|---|"]
    for r in rows:
        if r["status"] != "ok":
            continue
        timings = r.get("timings") or {}
        out.append("| {} | {} | {} | {} | {} | {} |".format(
            r["tool"], *(fmt(_num(timings.get(k)), ".3f") for k in
                         ("read_seconds", "fill_seconds", "flowdir_seconds",
                          "accumulate_seconds")),
            r.get("steps") or ""))
    notes = [f"- {r['tool']}: {r['note']}" for r in rows if r.get("note")]
    if notes:
        out += ["", "Notes:", ""] + notes
    return "\n".join(out)


def _num(val):
    return val if isinstance(val, (int, float)) else None


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description="Benchmark fill + D8 flow direction + flow accumulation "
                    "across hydrotool and other installed tools.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("dem", help="input DEM (GeoTIFF or anything GDAL reads)")
    p.add_argument("--hydrotool", default=str(REPO_ROOT / ".build" / "release" / "hydrotool"),
                   help="hydrotool executable")
    p.add_argument("--tools", default=",".join(DEFAULT_TOOLS),
                   help="comma-separated subset of: " + ",".join(ALL_TOOLS)
                   + ", or 'all'")
    p.add_argument("--threads", type=int, default=2,
                   help="threads for every tool that can use more than one")
    p.add_argument("--repeat", type=int, default=1,
                   help="runs per tool; the fastest (wall) is reported")
    p.add_argument("--timeout", type=float, default=3600.0,
                   help="seconds per tool run")
    p.add_argument("--json-out", default=argparse.SUPPRESS,
                   help="JSON results file [default: terrain_bench_<DEM name>.json "
                        "in the current directory]")
    p.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.worker:
        return run_worker(args.worker, args.dem, args.threads)

    if args.repeat < 1 or args.threads < 1:
        p.error("--repeat and --threads must be at least 1")
    args.dem = os.path.abspath(args.dem)
    if not os.path.exists(args.dem):
        p.error(f"DEM not found: {args.dem}")
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    if tools == ["all"]:
        tools = list(ALL_TOOLS)
    unknown = [t for t in tools if t not in ALL_TOOLS]
    if unknown:
        p.error(f"unknown tool(s): {', '.join(unknown)}")
    if not os.access(TIME_BIN, os.X_OK):
        print(f"warning: {TIME_BIN} missing (apt-get install time); "
              "measuring with a Python rusage stand-in", file=sys.stderr)

    try:
        info = dem_info(args.dem)
    except Exception as exc:  # noqa: BLE001 - unreadable DEM: plain message
        p.error(f"cannot read DEM {args.dem}: {exc}")
    cells = info["rows"] * info["cols"]
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_terrain_") as tmpdir:
        args.tmpdir = tmpdir
        for tool in tools:
            print(f"running {tool} ...", file=sys.stderr, flush=True)
            row = run_tool(tool, args, cells)
            rows.append(row)
            if row.get("note"):
                print(f"  note: {row['note']}", file=sys.stderr)
            if row["status"] != "ok":
                print(f"  {row['status']}: {row.get('reason', '')}", file=sys.stderr)
            else:
                print(f"  wall {row['wall_seconds']:.2f} s, compute "
                      f"{fmt(row['compute_seconds'], '.2f')} s", file=sys.stderr)

    title = (f"### fill + D8 + accumulation: {os.path.basename(args.dem)} "
             f"({info['rows']} x {info['cols']} = {cells / 1e6:.2f} M cells, "
             f"{info['dtype']}, {args.threads} threads)")
    table = markdown_table(rows, title)
    print(table)
    json_out = getattr(args, "json_out", None) or f"terrain_bench_{Path(args.dem).stem}.json"
    doc = {"created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
           "dem": args.dem, "dem_info": info, "cells": cells,
           "threads": args.threads, "repeat": args.repeat,
           "machine": machine_info(), "results": rows, "markdown": table}
    Path(json_out).write_text(json.dumps(doc, indent=2, default=str) + "\n")
    print(f"\nJSON written to {json_out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
