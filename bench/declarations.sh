#!/usr/bin/env bash
# Declarations benchmark (issue #7), release build. For SQLite and PostgreSQL:
#   1. `fugong gen --scale city`: 20,000 enterprises, 1,000,000 employees, 30 days of
#      declarations (today left empty: the benchmark is today's morning);
#   2. the server (release binary, its own process) takes declarations from wrk on
#      the same machine: single declarations (64 connections), then batches of 1,000
#      (4 connections), DURATION seconds each; the server's peak memory (VmHWM);
#   3. the dashboard counts of yesterday (1,000,000 rows) by enterprise and district;
#   4. with the server stopped, the raw insert rate of the same database into the same
#      table, 10,000 rows per transaction — the limit the HTTP rates are divided by.
# Needs wrk (apt-get install wrk). PostgreSQL at FUGONG_BENCH_POSTGRES_URL (a server
# URL; the script creates the database fugong_bench there). SKIP_PG=1 skips it.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-20}
PORT=${PORT:-18181}
PG_BASE=${FUGONG_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}
command -v wrk >/dev/null || apt-get install -y wrk >/dev/null
cargo build --release -q -p fugong --bin fugong --example bench_declarations
BIN=target/release/fugong
EX=target/release/examples/bench_declarations
export FUGONG_LOG=warn

engine() {
  local label=$1 url=$2
  local data; data=$(mktemp -d /tmp/fugong-bench.XXXX)
  export FUGONG_DATA=$data DATABASE_URL=$url
  echo "### $label"
  local t0=$SECONDS
  $BIN gen --scale city --force | tail -1
  echo "gen --scale city: $((SECONDS - t0)) s"
  local token; token=$($BIN token create --username city_admin 2>/dev/null)
  $BIN serve --listen 127.0.0.1:$PORT >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 100); do curl -sf http://127.0.0.1:$PORT/healthz >/dev/null && break; sleep 0.2; done
  export TOKEN=$token LO=1 HI=1000000
  echo "single:  $(wrk -t2 -c64 -d${DURATION}s --timeout 10s -s bench/declarations_single.lua http://127.0.0.1:$PORT | grep RESULT)"
  echo "batch:   $(wrk -t1 -c4 -d${DURATION}s --timeout 30s -s bench/declarations_batch.lua http://127.0.0.1:$PORT | grep RESULT)"
  echo "server peak memory: $(grep VmHWM /proc/$pid/status), now $(grep RssAnon /proc/$pid/status)"
  local yesterday; yesterday=$(TZ=Asia/Shanghai date -d yesterday +%F)
  $EX counts http://127.0.0.1:$PORT "$token" "$yesterday" 50
  kill $pid; wait $pid 2>/dev/null || true
  $EX raw 200000
  echo
}

echo "## Declarations, $(date -u +%Y-%m-%d), $(nproc) cores, release build, wrk on the same machine"
engine sqlite ""
if [ "${SKIP_PG:-0}" != 1 ]; then
  psql "$PG_BASE/postgres" -qc "DROP DATABASE IF EXISTS fugong_bench WITH (FORCE)" -c "CREATE DATABASE fugong_bench" >/dev/null
  engine postgres "$PG_BASE/fugong_bench"
fi
