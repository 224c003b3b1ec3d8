-- Record types tests/workloads/all_rmgrs.sql does not write, for the per-version coverage runs
-- (tools/waldump_diff.sh --version N, tools/make_version_fixtures.sh,
-- tests/integration/walinspect_test.cpp). Runs on PostgreSQL 14 to 18 after all_rmgrs.sql (it
-- relies on the transactions and multixacts that one consumed), with psql in autocommit mode as
-- a superuser, on a server set up as all_rmgrs.sql says (wal_level = logical). The types no
-- workload can write are listed, with the reason, in tests/workloads/coverage_unreachable.txt.

\set ON_ERROR_STOP 1
SET client_min_messages = warning;

-- Heap/UPDATE+INIT: the new version of a row does not fit on its page and goes to a new, empty one.
CREATE TABLE wdt_cov_init (id int, pad text);
ALTER TABLE wdt_cov_init ALTER COLUMN pad SET STORAGE PLAIN;
INSERT INTO wdt_cov_init VALUES (1, repeat('a', 5000));
UPDATE wdt_cov_init SET pad = repeat('b', 5000) WHERE id = 1;

-- Heap2/REWRITE: rewriting a catalog table while a logical replication slot exists logs the
-- logical rewrite mappings.
SELECT 'ok' FROM pg_create_logical_replication_slot('wdt_cov_slot', 'pgoutput');
VACUUM FULL pg_class;
SELECT pg_drop_replication_slot('wdt_cov_slot');

-- Heap2/LOCK_UPDATED: another session (dblink) holds a non-key update of a row; locking the old
-- version FOR KEY SHARE does not wait for it but follows the update chain and locks the new one.
CREATE EXTENSION IF NOT EXISTS dblink;
CREATE TABLE wdt_cov_lock (id int PRIMARY KEY, v int);
INSERT INTO wdt_cov_lock SELECT g, g FROM generate_series(1, 10) g;
SELECT dblink_connect('wdt_cov_peer', 'host=127.0.0.1 port=' || current_setting('port') || ' dbname=postgres user=' || current_user);
SELECT dblink_exec('wdt_cov_peer', 'BEGIN');
SELECT dblink_exec('wdt_cov_peer', 'UPDATE wdt_cov_lock SET v = v + 1 WHERE id = 1');
SELECT count(*) FROM (SELECT id FROM wdt_cov_lock WHERE id = 1 FOR KEY SHARE) l;
SELECT dblink_exec('wdt_cov_peer', 'COMMIT');
SELECT dblink_disconnect('wdt_cov_peer');

-- MultiXact/ZERO_OFF_PAGE: more than 2048 multixacts (one offsets page; the first page is
-- zeroed by initdb without WAL), each a row locked by the transaction and one subtransaction.
CREATE TABLE wdt_cov_multi (id int PRIMARY KEY);
INSERT INTO wdt_cov_multi SELECT generate_series(1, 2200);
DO $$
DECLARE r int;
BEGIN
  FOR i IN 1..2200 LOOP
    PERFORM id FROM wdt_cov_multi WHERE id = i FOR KEY SHARE;
    BEGIN
      PERFORM id FROM wdt_cov_multi WHERE id = i FOR SHARE;
      SELECT id INTO r FROM wdt_cov_multi WHERE id = i FOR UPDATE;
    EXCEPTION WHEN others THEN RAISE;
    END;
  END LOOP;
END $$;

-- Btree/UNLINK_PAGE_META and INSERT_META: VACUUM deletes every leaf but the rightmost of a
-- two-level index (the last deletion makes that leaf the fast root), then inserts split it
-- (the downlink goes into the true root above the fast root).
CREATE TABLE wdt_cov_bt (k int);
INSERT INTO wdt_cov_bt SELECT generate_series(1, 3000);
CREATE INDEX wdt_cov_bt_k ON wdt_cov_bt (k);
DELETE FROM wdt_cov_bt WHERE k < 2990;
VACUUM wdt_cov_bt;
INSERT INTO wdt_cov_bt SELECT generate_series(3001, 5000);

