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
-- A posting list split on a full leaf page (SPLIT with postingoff): duplicates with TIDs
-- inside existing posting lists, inserted into packed pages.
CREATE TABLE bd_dup (d int) WITH (autovacuum_enabled = off, fillfactor = 100);
COPY bd_dup FROM PROGRAM 'seq 1 60000 | awk ''{print $1 % 7}''';
CREATE INDEX bd_dup_d ON bd_dup (d) WITH (fillfactor = 100);
DELETE FROM bd_dup WHERE ctid::text LIKE '%,1)' OR ctid::text LIKE '%,5)';
VACUUM bd_dup;
INSERT INTO bd_dup SELECT g % 7 FROM generate_series(1, 20000) g;
CHECKPOINT;
