#!/usr/bin/env bash
# The receiver demo (`tools/run.sh receive`): installs what is missing and builds
# (tools/setup.sh), starts a throwaway PostgreSQL 15 primary (as the postgres user, 127.0.0.1,
# free port, temp dir) that names understudy as its synchronous standby, puts pgbench load on it,
# follows it with `understudy receive` for a few seconds, prints what was received, and cleans up.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh --run
BIN="$PWD/build/tools/understudy/understudy"

source tools/lib/pg.sh

pg_tmpdir TMP /tmp/understudy-run-XXXXXX
PORT="$(free_port)"
RECEIVER_PID=""
pg_at_exit "stop_child RECEIVER_PID"

echo "== starting a throwaway primary on 127.0.0.1:$PORT ($TMP/data)"
pg_init_start "$TMP/data" "$PORT" "wal_keep_size = 1GB" "synchronous_standby_names = 'understudy'" \
  "synchronous_commit = on"
PSQL=("$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -AtX)
TABLE=("$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -AX -F ' | ' -P footer=off)

echo "== understudy receive (synchronous standby) into $TMP/wal"
"$BIN" receive --primary "host=127.0.0.1 port=$PORT user=postgres" --wal-dir "$TMP/wal" \
  --status-file "$TMP/status.json" --status-interval 1 -v >"$TMP/receive.log" 2>&1 &
RECEIVER_PID=$!
for _ in $(seq 100); do
  [ "$("${PSQL[@]}" -c "select count(*) from pg_stat_replication")" = 1 ] && break
  sleep 0.1
done

echo "== load: pgbench -i -s 5, then pgbench -c 4 for 5 s (every commit waits for understudy's flush)"
timeout 120 "$PGBIN/pgbench" -h 127.0.0.1 -p "$PORT" -U postgres -i -q -s 5 postgres 2>&1 | tail -1
echo "pg_stat_replication during load:"
"${TABLE[@]}" -c "select application_name, state, sync_state, sent_lsn, write_lsn, flush_lsn, replay_lsn from pg_stat_replication"
timeout 120 "$PGBIN/pgbench" -h 127.0.0.1 -p "$PORT" -U postgres -n -T 5 -c 4 postgres 2>&1 | grep -E "^(tps|number of transactions actually)"

TARGET="$("${PSQL[@]}" -c "select pg_current_wal_lsn()")"
echo "== waiting until understudy has flushed the primary's position $TARGET"
for _ in $(seq 300); do
  FLUSHED="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["flushed_lsn"])' "$TMP/status.json" 2>/dev/null || echo 0/0)"
  [ "$("${PSQL[@]}" -c "select '$FLUSHED'::pg_lsn >= '$TARGET'::pg_lsn")" = t ] && break
  sleep 0.1
done
echo "pg_stat_replication as the primary sees understudy:"
"${TABLE[@]}" -c "select application_name, state, sync_state, sent_lsn, write_lsn, flush_lsn from pg_stat_replication"
kill -INT "$RECEIVER_PID"
RC=0; wait "$RECEIVER_PID" || RC=$?
RECEIVER_PID=""
echo "understudy exited with status $RC after SIGINT"

echo "== received"
ls -l "$TMP/wal" | tail -n +2
SEGS=$(ls "$TMP/wal" | grep -cE '^[0-9A-F]{24}$' || true)
PARTS=$(ls "$TMP/wal" | grep -cE '^[0-9A-F]{24}\.partial$' || true)
echo "complete segments: $SEGS, partial: $PARTS, bytes on disk: $(du -sb "$TMP/wal" | cut -f1)"
SAME=0
for f in "$TMP"/wal/[0-9A-F]*; do
  n="$(basename "$f")"; [[ "$n" == *.partial ]] && continue
  cmp -s "$f" "$TMP/data/pg_wal/$n" && SAME=$((SAME + 1))
done
echo "complete segments byte-identical to the primary's pg_wal: $SAME of $SEGS"
echo "status file:"; cat "$TMP/status.json"
echo "receiver log:"; sed 's/^/  /' "$TMP/receive.log"
