#!/usr/bin/env bash
# Benchmark: replay a few hundred MB of pgbench WAL from a base backup to the same LSN with
# `understudy replay` and with PostgreSQL's own startup process (a standby of the primary's
# version with the same segments copied into its pg_wal, recovery_target_lsn + pause),
# alternating runs; prints the time of every run, the medians and the ratio, and the understudy
# report's counters (so a run where redo routines are still missing shows it).
#
# --version N (14..18, default 15): the primary and the recovering server are PostgreSQL N
# (tools/pg_versions.sh's servers for N != 15; PostgreSQL 15's psql and pgbench are the clients);
# the base backup is pg_basebackup for 15, pg_backup_start/stop (14: pg_start_backup/
# pg_stop_backup) and a copy of the data directory for the others (tools/lib/pg.sh's
# pg_base_backup). Before the load, `understudy replay` is asked to replay a little of the new
# server's WAL: a version it does not apply stops the script with its message (exit 2).
#
# PostgreSQL is timed from `pg_ctl start` until pg_last_wal_replay_lsn() reaches the target
# (polled every 50 ms; its pages are still in shared buffers then). understudy is timed for the
# whole command, which includes writing back and fsyncing every page at the end.
#
# --workload index: instead of pgbench, an index-heavy load: tests/workloads/index_bench_setup.sql
# (one table with hash, GIN, GiST, SP-GiST, BRIN and bloom indexes) before the backup, then
# tests/workloads/index_bench_load.sql with SCALE * 10000 rows (SECONDS is not used).
# Each run is bounded (RUN_TIMEOUT seconds, default 1800); servers and temporary directories are
# removed at exit, also on failure or interruption (tools/lib/pg.sh's trap).
# Usage: tools/bench_replay.sh [--version N] [--workload pgbench|index] [RUNS_PER_TOOL (default 3)]
#          [SCALE (pgbench scale, default 30; index: 10000-row units, default 10)] [PGBENCH_SECONDS (default 20)]
set -euo pipefail
shopt -s nullglob
cd "$(dirname "$0")/.."
WORKLOAD=pgbench
VERSION=15
USAGE="usage: tools/bench_replay.sh [--version N] [--workload pgbench|index] [RUNS_PER_TOOL] [SCALE] [PGBENCH_SECONDS]"
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --workload) [ $# -ge 2 ] || { echo "--workload needs a value: pgbench or index; $USAGE" >&2; exit 2; }
                WORKLOAD="$2"; shift 2 ;;
    --workload=*) WORKLOAD="${1#--workload=}"; shift ;;
    --version) [ $# -ge 2 ] || { echo "--version needs a value: 14 to 18; $USAGE" >&2; exit 2; }
               VERSION="$2"; shift 2 ;;
    --version=*) VERSION="${1#--version=}"; shift ;;
    -*) echo "unknown option '$1'; $USAGE" >&2; exit 2 ;;
    *) ARGS+=("$1"); shift ;;
  esac
done
case "$WORKLOAD" in pgbench|index) ;; *) echo "unknown --workload '$WORKLOAD': pgbench or index" >&2; exit 2 ;; esac
[ "${#ARGS[@]}" -le 3 ] || { echo "too many arguments: ${ARGS[*]}; $USAGE" >&2; exit 2; }
RUNS="${ARGS[0]:-3}"
if [ "$WORKLOAD" = index ]; then SCALE="${ARGS[1]:-10}"; else SCALE="${ARGS[1]:-30}"; fi
SECS="${ARGS[2]:-20}"
for pair in "RUNS_PER_TOOL:$RUNS" "SCALE:$SCALE" "PGBENCH_SECONDS:$SECS"; do
  [[ "${pair#*:}" =~ ^[1-9][0-9]*$ ]] || { echo "${pair%%:*} must be a positive integer, got '${pair#*:}'; $USAGE" >&2; exit 2; }
done
BIN="${UNDERSTUDY_BIN:-$PWD/build/tools/understudy/understudy}"  # another build to compare: UNDERSTUDY_BIN=...
[ -x "$BIN" ] || { echo "build first: ninja -C build" >&2; exit 1; }
RUN_TIMEOUT="${RUN_TIMEOUT:-1800}"
source tools/lib/pg.sh
pg_use_version "$VERSION"
now() { date +%s.%N; }

pg_tmpdir TMP /tmp/understudy-bench-replay-XXXXXX
PORT="$(free_port)"
pg_track "$TMP/pgrun"

# ---- primary, base backup, WAL ----
pg_init_start --log "$TMP/primary.log" "$TMP/primary" "$PORT" "max_wal_senders = 4" "max_wal_size = 8GB" \
  "wal_keep_size = 16GB" "checkpoint_timeout = 1d" "fsync = off"
PSQL=("$PGCLIENT/psql" -h 127.0.0.1 -U postgres -d postgres -AtqX)
understudy_check_version "$BIN" "$TMP/primary" "$PORT" bench_replay
SERVER_VERSION="$("${PSQL[@]}" -p "$PORT" -c "show server_version")"
if [ "$WORKLOAD" = index ]; then
  "${PSQL[@]}" -p "$PORT" -f tests/workloads/index_bench_setup.sql >/dev/null
else
  as_pg "$PGCLIENT/pgbench" -h 127.0.0.1 -p "$PORT" -U postgres -i -q -s "$SCALE" postgres >/dev/null 2>&1
