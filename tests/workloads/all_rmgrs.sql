-- A workload that makes PostgreSQL (14 to 18; written for 15, whose statements it runs unchanged) write WAL of every one of its 22 resource managers
-- (XLOG, Transaction, Storage, CLOG, Database, Tablespace, MultiXact, RelMap, Standby, Heap2,
-- Heap, Btree, Hash, Gin, Gist, Sequence, SPGist, BRIN, CommitTs, ReplicationOrigin, Generic,
-- LogicalMessage), for diffing `understudy waldump` against pg_waldump.
--
-- Run it with psql in autocommit mode (CREATE DATABASE, VACUUM, CREATE TABLESPACE and
-- transaction-control DO blocks cannot run inside a transaction block), as a superuser, on a
-- server with:
--   wal_level = logical (replica works too, minus XLOG_HEAP_TRUNCATE / NEW_CID / INVALIDATIONS)
--   max_prepared_transactions > 0, track_commit_timestamp = on, max_replication_slots > 0
-- and the psql variable tsdir set to an empty directory owned by the server's OS user:
--   psql -v ON_ERROR_STOP=1 -v tsdir=/tmp/x/ts -f tests/workloads/all_rmgrs.sql
-- Used by tools/waldump_diff.sh and tests/integration/waldump_parity_test.cpp, which then also
-- change max_wal_senders and restart the server (XLOG CHECKPOINT_SHUTDOWN, PARAMETER_CHANGE)
-- and insert one more row before taking the end LSN.

\set ON_ERROR_STOP 1
SET client_min_messages = warning;
-- PostgreSQL 14 has neither CREATE DATABASE ... STRATEGY nor pg_backup_start/stop.
SELECT current_setting('server_version_num')::int >= 150000 AS pg15plus \gset
-- Tens of thousands of commits follow: do not wait for a flush on each.
SET synchronous_commit = off;

--------------------------------------------------------------------------------------------
-- Heap / Heap2: inserts, COPY (multi-insert), HOT and non-HOT updates, deletes, row locks,
-- speculative insertion (ON CONFLICT), TOAST, unlogged table (init fork).
--------------------------------------------------------------------------------------------
CREATE TABLE wdt_heap (id int PRIMARY KEY, k int, pad text) WITH (fillfactor = 70);
CREATE INDEX wdt_heap_k ON wdt_heap (k);
INSERT INTO wdt_heap SELECT g, g % 100, repeat('x', 50) FROM generate_series(1, 2000) g;
COPY wdt_heap (id, k, pad) FROM PROGRAM 'seq 2001 3000 | sed "s/.*/&\t7\tcopied/"';
UPDATE wdt_heap SET pad = 'hot' WHERE id % 10 = 0;             -- HOT (pad not indexed)
UPDATE wdt_heap SET k = k + 1000 WHERE id % 17 = 0;            -- non-HOT (k indexed)
UPDATE wdt_heap SET pad = repeat('y', 400) WHERE id % 97 = 0;  -- rows move to other pages
DELETE FROM wdt_heap WHERE id % 13 = 0;
INSERT INTO wdt_heap VALUES (1, 1, 'conflict') ON CONFLICT DO NOTHING;
INSERT INTO wdt_heap VALUES (100001, 1, 'spec') ON CONFLICT (id) DO UPDATE SET pad = 'upd';
INSERT INTO wdt_heap VALUES (100001, 1, 'spec') ON CONFLICT (id) DO UPDATE SET pad = 'upd2';
BEGIN;
SELECT count(*) FROM (SELECT id FROM wdt_heap WHERE id < 50 FOR UPDATE) l;
SELECT count(*) FROM (SELECT id FROM wdt_heap WHERE id BETWEEN 50 AND 99 FOR SHARE) l;
SELECT count(*) FROM (SELECT id FROM wdt_heap WHERE id BETWEEN 100 AND 149 FOR NO KEY UPDATE) l;
SELECT count(*) FROM (SELECT id FROM wdt_heap WHERE id BETWEEN 150 AND 199 FOR KEY SHARE) l;
COMMIT;
-- MultiXact: a row locked by the top transaction and updated in a subtransaction gets a
-- multixact as its xmax (ZERO_OFF_PAGE / ZERO_MEM_PAGE for the first one, CREATE_ID).
BEGIN;
SELECT * FROM wdt_heap WHERE id = 2 FOR SHARE;
SAVEPOINT s1;
UPDATE wdt_heap SET pad = 'multi' WHERE id = 2;
RELEASE SAVEPOINT s1;
SELECT * FROM wdt_heap WHERE id = 3 FOR KEY SHARE;
SAVEPOINT s2;
SELECT * FROM wdt_heap WHERE id = 3 FOR UPDATE;
COMMIT;
-- Locking an updated row version chain (heap2 LOCK_UPDATED) after a subtransaction update.
BEGIN;
UPDATE wdt_heap SET pad = 'chain' WHERE id = 4;
SAVEPOINT s3;
SELECT * FROM wdt_heap WHERE id = 4 FOR KEY SHARE;
COMMIT;
CREATE TABLE wdt_toast (id int, big text);
ALTER TABLE wdt_toast ALTER COLUMN big SET STORAGE EXTERNAL;
INSERT INTO wdt_toast SELECT g, repeat(md5(g::text), 300) FROM generate_series(1, 20) g;
UPDATE wdt_toast SET big = big || 'z' WHERE id <= 5;
CREATE UNLOGGED TABLE wdt_unlogged (x int PRIMARY KEY);
INSERT INTO wdt_unlogged SELECT generate_series(1, 100);

