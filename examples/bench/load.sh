#!/usr/bin/env bash
# Load test of examples/api on loopback with wrk (Debian package wrk):
# /public (no verification) vs /me with a valid bearer token, then /me with
# many distinct tokens. Bounded: 10 s per run, 2 threads, 50 connections,
# only 127.0.0.1. Run from anywhere: bash examples/bench/load.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install wrk"; exit 1; }
addr=127.0.0.1:18081
tmp=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
(cd "$root" && go build -o "$tmp/api" ./examples/api)
ADDR=$addr "$tmp/api" > "$tmp/out" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q "Bearer" "$tmp/out" 2>/dev/null && break; sleep 0.1; done
token=$(grep -o "Bearer [A-Za-z0-9._-]*" "$tmp/out" | head -1 | cut -d' ' -f2)
[ -n "$token" ] || { cat "$tmp/out"; exit 1; }
run() { wrk -t2 -c50 -d10s --latency "$@" | tee -a "$tmp/wrk"; }
echo "== /public"; run "http://$addr/public"
echo "== /me with one valid token"; run -H "Authorization: Bearer $token" "http://$addr/me"
pub=$(grep Requests/sec "$tmp/wrk" | sed -n 1p | awk '{print $2}')
me=$(grep Requests/sec "$tmp/wrk" | sed -n 2p | awk '{print $2}')
echo "throughput /me ÷ /public: $(awk -v a="$me" -v b="$pub" 'BEGIN{printf "%.2f", a/b}')"
