#!/usr/bin/env bash
# The machine's ceiling at this moment: a throw-away PostgreSQL with fsync on, pgbench over loopback,
# 10 s per line. Run it right after the durable benchmark, so both see the same load from other work.
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
dir=$(mktemp -d /tmp/adf-pgbench-XXXX)
chmod 755 "$dir"
as_owner() { if [ "$(id -u)" -eq 0 ]; then chown postgres "$dir"; runuser -u postgres -- "$@"; else "$@"; fi; }
port=$(( 50000 + RANDOM % 10000 ))
as_owner "$bin/initdb" -D "$dir/data" -A trust -U postgres >/dev/null
as_owner "$bin/pg_ctl" -D "$dir/data" -o "-p $port -k $dir/data -c listen_addresses=127.0.0.1" -l "$dir/log" -w start >/dev/null
trap 'as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null; rm -rf "$dir"' EXIT
pg=(-h 127.0.0.1 -p "$port" -U postgres)
"$bin/pgbench" "${pg[@]}" -i -s 8 -q postgres >/dev/null 2>&1
"$bin/psql" "${pg[@]}" -q -c "CREATE TABLE one_row (id bigint)" postgres
echo "INSERT INTO one_row VALUES (1);" > "$dir/insert.sql"
echo "SELECT 1;" > "$dir/select.sql"
run() { printf '%-28s' "$1"; shift; "$bin/pgbench" "${pg[@]}" -T 10 "$@" postgres 2>/dev/null | sed -n 's/^tps = \([0-9.]*\).*/\1 tx\/s/p'; }
run "read-only commit, 1 client" -n -c 1 -f "$dir/select.sql"
run "insert commit, 1 client" -n -c 1 -f "$dir/insert.sql"
run "insert commit, 16 clients" -n -c 16 -j 2 -f "$dir/insert.sql"
run "TPC-B-like, 1 client" -c 1
run "TPC-B-like, 8 clients" -c 8 -j 2
run "TPC-B-like, 16 clients" -c 16 -j 2
