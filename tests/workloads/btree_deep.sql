-- Btree page deletion of an internal page (UNLINK_PAGE with the leaf re-created from the
-- record, block 3): a three-level index whose middle level-1 page loses its whole subtree.
-- Run after heap_btree.sql. Consistency images only for Btree in this session, so the heap
-- deletes stay small.
SET wal_consistency_checking = 'btree';
CREATE TABLE bd (id int) WITH (autovacuum_enabled = off);
COPY bd FROM PROGRAM 'seq 1 300000';
CREATE INDEX bd_id ON bd (id);
DELETE FROM bd WHERE id BETWEEN 60000 AND 260000;
VACUUM bd;
-- A posting list split on a full leaf page (SPLIT with postingoff): posting lists built by
-- CREATE INDEX, then deduplication switched off so a full page splits instead of being
-- deduplicated; freed heap slots give new TIDs inside the posting lists' ranges.
CREATE TABLE bd_dup (d int) WITH (autovacuum_enabled = off, fillfactor = 100);
COPY bd_dup FROM PROGRAM 'seq 1 60000 | awk ''{print $1 % 7}''';
CREATE INDEX bd_dup_d ON bd_dup (d) WITH (fillfactor = 100);
ALTER INDEX bd_dup_d SET (deduplicate_items = off);
DELETE FROM bd_dup WHERE ctid::text LIKE '%,1)' OR ctid::text LIKE '%,5)' OR ctid::text LIKE '%,9)';
VACUUM bd_dup;
INSERT INTO bd_dup SELECT g % 7 FROM generate_series(1, 3000) g;
-- Bottom-up deletion (DELETE, possibly shrinking posting lists): non-HOT updates that leave
-- the duplicated key's index unchanged.
CREATE TABLE bd_bu (id int, d int, v int) WITH (autovacuum_enabled = off, fillfactor = 100);
COPY bd_bu FROM PROGRAM 'seq 1 20000 | awk ''{print $1 "\t" $1 % 5 "\t" $1}''';
CREATE INDEX bd_bu_d ON bd_bu (d) WITH (fillfactor = 100);
CREATE INDEX bd_bu_v ON bd_bu (v);
UPDATE bd_bu SET v = v + 100000 WHERE id % 20 = 0;
UPDATE bd_bu SET v = v + 100000 WHERE id % 20 = 0;
UPDATE bd_bu SET v = v + 100000 WHERE id % 20 = 0;
CHECKPOINT;