fi
pg_base_backup "$TMP/primary" "$PORT" "$TMP/backup"
START="$(sed -n 's/^START WAL LOCATION: \([^ ]*\).*/\1/p' "$TMP/backup/backup_label")"
if [ "$WORKLOAD" = index ]; then
  "${PSQL[@]}" -p "$PORT" -v rows="$((SCALE * 10000))" -f tests/workloads/index_bench_load.sql >/dev/null
  LOAD="index workload, $((SCALE * 10000)) rows"
else
  as_pg "$PGCLIENT/pgbench" -h 127.0.0.1 -p "$PORT" -U postgres -c 2 -j 2 -T "$SECS" postgres >/dev/null 2>&1
  LOAD="pgbench scale $SCALE + ${SECS} s, 2 clients"
fi
"${PSQL[@]}" -p "$PORT" -c "CHECKPOINT" >/dev/null
TARGET="$("${PSQL[@]}" -p "$PORT" -c "select pg_current_wal_insert_lsn()")"
"${PSQL[@]}" -p "$PORT" -c "select pg_logical_emit_message(false, 'bench', 'past the target')" >/dev/null
"${PSQL[@]}" -p "$PORT" -c "select pg_switch_wal()" >/dev/null
"${PSQL[@]}" -p "$PORT" -c "CHECKPOINT" >/dev/null
MB="$("${PSQL[@]}" -p "$PORT" -c "select round(pg_wal_lsn_diff('$TARGET', '$START') / 1048576.0)")"
pg_stop "$TMP/primary"
mkdir -p "$TMP/wal"
for f in "$TMP"/primary/pg_wal/*; do case "$(basename "$f")" in [0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F]) cp "$f" "$TMP/wal/" ;; esac; done
[ "$(id -u)" -eq 0 ] && chown -R postgres "$TMP/wal"
echo "PostgreSQL $SERVER_VERSION; WAL: $START .. $TARGET = $MB MB ($LOAD)"
echo "load before the runs: $(uptime)"

# ---- one run each ----
run_pg() {
  rm -rf "$TMP/pgrun"
  as_pg cp -a "$TMP/backup" "$TMP/pgrun"
  as_pg cp "$TMP"/wal/* "$TMP/pgrun/pg_wal/"
  local port; port="$(free_port)"
  cat >>"$TMP/pgrun/postgresql.auto.conf" <<CONF
port = $port
fsync = on
hot_standby = on
recovery_target_lsn = '$TARGET'
recovery_target_inclusive = off
recovery_target_action = 'pause'
CONF
  as_pg touch "$TMP/pgrun/standby.signal"
  sync
  local t0 t1 lsn
  t0="$(now)"
  as_pg "$PGBIN/pg_ctl" -D "$TMP/pgrun" -l "$TMP/pgrun.log" start >/dev/null
  while :; do
    lsn="$("${PSQL[@]}" -p "$port" -c "select pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '$TARGET') >= 0 or pg_get_wal_replay_pause_state() = 'paused'" 2>/dev/null || true)"
    [ "$lsn" = "t" ] && break
    if [ "$(echo "$(now) - $t0 > $RUN_TIMEOUT" | bc)" = 1 ]; then
      echo "PostgreSQL did not reach $TARGET in $RUN_TIMEOUT s; its log ends:" >&2
      tail -n 20 "$TMP/pgrun.log" >&2
      exit 1
    fi
    sleep 0.05
  done
  t1="$(now)"
  PG_LSN="$("${PSQL[@]}" -p "$port" -c "select pg_last_wal_replay_lsn()")"
  pg_stop "$TMP/pgrun" immediate
  echo "$t1 - $t0" | bc
}
run_us() {
  rm -rf "$TMP/usrun"
  cp -a "$TMP/backup" "$TMP/usrun"
  sync
  local t0 t1
  t0="$(now)"
  timeout "$RUN_TIMEOUT" "$BIN" replay --wal-dir "$TMP/wal" --data-dir "$TMP/usrun" --start "$START" \
    --end "$TARGET" --report "$TMP/report.json" >"$TMP/us.out"
  t1="$(now)"
  echo "$t1 - $t0" | bc
}

US=(); PG=()
for i in $(seq "$RUNS"); do
  t="$(run_us)"; US+=("$t"); printf 'understudy  run %d: %7.2f s\n' "$i" "$t"
  t="$(run_pg)"; PG+=("$t"); printf 'postgresql  run %d: %7.2f s\n' "$i" "$t"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
MU="$(median "${US[@]}")"; MP="$(median "${PG[@]}")"
echo
echo "load after the runs: $(uptime)"
echo "median over $RUNS runs each, $MB MB of WAL:"
printf '  %-21s %7.2f s (%6.1f MB/s)\n' "understudy replay" "$MU" "$(echo "$MB / $MU" | bc -l)"
printf '  %-21s %7.2f s (%6.1f MB/s)\n' "PostgreSQL $VERSION startup" "$MP" "$(echo "$MB / $MP" | bc -l)"
printf '  ratio postgresql/understudy: %.2f (above 1: understudy is faster)\n' "$(echo "$MP / $MU" | bc -l)"
python3 - "$TMP/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"understudy report: {r['records']} records to {r['end_lsn']}, restartpoints {r['restartpoints']}, "
      f"stop: {r['stop_reason']}, error: {r['error'] or 'none'}")
for name, c in r["rmgrs"].items():
    print(f"  {name:<12} records {c['records']:>8} applied {c['applied']:>8} done {c['skipped_done']:>7} unsupported {c['unsupported']:>8}")
PY
