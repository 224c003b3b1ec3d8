// The one list of resource managers (PostgreSQL's src/include/access/rmgrlist.h; ids and names
// are the same in 14 to 18). Both tables of per-rmgr routines are expanded from it: the
// describe-only table (wal/rmgr_desc.h, all `understudy waldump` links) and the redo table
// (redo/rmgr.h: redo, mask, known differences).
//
// X(id, enum name, name as pg_waldump prints it, routine prefix, masked|unmasked,
//   known_diffs|no_known_diffs)
//   routine prefix `p` means the rmgr provides p_desc() and p_identify() in wal/describe/<rmgr>.cpp
//   (declared in wal/rmgr_desc.h)
//   and p_redo() in redo/apply/<rmgr>.cpp; `masked` means it also provides p_mask() there (the
//   rmgrs whose rm_mask is not NULL in PostgreSQL 15, i.e. that wal_consistency_checking covers);
//   `known_diffs` means it also provides p_known_difference() there: it recognises the
//   consistency-check differences PostgreSQL 15's own redo produces too (see redo/rmgr.h).
//   The redo-side routines are declared in redo/rmgr.h.
#pragma once

#define UNDERSTUDY_RMGR_LIST(X) \
    X(0, RM_XLOG_ID, "XLOG", xlog, unmasked, no_known_diffs) \
    X(1, RM_XACT_ID, "Transaction", xact, unmasked, no_known_diffs) \
    X(2, RM_SMGR_ID, "Storage", smgr, unmasked, no_known_diffs) \
    X(3, RM_CLOG_ID, "CLOG", clog, unmasked, no_known_diffs) \
    X(4, RM_DBASE_ID, "Database", dbase, unmasked, no_known_diffs) \
    X(5, RM_TBLSPC_ID, "Tablespace", tblspc, unmasked, no_known_diffs) \
    X(6, RM_MULTIXACT_ID, "MultiXact", multixact, unmasked, no_known_diffs) \
    X(7, RM_RELMAP_ID, "RelMap", relmap, unmasked, no_known_diffs) \
    X(8, RM_STANDBY_ID, "Standby", standby, unmasked, no_known_diffs) \
    X(9, RM_HEAP2_ID, "Heap2", heap2, masked, no_known_diffs) \
    X(10, RM_HEAP_ID, "Heap", heap, masked, no_known_diffs) \
    X(11, RM_BTREE_ID, "Btree", btree, masked, no_known_diffs) \
    X(12, RM_HASH_ID, "Hash", hash, masked, no_known_diffs) \
    X(13, RM_GIN_ID, "Gin", gin, masked, no_known_diffs) \
    X(14, RM_GIST_ID, "Gist", gist, masked, known_diffs) \
    X(15, RM_SEQ_ID, "Sequence", seq, masked, no_known_diffs) \
    X(16, RM_SPGIST_ID, "SPGist", spg, masked, no_known_diffs) \
    X(17, RM_BRIN_ID, "BRIN", brin, masked, no_known_diffs) \
    X(18, RM_COMMIT_TS_ID, "CommitTs", commit_ts, unmasked, no_known_diffs) \
    X(19, RM_REPLORIGIN_ID, "ReplicationOrigin", replorigin, unmasked, no_known_diffs) \
    X(20, RM_GENERIC_ID, "Generic", generic, masked, no_known_diffs) \
    X(21, RM_LOGICALMSG_ID, "LogicalMessage", logicalmsg, unmasked, no_known_diffs)