--------------------------------------------------------------------------------------------
-- VACUUM (prune, vacuum, visible, freeze, truncate of trailing pages), VACUUM FREEZE,
-- TRUNCATE, CLUSTER, VACUUM FULL.
--------------------------------------------------------------------------------------------
VACUUM wdt_heap;
DELETE FROM wdt_heap WHERE id > 2500 AND id < 100000;
VACUUM wdt_heap;                        -- Storage/TRUNCATE of the emptied tail
VACUUM (FREEZE) wdt_heap;
CREATE TABLE wdt_trunc AS SELECT g AS x FROM generate_series(1, 1000) g;
TRUNCATE wdt_trunc;                     -- Heap/TRUNCATE (wal_level=logical), Standby/LOCK
INSERT INTO wdt_trunc SELECT generate_series(1, 500);
CLUSTER wdt_heap USING wdt_heap_pkey;
VACUUM FULL wdt_toast;

--------------------------------------------------------------------------------------------
-- Btree: splits (leaf, internal, new root), deduplication, simple and bottom-up deletion,
-- vacuum, page deletion (half-dead, unlink), meta cleanup.
--------------------------------------------------------------------------------------------
CREATE TABLE wdt_bt (id int, dup int, s text);
CREATE INDEX wdt_bt_id ON wdt_bt (id);
CREATE INDEX wdt_bt_dup ON wdt_bt (dup);          -- deduplication on a low-cardinality key
CREATE INDEX wdt_bt_s ON wdt_bt (s);              -- wide keys: splits of internal pages
INSERT INTO wdt_bt SELECT g, g % 7, md5(g::text) || repeat('k', 200) FROM generate_series(1, 3000) g;
INSERT INTO wdt_bt SELECT g, g % 7, md5(g::text) FROM generate_series(8000, 6000, -1) g;  -- left splits
SET enable_seqscan = off;
DELETE FROM wdt_bt WHERE id BETWEEN 1000 AND 1400;
SELECT count(*) FROM wdt_bt WHERE id BETWEEN 1000 AND 1400;   -- marks index entries LP_DEAD
INSERT INTO wdt_bt SELECT g, 3, md5(g::text) FROM generate_series(1000, 1400) g;  -- simple deletion
RESET enable_seqscan;
UPDATE wdt_bt SET id = id WHERE id BETWEEN 2000 AND 2300;   -- non-HOT: bottom-up deletion
UPDATE wdt_bt SET id = id WHERE id BETWEEN 2000 AND 2300;
DELETE FROM wdt_bt WHERE id BETWEEN 100 AND 900 OR id BETWEEN 6200 AND 7800;
VACUUM wdt_bt;                                   -- half-dead + unlink page
VACUUM wdt_bt;                                   -- meta cleanup

