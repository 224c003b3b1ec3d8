-- Workload for the index resource managers (Hash, Gin, Gist, SPGist, BRIN) on PostgreSQL 15:
-- every record type they write under wal_level = replica, and the flag variants their
-- descriptions print (is_primary T/F, clear_dead_marking T/F, (newpage), (nulls), (same),
-- (innerIsParent), (isRootSplit), INSERT+INIT / UPDATE+INIT, full page images applied and
-- "for WAL verification" when run with wal_consistency_checking = all).
-- Not reachable here: Gist ASSIGN_LSN (only written with wal_level = minimal, for a GiST index
-- created in the same transaction as its table).
-- Use: tools/waldump_diff.sh --workload=tests/workloads/index_rmgrs.sql --allow-missing-rmgrs
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

------------------------------------------------------------------------ Hash
-- INIT_META_PAGE / INIT_BITMAP_PAGE (num_tuples %g with an exponent: the build's tuple
-- estimate comes from pg_class), INSERT, ADD_OVFL_PAGE, SPLIT_ALLOCATE_PAGE / SPLIT_PAGE /
-- SPLIT_COMPLETE, then VACUUM: DELETE, SPLIT_CLEANUP, SQUEEZE_PAGE, MOVE_PAGE_CONTENTS,
-- UPDATE_META_PAGE.
CREATE TABLE ix_hash_big (k int);
INSERT INTO ix_hash_big VALUES (1);
UPDATE pg_class SET relpages = 1, reltuples = 1234567 WHERE oid = 'ix_hash_big'::regclass;
CREATE INDEX ix_hash_big_k ON ix_hash_big USING hash (k);
CREATE TABLE ix_hash (k int, v text);
CREATE INDEX ix_hash_k ON ix_hash USING hash (k);
INSERT INTO ix_hash SELECT g % 1000, 'x' FROM generate_series(1, 20000) g;
INSERT INTO ix_hash SELECT 7, 'dup' FROM generate_series(1, 3000) g;
CHECKPOINT;
INSERT INTO ix_hash SELECT g, 'y' FROM generate_series(1, 200) g;
DELETE FROM ix_hash WHERE k = 7;
DELETE FROM ix_hash WHERE k % 3 = 0;
VACUUM ix_hash;
-- Long overflow chains thinned at random: squeezes into non-primary pages (is_primary F).
CREATE TABLE ix_hash_chain (k int);
CREATE INDEX ix_hash_chain_k ON ix_hash_chain USING hash (k);
INSERT INTO ix_hash_chain SELECT g % 4 FROM generate_series(1, 20000) g;
DELETE FROM ix_hash_chain WHERE random() < 0.7;
VACUUM ix_hash_chain;
-- Dead tuples marked by index scans: VACUUM clears the mark (clear_dead_marking T); inserts
-- into a full page with dead tuples: VACUUM_ONE_PAGE.
CREATE TABLE ix_hash_dead (k int);
CREATE INDEX ix_hash_dead_k ON ix_hash_dead USING hash (k);
INSERT INTO ix_hash_dead SELECT g % 50 FROM generate_series(1, 10000) g;
DELETE FROM ix_hash_dead WHERE k % 2 = 0;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SELECT count(*) FROM ix_hash_dead WHERE k = 2;
SELECT count(*) FROM ix_hash_dead WHERE k = 4;
RESET enable_seqscan;
RESET enable_bitmapscan;
VACUUM ix_hash_dead;
CREATE TABLE ix_hash_one (k int);
CREATE INDEX ix_hash_one_k ON ix_hash_one USING hash (k);
INSERT INTO ix_hash_one SELECT 1 FROM generate_series(1, 3000);
DELETE FROM ix_hash_one;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SELECT count(*) FROM ix_hash_one WHERE k = 1;
RESET enable_seqscan;
RESET enable_bitmapscan;
INSERT INTO ix_hash_one SELECT 1 FROM generate_series(1, 3000);

------------------------------------------------------------------------ GIN
-- Entry tree inserts and splits (non-leaf inserts with children), posting trees
-- (CREATE_PTREE, leaf recompression: add / insert / replace / delete segments, internal
-- pitem inserts, data splits), the pending list (INSERT_LISTPAGE, UPDATE_META_PAGE,
-- DELETE_LISTPAGE), VACUUM: VACUUM_PAGE, VACUUM_DATA_LEAF_PAGE, DELETE_PAGE.
CREATE TABLE ix_gin (a int[], t tsvector);
CREATE INDEX ix_gin_a ON ix_gin USING gin (a) WITH (fastupdate = off);
CREATE INDEX ix_gin_t ON ix_gin USING gin (t) WITH (fastupdate = on, gin_pending_list_limit = 64);
INSERT INTO ix_gin SELECT ARRAY[g % 10, g % 1000, g], to_tsvector('simple', 'w' || (g % 50) || ' z' || g)
  FROM generate_series(1, 20000) g;
CHECKPOINT;
INSERT INTO ix_gin SELECT ARRAY[g % 10, 5], to_tsvector('simple', 'w1') FROM generate_series(1, 2000) g;
DELETE FROM ix_gin WHERE (a[1]) < 8;
VACUUM ix_gin;
INSERT INTO ix_gin SELECT ARRAY[g % 10, 5], to_tsvector('simple', 'w1') FROM generate_series(1, 20000) g;
DELETE FROM ix_gin;
VACUUM ix_gin;

