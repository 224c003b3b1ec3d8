#!/usr/bin/env bash
# Benchmark: `understudy basebackup` against `pg_basebackup` taking the same base backup of the
# same PostgreSQL 15 primary.
#
# Starts a throwaway primary (temp dir, 127.0.0.1, free port; as the postgres user when root),
# loads pgbench -i -s SCALE, then alternates RUNS backups by each tool into a fresh directory on
# the same filesystem:
#   understudy basebackup --primary ... --dir D --no-slot --checkpoint fast --progress off
#   pg_basebackup -h ... -D D -X none -c fast           (plain format, manifest with CRC-32C)
# Both fsync what they write; understudy also verifies the manifest (sizes, CRC-32C, WAL range),
# which pg_basebackup leaves to pg_verifybackup. Prints median wall and CPU (user + sys of the
# client process) and ratios (pg_basebackup / understudy: above 1, understudy is faster).
# Results go to the "basebackup" section of docs/benchmarks.md's History.
#
# Usage: tools/bench_basebackup.sh [--scale=50] [--runs=5] [--no-doc]
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SCALE=50
RUNS=5
WRITE_DOC=1
for arg in "$@"; do
  case "$arg" in
    --scale=*) SCALE=${arg#*=} ;;
    --runs=*) RUNS=${arg#*=} ;;
    --no-doc) WRITE_DOC=0 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
    *) echo "bench_basebackup: unknown option $arg" >&2; exit 2 ;;
  esac
done
source "$ROOT/tools/lib/pg.sh"
UNDERSTUDY=${UNDERSTUDY_BIN:-$ROOT/build/tools/understudy/understudy}
[ -x "$UNDERSTUDY" ] || { echo "bench_basebackup: $UNDERSTUDY not built (ninja -C build)" >&2; exit 1; }

pg_tmpdir WORK /tmp/understudy-bench-bb.XXXXXX
PORT=$(free_port)
pg_init_start "$WORK/data" "$PORT" "max_wal_senders = 4" "max_wal_size = 4GB"
PSQL=("$PGBIN/psql" -X -q -At -h 127.0.0.1 -p "$PORT" -U postgres -d postgres)
"$PGBIN/pgbench" -h 127.0.0.1 -p "$PORT" -U postgres -i -q -s "$SCALE" postgres >"$WORK/pgbench.log" 2>&1
"${PSQL[@]}" -c "checkpoint"
SIZE_MB=$("${PSQL[@]}" -c "select round(sum(pg_database_size(oid)) / 1048576) from pg_database")
echo "primary: pgbench scale $SCALE, databases $SIZE_MB MB"

# One timed run: prints "wall cpu" seconds (cpu = user + sys of the child).
time_run() {
  python3 - "$@" <<'PY'
import resource, subprocess, sys, time
before = resource.getrusage(resource.RUSAGE_CHILDREN)
t0 = time.monotonic()
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.monotonic() - t0
after = resource.getrusage(resource.RUSAGE_CHILDREN)
if r.returncode != 0:
    sys.stderr.write(r.stderr.decode(errors="replace"))
    sys.exit(f"{sys.argv[1]} exited with {r.returncode}")
cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
print(f"{wall:.3f} {cpu:.3f}")
PY
}
CONNINFO="host=127.0.0.1 port=$PORT user=postgres"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A W=() C=()
for i in $(seq 1 "$RUNS"); do
  rm -rf "$WORK/us" "$WORK/pg"
  r=$(time_run "$UNDERSTUDY" basebackup --primary "$CONNINFO" --dir "$WORK/us" --no-slot --checkpoint fast --progress off)
  W[us]+=" ${r% *}"; C[us]+=" ${r#* }"
  rm -rf "$WORK/us"
  r=$(time_run "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$PORT" -U postgres -D "$WORK/pg" -X none -c fast)
  W[pg]+=" ${r% *}"; C[pg]+=" ${r#* }"
  rm -rf "$WORK/pg"
  echo "run $i/$RUNS (wall s): understudy ${W[us]##* }, pg_basebackup ${W[pg]##* }"
done
median() { python3 -c "import statistics,sys; print(f'{statistics.median(map(float, sys.argv[1:])):.3f}')" $1; }
ratio() { python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print(f'{a/b:.2f}' if b>0 else 'inf')" "$1" "$2"; }
us_w=$(median "${W[us]}"); pg_w=$(median "${W[pg]}"); us_c=$(median "${C[us]}"); pg_c=$(median "${C[pg]}")
r_w=$(ratio "$pg_w" "$us_w"); r_c=$(ratio "$pg_c" "$us_c")
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
printf '%-14s %10s %10s\n' "" "wall s" "cpu s"
printf '%-14s %10s %10s\n' understudy "$us_w" "$us_c" pg_basebackup "$pg_w" "$pg_c" "ratio pg/us" "${r_w}x" "${r_c}x"
echo "load average before the runs: $LOAD_BEFORE, after: $LOAD"

if [ "$WRITE_DOC" = 1 ]; then
  DOC="$ROOT/docs/benchmarks.md"
  CPU=$(awk -F: '/model name/ { sub(/^ +/, "", $2); print $2; exit }' /proc/cpuinfo)
  SECTION=$(cat <<MD
### basebackup

\`understudy basebackup\` against \`pg_basebackup -X none -c fast\` ($("$PGBIN/pg_basebackup" --version)), the same
PostgreSQL 15 primary (pgbench -i -s ${SCALE}: ${SIZE_MB} MB of databases), made by
\`tools/bench_basebackup.sh\`: ${RUNS} alternating runs each into a fresh directory on the same
filesystem, medians. Both fsync what they write; understudy also verifies the manifest.
Ratio = pg_basebackup / understudy (above 1: understudy is faster or cheaper). CPU = user + sys of
the client process (the walsender's work is the same for both).

- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit $(git -C "$ROOT" rev-parse --short HEAD)
- Machine: $(nproc) cores, ${CPU}; load average before the runs ${LOAD_BEFORE}, after ${LOAD}

| | understudy | pg_basebackup | ratio |
|---|--:|--:|--:|
| wall (s) | ${us_w} | ${pg_w} | ${r_w}x |
| CPU (s) | ${us_c} | ${pg_c} | ${r_c}x |

Goal (issue 14): no slower than pg_basebackup.
MD
)
  python3 - "$DOC" "$SECTION" <<'PY'
import re, sys
path, section = sys.argv[1], sys.argv[2].rstrip() + "\n"
text = open(path).read()
m = re.search(r"^### basebackup\n.*?(?=^##+ |\Z)", text, flags=re.S | re.M)
if m:
    text = text[:m.start()] + section + ("\n" if text[m.end():] else "") + text[m.end():]
else:
    text = text.rstrip() + "\n\n" + section
open(path, "w").write(text)
PY
  echo "results written to $DOC (section \"### basebackup\" of the History)"
fi
