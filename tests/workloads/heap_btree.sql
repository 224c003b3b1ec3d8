-- Workload exercising every record type of the Heap, Heap2 and Btree resource managers
-- (PostgreSQL 15), for describe-routine parity tests against pg_waldump.
-- Needs: wal_level = logical (TRUNCATE, NEW_CID, REWRITE), max_replication_slots >= 1,
-- the dblink and test_decoding modules (contrib), autovacuum off for determinism.
-- Run with psql -v ON_ERROR_STOP=1 as a superuser, in autocommit mode.

CREATE EXTENSION IF NOT EXISTS dblink;

-- Heap INSERT+INIT, INSERT, HOT_UPDATE, UPDATE, DELETE, LOCK; Btree INSERT_LEAF.
CREATE TABLE hb_t (id int PRIMARY KEY, k int, v text) WITH (fillfactor = 100);
CREATE INDEX hb_t_k ON hb_t (k);
INSERT INTO hb_t VALUES (1, 1, 'one');
INSERT INTO hb_t SELECT g, g, repeat('x', 20) FROM generate_series(2, 2000) g;
UPDATE hb_t SET v = 'hot' WHERE id = 5;            -- HOT_UPDATE (page may be full: UPDATE)
UPDATE hb_t SET k = k + 100000 WHERE id = 6;       -- UPDATE (indexed column)
UPDATE hb_t SET v = repeat('y', 30) WHERE id <= 200;  -- UPDATE, some UPDATE+INIT
DELETE FROM hb_t WHERE id BETWEEN 1000 AND 1100;
BEGIN;
SELECT id FROM hb_t WHERE id = 7 FOR UPDATE;       -- LOCK
SELECT id FROM hb_t WHERE id = 8 FOR SHARE;        -- LOCK (shared)
SELECT id FROM hb_t WHERE id IN (9, 10) FOR KEY SHARE;
COMMIT;

-- Multixact lock: IS_MULTI infobits.
BEGIN;
SELECT id FROM hb_t WHERE id = 11 FOR SHARE;
SELECT dblink_connect('hb_other', format('host=127.0.0.1 port=%s dbname=%s user=%s',
    current_setting('port'), current_database(), current_user));
SELECT dblink_exec('hb_other', 'BEGIN');
SELECT * FROM dblink('hb_other', 'SELECT id FROM hb_t WHERE id = 11 FOR SHARE') AS t(id int);
COMMIT;
SELECT dblink_exec('hb_other', 'COMMIT');

-- Heap2 LOCK_UPDATED: another session updates a row (non-key) and keeps its transaction
-- open; locking the row FOR KEY SHARE here follows the update chain.
SELECT dblink_exec('hb_other', 'BEGIN');
SELECT dblink_exec('hb_other', 'UPDATE hb_t SET v = ''locked-updated'' WHERE id = 12');
SELECT id FROM hb_t WHERE id = 12 FOR KEY SHARE;
SELECT dblink_exec('hb_other', 'COMMIT');
-- ... and once more with the updater committed: a tuple locked and then updated.
BEGIN;
SELECT id FROM hb_t WHERE id = 13 FOR KEY SHARE;
SELECT dblink_exec('hb_other', 'UPDATE hb_t SET v = ''after-lock'' WHERE id = 13');
COMMIT;
SELECT dblink_disconnect('hb_other');

-- Heap CONFIRM (speculative insertion) and DELETE of a super-deleted tuple is rare; CONFIRM:
INSERT INTO hb_t VALUES (5000, 5000, 'spec') ON CONFLICT (id) DO NOTHING;
INSERT INTO hb_t VALUES (5000, 5000, 'spec') ON CONFLICT (id) DO UPDATE SET v = 'upserted';

-- Heap2 MULTI_INSERT+INIT and MULTI_INSERT (COPY), with a toast relation.
CREATE TABLE hb_copy (a int, b text);
COPY hb_copy FROM PROGRAM 'seq 1 3000 | sed "s/$/\tcopied/"';
INSERT INTO hb_copy SELECT 1, 'x';  -- a page is not full: MULTI_INSERT (no INIT) below
COPY hb_copy FROM PROGRAM 'seq 1 50 | sed "s/$/\tagain/"';
CREATE TABLE hb_copy_frozen (a int);
BEGIN;
TRUNCATE hb_copy_frozen;
COPY hb_copy_frozen FROM PROGRAM 'seq 1 500' WITH (FREEZE);  -- ALL_FROZEN_SET flag
COMMIT;

-- Heap TRUNCATE (wal_level = logical), with CASCADE and RESTART IDENTITY flags.
CREATE TABLE hb_trunc_a (id serial PRIMARY KEY);
CREATE TABLE hb_trunc_b (id serial PRIMARY KEY, a int REFERENCES hb_trunc_a (id));
INSERT INTO hb_trunc_a DEFAULT VALUES;
INSERT INTO hb_trunc_b (a) VALUES (1);
TRUNCATE hb_trunc_b;
TRUNCATE hb_trunc_a CASCADE;
TRUNCATE hb_trunc_a, hb_trunc_b RESTART IDENTITY;
TRUNCATE hb_trunc_a RESTART IDENTITY CASCADE;      -- both flags

