#!/usr/bin/env bash
# Load test of examples/api on loopback with wrk (Debian package wrk):
# GET /public (no verification) vs GET /me with one valid bearer token (the
# verified-token cache warm after the first request). Bounded: 10 s per run,
# 2 threads, 50 connections, 127.0.0.1 only; the api is killed at the end.
# Run from anywhere: bash examples/bench/load.sh
#
# The api is built to a temporary binary (the same code `go run
# ./examples/api` runs) so that the process killed is the server itself.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install -y wrk" >&2; exit 1; }
addr=127.0.0.1:18081
tmp=$(mktemp -d)
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
(cd "$root" && go build -o "$tmp/api" ./examples/api)
ADDR=$addr "$tmp/api" >"$tmp/out" 2>&1 &
pid=$!
# No OIDC_ISSUER: the api starts an in-process provider and prints ready
# curl commands; the first carries a user token with aud "api".
for _ in $(seq 150); do grep -q "Bearer" "$tmp/out" 2>/dev/null && break; sleep 0.1; done
token=$(grep -o "Bearer [A-Za-z0-9._-]*" "$tmp/out" | head -1 | cut -d' ' -f2)
[ -n "$token" ] || { echo "no token in the api's output:" >&2; cat "$tmp/out" >&2; exit 1; }
curl -fsS -o /dev/null -H "Authorization: Bearer $token" "http://$addr/me" || { echo "the token is refused" >&2; exit 1; }

run() { timeout 30 wrk -t2 -c50 -d10s --latency "$@" | tee -a "$tmp/wrk"; }
echo "== GET /public"
run "http://$addr/public"
echo "== GET /public carrying the same Authorization header (not verified)"
run -H "Authorization: Bearer $token" "http://$addr/public"
echo "== GET /me with a valid token"
run -H "Authorization: Bearer $token" "http://$addr/me"
rps() { grep Requests/sec "$tmp/wrk" | sed -n "$1p" | awk '{print $2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
pub=$(rps 1) pubh=$(rps 2) me=$(rps 3)
if grep -q "Non-2xx" "$tmp/wrk"; then echo "some responses were not 2xx" >&2; exit 1; fi
echo "requests/s: /public $pub, /public with the header $pubh, /me $me"
echo "/me ÷ /public: $(ratio "$me" "$pub"); /me ÷ /public with the same header: $(ratio "$me" "$pubh")"