--------------------------------------------------------------------------------------------
-- Hash: init meta/bitmap, inserts, bucket splits, overflow pages, delete, squeeze, cleanup.
--------------------------------------------------------------------------------------------
CREATE TABLE wdt_hash (k int, v int);
CREATE INDEX wdt_hash_k ON wdt_hash USING hash (k);
INSERT INTO wdt_hash SELECT g, g FROM generate_series(1, 4000) g;       -- bucket splits
INSERT INTO wdt_hash SELECT 42, g FROM generate_series(1, 1500) g;      -- overflow pages
DELETE FROM wdt_hash WHERE k = 42 AND v % 5 <> 0;
DELETE FROM wdt_hash WHERE k % 3 = 0;
VACUUM wdt_hash;                                                        -- squeeze / move contents
INSERT INTO wdt_hash SELECT g, g FROM generate_series(4001, 6000) g;    -- split cleanup
DELETE FROM wdt_hash WHERE k = 42;
SET enable_seqscan = off; SET enable_bitmapscan = off;
SELECT count(*) FROM wdt_hash WHERE k = 42;                             -- marks entries LP_DEAD
RESET enable_seqscan; RESET enable_bitmapscan;
INSERT INTO wdt_hash SELECT 42, g FROM generate_series(1, 1500) g;      -- VACUUM_ONE_PAGE

--------------------------------------------------------------------------------------------
-- GIN: fastupdate pending list (insert list page, update meta, delete list pages), posting
-- trees, data and entry page splits, vacuum, page deletion.
--------------------------------------------------------------------------------------------
CREATE TABLE wdt_gin (id int, a int[], t tsvector);
CREATE INDEX wdt_gin_a ON wdt_gin USING gin (a) WITH (fastupdate = on, gin_pending_list_limit = 64);
CREATE INDEX wdt_gin_t ON wdt_gin USING gin (t) WITH (fastupdate = off);
INSERT INTO wdt_gin SELECT g, ARRAY[1, g % 50, g], to_tsvector('simple', 'common word' || (g % 300)::text)
  FROM generate_series(1, 4000) g;
SELECT gin_clean_pending_list('wdt_gin_a'::regclass) >= 0;
INSERT INTO wdt_gin SELECT g, ARRAY[1, 2], to_tsvector('simple', 'common') FROM generate_series(4001, 5000) g;
DELETE FROM wdt_gin WHERE id % 4 <> 0 OR id > 3000;
VACUUM wdt_gin;

--------------------------------------------------------------------------------------------
-- GiST: inserts with page splits, deletion, vacuum and page deletion.
--------------------------------------------------------------------------------------------
CREATE TABLE wdt_gist (id int, p point, b box);
CREATE INDEX wdt_gist_p ON wdt_gist USING gist (p);
CREATE INDEX wdt_gist_b ON wdt_gist USING gist (b);
INSERT INTO wdt_gist SELECT g, point(g % 300, g / 300), box(point(g, g), point(g + 1, g + 1))
  FROM generate_series(1, 4000) g;
DELETE FROM wdt_gist WHERE id > 400;
VACUUM wdt_gist;
INSERT INTO wdt_gist SELECT g, point(g, -g), box(point(-g, -g), point(-g + 1, -g + 1))
  FROM generate_series(1, 500) g;

--------------------------------------------------------------------------------------------
-- SP-GiST: quad-tree and k-d tree over points, radix tree over text.
--------------------------------------------------------------------------------------------
CREATE TABLE wdt_spg (id int, p point, t text);
CREATE INDEX wdt_spg_quad ON wdt_spg USING spgist (p);
CREATE INDEX wdt_spg_kd ON wdt_spg USING spgist (p kd_point_ops);
CREATE INDEX wdt_spg_text ON wdt_spg USING spgist (t);
INSERT INTO wdt_spg SELECT g, point(g % 211, g % 307), 'prefix' || (g % 1000)::text || md5(g::text)
  FROM generate_series(1, 4000) g;
DELETE FROM wdt_spg WHERE id % 3 = 0;
VACUUM wdt_spg;
INSERT INTO wdt_spg SELECT g, point(g, g), 'other' || g::text FROM generate_series(1, 500) g;
CREATE TABLE wdt_spg_small (p point);
CREATE INDEX wdt_spg_small_idx ON wdt_spg_small USING spgist (p);
INSERT INTO wdt_spg_small SELECT point(g, g) FROM generate_series(1, 10) g;
DELETE FROM wdt_spg_small WHERE p[0] > 5;
VACUUM wdt_spg_small;                                                   -- VACUUM_ROOT

