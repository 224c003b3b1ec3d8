// The one list of resource managers (PostgreSQL 15's src/include/access/rmgrlist.h).
// Every table of per-rmgr routines (describe now; redo and mask later) is expanded from it.
//
// X(id, enum name, name as pg_waldump prints it, routine prefix)
//   routine prefix `p` means the rmgr provides p_desc() and p_identify() in redo/describe/,
//   declared in redo/rmgr.h.
#pragma once

#define UNDERSTUDY_RMGR_LIST(X)                                   \
    X(0, RM_XLOG_ID, "XLOG", xlog)                                \
    X(1, RM_XACT_ID, "Transaction", xact)                         \
    X(2, RM_SMGR_ID, "Storage", smgr)                             \
    X(3, RM_CLOG_ID, "CLOG", clog)                                \
    X(4, RM_DBASE_ID, "Database", dbase)                          \
    X(5, RM_TBLSPC_ID, "Tablespace", tblspc)                      \
    X(6, RM_MULTIXACT_ID, "MultiXact", multixact)                 \
    X(7, RM_RELMAP_ID, "RelMap", relmap)                          \
    X(8, RM_STANDBY_ID, "Standby", standby)                       \
    X(9, RM_HEAP2_ID, "Heap2", heap2)                             \
    X(10, RM_HEAP_ID, "Heap", heap)                               \
    X(11, RM_BTREE_ID, "Btree", btree)                            \
    X(12, RM_HASH_ID, "Hash", hash)                               \
    X(13, RM_GIN_ID, "Gin", gin)                                  \
    X(14, RM_GIST_ID, "Gist", gist)                               \
    X(15, RM_SEQ_ID, "Sequence", seq)                             \
    X(16, RM_SPGIST_ID, "SPGist", spg)                            \
    X(17, RM_BRIN_ID, "BRIN", brin)                               \
    X(18, RM_COMMIT_TS_ID, "CommitTs", commit_ts)                 \
    X(19, RM_REPLORIGIN_ID, "ReplicationOrigin", replorigin)      \
    X(20, RM_GENERIC_ID, "Generic", generic)                      \
    X(21, RM_LOGICALMSG_ID, "LogicalMessage", logicalmsg)
