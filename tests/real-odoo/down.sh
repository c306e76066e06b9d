#!/usr/bin/env bash
# Stops what tests/real-odoo/up.sh started: the Odoo servers and their
# PostgreSQL clusters, read from <cache>/<series>.state; removes the temp
# data dirs and the env files. `down.sh [SERIES...]` (default: every series
# with a state file). The cache (sources, venvs, dumps) stays.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${REAL_ODOO_CACHE:-$repo/target/real-odoo}
[ -d "$cache" ] || exit 0
series_list=("$@")
if [ ${#series_list[@]} -eq 0 ]; then
    for f in "$cache"/*.state; do [ -e "$f" ] && series_list+=("$(basename "$f" .state)"); done
fi
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi; }
# An Odoo pid is ours only if that process still runs odoo-bin.
is_odoo() { [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -q odoo-bin; }
status=0
for series in "${series_list[@]}"; do
    state="$cache/$series.state"
    [ -f "$state" ] || { echo "[$series] nothing to stop"; continue; }
    pg_bin="" pg_dir="" odoo_pid=""
    # shellcheck disable=SC1090
    . "$state"
    if [ -n "$odoo_pid" ] && is_odoo "$odoo_pid"; then
        kill -TERM "$odoo_pid" 2>/dev/null
        for _ in $(seq 1 150); do is_odoo "$odoo_pid" || break; sleep 0.2; done
        if is_odoo "$odoo_pid"; then kill -KILL "$odoo_pid" 2>/dev/null; fi
        echo "[$series] Odoo (pid $odoo_pid) stopped"
    fi
    if [ -n "$pg_dir" ] && [ -f "$pg_dir/data/postmaster.pid" ]; then
        if as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w -t 60 stop >/dev/null 2>&1; then
            echo "[$series] PostgreSQL stopped"
        else
            as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || {
                echo "[$series] could not stop PostgreSQL in $pg_dir" >&2; status=1; }
        fi
    fi
    case "$pg_dir" in
        */real-odoo-"$series".*) rm -rf "$pg_dir" ;;
    esac
    rm -f "$state" "$cache/$series.env"
done
exit $status