-- Heap INPLACE (vacuum's pg_class update), Heap2 PRUNE, VACUUM, VISIBLE, FREEZE_PAGE.
UPDATE hb_t SET v = 'hot2' WHERE id BETWEEN 20 AND 60;  -- HOT chains to prune
VACUUM hb_t;
VACUUM (FREEZE) hb_copy;
VACUUM (FREEZE) hb_t;
-- LOCK on an all-frozen page clears the bit: flags 0x01 (XLH_LOCK_ALL_FROZEN_CLEARED).
BEGIN;
SELECT id FROM hb_t WHERE id = 1500 FOR UPDATE;
COMMIT;
-- Old tuple logged for logical decoding: DELETE / UPDATE flags CONTAINS_OLD_TUPLE / _KEY.
CREATE TABLE hb_ri (id int PRIMARY KEY, v text);
INSERT INTO hb_ri SELECT g, 'v' FROM generate_series(1, 10) g;
UPDATE hb_ri SET id = 100 WHERE id = 1;            -- key changed: old key logged
DELETE FROM hb_ri WHERE id = 2;                    -- old key logged
ALTER TABLE hb_ri REPLICA IDENTITY FULL;
UPDATE hb_ri SET v = 'full' WHERE id = 3;          -- old tuple logged
DELETE FROM hb_ri WHERE id = 4;

-- Opportunistic pruning (PRUNE outside VACUUM): repeated HOT updates of one row.
CREATE TABLE hb_prune (id int PRIMARY KEY, n int) WITH (fillfactor = 50);
INSERT INTO hb_prune SELECT g, 0 FROM generate_series(1, 20) g;
DO $$ BEGIN FOR i IN 1..400 LOOP UPDATE hb_prune SET n = n + 1 WHERE id = 1; END LOOP; END $$;
SELECT count(*) FROM hb_prune;

-- Heap2 NEW_CID: catalog changes under wal_level = logical in a transaction.
BEGIN;
CREATE TABLE hb_cid (a int);
ALTER TABLE hb_cid ADD COLUMN b int;
COMMIT;

-- Heap2 REWRITE: VACUUM FULL of a catalog while a logical slot holds catalog_xmin.
SELECT 'hb_slot_created' FROM pg_create_logical_replication_slot('hb_slot', 'test_decoding');
CREATE TABLE hb_rewrite_dummy (a int);
DROP TABLE hb_rewrite_dummy;
VACUUM FULL pg_class;
SELECT pg_drop_replication_slot('hb_slot');

-- Btree: random wide keys for SPLIT_L / SPLIT_R, NEWROOT, INSERT_META, INSERT_UPPER.
CREATE TABLE hb_bt (id serial, k text);
CREATE INDEX hb_bt_k ON hb_bt (k);
INSERT INTO hb_bt (k) SELECT md5(g::text) || md5((g * 7)::text) FROM generate_series(1, 40000) g;

-- Btree DEDUP and INSERT_POST: many duplicates, then new duplicates landing on freed
-- (lower) heap TIDs after VACUUM.
CREATE TABLE hb_dup (id int, d int);
CREATE INDEX hb_dup_d ON hb_dup (d);
INSERT INTO hb_dup SELECT g, g % 10 FROM generate_series(1, 20000) g;
DELETE FROM hb_dup WHERE id % 3 = 0;
VACUUM hb_dup;                                     -- Btree VACUUM (with updated posting lists)
INSERT INTO hb_dup SELECT g, g % 10 FROM generate_series(1, 3000) g;

-- Btree DELETE: simple deletion of LP_DEAD items marked by index scans, and bottom-up
-- deletion from non-HOT updates that leave an index's keys unchanged.
CREATE TABLE hb_del (id int PRIMARY KEY, k int, filler text) WITH (fillfactor = 100);
CREATE INDEX hb_del_k ON hb_del (k);
INSERT INTO hb_del SELECT g, g, 'f' FROM generate_series(1, 5000) g;
DO $$ BEGIN FOR i IN 1..30 LOOP UPDATE hb_del SET k = k + 1 WHERE id <= 400; END LOOP; END $$;
DELETE FROM hb_del WHERE id BETWEEN 2000 AND 3000;
SET enable_seqscan = off; SET enable_bitmapscan = off;
SELECT count(*) FROM hb_del WHERE id BETWEEN 1 AND 5000;
RESET enable_seqscan; RESET enable_bitmapscan;
INSERT INTO hb_del SELECT g, g, 'f' FROM generate_series(2000, 3000) g;

-- Btree MARK_PAGE_HALFDEAD, UNLINK_PAGE, UNLINK_PAGE_META, META_CLEANUP, then REUSE_PAGE.
CREATE TABLE hb_pd (id int);
CREATE INDEX hb_pd_id ON hb_pd (id);
INSERT INTO hb_pd SELECT generate_series(1, 100000);
DELETE FROM hb_pd WHERE id BETWEEN 1000 AND 90000;
VACUUM hb_pd;                                      -- deletes pages; META_CLEANUP
SELECT txid_current();                             -- let the deleted pages' safexid age
VACUUM hb_pd;                                      -- puts deleted pages into the FSM
INSERT INTO hb_pd SELECT generate_series(1000, 60000);  -- splits reuse them: REUSE_PAGE
CREATE TABLE hb_pd2 (id int);
CREATE INDEX hb_pd2_id ON hb_pd2 (id);
INSERT INTO hb_pd2 SELECT generate_series(1, 500);  -- two leaves under the root
DELETE FROM hb_pd2 WHERE id <= 400;
VACUUM hb_pd2;                                     -- left leaf goes: UNLINK_PAGE_META
-- The remaining leaf is now the fast root but not the root: its split inserts the downlink
-- into the true root and moves the fast root: INSERT_META.
INSERT INTO hb_pd2 SELECT generate_series(501, 2000);

CHECKPOINT;
