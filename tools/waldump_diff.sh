#!/usr/bin/env bash
# Diffs `understudy waldump` against a PostgreSQL version's pg_waldump over WAL made by a workload.
#
# Starts a throwaway PostgreSQL (15 by default; temp dir, 127.0.0.1, free port, as the postgres OS
# user when run as root), records the insert LSN, runs the workload with psql, records the end LSN,
# stops the server, then runs both tools over [start, end) in each mode (text, -b, --stats=record,
# --stats) and prints a per-rmgr count of differing lines and the first differences. Also prints
# which of PostgreSQL's 22 resource managers appear in the range, and with --version which of
# that version's record types (tests/fixtures/wal/pgN/record_types.txt) the workload did not
# write (tests/workloads/coverage_unreachable.txt says why some cannot be written).
#
# Usage: tools/waldump_diff.sh [options]
#   --version=N                       PostgreSQL major 14..18: that version's server
#                                     (/tmp/understudy-pgversions/N/bin from tools/pg_versions.sh;
#                                     15: `pg_config --bindir`), PG15's psql, that version's
#                                     pg_waldump (--pg-waldump), the coverage workload
#                                     (all_rmgrs.sql then coverage_extras.sql), and unless given
#                                     otherwise --compression=pglz --consistency
#   --pg-waldump=PATH                 the reference pg_waldump (default: UNDERSTUDY_PG_WALDUMP, else
#                                     /work/pgwaldump/N/pg_waldump with --version (build it with
#                                     tools/build_pg_waldump.sh), else the server bindir's)
#   --pg-waldump-major=N              the major version the reference pg_waldump was built from,
#                                     when its --version says otherwise (the 17.4 build with a
#                                     borrowed configure says 16.2); default: from --version
#   --compression=off|pglz|lz4|zstd   wal_compression (default off)
#   --consistency                     wal_consistency_checking = all
#   --workload=FILE                   SQL run by psql (default tests/workloads/all_rmgrs.sql);
#                                     repeat it to run several files in order
#   --wal-segsize=MB                  initdb --wal-segsize (default 16)
#   --reference-only                  run pg_waldump only (WAL, coverage and the reference's
#                                     outputs; with --keep, for tools/make_version_fixtures.sh)
#   --keep=DIR                        keep the cluster's files (pg_wal, range, outputs) in DIR
#   --reuse=DIR                       no server: diff again over WAL kept earlier with --keep
#   --modes="text -b --stats=record --stats"   modes to compare (default: all four)
#   --max-diffs=N                     differences printed per mode (default 20)
#   --allow-missing-rmgrs             do not fail when some of the 22 rmgrs are absent
#   --extra="ARGS"                    more arguments for both tools (e.g. "-r Btree")
#   --ignore-desc                     drop "desc: ..." from record lines before diffing (checks
#                                     the reader and block references while describe routines
#                                     are unfinished; never use it to claim parity)
# Environment: UNDERSTUDY_BIN (default build/tools/understudy/understudy),
#              UNDERSTUDY_PG_BINDIR (server binaries without --version; default `pg_config --bindir`),
#              UNDERSTUDY_PG_WALDUMP (as --pg-waldump).
# Exit status: 0 when there are zero differing lines (stdout, and stderr with the program name
# normalised, and exit status), all 22 rmgrs appear and (with --version) every record type is
# written or listed in coverage_unreachable.txt; 1 otherwise; 2 on a usage error.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
COMPRESSION=""
CONSISTENCY=""
WORKLOADS=()
VERSION=""
PG_WALDUMP=${UNDERSTUDY_PG_WALDUMP:-}
KEEP=""
REUSE=""
MODES="text -b --stats=record --stats"
MAX_DIFFS=20
ALLOW_MISSING=0
EXTRA=""
IGNORE_DESC=0
SEGSIZE=""
REFERENCE_ONLY=0

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit 2; }

