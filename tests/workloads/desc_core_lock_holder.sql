-- A share lock on a row of t held until a row with phase 2 appears in table flag, while other
-- transactions lock the same row (multixacts).
-- Used by tests/workloads/desc_core_extras.sh and tests/integration/desc_core_test.cpp.
BEGIN;
SELECT 1 FROM t WHERE id = 1 FOR SHARE;
DO $$ BEGIN WHILE NOT EXISTS (SELECT 1 FROM flag WHERE phase = 2) LOOP PERFORM pg_sleep(0.05); END LOOP; END $$;
COMMIT;
