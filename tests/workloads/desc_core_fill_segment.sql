-- Fills the current WAL segment up to less than two pages (as PostgreSQL's
-- src/test/recovery/t/026_overwrite_contrecord.pl does), before a record that crosses into the
-- next segment.
-- Used by tests/workloads/desc_core_extras.sh and tests/integration/desc_core_test.cpp.
CREATE TABLE filler (a int, b text);
DO $$
DECLARE
  segsize int := setting::int FROM pg_settings WHERE name = 'wal_segment_size';
  remain int;
BEGIN
  LOOP
    INSERT INTO filler SELECT g, repeat(md5(g::text), (random() * 60 + 1)::int) FROM generate_series(1, 10) g;
    remain := segsize - (pg_current_wal_insert_lsn() - '0/0') % segsize;
    EXIT WHEN remain < 2 * 8192;
  END LOOP;
END $$;