for arg in "$@"; do
  case "$arg" in
    --compression=*) COMPRESSION=${arg#*=} ;;
    --consistency) CONSISTENCY=1 ;;
    --no-consistency) CONSISTENCY=0 ;;
    --workload=*) WORKLOADS+=("$(realpath "${arg#*=}")") ;;
    --version=*) VERSION=${arg#*=} ;;
    --pg-waldump=*) PG_WALDUMP=$(realpath "${arg#*=}") ;;
    --pg-waldump-major=*) PG_WALDUMP_MAJOR=${arg#*=} ;;
    --keep=*) KEEP=${arg#*=} ;;
    --reuse=*) REUSE=$(realpath "${arg#*=}") ;;
    --modes=*) MODES=${arg#*=} ;;
    --max-diffs=*) MAX_DIFFS=${arg#*=} ;;
    --allow-missing-rmgrs) ALLOW_MISSING=1 ;;
    --extra=*) EXTRA=${arg#*=} ;;
    --ignore-desc) IGNORE_DESC=1 ;;
    --wal-segsize=*) SEGSIZE=${arg#*=} ;;
    --reference-only) REFERENCE_ONLY=1 ;;
    -h|--help) usage ;;
    *) echo "waldump_diff: unknown option $arg" >&2; usage ;;
  esac
