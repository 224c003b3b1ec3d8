#!/usr/bin/env bash
# Regenerates the per-version WAL fixtures tests/fixtures/wal/pg14 ... pg18 that
# tests/integration/waldump_versions_test.cpp (waldump_pg14 ... waldump_pg18) diffs
# `understudy waldump` against, so CI needs neither PostgreSQL source trees nor their pg_waldump.
#
# Per version: tools/waldump_diff.sh --version=N --reference-only --wal-segsize=1 runs the
# coverage workload (all_rmgrs.sql + coverage_extras.sql, wal_compression = pglz,
# wal_consistency_checking = all) on that version's server and fails when a record type of
# tests/fixtures/wal/pgN/record_types.txt is neither written nor in
# tests/workloads/coverage_unreachable.txt; then tools/lib/version_fixture.py keeps the fewest
# 1 MB segments that hold every written record type (zstd-compressed, wal/), and the outputs of
# that version's pg_waldump over them (text, -b, --stats, --stats=record, filters, --rmgr=list;
# expected/, cases.tsv, MANIFEST), and reader-level corruption trials with pg_waldump's results
# (corruption.tsv); the first 32 kB of that segment become tests/fuzz/corpus/seg-start-pgN.wal.
#
# Usage: tools/make_version_fixtures.sh [--version=N]... [--pg-waldump-dir=DIR] [OUTDIR]
#   --version=N          a version to regenerate (repeatable; default 14 15 16 17 18)
#   --pg-waldump-dir=DIR each version's pg_waldump is DIR/N/pg_waldump (default /work/pgwaldump;
#                        build them with tools/build_pg_waldump.sh SRC DIR/N); 15 uses the
#                        installed PostgreSQL 15's (`pg_config --bindir`). DIR/N/SOURCE, when
#                        present, names the source it was built from ("17.4 (...)"), for a build
#                        whose --version says another release (17.4's borrowed configure: 16.2)
#   OUTDIR               default tests/fixtures/wal (writes OUTDIR/pgN/)
# Needs the servers of tools/pg_versions.sh, PG15 (psql), python3 and zstd.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VERSIONS=()
PGWD_DIR=/work/pgwaldump
OUT="$ROOT/tests/fixtures/wal"
for arg in "$@"; do
  case "$arg" in
    --version=*) VERSIONS+=("${arg#*=}") ;;
    --pg-waldump-dir=*) PGWD_DIR=$(realpath "${arg#*=}") ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
    -*) echo "make_version_fixtures: unknown option $arg" >&2; exit 2 ;;
    *) OUT=$(realpath -m "$arg") ;;
  esac
done
[ ${#VERSIONS[@]} -gt 0 ] || VERSIONS=(14 15 16 17 18)

WORK=$(mktemp -d /tmp/understudy-verfix.XXXXXX)
# The servers run as postgres (tools/lib/pg.sh) and keep their files under it.
chmod 755 "$WORK"
trap 'rm -rf "$WORK"' EXIT
for v in "${VERSIONS[@]}"; do
  pgwd="$PGWD_DIR/$v/pg_waldump"
  # 15: the installed PostgreSQL 15's own pg_waldump (the server's minor; the 15 parity tests use it).
  [ "$v" != 15 ] || pgwd="$(pg_config --bindir)/pg_waldump"
  [ -x "$pgwd" ] || { echo "make_version_fixtures: no $pgwd (tools/build_pg_waldump.sh /path/to/postgresql-$v $PGWD_DIR/$v)" >&2; exit 1; }
  echo "== PostgreSQL $v"
  major_arg=()
  [ ! -f "$PGWD_DIR/$v/SOURCE" ] || major_arg=(--pg-waldump-major="$v")
  "$ROOT/tools/waldump_diff.sh" --version="$v" --pg-waldump="$pgwd" "${major_arg[@]}" --wal-segsize=1 --reference-only \
    --modes="--stats" --keep="$WORK/$v" | grep -v '^\(--stats\|NOTE\|total differing\|range\)'
  mkdir -p "$OUT/pg$v"
  python3 "$ROOT/tools/lib/version_fixture.py" "$v" "$pgwd" "$WORK/$v" "$OUT/pg$v"
  # Seed for the reader fuzz target (tests/fuzz): the first 32 kB of the corruption trials' segment.
  seg=$(awk -F'\t' '!/^#/ { print $2; exit }' "$OUT/pg$v/corruption.tsv")
  zstd -dc "$OUT/pg$v/wal/$seg.zst" | head -c 32768 >"$ROOT/tests/fuzz/corpus/seg-start-pg$v.wal" || true
  rm -rf "${WORK:?}/$v"
  du -sh "$OUT/pg$v"
done
