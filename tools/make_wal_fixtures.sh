#!/usr/bin/env bash
# Regenerates the captured WAL fixtures in tests/fixtures/wal/ from a throwaway PostgreSQL 15
# with 1 MB segments (initdb --wal-segsize=1). Each fixture is a directory of segment files,
# stored zstd-compressed (<segment>.zst); tests/integration/waldump_fixtures_test.cpp
# decompresses them and compares `understudy waldump` with pg_waldump on each.
#
#   cross_segment/         a 600 kB logical message record crossing from one segment into the next
#   switch_page_boundary/  an XLOG_SWITCH record ending exactly on a page boundary (crafted with
#                          a logical message of computed size), then the next segment
#   torn_tail/             a segment truncated in the middle of a record
#   zeroed_tail/           a segment zeroed from the middle of a record to its end
#   partial/               an in-progress segment (zero tail) named <segment>.partial
#
# The script checks each property with pg_waldump and fails if it does not hold.
# Usage: tools/make_wal_fixtures.sh [OUTDIR]   (default tests/fixtures/wal)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$(realpath -m "${1:-$ROOT/tests/fixtures/wal}")
source "$ROOT/tools/lib/pg.sh"

pg_tmpdir WORK /tmp/understudy-walfix.XXXXXX
DATA="$WORK/data"
PORT=$(free_port)
# autovacuum, bgwriter_delay, checkpoint_timeout: no background records between the statements
# that craft a fixture.
pg_init_start --initdb --wal-segsize=1 "$DATA" "$PORT" "wal_level = replica" "wal_keep_size = 1GB" "fsync = off" \
  "autovacuum = off" "bgwriter_delay = 10s" "checkpoint_timeout = 1h"
