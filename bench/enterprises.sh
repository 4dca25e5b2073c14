#!/usr/bin/env bash
# Benchmark of the enterprise registry at city scale (SPEC §5: 20,000 enterprises) on
# SQLite, with the raw database measured in the same run for a ratio.
#
#   bash bench/enterprises.sh            # release build, prints a Markdown table
#
# Needs: curl, python3 (its sqlite3 module runs the raw queries).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p fugong
B=$PWD/target/release/fugong
W=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$W"' EXIT
N=${N:-200}

secs() { python3 -c "import time; print(time.time())"; }

# 1. Generate the city: 20,000 enterprises with 30 days of history.
t0=$(secs); $B --data "$W/a" gen --scale city >/dev/null 2>&1; t1=$(secs)
gen_s=$(python3 -c "print(f'{$t1-$t0:.1f}')")

# 2. Serve it; export every enterprise through the API.
TOKEN=$($B --data "$W/a" token create --username city_admin --name bench 2>/dev/null)
PORT=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")
FUGONG_LOG=info $B --data "$W/a" serve --listen "127.0.0.1:$PORT" 2>"$W/a.log" >/dev/null &
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
H="Authorization: Bearer $TOKEN"
export_s=$(curl -s -o "$W/city.xlsx" -w '%{time_total}' -H "$H" "http://127.0.0.1:$PORT/api/v1/enterprises/export")

# 3. The filtered list, N requests per filter; server time from the request log.
FILTERS=("" "region=441284" "region=441202001&status=full" "industry=C&scale=1" "q=%E5%AE%8F%E8%BE%BE" "park=ZQHT&sort=headcount&page=3")
: >"$W/list.log"
for f in "${FILTERS[@]}"; do
  before=$(grep -c 'route="/api/v1/enterprises"' "$W/a.log" || true)
  for _ in $(seq "$N"); do curl -s -o /dev/null -H "$H" "http://127.0.0.1:$PORT/api/v1/enterprises?$f"; done
  sleep 0.2
  grep 'route="/api/v1/enterprises"' "$W/a.log" | tail -n +$((before + 1)) | sed -E 's/.*micros=([0-9]+).*/\1/' | tr -d '\033' | sed -E 's/\[[0-9;]*m//g' >"$W/f.txt"
  python3 - "$f" "$W/f.txt" >>"$W/list.log" <<'PY'
import sys, statistics
f, path = sys.argv[1], sys.argv[2]
v = sorted(int(x) for x in open(path) if x.strip().isdigit())
p = lambda q: v[min(len(v) - 1, int(q * len(v)))] / 1000
print(f"{f or '(none)'}\t{len(v)}\t{p(0.5):.2f}\t{p(0.99):.2f}")
PY
done
kill %1 2>/dev/null || true; wait 2>/dev/null || true

# 4. The same filtered lists as raw SQL on the same file (count + one page), in-process.
python3 - "$W/a/fugong.db" "$N" >"$W/raw.log" <<'PY'
import sqlite3, sys, time
db, n = sys.argv[1], int(sys.argv[2])
c = sqlite3.connect(db)
sel = """SELECT e.id, e.uscc, e.name, e.region_code, r.name, p.code, e.industry_code, e.above_scale, e.status
FROM enterprises e JOIN regions r ON r.code = e.region_code LEFT JOIN parks p ON p.id = e.park_id
LEFT JOIN industries i ON i.code = e.industry_code WHERE 1=1 {w} ORDER BY {o} LIMIT 50 OFFSET {off}"""
cases = [
    ("(none)", "", "e.name, e.id", 0),
    ("region=441284", "AND e.region_code >= '441284' AND e.region_code < '441285'", "e.name, e.id", 0),
    ("region=441202001&status=full", "AND e.region_code >= '441202001' AND e.region_code < '441202002' AND e.status = 'full'", "e.name, e.id", 0),
    ("industry=C&scale=1", "AND e.industry_code IN (SELECT code FROM industries WHERE section = 'C' OR code = 'C') AND e.above_scale = 1", "e.name, e.id", 0),
    ("q=宏达", "AND (e.name LIKE '%宏达%' OR e.uscc = '宏达')", "e.name, e.id", 0),
    ("park=ZQHT&sort=headcount&page=3", "AND e.park_id IN (SELECT id FROM parks WHERE code = 'ZQHT')", "e.headcount DESC, e.id", 100),
]
for name, w, o, off in cases:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        c.execute(sel.format(w=w, o=o, off=off)).fetchall()
        c.execute(f"SELECT COUNT(*) FROM enterprises e WHERE 1=1 {w}").fetchone()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    print(f"{name}\t{times[len(times)//2]:.2f}")
PY

# 5. Import the 20,000-row workbook into a fresh demo city (20,000 inserts), then
#    import it again into the city it came from (20,000 unchanged rows).
$B --data "$W/b" demo >/dev/null 2>&1
t0=$(secs); $B --data "$W/b" import enterprises "$W/city.xlsx" >"$W/imp1.txt" 2>/dev/null; t1=$(secs)
t2=$(secs); $B --data "$W/a" import enterprises "$W/city.xlsx" >"$W/imp2.txt" 2>/dev/null; t3=$(secs)
imp_new=$(python3 -c "print(f'{$t1-$t0:.1f}')"); imp_same=$(python3 -c "print(f'{$t3-$t2:.1f}')")

echo "## Enterprise registry, $(date -u +%Y-%m-%d), $(nproc) cores, SQLite, release build"
echo
echo "| step | result |"
echo "|---|---|"
echo "| \`fugong gen --scale city\` (20,000 enterprises + 30 days of history) | ${gen_s} s |"
echo "| export of all 20,000 through \`GET /api/v1/enterprises/export\` | ${export_s} s |"
echo "| import of the 20,000-row workbook into a fresh city (all inserts) | ${imp_new} s — $(head -1 "$W/imp1.txt" | sed 's/.*: //') |"
echo "| import of the same workbook into its own city (all unchanged) | ${imp_same} s — $(head -1 "$W/imp2.txt" | sed 's/.*: //') |"
echo
echo "Filtered list over 20,000 enterprises, \`GET /api/v1/enterprises\` (page of 50 + total), $N requests each;"
echo "server time from the request log, next to the same two queries run raw with Python's sqlite3 on the same file:"
echo
echo "| filter | requests | server p50 ms | server p99 ms | raw SQL p50 ms | server / raw |"
echo "|---|---|---|---|---|---|"
paste "$W/list.log" "$W/raw.log" | while IFS=$'\t' read -r f n p50 p99 _ raw; do
  ratio=$(python3 -c "print(f'{$p50/$raw:.2f}' if $raw > 0 else '-')")
  echo "| \`$f\` | $n | $p50 | $p99 | $raw | $ratio |"
done
