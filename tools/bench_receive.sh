#!/usr/bin/env bash
# Benchmark: stream a WAL backlog of a few hundred MB from a throwaway primary to --endpos with
# `understudy receive` and with `pg_receivewal --synchronous` (both fsync as they go), alternating
# runs, and print wall and CPU time per run, the medians and the ratios.
# Usage: tools/bench_receive.sh [RUNS_PER_TOOL (default 3)] [PGBENCH_SCALE (default 20)]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-3}"
SCALE="${2:-20}"
tools/setup.sh
BIN="$PWD/build/tools/understudy/understudy"
source tools/lib/pg.sh

pg_tmpdir TMP /tmp/understudy-bench-XXXXXX
PORT="$(free_port)"
pg_init_start "$TMP/data" "$PORT" "max_wal_senders = 4" "max_replication_slots = $((2 * RUNS + 2))" "max_wal_size = 4GB"
PSQL=("$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -AtqX)
CONN="host=127.0.0.1 port=$PORT user=postgres"

# One slot per run, all reserved before the backlog: every run starts at the same LSN.
for i in $(seq "$RUNS"); do
  "${PSQL[@]}" -c "select pg_create_physical_replication_slot('bench_us_$i', true)" >/dev/null
  "${PSQL[@]}" -c "select pg_create_physical_replication_slot('bench_pg_$i', true)" >/dev/null
done
START="$("${PSQL[@]}" -c "select restart_lsn from pg_replication_slots where slot_name = 'bench_us_1'")"
"$PGBIN/pgbench" -h 127.0.0.1 -p "$PORT" -U postgres -i -q -s "$SCALE" postgres >/dev/null 2>&1
"$PGBIN/pgbench" -h 127.0.0.1 -p "$PORT" -U postgres -n -T 5 -c 2 postgres >/dev/null 2>&1
ENDPOS="$("${PSQL[@]}" -c "select pg_current_wal_lsn()")"
BYTES="$("${PSQL[@]}" -c "select pg_wal_lsn_diff('$ENDPOS', '$START')::bigint")"
echo "backlog: $START .. $ENDPOS = $((BYTES / 1048576)) MB of WAL (pgbench scale $SCALE + 5 s of pgbench)"
echo "machine: $(nproc) cores; $(uname -r); wal dirs under /tmp ($(df -T /tmp | awk 'NR==2{print $2}'))"
echo

RESULTS="$TMP/results.txt"
: >"$RESULTS"
run_one() {  # tool index
  local tool="$1" i="$2" dir="$TMP/out_${1}_$2"
  mkdir -p "$dir"
  local cmd
  if [ "$tool" = understudy ]; then
    cmd=("$BIN" receive --primary "$CONN" --wal-dir "$dir" --slot "bench_us_$i" --endpos "$ENDPOS" --no-loop)
  else
    cmd=("$PGBIN/pg_receivewal" -d "$CONN" -D "$dir" --slot "bench_pg_$i" --endpos "$ENDPOS" --synchronous --no-loop -w)
  fi
  sync
  /usr/bin/time -f "%e %U %S" -o "$TMP/time.txt" "${cmd[@]}" >"$TMP/out.log" 2>&1 || { cat "$TMP/out.log"; exit 1; }
  read -r wall user sys <"$TMP/time.txt"
  printf '%-14s run %d: wall %6.2f s  cpu %6.2f s (user %5.2f, sys %5.2f)\n' "$tool" "$i" "$wall" \
    "$(echo "$user + $sys" | bc)" "$user" "$sys"
  echo "$tool $wall $(echo "$user + $sys" | bc)" >>"$RESULTS"
}

for i in $(seq "$RUNS"); do
  run_one understudy "$i"
  run_one pg_receivewal "$i"
  # Same bytes from both tools (complete segments).
  for f in "$TMP/out_understudy_$i"/[0-9A-F]*; do
    n="$(basename "$f")"; [[ "$n" == *.partial ]] && continue
    cmp -s "$f" "$TMP/out_pg_receivewal_$i/$n" || { echo "MISMATCH in $n"; exit 1; }
  done
  rm -rf "$TMP/out_understudy_$i" "$TMP/out_pg_receivewal_$i"
done

python3 - "$RESULTS" "$BYTES" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
mb = int(sys.argv[2]) / 1048576
def med(tool, col):
    return statistics.median(float(r[col]) for r in rows if r[0] == tool)
uw, uc = med("understudy", 1), med("understudy", 2)
pw, pc = med("pg_receivewal", 1), med("pg_receivewal", 2)
print()
print(f"median over {sum(r[0]=='understudy' for r in rows)} runs each, {mb:.0f} MB:")
print(f"  understudy     wall {uw:6.2f} s ({mb/uw:6.1f} MB/s)  cpu {uc:5.2f} s")
print(f"  pg_receivewal  wall {pw:6.2f} s ({mb/pw:6.1f} MB/s)  cpu {pc:5.2f} s")
print(f"  ratio understudy/pg_receivewal: wall {uw/pw:.2f}  cpu {uc/pc:.2f}")
PY
echo "all complete segments byte-identical between the two tools"