done
if [ -n "$VERSION" ]; then
  case "$VERSION" in 14|15|16|17|18) ;; *) echo "waldump_diff: --version=$VERSION: supported versions are 14, 15, 16, 17, 18" >&2; exit 2 ;; esac
  : "${COMPRESSION:=pglz}" "${CONSISTENCY:=1}"
  [ ${#WORKLOADS[@]} -gt 0 ] || WORKLOADS=("$ROOT/tests/workloads/all_rmgrs.sql" "$ROOT/tests/workloads/coverage_extras.sql")
  if [ "$VERSION" != 15 ]; then
    export UNDERSTUDY_PG_BINDIR="${UNDERSTUDY_PG_VERSIONS_DIR:-/tmp/understudy-pgversions}/$VERSION/bin"
    [ -x "$UNDERSTUDY_PG_BINDIR/postgres" ] || { echo "waldump_diff: no PostgreSQL $VERSION server in $UNDERSTUDY_PG_BINDIR (run tools/pg_versions.sh)" >&2; exit 1; }
  else
    UNDERSTUDY_PG_BINDIR=$(pg_config --bindir); export UNDERSTUDY_PG_BINDIR
  fi
  [ -n "$PG_WALDUMP" ] || PG_WALDUMP=/work/pgwaldump/$VERSION/pg_waldump
fi
: "${COMPRESSION:=off}" "${CONSISTENCY:=0}"
[ ${#WORKLOADS[@]} -gt 0 ] || WORKLOADS=("$ROOT/tests/workloads/all_rmgrs.sql")
case "$COMPRESSION" in off|pglz|lz4|zstd) ;; *) echo "waldump_diff: bad --compression=$COMPRESSION" >&2; exit 2 ;; esac

source "$ROOT/tools/lib/pg.sh"
# psql is a client tool: the other versions' server directories have none, PG15's serves all.
PSQL_BIN="$(pg_config --bindir)/psql"
[ -n "$PG_WALDUMP" ] || PG_WALDUMP="$PG_WALDUMP"
[ -x "$PG_WALDUMP" ] || { echo "waldump_diff: reference pg_waldump $PG_WALDUMP not found (build it: tools/build_pg_waldump.sh /path/to/postgresql-$VERSION-source DIR, then --pg-waldump=DIR/pg_waldump)" >&2; exit 1; }
if [ -n "$VERSION" ]; then
  pv=${PG_WALDUMP_MAJOR:-$("$PG_WALDUMP" --version | sed -E 's/.* ([0-9]+)[.].*/\1/')}
  [ "$pv" = "$VERSION" ] || { echo "waldump_diff: $PG_WALDUMP is version $pv, not $VERSION" >&2; exit 2; }
fi
UNDERSTUDY=${UNDERSTUDY_BIN:-$ROOT/build/tools/understudy/understudy}
[ "$REFERENCE_ONLY" = 1 ] || [ -x "$UNDERSTUDY" ] || { echo "waldump_diff: $UNDERSTUDY not built (ninja -C build)" >&2; exit 1; }

ALL_RMGRS="XLOG Transaction Storage CLOG Database Tablespace MultiXact RelMap Standby Heap2 Heap Btree Hash Gin Gist Sequence SPGist BRIN CommitTs ReplicationOrigin Generic LogicalMessage"

if [ -n "$REUSE" ]; then
  WORK=$REUSE
  [ -f "$WORK/range" ] && [ -d "$WORK/pg_wal" ] || { echo "waldump_diff: $WORK has no range/pg_wal (make it with --keep)" >&2; exit 1; }
else
  if [ -n "$KEEP" ]; then
    mkdir -p "$KEEP"; WORK=$(realpath "$KEEP")
    [ -z "$(ls -A "$WORK")" ] || { echo "waldump_diff: --keep directory $WORK is not empty" >&2; exit 2; }
    pg_own "$WORK"
  else
    pg_tmpdir WORK /tmp/understudy-wdiff.XXXXXX
  fi
  mkdir -p "$WORK/ts"
  pg_own "$WORK/ts"
  # PostgreSQL 14's wal_compression is a boolean (on: pglz).
  WAL_COMPRESSION_SETTING=$COMPRESSION
  if [ "$("$PGBIN/postgres" --version | sed -E 's/^postgres \(PostgreSQL\) ([0-9]+).*/\1/')" = 14 ]; then
    case "$COMPRESSION" in off) ;; pglz) WAL_COMPRESSION_SETTING=on ;;
      *) echo "waldump_diff: PostgreSQL 14 compresses images with pglz only (--compression=off|pglz)" >&2; exit 2 ;; esac
  fi
  DATA="$WORK/data"
  PORT=$(free_port)
  SETTINGS=("wal_level = logical" "max_wal_senders = 10" "max_replication_slots = 10" "max_prepared_transactions = 10"
            "track_commit_timestamp = on" "wal_log_hints = on" "wal_keep_size = 16GB" "max_wal_size = 4GB" "fsync = off"
            "wal_compression = $WAL_COMPRESSION_SETTING")
  if [ "$CONSISTENCY" = 1 ]; then SETTINGS+=("wal_consistency_checking = all"); fi
  INITDB_ARGS=()
  [ -z "$SEGSIZE" ] || INITDB_ARGS=(--initdb "--wal-segsize=$SEGSIZE")
  pg_init_start "${INITDB_ARGS[@]}" "$DATA" "$PORT" "${SETTINGS[@]}"
  PSQL=("$PSQL_BIN" -X -q -At -h 127.0.0.1 -p "$PORT" -U postgres -d postgres)
  START=$("${PSQL[@]}" -c "select pg_current_wal_insert_lsn()")
  t0=$(date +%s)
  for wl in "${WORKLOADS[@]}"; do
    if ! "${PSQL[@]}" -v ON_ERROR_STOP=1 -v tsdir="$WORK/ts" -v datadir="$DATA" -f "$wl" >>"$WORK/workload.log" 2>&1; then
      echo "waldump_diff: workload $(basename "$wl") failed:" >&2; tail -20 "$WORK/workload.log" >&2; exit 1
    fi
  done
  # A restart with a changed WAL-related setting: CHECKPOINT_SHUTDOWN and PARAMETER_CHANGE.
  "${PSQL[@]}" -c "alter system set max_wal_senders = 12" >/dev/null
  as_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$WORK/server.log" -m fast -w -t 120 restart >/dev/null
  "${PSQL[@]}" -c "create table if not exists wdt_after_restart (i int); insert into wdt_after_restart values (100)" >/dev/null
  END=$("${PSQL[@]}" -c "select pg_current_wal_insert_lsn()")
  TLI=$("${PSQL[@]}" -c "select timeline_id from pg_control_checkpoint()")
  pg_stop "$DATA"
  echo "workload: $(for wl in "${WORKLOADS[@]}"; do basename "$wl"; done | paste -sd+) on PostgreSQL $("$PGBIN/postgres" --version | sed -E 's/^postgres \(PostgreSQL\) ([^ ]+).*/\1/') in $(( $(date +%s) - t0 ))s, wal_compression=$COMPRESSION consistency=$CONSISTENCY"
  mv "$DATA/pg_wal" "$WORK/pg_wal"
  rm -rf "$DATA"
  echo "$START $END $TLI" >"$WORK/range"
  "$PGBIN/postgres" --version >"$WORK/server_version"
fi
read -r START END TLI <"$WORK/range"
WALDIR="$WORK/pg_wal"
echo "range: $START .. $END (timeline $TLI), WAL in $WALDIR"

