#!/usr/bin/env bash
# Hostile calls to Odoo's webhook endpoint, on demand (not part of the test
# suite): the demo shop (`storefront demo`, the Odoo double in the process)
# with a webhook secret, under wrk for [seconds] each at [connections]:
#   1. POSTs with a wrong secret (must be 404, nothing read from Odoo);
#   2. garbage bodies with the right secret (must be 400);
#   3. valid notifications with the right secret, as fast as wrk can
#      (202 or 429; the shop syncs instead of keeping ids past the rate).
# Prints each run's rate and statuses, then the shop's webhook and sync
# metrics. Results go in BENCHMARKS.md.
#
#   tests/load/hooks.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-10}
connections=${2:-16}

command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null 2>&1 || sudo apt-get install -y -qq wrk >/dev/null; }
cargo build --release --locked -q -p storefront

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
data=$(mktemp -d)
secret=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
pid=""
cleanup() { [ -z "$pid" ] || kill "$pid" 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT

STOREFRONT_BIND="127.0.0.1:$port" STOREFRONT_DATA_DIR="$data" STOREFRONT_WEBHOOK_SECRET="$secret" \
    target/release/storefront demo >"$data/demo.out" 2>"$data/demo.log" &
pid=$!
base="http://127.0.0.1:$port"
until curl -fs -o /dev/null "$base/readyz"; do sleep 0.5; done

metrics() { curl -fs "$base/metrics" | grep -E '^storefront_(webhook_(notifications|refreshes|odoo_calls)|syncs)_total' || true; }
run() {
    echo "== $1"
    HOOK_BODY="$3" wrk -t1 -c"$connections" -d"${seconds}s" -s tests/load/hooks.lua "$base$2" |
        grep -E 'Requests/sec|Latency|status|Socket errors'
}
run "wrong secret" "/hooks/odoo/wrong-$secret" '{"_model": "product.template", "_id": 1}'
run "garbage, right secret" "/hooks/odoo/$secret" 'not json at all'
run "notifications, right secret" "/hooks/odoo/$secret" '{"_model": "product.template", "_id": 1}'
sleep 2
echo "== the shop's metrics"
metrics
echo "5xx in the log: $(grep -c 'status=5' "$data/demo.log" || true)"