--------------------------------------------------------------------------------------------
-- BRIN: create (summarize), inserts, revmap extension, summarize, desummarize.
--------------------------------------------------------------------------------------------
CREATE TABLE wdt_brin (x int, pad text);
INSERT INTO wdt_brin SELECT g, repeat('b', 100) FROM generate_series(1, 600) g;
CREATE INDEX wdt_brin_x ON wdt_brin USING brin (x) WITH (pages_per_range = 1);
INSERT INTO wdt_brin SELECT g, repeat('b', 100) FROM generate_series(601, 4000) g;
UPDATE wdt_brin SET x = -x WHERE x % 100 = 0;
SELECT brin_summarize_new_values('wdt_brin_x') >= 0;
SELECT brin_desummarize_range('wdt_brin_x', 0);
SELECT brin_desummarize_range('wdt_brin_x', 3);
SELECT brin_summarize_range('wdt_brin_x', 0) >= 0;

--------------------------------------------------------------------------------------------
-- Generic WAL (bloom).
--------------------------------------------------------------------------------------------
CREATE EXTENSION IF NOT EXISTS bloom;
CREATE TABLE wdt_bloom (a int, b int, c text);
INSERT INTO wdt_bloom SELECT g, g % 10, md5(g::text) FROM generate_series(1, 500) g;
CREATE INDEX wdt_bloom_idx ON wdt_bloom USING bloom (a, b, c);
INSERT INTO wdt_bloom SELECT g, g % 10, md5(g::text) FROM generate_series(501, 1500) g;
DELETE FROM wdt_bloom WHERE a % 2 = 0;
VACUUM wdt_bloom;

--------------------------------------------------------------------------------------------
-- Sequences.
--------------------------------------------------------------------------------------------
CREATE SEQUENCE wdt_seq;
SELECT count(nextval('wdt_seq')) FROM generate_series(1, 200);
ALTER SEQUENCE wdt_seq INCREMENT BY 5;
SELECT setval('wdt_seq', 1000);
SELECT nextval('wdt_seq');
CREATE TABLE wdt_ident (id int GENERATED ALWAYS AS IDENTITY, v int);
INSERT INTO wdt_ident (v) SELECT generate_series(1, 100);

--------------------------------------------------------------------------------------------
-- Transactions: abort, subtransactions (more than 64 with xids: XACT_ASSIGNMENT),
-- savepoint rollback, two-phase commit (prepare, commit prepared, rollback prepared).
--------------------------------------------------------------------------------------------
CREATE TABLE wdt_xact (i int);
BEGIN;
INSERT INTO wdt_xact VALUES (1);
ROLLBACK;
BEGIN;
INSERT INTO wdt_xact VALUES (2);
SAVEPOINT a;
INSERT INTO wdt_xact VALUES (3);
ROLLBACK TO SAVEPOINT a;
INSERT INTO wdt_xact VALUES (4);
COMMIT;
DO $$
BEGIN
  FOR i IN 1..100 LOOP
    BEGIN
      INSERT INTO wdt_xact VALUES (1000 + i);   -- each block is a subtransaction with an xid
    EXCEPTION WHEN others THEN RAISE;
    END;
  END LOOP;
END $$;
BEGIN;
INSERT INTO wdt_xact VALUES (10);
CREATE TABLE wdt_2pc (x int);
PREPARE TRANSACTION 'wdt_gid_commit';
COMMIT PREPARED 'wdt_gid_commit';
BEGIN;
INSERT INTO wdt_xact VALUES (11);
SAVEPOINT p;
INSERT INTO wdt_xact VALUES (12);
PREPARE TRANSACTION 'wdt_gid_abort';
ROLLBACK PREPARED 'wdt_gid_abort';
DROP TABLE wdt_2pc;