OUT="$WORK/out"
mkdir -p "$OUT"
TOTAL_DIFF=0
declare -A RMGR_DIFFS=()

# Lines of a diff that differ, tagged with the rmgr they belong to.
rmgr_of_lines() {
  awk '
    /^[<>] / {
      line = substr($0, 3); r = "other"
      if (match(line, /rmgr: [A-Za-z0-9]+/)) r = substr(line, RSTART + 6, RLENGTH - 6)
      else if (match(line, /^[A-Za-z0-9]+(\/| )/)) { r = substr(line, 1, RLENGTH - 1) }
      print r
    }'
}

# The first N differences of a diff(1) output, each '<' line followed by its '>' counterpart.
first_diffs() {
  awk -v max="$2" '
    function flush(   i, m) {
      m = nl > ng ? nl : ng
      for (i = 1; i <= m && shown < max; i++) {
        if (i <= nl) print "    " L[i]
        if (i <= ng) print "    " G[i]
        shown++
      }
      nl = ng = 0
    }
    /^[0-9]/ { flush(); if (shown < max) print "  @" $0; next }
    /^< / { L[++nl] = $0; next }
    /^> / { G[++ng] = $0; next }
    END { flush() }' "$1"
}

normalise_stderr() { sed -E 's/^(pg_waldump|understudy waldump|understudy): /PROG: /'; }

