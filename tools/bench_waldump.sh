#!/usr/bin/env bash
# Benchmark: `understudy waldump` against pg_waldump (PostgreSQL 15, or --version N's) over the
# same WAL.
#
# Generates a few hundred MB of pgbench WAL on a throwaway primary (temp dir, 127.0.0.1, free
# port; run as the postgres user when root), stops it, then times alternating runs of
#   understudy waldump --stats   vs  pg_waldump --stats
#     (parallel: --jobs = min(CPUs, 4); and --jobs 1, the sequential reading, for comparison)
#   understudy waldump (text)    vs  pg_waldump (text)        (output to /dev/null)
# over the same LSN range, and prints medians and ratios (pg_waldump time / understudy time:
# above 1 means understudy is faster). Results go to the "waldump" section of
# docs/benchmarks.md (only that section is rewritten; with --version N the section
# "waldump, PostgreSQL N").
#
# Usage: tools/bench_waldump.sh [--version=N] [--pg-waldump=PATH] [--mb=300] [--runs=5]
#                               [--keep=DIR] [--reuse=DIR] [--no-doc]
#   --version=N       PostgreSQL major 14..18: WAL from that version's server
#                     (/tmp/understudy-pgversions/N/bin; 15: `pg_config --bindir`) driven by
#                     PG15's psql and pgbench, timed against that version's pg_waldump
#   --pg-waldump=PATH the pg_waldump to time (default UNDERSTUDY_PG_WALDUMP, else
#                     /work/pgwaldump/N/pg_waldump with --version (tools/build_pg_waldump.sh),
#                     else the server bindir's)
# Environment: UNDERSTUDY_BIN, UNDERSTUDY_PG_BINDIR, UNDERSTUDY_PG_WALDUMP as in tools/waldump_diff.sh.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET_MB=300
RUNS=5
KEEP=""
REUSE=""
WRITE_DOC=1
VERSION=""
PG_WALDUMP=${UNDERSTUDY_PG_WALDUMP:-}
for arg in "$@"; do
  case "$arg" in
    --mb=*) TARGET_MB=${arg#*=} ;;
    --runs=*) RUNS=${arg#*=} ;;
    --keep=*) KEEP=${arg#*=} ;;
    --reuse=*) REUSE=$(realpath "${arg#*=}") ;;
    --no-doc) WRITE_DOC=0 ;;
    --version=*) VERSION=${arg#*=} ;;
    --pg-waldump=*) PG_WALDUMP=$(realpath "${arg#*=}") ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
    *) echo "bench_waldump: unknown option $arg" >&2; exit 2 ;;
  esac
done

if [ -n "$VERSION" ]; then
  case "$VERSION" in 14|15|16|17|18) ;; *) echo "bench_waldump: --version=$VERSION: supported versions are 14, 15, 16, 17, 18" >&2; exit 2 ;; esac
  if [ "$VERSION" != 15 ]; then
    export UNDERSTUDY_PG_BINDIR="${UNDERSTUDY_PG_VERSIONS_DIR:-/tmp/understudy-pgversions}/$VERSION/bin"
    [ -x "$UNDERSTUDY_PG_BINDIR/postgres" ] || { echo "bench_waldump: no PostgreSQL $VERSION server in $UNDERSTUDY_PG_BINDIR (run tools/pg_versions.sh)" >&2; exit 1; }
    [ -n "$PG_WALDUMP" ] || PG_WALDUMP=/work/pgwaldump/$VERSION/pg_waldump
  fi
fi
source "$ROOT/tools/lib/pg.sh"
# Client tools (psql, pgbench) are PG15's: the other versions' server directories have none.
CLIENT_BIN=$(pg_config --bindir)
[ -n "$PG_WALDUMP" ] || PG_WALDUMP="$PGBIN/pg_waldump"
[ -x "$PG_WALDUMP" ] || { echo "bench_waldump: pg_waldump $PG_WALDUMP not found (tools/build_pg_waldump.sh SRC DIR, then --pg-waldump=DIR/pg_waldump)" >&2; exit 1; }
PG_WALDUMP_VERSION=$("$PG_WALDUMP" --version)
# A build whose --version names another release (17.4's borrowed configure says 16.2) has a
# SOURCE file beside it naming its source (tools/make_version_fixtures.sh).
[ ! -f "$(dirname "$PG_WALDUMP")/SOURCE" ] || PG_WALDUMP_VERSION="$PG_WALDUMP_VERSION, built from PostgreSQL $(head -c 4 "$(dirname "$PG_WALDUMP")/SOURCE")"
SECTION_TITLE="waldump"
[ -z "$VERSION" ] || [ "$VERSION" = 15 ] || SECTION_TITLE="waldump, PostgreSQL $VERSION"
UNDERSTUDY=${UNDERSTUDY_BIN:-$ROOT/build/tools/understudy/understudy}
[ -x "$UNDERSTUDY" ] || { echo "bench_waldump: $UNDERSTUDY not built (ninja -C build)" >&2; exit 1; }
if [ -n "$REUSE" ]; then
  WORK=$REUSE
