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
