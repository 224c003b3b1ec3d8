-- Load for tools/bench_replay.sh --workload index (after the base backup; setup:
-- index_bench_setup.sql): index_rmgrs.sql's operations at scale on one table carrying every
-- index AM. psql -v rows=N: N rows inserted in 4 batches (hash bucket splits, GIN posting
-- trees and pending-list flushes, GiST and SP-GiST page splits, BRIN revmap extension, bloom
-- page adds), a third deleted and vacuumed (hash squeezes, GIN / GiST / SP-GiST / bloom vacuum),
-- BRIN summarisation, N/2 rows more, an update of a tenth.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
\set batch (:rows / 4)
INSERT INTO ib SELECT g, g % 5000, 'k' || (g % 977) || '/' || md5(g::text), point(g % 1000, g / 1000),
  ARRAY[g % 100, g % 7, g], to_tsvector('simple', 'w' || (g % 500) || ' v' || (g % 37))
  FROM generate_series(1, :batch) g;
INSERT INTO ib SELECT g, g % 5000, 'k' || (g % 977) || '/' || md5(g::text), point(g % 1000, g / 1000),
  ARRAY[g % 100, g % 7, g], to_tsvector('simple', 'w' || (g % 500) || ' v' || (g % 37))
  FROM generate_series(:batch + 1, 2 * :batch) g;
INSERT INTO ib SELECT g, g % 5000, 'k' || (g % 977) || '/' || md5(g::text), point(g % 1000, g / 1000),
  ARRAY[g % 100, g % 7, g], to_tsvector('simple', 'w' || (g % 500) || ' v' || (g % 37))
  FROM generate_series(2 * :batch + 1, 3 * :batch) g;
INSERT INTO ib SELECT g, g % 5000, 'k' || (g % 977) || '/' || md5(g::text), point(g % 1000, g / 1000),
  ARRAY[g % 100, g % 7, g], to_tsvector('simple', 'w' || (g % 500) || ' v' || (g % 37))
  FROM generate_series(3 * :batch + 1, 4 * :batch) g;
SELECT brin_summarize_new_values('ib_brin') >= 0;
DELETE FROM ib WHERE id % 3 = 0;
VACUUM ib;
INSERT INTO ib SELECT g, g % 5000, 'n' || md5(g::text), point(-(g % 1000), g / 1000), ARRAY[g % 50, g],
  to_tsvector('simple', 'x' || (g % 300))
  FROM generate_series(4 * :batch + 1, 6 * :batch) g;
UPDATE ib SET k = k + 1, p = point(p[0] + 0.5, p[1]) WHERE id % 10 = 1;
SELECT brin_summarize_new_values('ib_brin') >= 0;