-- Hash/MOVE_PAGE_CONTENTS: VACUUM squeezes a bucket chain whose pages are half empty, so the
-- page written to fills up before the page read from is emptied.
CREATE TABLE wdt_cov_hash (k int, v int);
CREATE INDEX wdt_cov_hash_k ON wdt_cov_hash USING hash (k);
INSERT INTO wdt_cov_hash SELECT 7, g FROM generate_series(1, 3000) g;
DELETE FROM wdt_cov_hash WHERE v % 2 = 0;
VACUUM wdt_cov_hash;
-- Hash/VACUUM_ONE_PAGE and Gist/DELETE: an index scan marks the entries of deleted rows dead
-- (once the delete is flushed and older than every snapshot); an insert into the full page
-- then removes them instead of adding an overflow page / splitting.
CREATE TABLE wdt_cov_dead (k int, p point);
CREATE INDEX wdt_cov_dead_k ON wdt_cov_dead USING hash (k);
CREATE INDEX wdt_cov_dead_p ON wdt_cov_dead USING gist (p);
INSERT INTO wdt_cov_dead SELECT 5, point(1, 1) FROM generate_series(1, 300) g;
DELETE FROM wdt_cov_dead;
SELECT pg_sleep(0.5);
SET enable_seqscan = off; SET enable_bitmapscan = off;
SELECT count(*) FROM wdt_cov_dead WHERE k = 5;
SELECT count(*) FROM wdt_cov_dead WHERE p <@ box(point(0, 0), point(2, 2));
RESET enable_seqscan; RESET enable_bitmapscan;
INSERT INTO wdt_cov_dead SELECT 5, point(1, 1) FROM generate_series(1, 300) g;

-- Gin/DELETE_PAGE: VACUUM empties whole leaf pages of a posting tree.
CREATE TABLE wdt_cov_gin (a int[]);
CREATE INDEX wdt_cov_gin_a ON wdt_cov_gin USING gin (a) WITH (fastupdate = off);
INSERT INTO wdt_cov_gin SELECT ARRAY[1] FROM generate_series(1, 30000);
DELETE FROM wdt_cov_gin WHERE ctid < '(100,0)';
VACUUM wdt_cov_gin;

-- BRIN/UPDATE and UPDATE+INIT: a range's summary grows (longer text) and no longer fits on its
-- full revmap-data page, so it moves to another page (a new one the first time).
CREATE TABLE wdt_cov_brin (t text) WITH (fillfactor = 10);
INSERT INTO wdt_cov_brin SELECT 'a' || g FROM generate_series(1, 20000) g;
CREATE INDEX wdt_cov_brin_t ON wdt_cov_brin USING brin (t) WITH (pages_per_range = 1);
-- 384 characters: under TOAST_INDEX_TARGET, so the summary stores them uncompressed.
UPDATE wdt_cov_brin SET t = (SELECT string_agg(md5(t || g), '') FROM generate_series(1, 12) g)
  WHERE t IN (SELECT 'a' || g FROM generate_series(1, 20000, 400) g);
SELECT brin_summarize_new_values('wdt_cov_brin_t') >= 0;

-- XLOG/FPW_CHANGE: the checkpointer logs a change of full_page_writes on reload.
ALTER SYSTEM SET full_page_writes = off;
SELECT pg_reload_conf();
SELECT pg_sleep(1);
ALTER SYSTEM RESET full_page_writes;
SELECT pg_reload_conf();
SELECT pg_sleep(1);

-- CommitTs/TRUNCATE and MultiXact/TRUNCATE_ID: freezing every database (template0 included)
-- moves the cluster's oldest xid past the first commit-timestamp segment (32 pages of 819 xids;
-- all_rmgrs.sql consumed more than 33000) and its oldest multixact past the ones all_rmgrs.sql
-- created.
SET vacuum_freeze_min_age = 0;
SET vacuum_multixact_freeze_min_age = 0;
ALTER DATABASE template0 ALLOW_CONNECTIONS true;
\c template0
SET vacuum_multixact_freeze_min_age = 0;
VACUUM FREEZE;
\c template1
SET vacuum_multixact_freeze_min_age = 0;
VACUUM FREEZE;
\c postgres
SET client_min_messages = warning;
ALTER DATABASE template0 ALLOW_CONNECTIONS false;
SET vacuum_multixact_freeze_min_age = 0;
VACUUM FREEZE;