else
  if [ -n "$KEEP" ]; then
    mkdir -p "$KEEP"; WORK=$(realpath "$KEEP"); pg_own "$WORK"
  else
    pg_tmpdir WORK /tmp/understudy-bench.XXXXXX
  fi
  DATA="$WORK/data"
  PORT=$(free_port)
  pg_init_start "$DATA" "$PORT" "wal_level = replica" "wal_keep_size = 16GB" "max_wal_size = 4GB" "fsync = off" \
    "synchronous_commit = off"
  PSQL=("$CLIENT_BIN/psql" -X -q -At -h 127.0.0.1 -p "$PORT" -U postgres -d postgres)
  START=$("${PSQL[@]}" -c "select pg_current_wal_insert_lsn()")
  "$CLIENT_BIN/pgbench" -h 127.0.0.1 -p "$PORT" -U postgres -i -q -s 10 postgres >"$WORK/pgbench.log" 2>&1
  while :; do
    mb=$("${PSQL[@]}" -c "select (pg_current_wal_insert_lsn() - '$START'::pg_lsn) / 1048576")
    mb=${mb%.*}
    [ "$mb" -lt "$TARGET_MB" ] || break
    "$CLIENT_BIN/pgbench" -h 127.0.0.1 -p "$PORT" -U postgres -n -T 10 -c 4 -j 2 postgres >>"$WORK/pgbench.log" 2>&1
  done
  END=$("${PSQL[@]}" -c "select pg_current_wal_insert_lsn()")
  pg_stop "$DATA"
  mv "$DATA/pg_wal" "$WORK/pg_wal"
  rm -rf "$DATA"
  echo "$START $END" >"$WORK/range"
