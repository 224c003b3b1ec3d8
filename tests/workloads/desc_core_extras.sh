#!/usr/bin/env bash
# WAL records of the "core" resource managers that tests/workloads/all_rmgrs.sql cannot make from
# one SQL session, and a diff of `understudy waldump` against pg_waldump over them (text and -b),
# per rmgr. Needs server restarts, a second session, pg_resetwal, a crash and a promotion:
#   phase 1  (one cluster, continuous WAL): commit with apply_feedback (remote_apply); commit,
#            prepare, commit prepared and abort prepared with a replication origin; PREPARE with rels to
#            drop at commit, dropped stats at commit and a relcache init file invalidation;
#            VACUUM FULL of a shared catalog (global/ paths, RelMap of database 0);
#            running xacts with subxid overflow; 2100 multixacts (ZERO_OFF_PAGE, ZERO_MEM_PAGE);
#            FPW_CHANGE (off and on); PARAMETER_CHANGE and CHECKPOINT_SHUTDOWN (restart);
#            MultiXact TRUNCATE_ID (VACUUM FREEZE of every database).
#   phase 2  (after pg_resetwal -x 2097152): CLOG TRUNCATE and CommitTs TRUNCATE (VACUUM FREEZE of
#            every database), OVERWRITE_CONTRECORD (crash while a record crosses a segment, the
#            next segment removed, restart).
#   phase 3  (a standby of phase 2's cluster, promoted): END_OF_RECOVERY on timeline 2.
# Usage: tests/workloads/desc_core_extras.sh [WORKDIR]   (default: a temp dir, removed at the end)
# Environment: UNDERSTUDY_BIN (default build/tools/understudy/understudy), UNDERSTUDY_PG_BINDIR.
# Exit status 0 when every compared output is identical.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/tools/lib/pg.sh"
UNDERSTUDY=${UNDERSTUDY_BIN:-$ROOT/build/tools/understudy/understudy}
[ -x "$UNDERSTUDY" ] || { echo "desc_core_extras: $UNDERSTUDY not built" >&2; exit 1; }
if [ $# -ge 1 ]; then
  mkdir -p "$1"; WORK=$(realpath "$1"); pg_own "$WORK"
else
  pg_tmpdir WORK /tmp/understudy-dcx.XXXXXX
fi

start() { pg_start --log "$WORK/$(basename "$1").log" "$1"; }
PORT=$(free_port)
psql_() { "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "${P:-$PORT}" -U postgres -d postgres "$@"; }

DATA="$WORK/primary"
pg_init_start --log "$WORK/primary.log" "$DATA" "$PORT" "wal_level = logical" "max_wal_senders = 5" \
  "max_prepared_transactions = 5" "track_commit_timestamp = on" "autovacuum = off" "fsync = off" \
  "wal_keep_size = 4GB" "max_wal_size = 4GB"

# ---- phase 1 ----
START1=$(psql_ -c "select pg_current_wal_insert_lsn()")
psql_ -f "$ROOT/tests/workloads/desc_core_part1.sql" >/dev/null

# A transaction with more subtransactions than PGPROC caches (64) open across a CHECKPOINT:
# RUNNING_XACTS with "subxid ovf".
psql_ -f "$ROOT/tests/workloads/desc_core_subxid_overflow.sql" &
BG=$!
sleep 1
psql_ -c "CHECKPOINT" -c "INSERT INTO flag VALUES (1)"
wait $BG

# 2100 multixacts: a transaction holds a share lock on a row while 2100 others lock it too.
psql_ -f "$ROOT/tests/workloads/desc_core_lock_holder.sql" &
BG=$!
sleep 1
{ echo "SET synchronous_commit = off;"; for _ in $(seq 2100); do echo "SELECT 1 FROM t WHERE id = 1 FOR SHARE;"; done; } | psql_ >/dev/null
psql_ -c "INSERT INTO flag VALUES (2)"
wait $BG

psql_ -c "SELECT pg_create_restore_point('dc_restore_point')" >/dev/null
psql_ -c "ALTER SYSTEM SET full_page_writes = off" -c "SELECT pg_reload_conf()" >/dev/null
sleep 1
psql_ -c "CHECKPOINT" -c "ALTER SYSTEM RESET full_page_writes" -c "SELECT pg_reload_conf()" >/dev/null
sleep 1
psql_ -c "ALTER SYSTEM SET max_connections = 60" -c "ALTER SYSTEM SET max_locks_per_transaction = 70" >/dev/null
pg_stop "$DATA"; start "$DATA"
psql_ -c "ALTER SYSTEM RESET max_connections" -c "ALTER SYSTEM RESET max_locks_per_transaction" \
      -c "UPDATE pg_database SET datallowconn = true WHERE datname = 'template0'" >/dev/null
"$PGBIN/vacuumdb" -h 127.0.0.1 -p "$PORT" -U postgres --all --freeze -q
pg_stop "$DATA"
cp -a "$DATA/pg_wal" "$WORK/wal1"
echo "$START1 1" >"$WORK/range1"

# ---- phase 2 ----
as_pg "$PGBIN/pg_resetwal" -x 2097152 -D "$DATA" >/dev/null
as_pg dd if=/dev/zero of="$DATA/pg_xact/0002" bs=8192 count=32 status=none
start "$DATA"
START2=$(psql_ -c "select pg_current_wal_insert_lsn()")
psql_ -c "CHECKPOINT" >/dev/null
"$PGBIN/vacuumdb" -h 127.0.0.1 -p "$PORT" -U postgres --all --freeze -q
# A record crossing into the next segment, the server crashing before it is complete: the next
# segment is removed, and recovery writes OVERWRITE_CONTRECORD where the record was cut off
# (as in PostgreSQL's src/test/recovery/t/026_overwrite_contrecord.pl).
psql_ -f "$ROOT/tests/workloads/desc_core_fill_segment.sql" >/dev/null
INITFILE=$(psql_ -c "SELECT pg_walfile_name(pg_current_wal_insert_lsn())")
psql_ -c "SELECT pg_logical_emit_message(true, 'dc', repeat('xyzxz', 123456))" >/dev/null
ENDFILE=$(psql_ -c "SELECT pg_walfile_name(pg_current_wal_insert_lsn())")
[ "$INITFILE" != "$ENDFILE" ] || { echo "desc_core_extras: message did not cross a segment" >&2; exit 1; }
pg_stop "$DATA" immediate
rm -f "$DATA/pg_wal/$ENDFILE"
start "$DATA"
psql_ -c "INSERT INTO t VALUES (5000, 'after overwrite')" -c "CHECKPOINT" >/dev/null
echo "$START2 1" >"$WORK/range2"

# ---- phase 3 ----
STANDBY="$WORK/standby"
as_pg "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$PORT" -U postgres -D "$STANDBY" -R -X stream -c fast
SPORT=$(free_port)
sed -i "s/^port = .*/port = $SPORT/" "$STANDBY/postgresql.conf"
start "$STANDBY"
psql_ -c "INSERT INTO t VALUES (6000, 'before promote')" >/dev/null
sleep 1
as_pg "$PGBIN/pg_ctl" -D "$STANDBY" -w -t 60 promote >/dev/null
P=$SPORT psql_ -c "INSERT INTO t VALUES (7000, 'promoted')" -c "CHECKPOINT" >/dev/null
SWITCH=$(awk '$1 == 1 { print $2 }' "$STANDBY/pg_wal/00000002.history")
pg_stop "$STANDBY"
pg_stop "$DATA"
cp -a "$DATA/pg_wal" "$WORK/wal2"
cp -a "$STANDBY/pg_wal" "$WORK/wal3"
echo "$SWITCH 2" >"$WORK/range3"

# ---- compare ----
RMGRS="XLOG Transaction Storage CLOG Database Tablespace MultiXact RelMap Standby Sequence CommitTs ReplicationOrigin Generic LogicalMessage"
TOTAL=0
for n in 1 2 3; do
  read -r S TLI <"$WORK/range$n"
  for mode in text -b; do
    args=(-p "$WORK/wal$n" -s "$S" -t "$TLI")
    [ "$mode" = text ] || args+=(-b)
    set +e
    "$PGBIN/pg_waldump" "${args[@]}" >"$WORK/pg.$n$mode.out" 2>"$WORK/pg.$n$mode.err"; pg_rc=$?
    "$UNDERSTUDY" waldump "${args[@]}" >"$WORK/us.$n$mode.out" 2>"$WORK/us.$n$mode.err"; us_rc=$?
    set -e
    sed -i -E 's/^(pg_waldump|understudy waldump|understudy): /PROG: /' "$WORK/pg.$n$mode.err" "$WORK/us.$n$mode.err"
    d=$(cat <(diff "$WORK/pg.$n$mode.out" "$WORK/us.$n$mode.out") <(diff "$WORK/pg.$n$mode.err" "$WORK/us.$n$mode.err") | grep -c '^[<>]' || true)
    [ "$pg_rc" = "$us_rc" ] || d=$((d + 1))
    TOTAL=$((TOTAL + d))
    echo "phase $n $mode: from $S tli $TLI: $(grep -c '^rmgr:' "$WORK/pg.$n$mode.out" || true) records (pg_waldump exit $pg_rc, understudy exit $us_rc), differing lines: $d"
  done
  for r in $RMGRS; do
    recs=$(grep -c "^rmgr: $r " "$WORK/pg.$n""text.out" || true)
    [ "$recs" -gt 0 ] || continue
    dl=$(diff <(grep "^rmgr: $r " "$WORK/pg.$n""text.out") <(grep "^rmgr: $r " "$WORK/us.$n""text.out") | grep -c '^[<>]' || true)
    types=$(grep "^rmgr: $r " "$WORK/pg.$n""text.out" | sed -E 's/.*desc: ([A-Z_a-z0-9]+).*/\1/' | sort | uniq -c | awk '{printf "%s(%s) ", $2, $1}')
    printf '  %-18s %5d records, %d differing lines: %s\n' "$r" "$recs" "$dl" "$types"
  done
done
echo "total differing lines: $TOTAL"
[ "$TOTAL" -eq 0 ]
