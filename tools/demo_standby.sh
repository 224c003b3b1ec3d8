#!/usr/bin/env bash
# The standby quickstart (`tools/run.sh` with no arguments): installs what is missing and builds
# (tools/setup.sh), starts a throwaway PostgreSQL 15 primary (as the postgres user, 127.0.0.1,
# free port, temp dir, wal_consistency_checking = all so that --verify has images to compare)
# whose synchronous standby is `understudy standby --verify`, with synchronous_commit =
# remote_apply (a commit returns once understudy has applied it). It puts pgbench load on it for
# DEMO_SECONDS (default 30), waits until understudy has applied everything, shows what the
# primary sees, stops the standby and prints a summary: lag percentiles over the load
# (`understudy lag --summary`), records applied and verified per rmgr, and the path of the lag
# plot (`understudy lag --plot`). The plot, lag.jsonl and status.json are kept in
# DEMO_OUT (default build/run/); everything else is removed.
# Environment: DEMO_SECONDS, DEMO_CLIENTS (4), DEMO_SCALE (10), DEMO_SYNC (remote_apply | on),
# DEMO_OUT.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh --run
BIN="$PWD/build/tools/understudy/understudy"
SECONDS_LOAD="${DEMO_SECONDS:-30}"
CLIENTS="${DEMO_CLIENTS:-4}"
SCALE="${DEMO_SCALE:-10}"
SYNC="${DEMO_SYNC:-remote_apply}"
OUT="${DEMO_OUT:-$PWD/build/run}"

source tools/lib/pg.sh
now() { date +%s.%N; }

pg_tmpdir TMP /tmp/understudy-run-XXXXXX
PORT="$(free_port)"
SDIR="$TMP/standby"
STANDBY_PID=""
pg_at_exit "stop_child STANDBY_PID"

echo "== starting a throwaway primary on 127.0.0.1:$PORT ($TMP/data)"
pg_init_start "$TMP/data" "$PORT" "max_wal_size = 2GB" "wal_compression = lz4" "wal_consistency_checking = 'all'" \
  "synchronous_standby_names = 'understudy'" "synchronous_commit = $SYNC"
PSQL=("$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -AtX)
TABLE=("$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -X -P footer=off)
PGBENCH=("$PGBIN/pgbench" -h 127.0.0.1 -p "$PORT" -U postgres)

echo "== understudy standby --verify (the synchronous standby, synchronous_commit = $SYNC) in $SDIR"
"$BIN" standby --primary "host=127.0.0.1 port=$PORT user=postgres" --dir "$SDIR" --verify \
  --status-interval 0.5 -v >"$TMP/standby.log" 2>&1 &
STANDBY_PID=$!
for _ in $(seq 300); do
  [ "$("${PSQL[@]}" -c "select count(*) from pg_stat_replication where sync_state = 'sync'")" = 1 ] && break
  kill -0 "$STANDBY_PID" 2>/dev/null || { echo "understudy standby exited:"; cat "$TMP/standby.log"; exit 1; }
  sleep 0.1
done
"${TABLE[@]}" -c "select application_name, state, sync_state from pg_stat_replication"

T0="$(now)"
echo "== load: pgbench -i -s $SCALE, then pgbench -c $CLIENTS for $SECONDS_LOAD s (each commit waits for understudy)"
timeout 600 "${PGBENCH[@]}" -i -q -s "$SCALE" postgres 2>&1 | tail -1
T1="$(now)"
timeout $((SECONDS_LOAD + 300)) "${PGBENCH[@]}" -n -T "$SECONDS_LOAD" -c "$CLIENTS" -P 10 postgres 2>&1 |
  grep -E "^(progress|tps|latency average|number of transactions actually)"
T2="$(now)"
echo "-- understudy lag, right after the load:"
"$BIN" lag --dir "$SDIR" | sed 's/^/   /'

TARGET="$("${PSQL[@]}" -c "select pg_current_wal_lsn()")"
echo "== waiting until understudy has applied the primary's position $TARGET"
for _ in $(seq 1200); do
  APPLIED="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["applied_lsn"])' "$SDIR/status.json" 2>/dev/null || echo 0/0)"
  [ "$("${PSQL[@]}" -c "select '$APPLIED'::pg_lsn >= '$TARGET'::pg_lsn")" = t ] && break
  sleep 0.1
done
sleep 1
echo "pg_stat_replication as the primary sees understudy:"
"${TABLE[@]}" -c "select application_name, sync_state, sent_lsn, write_lsn, flush_lsn, replay_lsn,
  write_lag, flush_lag, replay_lag from pg_stat_replication"
kill -INT "$STANDBY_PID"
RC=0; wait "$STANDBY_PID" || RC=$?
STANDBY_PID=""
echo "understudy standby exited with status $RC after SIGINT"

mkdir -p "$OUT"
cp "$SDIR/lag.jsonl" "$SDIR/status.json" "$OUT/"
cp "$TMP/standby.log" "$OUT/standby.log"
echo
echo "== summary"
fmt_t() { date -u -d "@$1" +%H:%M:%S; }
echo "-- pgbench -i: $(fmt_t "$T0") .. $(fmt_t "$T1") UTC; pgbench -T $SECONDS_LOAD: $(fmt_t "$T1") .. $(fmt_t "$T2") UTC"
echo "-- lag during the $SECONDS_LOAD s of pgbench (understudy lag --summary --from/--to; seconds and bytes):"
"$BIN" lag --dir "$OUT" --summary --from "$T1" --to "$T2"
"$BIN" lag --dir "$OUT" --plot "$OUT/lag.svg" >/dev/null
echo
echo "lag plot (whole run: init, load, catch-up): $OUT/lag.svg"
echo "history and status: $OUT/lag.jsonl, $OUT/status.json; standby log: $OUT/standby.log"
echo "(understudy lag --dir $OUT [--summary] [--plot FILE.svg] reads them again.)"
[ "$RC" -eq 0 ]