fi
read -r START END <"$WORK/range"
WALDIR="$WORK/pg_wal"
RANGE=(-p "$WALDIR" -s "$START" -e "$END")
MB=$(python3 -c "import sys
def v(s): h,l=s.split('/'); return (int(h,16)<<32)|int(l,16)
print(round((v(sys.argv[2])-v(sys.argv[1]))/1048576))" "$START" "$END")
RECORDS=$("$PG_WALDUMP" "${RANGE[@]}" --stats | awk '$1 == "Total" { print $2 }')
echo "WAL: $START .. $END ($MB MB, $RECORDS records) in $WALDIR; reference: $PG_WALDUMP ($PG_WALDUMP_VERSION)"

# Warm the page cache, and check that both tools agree before timing them.
"$PG_WALDUMP" "${RANGE[@]}" --stats >"$WORK/pg.stats" 2>&1 || true
"$UNDERSTUDY" waldump "${RANGE[@]}" --stats >"$WORK/us.stats" 2>&1 || true
STATS_SAME=no
cmp -s "$WORK/pg.stats" "$WORK/us.stats" && STATS_SAME=yes
echo "--stats outputs identical: $STATS_SAME"

# One timed run: prints "wall cpu" seconds (cpu = user + sys of the child), output discarded.
time_run() {
  python3 - "$@" <<'PY'
import resource, subprocess, sys, time
before = resource.getrusage(resource.RUSAGE_CHILDREN)
t0 = time.monotonic()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
wall = time.monotonic() - t0
after = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
print(f"{wall:.3f} {cpu:.3f}")
PY
}
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load average before the runs: $LOAD_BEFORE"
declare -A W=() C=()
record() {  # key, "wall cpu"
  W[$1]+=" ${2% *}"; C[$1]+=" ${2#* }"
}
for i in $(seq 1 "$RUNS"); do
  record us_stats "$(time_run "$UNDERSTUDY" waldump "${RANGE[@]}" --stats)"
  record pg_stats "$(time_run "$PG_WALDUMP" "${RANGE[@]}" --stats)"
  record us_stats1 "$(time_run "$UNDERSTUDY" waldump "${RANGE[@]}" --stats --jobs 1)"
  record pg_text "$(time_run "$PG_WALDUMP" "${RANGE[@]}")"
  record us_text "$(time_run "$UNDERSTUDY" waldump "${RANGE[@]}")"
  echo "run $i/$RUNS (wall s): understudy --stats ${W[us_stats]##* } (--jobs 1: ${W[us_stats1]##* }), pg_waldump --stats ${W[pg_stats]##* }, understudy text ${W[us_text]##* }, pg_waldump text ${W[pg_text]##* }"
done
median() { python3 -c "import statistics,sys; print(f'{statistics.median(map(float, sys.argv[1:])):.3f}')" $1; }
ratio() { python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print(f'{a/b:.2f}' if b>0 else 'inf')" "$1" "$2"; }
us_s=$(median "${W[us_stats]}"); pg_s=$(median "${W[pg_stats]}")
us_t=$(median "${W[us_text]}"); pg_t=$(median "${W[pg_text]}")
r_s=$(ratio "$pg_s" "$us_s"); r_t=$(ratio "$pg_t" "$us_t")
us_sc=$(median "${C[us_stats]}"); pg_sc=$(median "${C[pg_stats]}")
us_tc=$(median "${C[us_text]}"); pg_tc=$(median "${C[pg_text]}")
r_sc=$(ratio "$pg_sc" "$us_sc"); r_tc=$(ratio "$pg_tc" "$us_tc")
us_s1=$(median "${W[us_stats1]}"); us_s1c=$(median "${C[us_stats1]}")
r_s1=$(ratio "$pg_s" "$us_s1"); r_s1c=$(ratio "$pg_sc" "$us_s1c")
JOBS=$(python3 -c "import os; print(min(os.cpu_count() or 1, 4))")
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
printf '%-8s %12s %12s %8s   %12s %12s %8s\n' mode "pg wall s" "us wall s" speedup "pg cpu s" "us cpu s" speedup
printf '%-8s %12s %12s %7sx   %12s %12s %7sx\n' --stats "$pg_s" "$us_s" "$r_s" "$pg_sc" "$us_sc" "$r_sc" \
  "stats-j1" "$pg_s" "$us_s1" "$r_s1" "$pg_sc" "$us_s1c" "$r_s1c" \
  text "$pg_t" "$us_t" "$r_t" "$pg_tc" "$us_tc" "$r_tc"
echo "load average before the runs: $LOAD_BEFORE, after: $LOAD"

if [ "$WRITE_DOC" = 1 ]; then
  DOC="$ROOT/docs/benchmarks.md"
  CPU=$(awk -F: '/model name/ { sub(/^ +/, "", $2); print $2; exit }' /proc/cpuinfo)
  SECTION=$(cat <<MD
### ${SECTION_TITLE}

\`understudy waldump\` against \`pg_waldump\` (${PG_WALDUMP_VERSION}) over the same WAL range, made by
\`tools/bench_waldump.sh\` (pgbench -i -s 10, then pgbench -c 4 until about ${TARGET_MB} MB of WAL;
wal_compression off). Alternating runs, ${RUNS} of each, median wall-clock seconds, output to
/dev/null; speedup = pg_waldump time / understudy time (above 1: understudy is faster). CRC
checking is on in both (neither can turn it off).

- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit $(git -C "$ROOT" rev-parse --short HEAD)
- Machine: $(nproc) cores, ${CPU}, shared with other jobs (timings are noisy)
- WAL: ${MB} MB, ${RECORDS} records (\`$START\` .. \`$END\`)
- \`--stats\` outputs identical: ${STATS_SAME}

| mode | pg_waldump wall (s) | understudy wall (s) | speedup (wall) | pg_waldump CPU (s) | understudy CPU (s) | speedup (CPU) |
|------|------:|------:|------:|------:|------:|------:|
| \`--stats\` (understudy: ${JOBS} readers in parallel) | ${pg_s} | ${us_s} | ${r_s}x | ${pg_sc} | ${us_sc} | ${r_sc}x |
| \`--stats --jobs 1\` (understudy: sequential) | ${pg_s} | ${us_s1} | ${r_s1}x | ${pg_sc} | ${us_s1c} | ${r_s1c}x |
| text | ${pg_t} | ${us_t} | ${r_t}x | ${pg_tc} | ${us_tc} | ${r_tc}x |

CPU = user + sys time of the process (less sensitive to other jobs on the machine than wall
time). Load average before the runs: ${LOAD_BEFORE}; after: ${LOAD} (2 cores).

Goal (issue 3): at least 2x faster than pg_waldump.
MD
)
  python3 - "$DOC" "$SECTION" "$SECTION_TITLE" <<'PY'
import re, sys, os
path, section, title = sys.argv[1], sys.argv[2].rstrip() + "\n", sys.argv[3]
text = open(path).read() if os.path.exists(path) else "# Benchmarks\n"
m = re.search(r"^### " + re.escape(title) + r"\n.*?(?=^##+ |\Z)", text, flags=re.S | re.M)
if m:
    text = text[:m.start()] + section + ("\n" if text[m.end():] else "") + text[m.end():]
else:
    text = text.rstrip() + "\n\n" + section
open(path, "w").write(text)
PY
  echo "results written to $DOC (section \"### $SECTION_TITLE\" of the History; copy the figures to its table under \"Current figures\")"
fi
