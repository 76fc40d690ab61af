#!/usr/bin/env bash
# Distributed tiled processing: `mpirun -np 1, 2 and 4 hydrotool tiles` give the same cells as the
# out-of-core run (which the Swift tests compare with the in-memory pipeline), the manifest records
# the rank count, a rank killed mid-run ends the job with an error and no output folder, and an
# executable without libHydroMPI.so beside it refuses mpirun with a one-line error.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v mpirun >/dev/null || { echo "test-mpi: mpirun not found (bash scripts/install-test-deps-mpi.sh installs openmpi-bin)" >&2; exit 1; }
bin="$(swift build --show-bin-path)/hydrotool"
[ -f "$(dirname "$bin")/libHydroMPI.so" ] || { echo "test-mpi: $(dirname "$bin")/libHydroMPI.so is missing (swift build builds it once Open MPI is installed)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
launch=(mpirun --oversubscribe)
[ "$(id -u)" -eq 0 ] && launch+=(--allow-run-as-root)
# Runs an mpirun command in the background (stderr to $1), and once `$2` (a shell test) holds and its
# rank 1 is found by the command line `$3`, waits `$4` seconds and kills that rank; then the job must
# exit non-zero. Sets `status` to its exit code.
kill_rank_one() {
  local err=$1 ready=$2 pattern=$3 settle=$4 victim=""
  shift 4
  "$@" 2>"$err" &
  local job=$!
  for _ in $(seq 1 300); do
    sleep 0.2
    if eval "$ready"; then
      for pid in $(pgrep -f "$pattern" || true); do
        if tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=1"; then victim=$pid; fi
      done
    fi
    [ -n "$victim" ] && break
  done
  [ -n "$victim" ] || { echo "test-mpi: found no rank 1 of '$pattern' to kill" >&2; kill "$job"; exit 1; }
  sleep "$settle"
  kill -9 "$victim"
  set +e
  wait "$job"
  status=$?
  set -e
  [ "$status" -ne 0 ] || { echo "test-mpi: '$pattern' with a killed rank exited 0" >&2; exit 1; }
}
/usr/bin/python3 scripts/make-tiles-dem.py "$work/dem.tif" 301 187 5
"$bin" tiles "$work/dem.tif" "$work/local" --tile-size 40x33 --units km2 -q
# A weight raster read by tiles on the rank visiting each (the DEM's own heights: any raster on its grid).
"$bin" tiles "$work/dem.tif" "$work/local-weight" --tile-size 40x33 --weight "$work/dem.tif" -q
for np in 1 2 4; do
  "${launch[@]}" -np "$np" "$bin" tiles "$work/dem.tif" "$work/np$np" --tile-size 40x33 --units km2 -q
  for product in filled flowdir accumulation; do
    /usr/bin/python3 scripts/compare-rasters.py "$work/local/$product.vrt" "$work/np$np/$product.vrt"
  done
  grep -q "\"ranks\" : $np" "$work/np$np/tiling.json" || { echo "test-mpi: tiling.json of -np $np does not record $np ranks" >&2; exit 1; }
  "${launch[@]}" -np "$np" "$bin" tiles "$work/dem.tif" "$work/np$np-weight" --tile-size 40x33 --weight "$work/dem.tif" -q
  /usr/bin/python3 scripts/compare-rasters.py "$work/local-weight/accumulation.vrt" "$work/np$np-weight/accumulation.vrt"
  echo "test-mpi: -np $np equals the out-of-core run (cells in km² and a weight raster)"
done
# A project run with --tiles (loads routed and attributed by tiles): -np 1, 2 and 4 write the
# figures of the run in one piece (rasters cell for cell in every band, tables byte for byte).
"$bin" demo --output "$work/demo" --size 120 -q >/dev/null
"$bin" attribute "$work/demo/project.toml" --output "$work/whole" -q >/dev/null
for np in 1 2 4; do
  "${launch[@]}" -np "$np" "$bin" attribute "$work/demo/project.toml" --output "$work/run-np$np" -q --tiles --tile-size 37x23 >/dev/null
  for f in "$work/whole"/*; do
    name=$(basename "$f")
    case "$name" in
      *.tif) /usr/bin/python3 scripts/compare-rasters.py "$f" "$work/run-np$np/$name" ;;
      attribution.json|*.aux.xml) ;;  # attribution.json names its output folder
      *) cmp -s "$f" "$work/run-np$np/$name" || { echo "test-mpi: run --tiles -np $np: $name differs from the run in one piece" >&2; exit 1; } ;;
    esac
  done
  if ls -A "$work/run-np$np" | grep -q '^\.hydrotool-tmp-'; then echo "test-mpi: run --tiles -np $np left its tile files" >&2; exit 1; fi
  echo "test-mpi: run --tiles -np $np equals the run in one piece ($(ls "$work/whole" | wc -l) outputs)"
done
# A rank killed during the tiled passes: non-zero exit, a message, and none of the loads step's outputs.
kill_rank_one "$work/run-killed.err" "ls -A \"$work/run-killed\" 2>/dev/null | grep -q -- '-tiles\$'" \
  "hydrotool attribute $work/demo/project.toml --output $work/run-killed" 0 \
  "${launch[@]}" -np 3 "$bin" attribute "$work/demo/project.toml" --output "$work/run-killed" -q --tiles --tile-size 8
for name in loads.tif section_loads.csv attribution.csv; do
  [ ! -e "$work/run-killed/$name" ] || { echo "test-mpi: run --tiles with a killed rank wrote $name" >&2; exit 1; }
done
grep -qi "killed\|signal\|rank" "$work/run-killed.err" || { echo "test-mpi: no message about the killed rank:" >&2; cat "$work/run-killed.err" >&2; exit 1; }
echo "test-mpi: a rank killed in run --tiles ends it (exit $status) before the loads step's outputs: $(grep -i -m1 'signal\|killed\|rank' "$work/run-killed.err" | cut -c1-80)"
# Under mpirun without --tiles every rank would run the whole project: refused in one line.
set +e
"${launch[@]}" -np 2 "$bin" loads "$work/demo/project.toml" --output "$work/refused" -q 2>"$work/refused.err"
status=$?
set -e
[ "$status" -ne 0 ] && [ ! -e "$work/refused" ] && grep -q "give --tiles" "$work/refused.err" \
  || { echo "test-mpi: mpirun without --tiles was not refused (exit $status):" >&2; cat "$work/refused.err" >&2; exit 1; }
echo "test-mpi: mpirun -np 2 without --tiles: $(grep -m1 'give --tiles' "$work/refused.err" | cut -c1-90)…"
# A rank killed mid-run: non-zero exit, a message, and no output folder.
/usr/bin/python3 scripts/make-tiles-dem.py "$work/big.tif" 3000 2000 6
kill_rank_one "$work/killed.err" true "hydrotool tiles $work/big.tif" 1 \
  "${launch[@]}" -np 3 "$bin" tiles "$work/big.tif" "$work/killed" --tile-size 100 -q
[ ! -e "$work/killed" ] || { echo "test-mpi: a killed run left an output folder" >&2; exit 1; }
grep -qi "killed\|signal\|rank" "$work/killed.err" || { echo "test-mpi: no message about the killed rank:" >&2; cat "$work/killed.err" >&2; exit 1; }
echo "test-mpi: a killed rank ends the run (exit $status) with no output: $(grep -i -m1 'signal\|killed\|rank' "$work/killed.err")"
# A hydrotool without libHydroMPI.so beside it (built where Open MPI was missing) refuses mpirun in one line.
mkdir "$work/bare" && cp "$bin" "$work/bare/hydrotool"
set +e
"${launch[@]}" -np 1 "$work/bare/hydrotool" tiles "$work/dem.tif" "$work/bare-out" -q 2>"$work/bare.err"
status=$?
set -e
[ "$status" -ne 0 ] && [ ! -e "$work/bare-out" ] && grep -q "built without MPI support" "$work/bare.err" \
  || { echo "test-mpi: a build without libHydroMPI.so did not refuse mpirun clearly (exit $status):" >&2; cat "$work/bare.err" >&2; exit 1; }
echo "test-mpi: without libHydroMPI.so: $(grep -m1 'built without MPI support' "$work/bare.err" | cut -c1-90)…"