psql_() { "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U postgres -d postgres "$@"; }
seg_of() {  # LSN -> segment file name on timeline 1 (1 MB segments)
  python3 -c "import sys; h,l=sys.argv[1].split('/'); v=(int(h,16)<<32)|int(l,16); s=v>>20; print('%08X%08X%08X'%(1, s>>12, s&0xFFF))" "$1"
}
waldump() { "$PGBIN/pg_waldump" "$@"; }

rm -rf "$OUT.new"
mkdir -p "$OUT.new"/{cross_segment,switch_page_boundary,torn_tail,zeroed_tail,partial}

# Start from a fresh segment.
psql_ -c "select pg_switch_wal()" >/dev/null

# --- cross_segment: 700 kB then 600 kB messages; the second crosses into the next segment. ---
s1=$(psql_ -c "select pg_current_wal_insert_lsn()")
psql_ -c "select pg_logical_emit_message(false, 'fixture', repeat('a', 700000))" >/dev/null
cross_at=$(psql_ -c "select pg_current_wal_insert_lsn()")
psql_ -c "select pg_logical_emit_message(false, 'fixture', repeat('b', 600000))" >/dev/null
psql_ -c "select pg_logical_emit_message(false, 'fixture', 'small ' || g) from generate_series(1, 20) g" >/dev/null
e1=$(psql_ -c "select pg_current_wal_insert_lsn()")
psql_ -c "select pg_switch_wal()" >/dev/null
A=$(seg_of "$s1"); B=$(seg_of "$e1")
[ "$A" != "$B" ] || { echo "cross_segment: records did not reach a second segment" >&2; exit 1; }
# the crossing record starts in A and its successor in B
waldump -p "$DATA/pg_wal" -s "$cross_at" -n 2 | tee "$WORK/cross.txt" >/dev/null
second=$(sed -n 2p "$WORK/cross.txt" | sed -E 's/.*lsn: ([0-9A-F]+\/[0-9A-F]+).*/\1/')
[ "$(seg_of "$cross_at")" = "$A" ] && [ "$(seg_of "$second")" = "$B" ] \
  || { echo "cross_segment: record at $cross_at does not cross from $A to $B" >&2; exit 1; }
cp "$DATA/pg_wal/$A" "$DATA/pg_wal/$B" "$OUT.new/cross_segment/"
echo "cross_segment: $A $B; record at $cross_at crosses into $B (next record at $second)"

# --- switch_page_boundary: pad with a logical message so the 24-byte XLOG_SWITCH record ends
# exactly on an 8 kB page boundary. A non-transactional message record is 24 (XLogRecord)
# + 5 (long main-data header) + 24 (xl_logical_message) + prefix with NUL + the message; the
# padding record must end at page_end - 24 without crossing a page. pg_switch_wal() returns the
# end of the switch record, to which PostgreSQL adds the next page's header when the record ends
# on a page boundary (XLogInsertRecord), hence "end + 24". Retried if anything else wrote WAL.
done_switch=0
for attempt in $(seq 1 20); do
  res=$(psql_ 2>&1 <<'SQL'
DO $$
DECLARE
  p pg_lsn; off bigint; room bigint; n bigint; r pg_lsn; page_end bigint;
BEGIN
  LOOP
    p := pg_current_wal_insert_lsn();
    off := (p - '0/0'::pg_lsn)::bigint % 8192;
    room := 8192 - off - 24;                -- bytes left before the switch record
    EXIT WHEN off <> 0 AND room >= 24 + 5 + 24 + 4 + 256;
    PERFORM pg_logical_emit_message(false, 'pad', repeat('p', 300));  -- move on
  END LOOP;
  n := room - (24 + 5 + 24 + 4);            -- prefix 'pad' + NUL = 4 bytes
  page_end := (p - '0/0'::pg_lsn)::bigint - off + 8192;
  PERFORM pg_logical_emit_message(false, 'pad', repeat('s', n::int));
  r := pg_switch_wal();
  RAISE NOTICE 'result % %', (r - '0/0'::pg_lsn)::bigint - page_end, p;
END $$;
SQL
  )
  if echo "$res" | grep -q "result 24 "; then done_switch=1; break; fi
  echo "switch_page_boundary: attempt $attempt missed ($res), retrying" >&2
done
[ "$done_switch" = 1 ] || { echo "switch_page_boundary: could not craft it" >&2; exit 1; }
sw_start=$(echo "$res" | sed -E 's/.*result 24 ([0-9A-F]+\/[0-9A-F]+).*/\1/')
C=$(seg_of "$sw_start")
psql_ -c "select pg_logical_emit_message(false, 'after', 'switch ' || g) from generate_series(1, 10) g" >/dev/null
d_lsn=$(psql_ -c "select pg_current_wal_insert_lsn()")
psql_ -c "select pg_switch_wal()" >/dev/null
D=$(seg_of "$d_lsn")
sw_line=$(waldump -p "$DATA/pg_wal" "$C" -r XLOG | grep 'SWITCH' | tail -1)
sw_lsn=$(echo "$sw_line" | sed -E 's/.*lsn: ([0-9A-F]+\/[0-9A-F]+).*/\1/')
python3 -c "import sys; h,l=sys.argv[1].split('/'); v=(int(h,16)<<32)|int(l,16); sys.exit(0 if (v+24)%8192==0 else 1)" "$sw_lsn" \
  || { echo "switch_page_boundary: switch at $sw_lsn does not end on a page boundary" >&2; exit 1; }
cp "$DATA/pg_wal/$C" "$DATA/pg_wal/$D" "$OUT.new/switch_page_boundary/"
echo "switch_page_boundary: $C $D; XLOG_SWITCH at $sw_lsn ends on a page boundary"

# --- a segment of ordinary activity for torn_tail, zeroed_tail and partial ---
s3=$(psql_ -c "select pg_current_wal_insert_lsn()")
psql_ <<'SQL' >/dev/null
CREATE TABLE fix_t (id int PRIMARY KEY, v text);
INSERT INTO fix_t SELECT g, md5(g::text) FROM generate_series(1, 1500) g;
CHECKPOINT;
UPDATE fix_t SET v = 'updated' WHERE id % 10 = 0;
DELETE FROM fix_t WHERE id % 7 = 0;
SELECT pg_logical_emit_message(true, 'fixture', 'done');
SQL
e3=$(psql_ -c "select pg_current_wal_insert_lsn()")
pg_stop "$DATA"
E=$(seg_of "$s3")
[ "$(seg_of "$e3")" = "$E" ] || { echo "activity spilled over segment $E (ended at $e3)" >&2; exit 1; }
waldump -p "$DATA/pg_wal" "$E" >"$WORK/e.txt" 2>/dev/null || true
# a record in the second half, longer than 100 bytes: cut in its middle
read -r cut_lsn cut_len < <(awk '
  match($0, /len \(rec\/tot\): +[0-9]+\/ *[0-9]+/) { split(substr($0, RSTART, RLENGTH), a, "/"); tot = a[3] + 0
    match($0, /lsn: [0-9A-F]+\/[0-9A-F]+/); l = substr($0, RSTART + 5, RLENGTH - 5); n++; L[n] = l; T[n] = tot }
  END { for (i = int(n / 2); i <= n; i++) if (T[i] > 100) { print L[i], T[i]; exit } }' "$WORK/e.txt")
cut_off=$(python3 -c "import sys; h,l=sys.argv[1].split('/'); v=(int(h,16)<<32)|int(l,16); print(v % (1<<20) + int(sys.argv[2]) // 2)" "$cut_lsn" "$cut_len")
cp "$DATA/pg_wal/$E" "$OUT.new/partial/$E.partial"
cp "$DATA/pg_wal/$E" "$OUT.new/torn_tail/$E"
truncate -s "$cut_off" "$OUT.new/torn_tail/$E"
cp "$DATA/pg_wal/$E" "$OUT.new/zeroed_tail/$E"
python3 - "$OUT.new/zeroed_tail/$E" "$cut_off" <<'PY'
import sys
path, off = sys.argv[1], int(sys.argv[2])
with open(path, "r+b") as f:
    size = f.seek(0, 2)
    f.seek(off)
    f.write(b"\0" * (size - off))
PY
echo "torn_tail / zeroed_tail: $E cut at offset $cut_off (record at $cut_lsn, $cut_len bytes); partial: $E.partial"

for f in "$OUT.new"/*/*; do zstd -q -19 --rm "$f"; done
{
  echo "# WAL fixtures (PostgreSQL 15, 1 MB segments), made by tools/make_wal_fixtures.sh"
  echo "cross_segment $A $B crossing_record $cross_at"
  echo "switch_page_boundary $C $D switch_record $sw_lsn"
  echo "torn_tail $E cut_offset $cut_off record $cut_lsn tot_len $cut_len"
  echo "zeroed_tail $E zeroed_from $cut_off record $cut_lsn tot_len $cut_len"
  echo "partial $E.partial"
} >"$OUT.new/MANIFEST"
rm -rf "$OUT"
mv "$OUT.new" "$OUT"
du -ab "$OUT" | tail -1
echo "fixtures written to $OUT"
