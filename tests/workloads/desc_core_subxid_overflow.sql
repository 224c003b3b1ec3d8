-- A transaction with more subtransactions than PGPROC caches (64), held open until a row with
-- phase 1 appears in table flag (a CHECKPOINT meanwhile writes RUNNING_XACTS with "subxid ovf").
-- Used by tests/workloads/desc_core_extras.sh and tests/integration/desc_core_test.cpp.
BEGIN;
INSERT INTO t VALUES (1000, 'overflow');
DO $$ BEGIN FOR i IN 1..70 LOOP
  BEGIN INSERT INTO t VALUES (1000 + i, 'sub'); EXCEPTION WHEN others THEN RAISE; END;
END LOOP; END $$;
DO $$ BEGIN WHILE NOT EXISTS (SELECT 1 FROM flag WHERE phase = 1) LOOP PERFORM pg_sleep(0.05); END LOOP; END $$;
COMMIT;
