#!/usr/bin/env bash
# Employee import at 100,000 rows (issue #7), release build: the demo city, a workbook
# of ROWS valid people, `fugong import employees` into one enterprise (all inserts),
# then the same file again (all updates). SQLite; PostgreSQL too unless SKIP_PG=1.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-100000}
PG_BASE=${FUGONG_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}
cargo build --release -q -p fugong --bin fugong --example bench_declarations
BIN=target/release/fugong
EX=target/release/examples/bench_declarations
export FUGONG_LOG=warn
dir=$(mktemp -d /tmp/fugong-import.XXXX)
$EX sheet "$ROWS" "$dir/employees.xlsx"
run() {
  local label=$1 url=$2
  export FUGONG_DATA=$dir/$label DATABASE_URL=$url
  $BIN demo --force >/dev/null
  echo "### $label"
  for pass in inserts updates; do
    local t0; t0=$(date +%s.%N)
    $BIN import employees --enterprise 1 "$dir/employees.xlsx" 2>/dev/null | head -1
    echo "$pass: $(echo "$(date +%s.%N) - $t0" | bc) s"
  done
}
echo "## Employee import, $(date -u +%Y-%m-%d), $ROWS rows"
run sqlite ""
if [ "${SKIP_PG:-0}" != 1 ]; then
  psql "$PG_BASE/postgres" -qc "DROP DATABASE IF EXISTS fugong_import WITH (FORCE)" -c "CREATE DATABASE fugong_import" >/dev/null
  run postgres "$PG_BASE/fugong_import"
fi
