-- Setup for tools/bench_replay.sh --workload index (run before the base backup): one table
-- with an index of every index access method PostgreSQL 15 WAL-logs with its own rmgr (hash,
-- GIN with and without fast update, GiST, SP-GiST text and point, BRIN) plus bloom (generic
-- WAL), all empty, so that the load after the backup writes index records rather than the
-- full-page images of an index build. The load: index_bench_load.sql.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS bloom;
CREATE TABLE ib (id int, k int, t text, p point, a int[], ts tsvector);
CREATE INDEX ib_hash ON ib USING hash (k);
CREATE INDEX ib_gin_a ON ib USING gin (a) WITH (fastupdate = off);
CREATE INDEX ib_gin_ts ON ib USING gin (ts) WITH (fastupdate = on, gin_pending_list_limit = 256);
CREATE INDEX ib_gist ON ib USING gist (p);
CREATE INDEX ib_spg_t ON ib USING spgist (t);
CREATE INDEX ib_spg_p ON ib USING spgist (p);
CREATE INDEX ib_brin ON ib USING brin (id) WITH (pages_per_range = 8);
CREATE INDEX ib_bloom ON ib USING bloom (id, k) WITH (length = 64);
