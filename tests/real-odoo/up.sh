#!/usr/bin/env bash
# Brings up real Odoo servers (Community 16.0 and 19.0 by default) on
# 127.0.0.1 for tests, each with its own PostgreSQL cluster, two seeded
# databases (`shop` and `bare`), and writes <cache>/<series>.env to source.
#
#   bash tests/real-odoo/up.sh [SERIES...]      # default: 16.0 19.0, in parallel
#   bash tests/real-odoo/down.sh [SERIES...]    # stops them
#
# See README.md beside this file. Environment:
#   REAL_ODOO_CACHE   cache folder (default <repo>/target/real-odoo)
#   REAL_ODOO_SHARED  folder with odoo-<series>.tar.xz and the requirements
#                     (default <repo>/../shared/odoo)
#   REAL_ODOO_PYTHON  Python 3.11 to build the venvs with (default python3.11)
#   REAL_ODOO_DB_CACHE=0  always initialise the databases (no dump reuse)
#   REAL_ODOO_KEEP_ON_FAILURE=1  a failed series stays up, to look into
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${REAL_ODOO_CACHE:-$repo/target/real-odoo}
shared=${REAL_ODOO_SHARED:-$repo/../shared/odoo}
t0=$(date +%s)
series_list=("$@")
[ ${#series_list[@]} -gt 0 ] || series_list=(16.0 19.0)
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

say() { printf '[%s +%ss] %s\n' "${series:-all}" "$(( $(date +%s) - t0 ))" "$*"; }
# fail MESSAGE [LOG]: the message, the tail of the log, exit 1.
fail() {
    printf '[%s +%ss] FAILED: %s\n' "${series:-all}" "$(( $(date +%s) - t0 ))" "$1" >&2
    if [ -n "${2:-}" ] && [ -f "$2" ]; then
        echo "----- last lines of $2 -----" >&2
        tail -n "${3:-40}" "$2" >&2
        echo "-----" >&2
    fi
    exit 1
}
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi; }
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
secret() { python3 -c 'import secrets;print(secrets.token_urlsafe(18))'; }
sha() { sha256sum "$@" | awk '{print $1}'; }

for s in "${series_list[@]}"; do
    case "$s" in 16.0|19.0) ;; *) fail "unknown series '$s' (16.0 or 19.0)";; esac
    [ -f "$shared/odoo-$s.tar.xz" ] || fail "no $shared/odoo-$s.tar.xz (set REAL_ODOO_SHARED)"
    [ -f "$shared/requirements-$s-py311.txt" ] || fail "no $shared/requirements-$s-py311.txt"
done

# ---- Debian packages (once, shared; flock so that parallel up.sh wait) ----
apt_install() {
    local missing=() p
    for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "apt-get install ${missing[*]}"
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"; } \
        >"$cache/apt.log" 2>&1 || fail "apt-get install ${missing[*]}" "$cache/apt.log"
}
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
(
    flock 9
    # wkhtmltopdf: Odoo's sale mail templates attach the quotation's PDF (report_template), and
    # Odoo refuses to render them without it ("Unable to find Wkhtmltopdf on this system").
    pkgs=(libpq-dev libldap2-dev libsasl2-dev python3-dev build-essential wkhtmltopdf)
    [ -n "$pg_bin" ] && [ -x "$pg_bin/postgres" ] || pkgs+=(postgresql)
    python_bin=${REAL_ODOO_PYTHON:-$(command -v python3.11 || command -v python3)}
    "$python_bin" -c 'import venv, ensurepip' 2>/dev/null || pkgs+=(python3-venv)
    apt_install "${pkgs[@]}"
) 9>"$cache/.apt.lock"
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
[ -n "$pg_bin" ] && [ -x "$pg_bin/postgres" ] || fail "no PostgreSQL binaries under /usr/lib/postgresql"
python_bin=${REAL_ODOO_PYTHON:-$(command -v python3.11 || command -v python3)}
pyver=$("$python_bin" -c 'import sys;print("%d.%d" % sys.version_info[:2])')
[ "$pyver" = 3.11 ] || say "warning: $python_bin is Python $pyver; the pins are for 3.11"

