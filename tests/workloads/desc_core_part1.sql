-- Part 1 of the core-rmgr describe workload: a remote_apply commit (apply_feedback); commit,
-- abort, prepare + commit prepared and abort prepared with a replication origin; PREPARE with
-- rels to drop at commit, dropped stats and a relcache init file invalidation; VACUUM FULL of a
-- shared catalog (global/ paths, RelMap of database 0).
-- Used by tests/workloads/desc_core_extras.sh and tests/integration/desc_core_test.cpp.
CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'x' FROM generate_series(1, 10) g;
CREATE TABLE flag (phase int);
SET synchronous_commit = remote_apply;
INSERT INTO t VALUES (100, 'remote_apply');
RESET synchronous_commit;
SELECT pg_replication_origin_create('dc_origin');
SELECT pg_replication_origin_session_setup('dc_origin');
BEGIN;
SELECT pg_replication_origin_xact_setup('0/AABBCCDD', '2026-01-02 03:04:05.123456+00');
INSERT INTO t VALUES (101, 'origin commit');
COMMIT;
BEGIN;
SELECT pg_replication_origin_xact_setup('0/AABBCCEE', '2026-01-02 03:04:06+00');
INSERT INTO t VALUES (102, 'origin abort');
ROLLBACK;
BEGIN;
SELECT pg_replication_origin_xact_setup('0/AABBCCFF', '2026-01-02 03:04:07+00');
INSERT INTO t VALUES (103, 'origin prepare');
PREPARE TRANSACTION 'dc_origin_prep';
COMMIT PREPARED 'dc_origin_prep';
BEGIN;
SELECT pg_replication_origin_xact_setup('0/AABBCD00', '2026-01-02 03:04:08+00');
INSERT INTO t VALUES (104, 'origin abort prepared');
PREPARE TRANSACTION 'dc_origin_prep2';
ROLLBACK PREPARED 'dc_origin_prep2';
SELECT pg_replication_origin_session_reset();
CREATE TABLE dc_drop_me (a int);
CREATE ROLE dc_role;
BEGIN;
DROP TABLE dc_drop_me;
GRANT SELECT ON pg_class TO dc_role;
PREPARE TRANSACTION 'dc_prep_rels';
COMMIT PREPARED 'dc_prep_rels';
VACUUM FULL pg_shdescription;
