-- Generic WAL (RM_GENERIC_ID) as the bloom extension writes it: index build (metapage and
-- pages through generic WAL), inserts that fill pages and add new ones, deletes and VACUUM
-- (bloom's bulk delete rewrites pages and updates the metapage's free-page list).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS bloom;
CREATE TABLE gw_bloom (a int, b int, c text);
INSERT INTO gw_bloom SELECT g, g % 10, md5(g::text) FROM generate_series(1, 2000) g;
CREATE INDEX gw_bloom_idx ON gw_bloom USING bloom (a, b, c) WITH (length = 80, col1 = 2, col2 = 2, col3 = 4);
INSERT INTO gw_bloom SELECT g, g % 10, md5(g::text) FROM generate_series(2001, 6000) g;
DELETE FROM gw_bloom WHERE a % 3 = 0;
VACUUM gw_bloom;
INSERT INTO gw_bloom SELECT g, g % 7, md5(g::text) FROM generate_series(6001, 8000) g;
DELETE FROM gw_bloom WHERE a > 1000;
VACUUM gw_bloom;
INSERT INTO gw_bloom SELECT g, g % 7, md5(g::text) FROM generate_series(1, 500) g;
