#!/usr/bin/env bash
# Requests benchmark (issue #6), release build: intake over HTTP next to the raw insert
# rate of the same database, and the filtered list over 100,000 requests; SQLite, and
# PostgreSQL at FUGONG_BENCH_POSTGRES_URL (default: the local test server).
set -euo pipefail
cd "$(dirname "$0")/.."
export FUGONG_BENCH_POSTGRES_URL=${FUGONG_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
echo "## Requests, $(date -u +%Y-%m-%d), $(nproc) cores, release build"
echo
echo "| what | result |"
echo "|---|---|"
FUGONG_LOG=warn cargo run --release -q -p fugong --example bench_requests 2>/dev/null
