#!/usr/bin/env bash
# Ingest speed and peak memory on real data, with the parse-only baseline measured in the same run.
#   scripts/bench-ingest.sh [FILE...]   (default: the committed 775-record sample, plus the
#                                        benchmark trial_info files in ../shared/data/bench when present)
# Optional: TRIALBRIDGE_BENCH_DATABASE_URL=postgres://... also measures PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p trialbridge
bin=target/release/trialbridge
[ -n "${CARGO_TARGET_DIR:-}" ] && bin="$CARGO_TARGET_DIR/release/trialbridge"
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  files=(data/ctgov/studies.jsonl.gz)
  for f in ../shared/data/bench/*/trials.jsonl; do [ -f "$f" ] && files+=("$f"); done
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

measure() { # label, command...
  local label=$1; shift
  local start end
  start=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$work/rss" "$@" > "$work/out" 2> "$work/err" || true
  end=$(date +%s.%N)
  printf '| %-34s | %8.3f s | %7d MiB | %s |\n' "$label" "$(echo "$end - $start" | bc)" "$(( $(tail -1 "$work/rss") / 1024 ))" "$(tail -1 "$work/out")"
}

echo "files: ${files[*]}"
echo "machine: $(nproc) cores; $(date -u +%Y-%m-%d)"
echo
echo "| step | wall | peak RSS | result |"
echo "|---|---|---|---|"
measure "parse + validate only (baseline)" "$bin" ingest --dry-run "${files[@]}" --data-dir "$work/none"
measure "ingest into empty SQLite" "$bin" ingest "${files[@]}" --data-dir "$work/sqlite"
measure "re-ingest, all unchanged (SQLite)" "$bin" ingest "${files[@]}" --data-dir "$work/sqlite"
if [ -n "${TRIALBRIDGE_BENCH_DATABASE_URL:-}" ]; then
  psql "$TRIALBRIDGE_BENCH_DATABASE_URL" -q -c "DROP SCHEMA IF EXISTS tb_bench CASCADE; CREATE SCHEMA tb_bench;"
  url="$TRIALBRIDGE_BENCH_DATABASE_URL?options=-csearch_path%3Dtb_bench"
  measure "ingest into empty PostgreSQL" "$bin" ingest "${files[@]}" --database-url "$url" --data-dir "$work/pg"
  measure "re-ingest, all unchanged (PostgreSQL)" "$bin" ingest "${files[@]}" --database-url "$url" --data-dir "$work/pg"
  psql "$TRIALBRIDGE_BENCH_DATABASE_URL" -q -c "DROP SCHEMA tb_bench CASCADE;"
fi
