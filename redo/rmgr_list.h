// The one list of resource managers (PostgreSQL 15's src/include/access/rmgrlist.h).
// Every table of per-rmgr routines (describe now; redo and mask later) is expanded from it.
//
// X(id, enum name, name as pg_waldump prints it, routine prefix, masked|unmasked)
//   routine prefix `p` means the rmgr provides p_desc() and p_identify() in redo/describe/<rmgr>.cpp
//   and p_redo() in redo/apply/<rmgr>.cpp; `masked` means it also provides p_mask() there (the
//   rmgrs whose rm_mask is not NULL in PostgreSQL 15, i.e. that wal_consistency_checking covers).
//   All are declared in redo/rmgr.h.
#pragma once

#define UNDERSTUDY_RMGR_LIST(X) \
    X(0, RM_XLOG_ID, "XLOG", xlog, unmasked) \
    X(1, RM_XACT_ID, "Transaction", xact, unmasked) \
    X(2, RM_SMGR_ID, "Storage", smgr, unmasked) \
    X(3, RM_CLOG_ID, "CLOG", clog, unmasked) \
    X(4, RM_DBASE_ID, "Database", dbase, unmasked) \
    X(5, RM_TBLSPC_ID, "Tablespace", tblspc, unmasked) \
    X(6, RM_MULTIXACT_ID, "MultiXact", multixact, unmasked) \
    X(7, RM_RELMAP_ID, "RelMap", relmap, unmasked) \
    X(8, RM_STANDBY_ID, "Standby", standby, unmasked) \
    X(9, RM_HEAP2_ID, "Heap2", heap2, masked) \
    X(10, RM_HEAP_ID, "Heap", heap, masked) \
    X(11, RM_BTREE_ID, "Btree", btree, masked) \
    X(12, RM_HASH_ID, "Hash", hash, masked) \
    X(13, RM_GIN_ID, "Gin", gin, masked) \
    X(14, RM_GIST_ID, "Gist", gist, masked) \
    X(15, RM_SEQ_ID, "Sequence", seq, masked) \
    X(16, RM_SPGIST_ID, "SPGist", spg, masked) \
    X(17, RM_BRIN_ID, "BRIN", brin, masked) \
    X(18, RM_COMMIT_TS_ID, "CommitTs", commit_ts, unmasked) \
    X(19, RM_REPLORIGIN_ID, "ReplicationOrigin", replorigin, unmasked) \
    X(20, RM_GENERIC_ID, "Generic", generic, masked) \
    X(21, RM_LOGICALMSG_ID, "LogicalMessage", logicalmsg, unmasked)