--------------------------------------------------------------------------------------------
-- Logical messages, replication origins, commits with an origin.
--------------------------------------------------------------------------------------------
SELECT pg_logical_emit_message(true, 'wdt', 'transactional message') IS NOT NULL;
SELECT pg_logical_emit_message(false, 'wdt', 'non-transactional message') IS NOT NULL;
SELECT pg_logical_emit_message(false, 'wdt_bytes', '\x00ff10'::bytea) IS NOT NULL;
SELECT pg_replication_origin_create('wdt_origin') > 0;
SELECT pg_replication_origin_advance('wdt_origin', '0/12345678');
SELECT pg_replication_origin_session_setup('wdt_origin');
BEGIN;
SELECT pg_replication_origin_xact_setup('0/23456789', '2020-01-02 03:04:05+00');
INSERT INTO wdt_xact VALUES (20);
COMMIT;
BEGIN;
INSERT INTO wdt_xact VALUES (21);
ROLLBACK;
SELECT pg_replication_origin_session_reset();
SELECT pg_replication_origin_drop('wdt_origin');

--------------------------------------------------------------------------------------------
-- Large objects (the first new OID after a start logs XLOG NEXTOID).
--------------------------------------------------------------------------------------------
SELECT count(lo_create(0)) FROM generate_series(1, 100);
SELECT count(lo_unlink(oid)) FROM pg_largeobject_metadata;

--------------------------------------------------------------------------------------------
-- CLOG and CommitTs page zeroing: burn more than 32768 xids (one CLOG page), committing each
-- (commit timestamps are on: CommitTs pages fill every 819 xids).
--------------------------------------------------------------------------------------------
DO $$
BEGIN
  FOR i IN 1..33000 LOOP
    PERFORM pg_current_xact_id();
    COMMIT;
  END LOOP;
END $$;

--------------------------------------------------------------------------------------------
-- Page reuse: btree and GiST pages deleted by the VACUUMs above are recyclable now that many
-- transactions have passed (Btree REUSE_PAGE, Gist PAGE_REUSE).
--------------------------------------------------------------------------------------------
VACUUM wdt_bt;
VACUUM wdt_gist;
INSERT INTO wdt_bt SELECT g, g % 7, md5(g::text) || repeat('r', 200) FROM generate_series(100, 900) g;
INSERT INTO wdt_gist SELECT g, point(g % 300, g / 300), box(point(g, g), point(g + 1, g + 1))
  FROM generate_series(2001, 4000) g;

--------------------------------------------------------------------------------------------
-- Tablespaces, databases (both strategies), relation map (VACUUM FULL of pg_class).
--------------------------------------------------------------------------------------------
CREATE TABLESPACE wdt_ts LOCATION :'tsdir';
CREATE TABLE wdt_in_ts (x int) TABLESPACE wdt_ts;
INSERT INTO wdt_in_ts SELECT generate_series(1, 1000);
ALTER TABLE wdt_in_ts SET TABLESPACE pg_default;
DROP TABLE wdt_in_ts;
\if :pg15plus
CREATE DATABASE wdt_db_wal TEMPLATE template0 STRATEGY wal_log;
CREATE DATABASE wdt_db_copy TEMPLATE template0 STRATEGY file_copy;
CREATE DATABASE wdt_db_ts TEMPLATE template0 STRATEGY file_copy TABLESPACE wdt_ts;
\else
CREATE DATABASE wdt_db_wal TEMPLATE template0;
CREATE DATABASE wdt_db_copy TEMPLATE template0;
CREATE DATABASE wdt_db_ts TEMPLATE template0 TABLESPACE wdt_ts;
\endif
DROP DATABASE wdt_db_wal;
DROP DATABASE wdt_db_copy;
DROP DATABASE wdt_db_ts;
DROP TABLESPACE wdt_ts;
VACUUM FULL pg_class;                   -- RelMap/UPDATE

--------------------------------------------------------------------------------------------
-- XLOG: checkpoint, restore point, backup start/stop (BACKUP_END), FPI, switch.
--------------------------------------------------------------------------------------------
CHECKPOINT;
SELECT pg_create_restore_point('wdt_restore_point') IS NOT NULL;
\if :pg15plus
SELECT pg_backup_start('wdt_backup', true) IS NOT NULL;
SELECT lsn IS NOT NULL FROM pg_backup_stop(false);
\else
SELECT pg_start_backup('wdt_backup', true, false) IS NOT NULL;
SELECT lsn IS NOT NULL FROM pg_stop_backup(false);
\endif
UPDATE wdt_heap SET pad = 'after checkpoint' WHERE id < 20;   -- full-page images
DROP TABLE wdt_trunc;
SELECT pg_switch_wal() IS NOT NULL;
INSERT INTO wdt_xact VALUES (99);