------------------------------------------------------------------------ GiST
-- PAGE_UPDATE, PAGE_SPLIT, VACUUM: PAGE_DELETE; pages recycled through the FSM: PAGE_REUSE;
-- tuples killed by index scans, removed when an insert needs room: DELETE.
CREATE TABLE ix_gist (p point);
CREATE INDEX ix_gist_p ON ix_gist USING gist (p);
INSERT INTO ix_gist SELECT point(g % 300, g / 300) FROM generate_series(1, 30000) g;
CHECKPOINT;
INSERT INTO ix_gist SELECT point(g, g) FROM generate_series(1, 100) g;
DELETE FROM ix_gist WHERE p[0] < 200;
VACUUM ix_gist;
SELECT txid_current();
SELECT txid_current();
VACUUM ix_gist;
INSERT INTO ix_gist SELECT point(g % 300, g / 300) FROM generate_series(1, 30000) g;
CREATE TABLE ix_gist_dead (p point);
CREATE INDEX ix_gist_dead_p ON ix_gist_dead USING gist (p);
INSERT INTO ix_gist_dead SELECT point(1, 1) FROM generate_series(1, 2000);
DELETE FROM ix_gist_dead;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SELECT count(*) FROM ix_gist_dead WHERE p <@ box '((0,0),(2,2))';
RESET enable_seqscan;
RESET enable_bitmapscan;
INSERT INTO ix_gist_dead SELECT point(1, 1) FROM generate_series(1, 2000);

------------------------------------------------------------------------ SP-GiST
-- ADD_LEAF (also nulls), MOVE_LEAFS, PICKSPLIT (root / inner-is-parent / nulls), ADD_NODE and
-- SPLIT_TUPLE (radix tree over text with shared prefixes), VACUUM: VACUUM_LEAF,
-- VACUUM_REDIRECT, VACUUM_ROOT (a root that is still a leaf).
CREATE TABLE ix_spg (t text, p point);
CREATE INDEX ix_spg_t ON ix_spg USING spgist (t);
CREATE INDEX ix_spg_p ON ix_spg USING spgist (p);
INSERT INTO ix_spg SELECT 'prefix' || (g % 100) || 'abc' || g, point(g % 100, g / 100) FROM generate_series(1, 10000) g;
INSERT INTO ix_spg SELECT md5(g::text), NULL FROM generate_series(1, 3000) g;
INSERT INTO ix_spg SELECT NULL, point(g, g) FROM generate_series(1, 500) g;
CHECKPOINT;
INSERT INTO ix_spg SELECT 'q' || g, point(g, -g) FROM generate_series(1, 300) g;
INSERT INTO ix_spg SELECT 'abcdefgh' || g, NULL FROM generate_series(1, 2000) g;
INSERT INTO ix_spg SELECT 'abcd' || g, NULL FROM generate_series(1, 2000) g;
INSERT INTO ix_spg SELECT 'ab' || chr(65 + g % 50) || g, NULL FROM generate_series(1, 3000) g;
DELETE FROM ix_spg WHERE length(t) > 20;
DELETE FROM ix_spg WHERE p[0] < 50;
VACUUM ix_spg;
VACUUM ix_spg;
CREATE TABLE ix_spg_root (t text);
CREATE INDEX ix_spg_root_t ON ix_spg_root USING spgist (t);
INSERT INTO ix_spg_root SELECT 'a' || g FROM generate_series(1, 50) g;
DELETE FROM ix_spg_root WHERE t > 'a3';
VACUUM ix_spg_root;

------------------------------------------------------------------------ BRIN
-- CREATE_INDEX, REVMAP_EXTEND, INSERT(+INIT) from summarization, SAMEPAGE_UPDATE and
-- UPDATE(+INIT) when new heap tuples widen a summary, DESUMMARIZE.
CREATE TABLE ix_brin (x int, y text);
INSERT INTO ix_brin SELECT g, repeat('z', 100) FROM generate_series(1, 100000) g;
CREATE INDEX ix_brin_x ON ix_brin USING brin (x) WITH (pages_per_range = 1);
CREATE INDEX ix_brin_xy ON ix_brin USING brin (x, y) WITH (pages_per_range = 4);
INSERT INTO ix_brin SELECT g, 'q' FROM generate_series(1, 20000) g;
SELECT brin_summarize_new_values('ix_brin_x') >= 0;
SELECT brin_summarize_new_values('ix_brin_xy') >= 0;
UPDATE ix_brin SET x = -x WHERE x % 997 = 0;
SELECT brin_desummarize_range('ix_brin_x', 10);
SELECT brin_desummarize_range('ix_brin_xy', 0);
SELECT brin_summarize_range('ix_brin_x', 10) >= 0;
CHECKPOINT;
UPDATE ix_brin SET x = x * 1000, y = repeat('w', 500) WHERE x % 5003 = 1;
SELECT brin_summarize_new_values('ix_brin_x') >= 0;
