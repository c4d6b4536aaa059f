#!/usr/bin/env bash
# Restart time: from process start to /health/ready = 200, on the embedded PostgreSQL, with the shipped definitions.
# The first start (initdb, every schema script, first import) is printed apart; the warm restarts follow it,
# each after a SIGTERM of the previous host (which stops the embedded cluster too).
# Usage: tests/AntiDrugFlow.Benchmarks/restart-time.sh [runs]   (build Release first)
#   HOST_DLL=/path/to/publish/AntiDrugFlow.Host.dll   measure a published host instead (e.g. one published ReadyToRun)
#   KEEP_LOG=/path/to/folder                           keep each start's log, every line timestamped, to see where the time goes
# Any DOTNET_* variable set (e.g. DOTNET_TieredPGO=0) reaches the host.
set -euo pipefail
runs=${1:-5}
root=$(cd "$(dirname "$0")/../.." && pwd)
dll=${HOST_DLL:-"$root/src/Host/bin/Release/net10.0/AntiDrugFlow.Host.dll"}
[ -f "$dll" ] || { echo "build Release first: $dll" >&2; exit 1; }
data=$(mktemp -d /tmp/adf-restart-XXXXXX)
chmod 755 "$data"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
trap 'kill -TERM "${pid:-0}" 2>/dev/null || true; wait "${pid:-0}" 2>/dev/null || true; rm -rf "$data"' EXIT

start_once() {
  local t0 t1 code level=Warning
  [ -n "${KEEP_LOG:-}" ] && level=Information
  t0=$(date +%s%N)
  # From the repository root, so the host finds workflows-json/ wherever its dll is.
  (cd "$root" && exec env Embedded__DataDirectory="$data/postgres" Smtp__PickupDirectory="$data/mail" Logging__LogLevel__Default=$level 'Logging__LogLevel__AntiDrugFlow.Host=Information' \
    Logging__Console__TimestampFormat='HH:mm:ss.fff ' dotnet "$dll" serve --urls "http://127.0.0.1:$port") >"$data/host.log" 2>&1 &
  pid=$!
  while true; do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health/ready" || true)
    [ "$code" = "200" ] && break
    kill -0 "$pid" 2>/dev/null || { cat "$data/host.log" >&2; exit 1; }
    sleep 0.02
  done
  t1=$(date +%s%N)
  kill -TERM "$pid"; wait "$pid" || true
  if [ -n "${KEEP_LOG:-}" ]; then mkdir -p "$KEEP_LOG"; echo "process started $(date -u -d @$((t0 / 1000000000)) +%T).$(( (t0 / 1000000) % 1000 )), ready $(date -u -d @$((t1 / 1000000000)) +%T).$(( (t1 / 1000000) % 1000 ))" | cat - "$data/host.log" >"$KEEP_LOG/start-$(date +%s%N).log"; fi
  # The host's own account of its phases (logged when it started).
  echo "$(( (t1 - t0) / 1000000 )) ms ($(grep -o 'Started .*' "$data/host.log" | head -1))"
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "first start (initdb, schema, import): $(start_once)"
for i in $(seq 1 "$runs"); do
  echo "warm restart $i: $(start_once)"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
