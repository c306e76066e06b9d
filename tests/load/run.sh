#!/usr/bin/env bash
# Load test, on demand (not part of the test suite): the demo shop grown to
# 10,000 products (`storefront demo --grow`) under wrk — category pages, product pages, search and cart
# updates as a logged-in customer — for 60 s at 64 connections, while a full
# resync runs every 10 s. Prints throughput, p50/p99, failures (must be 0)
# and the storefront's memory before and after. Results go in BENCHMARKS.md.
#
#   tests/load/run.sh [seconds] [connections] [products]
#
# Needs wrk (Debian's package; installed if missing and possible).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
connections=${2:-64}
products=${3:-10000}

command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null 2>&1 || sudo apt-get install -y -qq wrk >/dev/null; }
cargo build --release --locked -q -p storefront

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
shop_port=$(free_port)
data=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$data"; }
trap cleanup EXIT

STOREFRONT_BIND="127.0.0.1:$shop_port" STOREFRONT_DATA_DIR="$data" \
    target/release/storefront demo --grow "$products" >"$data/demo.out" 2>"$data/demo.log" &
shop_pid=$!
pids+=("$shop_pid")
until grep -q "^Admin token: " "$data/demo.out" 2>/dev/null; do sleep 0.5; done
token=$(awk '/^Admin token: / { print $3 }' "$data/demo.out")
base="http://127.0.0.1:$shop_port"
until curl -fs -o /dev/null "$base/readyz"; do sleep 0.5; done

# Log in as a customer: the session cookie and its CSRF token.
jar="$data/cookies"
csrf() { curl -fs -b "$jar" -c "$jar" "$base/api/v1/session" | python3 -c 'import json, sys; print(json.load(sys.stdin)["csrf_token"])'; }
first=$(csrf)
curl -fs -o /dev/null -b "$jar" -c "$jar" --data-urlencode "csrf_token=$first" \
    --data-urlencode "login=claire@example.com" --data-urlencode "password=claire-password" "$base/login"
csrf_token=$(csrf)
session=$(awk '$6 == "sf_session" { print $7 }' "$jar")
categories=$(curl -fs -b "$jar" "$base/api/v1/categories" | python3 -c 'import json, sys; print(max(c["id"] for c in json.load(sys.stdin)["categories"]))')
products_total=$(curl -fs -b "$jar" "$base/api/v1/products?per_page=1" | python3 -c 'import json, sys; print(json.load(sys.stdin)["total"])')
# The grown products' ids follow the demo's: find the first by its reference.
first_grown=$(curl -fs -b "$jar" "$base/api/v1/products?q=BENCH-000000&per_page=1" | python3 -c 'import json, sys; print(json.load(sys.stdin)["products"][0]["id"])')

rss() { awk '/VmRSS/ { print $2 / 1024 " MiB" }' "/proc/$shop_pid/status"; }
echo "shop: $products_total products, $categories categories; memory before: $(rss)"

# A full resync every 10 s while the load runs.
(
    while sleep 10; do
        curl -fs -X POST -H "Authorization: Bearer $token" "$base/admin/resync?full=1" |
            python3 -c 'import json, sys; print("resync:", json.load(sys.stdin)["summary"][:60])' 2>/dev/null ||
            echo "resync failed"
    done
) &
pids+=($!)

wrk -t2 -c"$connections" -d"${seconds}s" --timeout 10s -s tests/load/mixed.lua "$base" \
    -- "$session" "$csrf_token" "$products" "$categories" "$first_grown"
echo "memory after: $(rss)"
