#!/usr/bin/env bash
# Liaison benchmark (issue #5), release build: coverage over 20,000 enterprises at four
# levels, and suggested assignments against the greedy baseline. Prints table rows.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "## Liaison, $(date -u +%Y-%m-%d), $(nproc) cores, SQLite, release build"
echo
echo "| what | result |"
echo "|---|---|"
FUGONG_LOG=warn cargo run --release -q -p fugong --example bench_liaison 2>/dev/null