for mode in $MODES; do
  args=(-p "$WALDIR" -s "$START" -e "$END")
  [ "$TLI" = 1 ] || args+=(-t "$TLI")
  [ "$mode" = text ] || args+=("$mode")
  # shellcheck disable=SC2206
  [ -z "$EXTRA" ] || args+=($EXTRA)
  tag=${mode//[^a-z]/}
  set +e
  "$PG_WALDUMP" "${args[@]}" >"$OUT/pg.$tag.out" 2>"$OUT/pg.$tag.err"; pg_rc=$?
  if [ "$REFERENCE_ONLY" = 1 ]; then
    us_rc=$pg_rc; cp "$OUT/pg.$tag.out" "$OUT/us.$tag.out"; cp "$OUT/pg.$tag.err" "$OUT/us.$tag.err"
  else
    "$UNDERSTUDY" waldump "${args[@]}" >"$OUT/us.$tag.out" 2>"$OUT/us.$tag.err"; us_rc=$?
  fi
  set -e
  normalise_stderr <"$OUT/pg.$tag.err" >"$OUT/pg.$tag.err.n"
  normalise_stderr <"$OUT/us.$tag.err" >"$OUT/us.$tag.err.n"
  if [ "$IGNORE_DESC" = 1 ]; then
    sed -i 's/, desc: .*$/, desc: (ignored)/' "$OUT/pg.$tag.out" "$OUT/us.$tag.out"
  fi
  diff "$OUT/pg.$tag.out" "$OUT/us.$tag.out" >"$OUT/diff.$tag" || true
  diff "$OUT/pg.$tag.err.n" "$OUT/us.$tag.err.n" >"$OUT/diff.$tag.err" || true
  n_out=$(grep -c '^[<>] ' "$OUT/diff.$tag" || true)
  n_err=$(grep -c '^[<>] ' "$OUT/diff.$tag.err" || true)
  n=$((n_out + n_err))
  [ "$pg_rc" = "$us_rc" ] || n=$((n + 1))
  TOTAL_DIFF=$((TOTAL_DIFF + n))
  printf '%-16s pg_waldump: %7d lines, exit %d | understudy: %7d lines, exit %d | differing lines: %d\n' \
    "$mode" "$(wc -l <"$OUT/pg.$tag.out")" "$pg_rc" "$(wc -l <"$OUT/us.$tag.out")" "$us_rc" "$n"
  if [ "$n" -gt 0 ]; then
    while read -r cnt r; do
      RMGR_DIFFS[$r]=$(( ${RMGR_DIFFS[$r]:-0} + cnt ))
      printf '    %-20s %d\n' "$r" "$cnt"
    done < <(rmgr_of_lines <"$OUT/diff.$tag" | sort | uniq -c | sort -rn)
    [ "$n_err" -eq 0 ] || printf '    %-20s %d\n' "(stderr)" "$n_err"
    echo "  first differences (< pg_waldump, > understudy; paired in order within each diff hunk):"
    first_diffs "$OUT/diff.$tag" "$MAX_DIFFS" | cut -c1-400 || true
    if [ "$n_err" -gt 0 ]; then { grep '^[<>] ' "$OUT/diff.$tag.err" | head -n 6 | sed 's/^/    stderr /'; } || true; fi
  fi
done

# Which resource managers appear in the range (from pg_waldump --stats, the reference).
"$PG_WALDUMP" -p "$WALDIR" -s "$START" -e "$END" --stats >"$OUT/pg.rmgrstats" 2>/dev/null || true
present=(); missing=()
for r in $ALL_RMGRS; do
  c=$(awk -v r="$r" '$1 == r { print $2 }' "$OUT/pg.rmgrstats")
  if [ -n "$c" ] && [ "$c" -gt 0 ]; then present+=("$r($c)"); else missing+=("$r"); fi
done
echo "rmgrs present: ${#present[@]}/22: ${present[*]}"
[ ${#missing[@]} -eq 0 ] || echo "rmgrs MISSING: ${missing[*]}"

# Which of the version's record types appear (from pg_waldump --stats=record, the reference).
TYPES_MISSING=0
if [ -n "$VERSION" ]; then
  TYPES_FILE="$ROOT/tests/fixtures/wal/pg$VERSION/record_types.txt"
  UNREACHABLE="$ROOT/tests/workloads/coverage_unreachable.txt"
  "$PG_WALDUMP" -p "$WALDIR" -s "$START" -e "$END" --stats=record >"$OUT/pg.recordstats" 2>/dev/null || true
  written=$(awk '$1 ~ /\// && $2 ~ /^[0-9]+$/ && $2 > 0 { print $1 }' "$OUT/pg.recordstats" | sort -u)
  n_all=0; n_written=0; unexplained=(); explained=()
  while read -r t; do
    case "$t" in ''|'#'*) continue ;; esac
    n_all=$((n_all + 1))
    if grep -qxF "$t" <<<"$written"; then n_written=$((n_written + 1)); continue; fi
    why=$(awk -v t="$t" -v v="$VERSION" '$1 == t { n = split($2, vs, ","); for (i = 1; i <= n; i++) if (vs[i] == v) { $1 = ""; $2 = ""; sub(/^ +/, ""); print; exit } }' "$UNREACHABLE")
    if [ -n "$why" ]; then explained+=("$t: $why"); else unexplained+=("$t"); fi
  done <"$TYPES_FILE"
  echo "record types written: $n_written/$n_all of PostgreSQL $VERSION's ($(basename "$(dirname "$TYPES_FILE")")/record_types.txt)"
  for e in "${explained[@]}"; do echo "  not written (coverage_unreachable.txt): $e"; done
  if [ ${#unexplained[@]} -gt 0 ]; then
    echo "record types MISSING (not written and not in coverage_unreachable.txt): ${unexplained[*]}"
    TYPES_MISSING=${#unexplained[@]}
  fi
fi

if [ "${#RMGR_DIFFS[@]}" -gt 0 ]; then
  echo "differing lines by rmgr (all modes):"
  for r in "${!RMGR_DIFFS[@]}"; do printf '  %-20s %d\n' "$r" "${RMGR_DIFFS[$r]}"; done | sort -k2 -rn
fi
[ "$IGNORE_DESC" = 0 ] || echo "NOTE: --ignore-desc: desc: text was not compared"
[ "$REFERENCE_ONLY" = 0 ] || echo "NOTE: --reference-only: understudy was not run (0 differing lines means nothing)"
echo "total differing lines: $TOTAL_DIFF (outputs in $OUT${KEEP:+, kept}${REUSE:+, kept})"
[ -n "$KEEP" ] || [ -n "$REUSE" ] || echo "(temporary directory removed; use --keep=DIR to keep it)"

rc=0
[ "$TOTAL_DIFF" -eq 0 ] || rc=1
if [ ${#missing[@]} -gt 0 ] && [ "$ALLOW_MISSING" = 0 ]; then rc=1; fi
if [ "$TYPES_MISSING" -gt 0 ] && [ "$ALLOW_MISSING" = 0 ]; then rc=1; fi
exit $rc
