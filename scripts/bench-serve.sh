#!/usr/bin/env bash
# Benchmark of `hydrotool serve` with wrk on loopback: requests per second and p50/p99 latency for
# /collections/sections/items and the map page at 1, 16 and 64 connections, on the demo basin.
# Usage: scripts/bench-serve.sh [HYDROTOOL_BINARY] [SECONDS]  (default: the release build, 10 s each).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-.build/release/hydrotool}"
seconds="${2:-10}"
command -v wrk >/dev/null || { echo "bench-serve: wrk is missing (scripts/install-test-deps.sh)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
"$bin" demo --size 90 --output "$work/basin" -q >/dev/null
HYDROTOOL_PASSWORD=bench-password "$bin" serve "$work/basin/project.toml" --add-user bench --jurisdiction 520502 --bcrypt-cost 10 >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" serve "$work/basin/project.toml" --port "$port" -q >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$port/conformance" >/dev/null && break; sleep 0.2; done
token=$(curl -sf -X POST -H 'Content-Type: application/json' -d '{"username":"bench","password":"bench-password"}' \
  "http://127.0.0.1:$port/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
printf '%-32s %5s %10s %10s %10s\n' endpoint conns req/s p50 p99
for path in /collections/sections/items /map; do
  for c in 1 16 64; do
    out=$(wrk -t "$([ "$c" -eq 1 ] && echo 1 || echo 2)" -c "$c" -d "${seconds}s" --latency -H "Authorization: Bearer $token" "http://127.0.0.1:$port$path")
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
    p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
    errors=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
    printf '%-32s %5s %10s %10s %10s %s\n' "$path" "$c" "$rps" "$p50" "$p99" "${errors:+non-2xx: $errors}"
  done
done