# ---- one series ----
bring_up() {
    series=$1
    local logs="$cache/$series-logs" state="$cache/$series.state" envfile="$cache/$series.env"
    local src="$cache/odoo-$series" venv="$cache/venv-$series"
    local tarball="$shared/odoo-$series.tar.xz" reqs="$shared/requirements-$series-py311.txt"

    # A previous run of this series still up: stop it first.
    if [ -f "$state" ]; then
        say "stopping the previous run"
        bash "$here/down.sh" "$series" >/dev/null 2>&1 || true
    fi
    rm -f "$envfile"
    rm -rf "$logs"
    mkdir -p "$logs"

    # -- source --
    local tarstamp
    tarstamp="$(stat -c '%s %Y' "$tarball")"
    if [ "$(cat "$cache/odoo-$series.stamp" 2>/dev/null)" != "$tarstamp" ] || [ ! -f "$src/odoo-bin" ]; then
        say "unpacking $(basename "$tarball")"
        rm -rf "$src" "$cache/.unpack-$series"
        mkdir -p "$cache/.unpack-$series"
        tar -xJf "$tarball" -C "$cache/.unpack-$series" 2>"$logs/unpack.log" || fail "unpacking $tarball" "$logs/unpack.log"
        mv "$cache/.unpack-$series/odoo-$series" "$src"
        rm -rf "$cache/.unpack-$series"
        echo "$tarstamp" >"$cache/odoo-$series.stamp"
    fi
    say "source ready"

    # -- venv --
    local extra=""
    [ "$series" = 16.0 ] && extra="setuptools<70"
    local venvstamp
    venvstamp="$(sha "$reqs") $extra $("$python_bin" -c 'import sys;print(sys.version.split()[0])')"
    if [ "$(cat "$venv/.real-odoo-stamp" 2>/dev/null)" != "$venvstamp" ] || [ ! -x "$venv/bin/python" ]; then
        say "venv: pip install -r $(basename "$reqs") $extra (log: $logs/pip.log)"
        rm -rf "$venv"
        "$python_bin" -m venv "$venv" >"$logs/pip.log" 2>&1 || fail "python -m venv" "$logs/pip.log"
        # shellcheck disable=SC2086
        "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$reqs" $extra >>"$logs/pip.log" 2>&1 \
            || fail "pip install for $series" "$logs/pip.log" 60
        echo "$venvstamp" >"$venv/.real-odoo-stamp"
    fi
    say "venv ready"

    # -- PostgreSQL: a fresh cluster in a temp dir, run as nobody --
    local pgdir pgport pgpass
    pgdir=$(mktemp -d "${TMPDIR:-/tmp}/real-odoo-$series.XXXXXX")
    chmod 755 "$pgdir"
    [ "$(id -u)" = 0 ] && chown nobody "$pgdir"
    pgport=$(free_port)
    pgpass=$(secret)
    cat >"$state" <<EOF
series=$(printf %q "$series")
pg_bin=$(printf %q "$pg_bin")
pg_dir=$(printf %q "$pgdir")
EOF
    # From here on, a failure stops what was started.
    # (REAL_ODOO_KEEP_ON_FAILURE=1 leaves them up, to look into.)
    trap 'st=$?; if [ $st -ne 0 ] && [ "${REAL_ODOO_KEEP_ON_FAILURE:-0}" = 0 ]; then bash "$here/down.sh" "$series" >/dev/null 2>&1 || true; fi' EXIT
    printf '%s\n' "$pgpass" >"$pgdir/pwfile"
    [ "$(id -u)" = 0 ] && chown nobody "$pgdir/pwfile"
    as_pg "$pg_bin/initdb" -D "$pgdir/data" -U odoo --pwfile="$pgdir/pwfile" --auth=scram-sha-256 \
        -E UTF8 --locale=C >"$logs/initdb.log" 2>&1 || fail "initdb" "$logs/initdb.log"
    rm -f "$pgdir/pwfile"
    local pglog="$logs/postgresql.log"
    : >"$pglog"
    [ "$(id -u)" = 0 ] && chown nobody "$pglog"
    as_pg test -w "$pglog" || pglog="$pgdir/postgresql.log"
    # fsync off: a throwaway cluster for tests.
    as_pg "$pg_bin/pg_ctl" -D "$pgdir/data" -l "$pglog" -w -t 60 \
        -o "-p $pgport -k $pgdir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >"$logs/pg_ctl.log" 2>&1 || fail "starting PostgreSQL" "$pglog"
    say "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$pgport"
    export PGHOST=127.0.0.1 PGPORT=$pgport PGUSER=odoo PGPASSWORD=$pgpass

    # -- Odoo configuration --
    local httpport geventport conf="$pgdir/odoo.conf"
    httpport=$(free_port)
    geventport=$(free_port)
    mkdir -p "$pgdir/odoo-data"
    cat >"$conf" <<EOF
[options]
addons_path = $src/addons,$src/odoo/addons
data_dir = $pgdir/odoo-data
db_host = 127.0.0.1
db_port = $pgport
db_user = odoo
db_password = $pgpass
admin_passwd = $(secret)
http_interface = 127.0.0.1
http_port = $httpport
gevent_port = $geventport
workers = 0
max_cron_threads = 0
dbfilter = ^(shop|bare)\$
EOF
    local odoo=("$venv/bin/python" "$src/odoo-bin")

    # -- databases: restored from the dump cache, or initialised --
    local dbkey dbcache restored=0
    # stock, sale_stock: the order's deliveries (picking_ids) and the products' free quantity
    # (free_qty) that the shop shows and follows.
    local modules=sale_management,website_sale,calendar,stock,sale_stock demo=()
    [ "$series" = 16.0 ] || demo=(--with-demo)
    # 17+: the automation rules whose webhook actions tell the shop what changed
    # (`storefront odoo-setup`); 16 has no webhook action, the shop's timer resyncs.
    [ "$series" = 16.0 ] || modules="$modules,base_automation"
    # Keyed on what made them: the source, the modules, the seed.
    dbkey=$(printf '%s\n' "$series" "$tarstamp" "$modules ${demo[*]}" "$(sha "$here/seed.py")" | sha256sum | cut -c1-16)
    dbcache="$cache/db-$series/$dbkey"
    if [ "${REAL_ODOO_DB_CACHE:-1}" != 0 ] && [ -f "$dbcache/done" ]; then
        say "restoring shop and bare from the dump cache"
        if createdb -T template0 -E UTF8 --lc-collate=C shop >"$logs/restore.log" 2>&1 \
            && createdb -T template0 -E UTF8 --lc-collate=C bare >>"$logs/restore.log" 2>&1 \
            && pg_restore -d shop --no-owner "$dbcache/shop.dump" >>"$logs/restore.log" 2>&1 \
            && pg_restore -d bare --no-owner "$dbcache/bare.dump" >>"$logs/restore.log" 2>&1 \
            && tar -xf "$dbcache/filestore.tar" -C "$pgdir/odoo-data" >>"$logs/restore.log" 2>&1; then
            restored=1
        else
            say "restore failed (see $logs/restore.log): initialising instead"
            dropdb --if-exists shop >/dev/null 2>&1 || true
            dropdb --if-exists bare >/dev/null 2>&1 || true
            rm -rf "$pgdir/odoo-data/filestore"
            rm -rf "$dbcache"
        fi
    fi
    if [ $restored = 0 ]; then
        say "initialising database shop: $modules ${demo[*]} (log: $logs/init-shop.log)"
        timeout 1200 "${odoo[@]}" -c "$conf" -d shop -i "$modules" "${demo[@]}" \
            --stop-after-init --logfile "$logs/init-shop.log" >"$logs/init-shop.out" 2>&1 \
            || fail "initialising shop" "$logs/init-shop.log"
        # The bare database: a copy of shop made before anything of the seed.
        createdb -T shop bare >"$logs/createdb-bare.log" 2>&1 || fail "createdb -T shop bare" "$logs/createdb-bare.log"
        if [ -d "$pgdir/odoo-data/filestore/shop" ]; then
            cp -a "$pgdir/odoo-data/filestore/shop" "$pgdir/odoo-data/filestore/bare"
        fi
        say "databases shop and bare initialised"
    fi

    # -- the server --
    setsid nohup "${odoo[@]}" -c "$conf" --http-interface 127.0.0.1 --http-port "$httpport" --workers 0 \
        --db-filter '^(shop|bare)$' --logfile "$logs/server.log" </dev/null >"$logs/server.out" 2>&1 &
    local odoopid=$!
    echo "$odoopid" >"$pgdir/odoo.pid"
    cat >>"$state" <<EOF
odoo_pid=$odoopid
odoo_pidfile=$(printf %q "$pgdir/odoo.pid")
EOF
    local url="http://127.0.0.1:$httpport"
    python3 - "$url" "$odoopid" >"$logs/version.txt" <<'EOF' || fail "Odoo did not answer on $url/xmlrpc/2/common" "$logs/server.log"
import os, sys, time, xmlrpc.client
url, pid = sys.argv[1], int(sys.argv[2])
deadline = time.monotonic() + 180
while True:
    try:
        v = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/common").version()
        print(v["server_version"]); break
    except Exception as e:
        err = e
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("the server exited")
    if time.monotonic() > deadline:
        sys.exit(f"no answer in 180 s: {err}")
    time.sleep(0.25)
EOF
    say "Odoo $(cat "$logs/version.txt") answers on $url"

    # -- seed --
    local manifest="$cache/$series-shop.json" bare_manifest="$cache/$series-bare.json"
    say "seeding shop (log: $logs/seed-shop.log)"
    python3 "$here/seed.py" "$url" shop admin admin shop "$manifest" >"$logs/seed-shop.log" 2>&1 \
        || fail "seeding shop" "$logs/seed-shop.log" 60
    say "seeding bare (log: $logs/seed-bare.log)"
    python3 "$here/seed.py" "$url" bare admin admin bare "$bare_manifest" >"$logs/seed-bare.log" 2>&1 \
        || fail "seeding bare" "$logs/seed-bare.log" 60
    if [ $restored = 0 ] && [ "${REAL_ODOO_DB_CACHE:-1}" != 0 ]; then
        # Kept for the next run: initialised and seeded (re-seeded then, for fresh dates).
        rm -rf "$cache/db-$series"
        mkdir -p "$dbcache"
        if pg_dump -Fc -f "$dbcache/shop.dump" shop >"$logs/dump.log" 2>&1 \
            && pg_dump -Fc -f "$dbcache/bare.dump" bare >>"$logs/dump.log" 2>&1 \
            && tar -cf "$dbcache/filestore.tar" -C "$pgdir/odoo-data" filestore >>"$logs/dump.log" 2>&1; then
            touch "$dbcache/done"
            say "databases dumped to $dbcache"
        else
            rm -rf "$dbcache"
            say "warning: could not dump the databases (see $logs/dump.log)"
        fi
    fi

    # -- API keys (19: JSON-2 and XML-RPC), made in odoo-bin shell --
    local keys="$pgdir/apikeys.json"
    if [ "$series" != 16.0 ]; then
        say "API keys (odoo-bin shell)"
        REAL_ODOO_KEYS_OUT="$keys" REAL_ODOO_MANIFESTS="$manifest:$bare_manifest" \
            "${odoo[@]}" shell -c "$conf" -d shop --no-http --logfile "$logs/apikeys.log" \
            <"$here/apikeys.py" >"$logs/apikeys.out" 2>&1 || true
        [ -s "$keys" ] || fail "creating API keys" "$logs/apikeys.out"
    fi

    # -- the env file --
    python3 - "$series" "$url" "$manifest" "$bare_manifest" "$keys" "$state" "$pgdir/odoo.pid" \
        "$logs" "$pgport" "$pgpass" >"$envfile.tmp" <<'EOF' || fail "writing $envfile"
import json, os, shlex, sys
series, url, manifest, bare_manifest, keys, state, pidfile, logs, pgport, pgpass = sys.argv[1:]
m = json.load(open(manifest))
b = json.load(open(bare_manifest))
tech = m["technical_user"]
portal = m["customers"][0]
env = {
    "REAL_ODOO_SERIES": series,
    "ODOO_URL": url,
    "ODOO_DB": "shop",
    "ODOO_USER": tech["login"],
    "ODOO_PASSWORD": tech["password"],
    "ODOO_PORTAL_USER": portal["login"],
    "ODOO_PORTAL_PASSWORD": portal["password"],
}
if os.path.exists(keys):
    k = json.load(open(keys))
    env["ODOO_API_KEY"] = k["shop"][tech["login"]]
    env["ODOO_PORTAL_API_KEY"] = k["shop"][portal["login"]]
    env["ODOO_BARE_API_KEY"] = k["bare"][b["technical_user"]["login"]]
env.update({
    "ODOO_BARE_DB": "bare",
    "ODOO_ADMIN_USER": "admin",
    "ODOO_ADMIN_PASSWORD": "admin",
    "REAL_ODOO_MANIFEST": manifest,
    "REAL_ODOO_BARE_MANIFEST": bare_manifest,
    "REAL_ODOO_PIDFILE": pidfile,
    "REAL_ODOO_STATE": state,
    "REAL_ODOO_LOGS": logs,
    "REAL_ODOO_PG_URL": f"postgres://odoo:{pgpass}@127.0.0.1:{pgport}/shop",
})
for k, v in env.items():
    print(f"export {k}={shlex.quote(str(v))}")
EOF
    mv "$envfile.tmp" "$envfile"
    trap - EXIT
    say "ready: source $envfile"
}

pids=()
for s in "${series_list[@]}"; do
    ( bring_up "$s" ) &
    pids+=($!)
done
status=0
for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || { status=1; series=${series_list[$i]}; say "failed"; }
done
series=""
if [ $status = 0 ]; then
    say "all up in $(( $(date +%s) - t0 )) s:"
    for s in "${series_list[@]}"; do echo "  source $cache/$s.env"; done
fi
exit $status
