// WAL record layouts of the Heap and Heap2 resource managers (src/include/access/heapam_xlog.h).
// The structs in namespace understudy are PostgreSQL 15's (15.1), which 14 shares byte for
// byte; namespaces pg16, pg17 and pg18 hold the layouts those versions changed or added (each
// version uses the newest of these at or below it, then 15's). Field names are PostgreSQL's;
// SizeOf* constants
// are computed with offsetof exactly as PostgreSQL computes them (they count no tail padding),
// so they are the number of bytes the server logs. Read the structs from WAL bytes with
// read_record_struct<T>(bytes, SizeOf...) or load<T>(), never by casting WAL memory.
//
// Used by the describe routines (wal/describe/heap.cpp, every version) and the redo routines
// (redo/apply/heap.cpp, every version it replays). The sub-record parsing both share, as
// PostgreSQL's heapdesc.c shares heap_xlog_deserialize_prune_and_freeze with heapam.c, is in
// wal/records/heap.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "wal/records/pg_types.h"

namespace understudy {

// ---- xl_info codes (high 4 bits of xl_info) ----------------------------------------------

// RM_HEAP_ID: three bits of opcode and one "init page" bit.
inline constexpr std::uint8_t XLOG_HEAP_INSERT = 0x00;
inline constexpr std::uint8_t XLOG_HEAP_DELETE = 0x10;
inline constexpr std::uint8_t XLOG_HEAP_UPDATE = 0x20;
inline constexpr std::uint8_t XLOG_HEAP_TRUNCATE = 0x30;
inline constexpr std::uint8_t XLOG_HEAP_HOT_UPDATE = 0x40;
inline constexpr std::uint8_t XLOG_HEAP_CONFIRM = 0x50;
inline constexpr std::uint8_t XLOG_HEAP_LOCK = 0x60;
inline constexpr std::uint8_t XLOG_HEAP_INPLACE = 0x70;

inline constexpr std::uint8_t XLOG_HEAP_OPMASK = 0x70;
// The first tuple on a new page in INSERT, UPDATE, HOT_UPDATE or MULTI_INSERT: redo
// reinitializes the whole page.
inline constexpr std::uint8_t XLOG_HEAP_INIT_PAGE = 0x80;

// RM_HEAP2_ID: XLOG_HEAP_OPMASK and XLOG_HEAP_INIT_PAGE apply to these too.
inline constexpr std::uint8_t XLOG_HEAP2_REWRITE = 0x00;
inline constexpr std::uint8_t XLOG_HEAP2_PRUNE = 0x10;
inline constexpr std::uint8_t XLOG_HEAP2_VACUUM = 0x20;
inline constexpr std::uint8_t XLOG_HEAP2_FREEZE_PAGE = 0x30;
inline constexpr std::uint8_t XLOG_HEAP2_VISIBLE = 0x40;
inline constexpr std::uint8_t XLOG_HEAP2_MULTI_INSERT = 0x50;
inline constexpr std::uint8_t XLOG_HEAP2_LOCK_UPDATED = 0x60;
inline constexpr std::uint8_t XLOG_HEAP2_NEW_CID = 0x70;

// ---- flag values ------------------------------------------------------------------------------

// xl_heap_insert / xl_heap_multi_insert flags.
inline constexpr std::uint8_t XLH_INSERT_ALL_VISIBLE_CLEARED = 1 << 0;  // PD_ALL_VISIBLE cleared
inline constexpr std::uint8_t XLH_INSERT_LAST_IN_MULTI = 1 << 1;
inline constexpr std::uint8_t XLH_INSERT_IS_SPECULATIVE = 1 << 2;
inline constexpr std::uint8_t XLH_INSERT_CONTAINS_NEW_TUPLE = 1 << 3;
inline constexpr std::uint8_t XLH_INSERT_ON_TOAST_RELATION = 1 << 4;
inline constexpr std::uint8_t XLH_INSERT_ALL_FROZEN_SET = 1 << 5;  // implies all-visible set

// xl_heap_update flags.
inline constexpr std::uint8_t XLH_UPDATE_OLD_ALL_VISIBLE_CLEARED = 1 << 0;
inline constexpr std::uint8_t XLH_UPDATE_NEW_ALL_VISIBLE_CLEARED = 1 << 1;  // on the 2nd page
inline constexpr std::uint8_t XLH_UPDATE_CONTAINS_OLD_TUPLE = 1 << 2;
inline constexpr std::uint8_t XLH_UPDATE_CONTAINS_OLD_KEY = 1 << 3;
inline constexpr std::uint8_t XLH_UPDATE_CONTAINS_NEW_TUPLE = 1 << 4;
inline constexpr std::uint8_t XLH_UPDATE_PREFIX_FROM_OLD = 1 << 5;
inline constexpr std::uint8_t XLH_UPDATE_SUFFIX_FROM_OLD = 1 << 6;
// Any form of old tuple was logged.
inline constexpr std::uint8_t XLH_UPDATE_CONTAINS_OLD =
    XLH_UPDATE_CONTAINS_OLD_TUPLE | XLH_UPDATE_CONTAINS_OLD_KEY;

// xl_heap_delete flags.
inline constexpr std::uint8_t XLH_DELETE_ALL_VISIBLE_CLEARED = 1 << 0;
inline constexpr std::uint8_t XLH_DELETE_CONTAINS_OLD_TUPLE = 1 << 1;
inline constexpr std::uint8_t XLH_DELETE_CONTAINS_OLD_KEY = 1 << 2;
inline constexpr std::uint8_t XLH_DELETE_IS_SUPER = 1 << 3;
inline constexpr std::uint8_t XLH_DELETE_IS_PARTITION_MOVE = 1 << 4;
inline constexpr std::uint8_t XLH_DELETE_CONTAINS_OLD =
    XLH_DELETE_CONTAINS_OLD_TUPLE | XLH_DELETE_CONTAINS_OLD_KEY;

// xl_heap_truncate flags.
inline constexpr std::uint8_t XLH_TRUNCATE_CASCADE = 1 << 0;
inline constexpr std::uint8_t XLH_TRUNCATE_RESTART_SEQS = 1 << 1;

// infobits_set of xl_heap_delete / xl_heap_update / xl_heap_lock / xl_heap_lock_updated.
inline constexpr std::uint8_t XLHL_XMAX_IS_MULTI = 0x01;
inline constexpr std::uint8_t XLHL_XMAX_LOCK_ONLY = 0x02;
inline constexpr std::uint8_t XLHL_XMAX_EXCL_LOCK = 0x04;
inline constexpr std::uint8_t XLHL_XMAX_KEYSHR_LOCK = 0x08;
inline constexpr std::uint8_t XLHL_KEYS_UPDATED = 0x10;

// xl_heap_lock / xl_heap_lock_updated flags.
inline constexpr std::uint8_t XLH_LOCK_ALL_FROZEN_CLEARED = 0x01;

// xl_heap_freeze_tuple.frzflags (0x01 was XLH_FREEZE_XMIN).
inline constexpr std::uint8_t XLH_FREEZE_XVAC = 0x02;
inline constexpr std::uint8_t XLH_INVALID_XVAC = 0x04;

// xl_heap_visible.flags are visibility map bits (access/visibilitymapdefs.h).
inline constexpr std::uint8_t VISIBILITYMAP_ALL_VISIBLE = 0x01;
inline constexpr std::uint8_t VISIBILITYMAP_ALL_FROZEN = 0x02;
inline constexpr std::uint8_t VISIBILITYMAP_VALID_BITS = 0x03;

// ---- record structs ---------------------------------------------------------------------------

// XLOG_HEAP_DELETE main data. Block 0: the page. If XLH_DELETE_CONTAINS_OLD, an
// xl_heap_header and the old tuple (or key) follow in the main data.
struct xl_heap_delete {
    TransactionId xmax;  // xmax of the deleted tuple
    OffsetNumber offnum;  // deleted tuple's offset
    std::uint8_t infobits_set;  // XLHL_* infomask bits
    std::uint8_t flags;  // XLH_DELETE_*
};
inline constexpr std::size_t SizeOfHeapDelete = offsetof(xl_heap_delete, flags) + sizeof(std::uint8_t);

// XLOG_HEAP_TRUNCATE main data: nrelids Oids follow the fixed part (relations, then sequences
// to restart). All in database dbId.
struct xl_heap_truncate {
    Oid dbId;
    std::uint32_t nrelids;
    std::uint8_t flags;  // XLH_TRUNCATE_*
    // Oid relids[FLEXIBLE_ARRAY_MEMBER] at SizeOfHeapTruncate
};
namespace records_detail {
struct xl_heap_truncate_layout {
    Oid dbId;
    std::uint32_t nrelids;
    std::uint8_t flags;
    Oid relids[1];
};
}  // namespace records_detail
inline constexpr std::size_t SizeOfHeapTruncate = offsetof(records_detail::xl_heap_truncate_layout, relids);

// The part of HeapTupleHeaderData an inserted or updated tuple logs; the tuple data (from the
// null bitmap on) follows.
struct xl_heap_header {
    std::uint16_t t_infomask2;
    std::uint16_t t_infomask;
    std::uint8_t t_hoff;
};
inline constexpr std::size_t SizeOfHeapHeader = offsetof(xl_heap_header, t_hoff) + sizeof(std::uint8_t);

// XLOG_HEAP_INSERT main data. Block 0 data: xl_heap_header and the tuple data.
struct xl_heap_insert {
    OffsetNumber offnum;  // inserted tuple's offset
    std::uint8_t flags;  // XLH_INSERT_*
};
inline constexpr std::size_t SizeOfHeapInsert = offsetof(xl_heap_insert, flags) + sizeof(std::uint8_t);

// XLOG_HEAP2_MULTI_INSERT main data: ntuples OffsetNumbers follow, unless XLOG_HEAP_INIT_PAGE
// (then the tuples go to offsets 1..ntuples). Block 0 data: for each tuple an
// xl_multi_insert_tuple (SHORTALIGNed) followed by its data.
struct xl_heap_multi_insert {
    std::uint8_t flags;  // XLH_INSERT_*
    std::uint16_t ntuples;
    // OffsetNumber offsets[FLEXIBLE_ARRAY_MEMBER] at SizeOfHeapMultiInsert
};
namespace records_detail {
struct xl_heap_multi_insert_layout {
    std::uint8_t flags;
    std::uint16_t ntuples;
    OffsetNumber offsets[1];
};
}  // namespace records_detail
inline constexpr std::size_t SizeOfHeapMultiInsert =
    offsetof(records_detail::xl_heap_multi_insert_layout, offsets);

struct xl_multi_insert_tuple {
    std::uint16_t datalen;  // size of the tuple data that follows
    std::uint16_t t_infomask2;
    std::uint16_t t_infomask;
    std::uint8_t t_hoff;
    // tuple data follows at SizeOfMultiInsertTuple
};
inline constexpr std::size_t SizeOfMultiInsertTuple =
    offsetof(xl_multi_insert_tuple, t_hoff) + sizeof(std::uint8_t);

// XLOG_HEAP_UPDATE / XLOG_HEAP_HOT_UPDATE main data. Block 0: new page; its data is the
// prefix and/or suffix length (uint16 each, if XLH_UPDATE_PREFIX_FROM_OLD /
// XLH_UPDATE_SUFFIX_FROM_OLD), an xl_heap_header and the new tuple data. Block 1: old page, if
// different. If XLH_UPDATE_CONTAINS_OLD, an xl_heap_header and the old tuple (or key) follow
// in the main data.
struct xl_heap_update {
    TransactionId old_xmax;  // xmax of the old tuple
    OffsetNumber old_offnum;  // old tuple's offset
    std::uint8_t old_infobits_set;  // XLHL_* bits to set on the old tuple
    std::uint8_t flags;  // XLH_UPDATE_*
    TransactionId new_xmax;  // xmax of the new tuple
    OffsetNumber new_offnum;  // new tuple's offset
};
inline constexpr std::size_t SizeOfHeapUpdate = offsetof(xl_heap_update, new_offnum) + sizeof(OffsetNumber);

// XLOG_HEAP2_PRUNE main data. Block 0 data: 2*nredirected offsets (from, to), ndead offsets,
// then the now-unused offsets (their count from the data length).
struct xl_heap_prune {
    TransactionId latestRemovedXid;
    std::uint16_t nredirected;
    std::uint16_t ndead;
};
inline constexpr std::size_t SizeOfHeapPrune = offsetof(xl_heap_prune, ndead) + sizeof(std::uint16_t);

// XLOG_HEAP2_VACUUM main data. Block 0 data: nunused offsets (LP_DEAD -> LP_UNUSED).
struct xl_heap_vacuum {
    std::uint16_t nunused;
};
inline constexpr std::size_t SizeOfHeapVacuum = offsetof(xl_heap_vacuum, nunused) + sizeof(std::uint16_t);

// XLOG_HEAP_LOCK main data. Block 0: the page.
struct xl_heap_lock {
    TransactionId locking_xid;  // might be a MultiXactId
    OffsetNumber offnum;  // locked tuple's offset
    std::int8_t infobits_set;  // infomask and infomask2 bits to set (XLHL_*)
    std::uint8_t flags;  // XLH_LOCK_*
};
inline constexpr std::size_t SizeOfHeapLock = offsetof(xl_heap_lock, flags) + sizeof(std::int8_t);

// XLOG_HEAP2_LOCK_UPDATED main data. Block 0: the page.
struct xl_heap_lock_updated {
    TransactionId xmax;
    OffsetNumber offnum;
    std::uint8_t infobits_set;
    std::uint8_t flags;
};
inline constexpr std::size_t SizeOfHeapLockUpdated =
    offsetof(xl_heap_lock_updated, flags) + sizeof(std::uint8_t);

// XLOG_HEAP_CONFIRM main data: confirmation of a speculative insertion. Block 0: the page.
struct xl_heap_confirm {
    OffsetNumber offnum;
};
inline constexpr std::size_t SizeOfHeapConfirm = offsetof(xl_heap_confirm, offnum) + sizeof(OffsetNumber);

// XLOG_HEAP_INPLACE main data. Block 0 data: the new tuple data.
struct xl_heap_inplace {
    OffsetNumber offnum;  // updated tuple's offset
};
inline constexpr std::size_t SizeOfHeapInplace = offsetof(xl_heap_inplace, offnum) + sizeof(OffsetNumber);

// A "freeze plan" for one tuple: an array of these (sizeof each, padding included) is block 0's
// data of XLOG_HEAP2_FREEZE_PAGE.
struct xl_heap_freeze_tuple {
    TransactionId xmax;
    OffsetNumber offset;
    std::uint16_t t_infomask2;
    std::uint16_t t_infomask;
    std::uint8_t frzflags;  // XLH_FREEZE_XVAC / XLH_INVALID_XVAC
};
static_assert(sizeof(xl_heap_freeze_tuple) == 12);

// XLOG_HEAP2_FREEZE_PAGE main data.
struct xl_heap_freeze_page {
    TransactionId cutoff_xid;
    std::uint16_t ntuples;
};
inline constexpr std::size_t SizeOfHeapFreezePage =
    offsetof(xl_heap_freeze_page, ntuples) + sizeof(std::uint16_t);

// XLOG_HEAP2_VISIBLE main data. Block 0: visibility map page; block 1: heap page.
struct xl_heap_visible {
    TransactionId cutoff_xid;
    std::uint8_t flags;  // VISIBILITYMAP_*
};
inline constexpr std::size_t SizeOfHeapVisible = offsetof(xl_heap_visible, flags) + sizeof(std::uint8_t);

// XLOG_HEAP2_NEW_CID main data (wal_level = logical, catalog changes).
struct xl_heap_new_cid {
    TransactionId top_xid;  // top-level xid
    CommandId cmin;
    CommandId cmax;
    CommandId combocid;  // just for debugging
    RelFileNode target_node;
    ItemPointerData target_tid;
};
inline constexpr std::size_t SizeOfHeapNewCid =
    offsetof(xl_heap_new_cid, target_tid) + sizeof(ItemPointerData);

// XLOG_HEAP2_REWRITE main data (logical rewrite mapping file header); the mappings follow.
struct xl_heap_rewrite_mapping {
    TransactionId mapped_xid;  // xid that might need to see the row
    Oid mapped_db;  // database Oid, or InvalidOid for shared relations
    Oid mapped_rel;  // Oid of the mapped relation
    std::int64_t offset;  // off_t: how far has been written so far
    std::uint32_t num_mappings;  // number of in-memory mappings
    XLogRecPtr start_lsn;  // insert LSN at the start of the rewrite
};
static_assert(sizeof(xl_heap_rewrite_mapping) == 40);

// Layout checks against PostgreSQL 15 on 64-bit platforms.
static_assert(SizeOfHeapDelete == 8 && SizeOfHeapTruncate == 12 && SizeOfHeapHeader == 5);
static_assert(SizeOfHeapInsert == 3 && SizeOfHeapMultiInsert == 4 && SizeOfMultiInsertTuple == 7);
static_assert(SizeOfHeapUpdate == 14 && SizeOfHeapPrune == 8 && SizeOfHeapVacuum == 2);
static_assert(SizeOfHeapLock == 8 && SizeOfHeapLockUpdated == 8 && SizeOfHeapConfirm == 2);
static_assert(SizeOfHeapInplace == 2 && SizeOfHeapFreezePage == 6 && SizeOfHeapVisible == 5);
static_assert(SizeOfHeapNewCid == 34);

// ---- PostgreSQL 16 ------------------------------------------------------------------------------
// Opcodes, flags and the other structs as in 15 (xl_heap_lock's locking_xid is named xmax and
// its infobits_set is uint8; xl_heap_new_cid's RelFileNode is a RelFileLocator with the same
// three Oids). PRUNE and FREEZE_PAGE gained isCatalogRel; FREEZE_PAGE logs freeze plans.
namespace pg16 {

// XLOG_HEAP2_PRUNE main data. Block 0 data: 2*nredirected offsets (from, to), ndead offsets,
// then the now-unused offsets (their count from the data length).
struct xl_heap_prune {
    TransactionId snapshotConflictHorizon;
    std::uint16_t nredirected;
    std::uint16_t ndead;
    std::uint8_t isCatalogRel;  // bool: to handle recovery conflict during logical decoding on standby
};
inline constexpr std::size_t SizeOfHeapPrune = offsetof(xl_heap_prune, isCatalogRel) + sizeof(std::uint8_t);

// How to freeze a group of tuples (ntuples of them, offsets in block 0's data after the plans).
struct xl_heap_freeze_plan {
    TransactionId xmax;
    std::uint16_t t_infomask2;
    std::uint16_t t_infomask;
    std::uint8_t frzflags;  // XLH_FREEZE_XVAC / XLH_INVALID_XVAC
    std::uint16_t ntuples;  // length of this plan's page offset number array
};
static_assert(sizeof(xl_heap_freeze_plan) == 12);

// XLOG_HEAP2_FREEZE_PAGE main data. Block 0 data: nplans xl_heap_freeze_plan (sizeof each),
// then the plans' offset arrays one after another, in plan order.
struct xl_heap_freeze_page {
    TransactionId snapshotConflictHorizon;
    std::uint16_t nplans;
    std::uint8_t isCatalogRel;  // bool
};
inline constexpr std::size_t SizeOfHeapFreezePage =
    offsetof(xl_heap_freeze_page, isCatalogRel) + sizeof(std::uint8_t);

static_assert(SizeOfHeapPrune == 9 && SizeOfHeapFreezePage == 7);

// The plans' offsets follow the plans: their count is the sum of the plans' ntuples. `plans`
// holds nplans xl_heap_freeze_plan (a short span counts the plans it holds).
std::size_t freeze_plans_total_tuples(std::span<const std::uint8_t> plans, std::size_t nplans);

}  // namespace pg16

// ---- PostgreSQL 17 ------------------------------------------------------------------------------
// PRUNE, VACUUM and FREEZE_PAGE are replaced by one xl_heap_prune record under three opcodes
// that differ only in why the record was written; flags say which sub-records block 0 holds.
// xl_heap_vacuum and xl_heap_freeze_page are gone.
namespace pg17 {

inline constexpr std::uint8_t XLOG_HEAP2_PRUNE_ON_ACCESS = 0x10;
inline constexpr std::uint8_t XLOG_HEAP2_PRUNE_VACUUM_SCAN = 0x20;
inline constexpr std::uint8_t XLOG_HEAP2_PRUNE_VACUUM_CLEANUP = 0x30;

// XLOG_HEAP2_PRUNE_* main data; if XLHP_HAS_CONFLICT_HORIZON, a TransactionId follows unaligned
// at SizeOfHeapPrune. Block 0 data, in this order, each only if its flag is set:
//   xlhp_freeze_plans (nplans, 2 bytes of padding, nplans xlhp_freeze_plan)   HAS_FREEZE_PLANS
//   xlhp_prune_items  (nredirected, 2 * nredirected offsets)                  HAS_REDIRECTIONS
//   xlhp_prune_items  (ndead, ndead offsets)                                  HAS_DEAD_ITEMS
//   xlhp_prune_items  (nunused, nunused offsets)                              HAS_NOW_UNUSED_ITEMS
//   the freeze plans' offsets, sum of their ntuples, in plan order
struct xl_heap_prune {
    std::uint8_t reason;
    std::uint8_t flags;  // XLHP_*
};
inline constexpr std::size_t SizeOfHeapPrune = offsetof(xl_heap_prune, flags) + sizeof(std::uint8_t);

inline constexpr std::uint8_t XLHP_IS_CATALOG_REL = 1 << 1;
inline constexpr std::uint8_t XLHP_CLEANUP_LOCK = 1 << 2;
inline constexpr std::uint8_t XLHP_HAS_CONFLICT_HORIZON = 1 << 3;
inline constexpr std::uint8_t XLHP_HAS_FREEZE_PLANS = 1 << 4;
inline constexpr std::uint8_t XLHP_HAS_REDIRECTIONS = 1 << 5;
inline constexpr std::uint8_t XLHP_HAS_DEAD_ITEMS = 1 << 6;
inline constexpr std::uint8_t XLHP_HAS_NOW_UNUSED_ITEMS = 1 << 7;

// Same bytes as 16's xl_heap_freeze_plan.
using xlhp_freeze_plan = pg16::xl_heap_freeze_plan;

struct xlhp_freeze_plans {
    std::uint16_t nplans;
    // xlhp_freeze_plan plans[FLEXIBLE_ARRAY_MEMBER] at offsetof_xlhp_freeze_plans_plans
};
// offsetof(xlhp_freeze_plans, plans): the plans start 4-byte aligned.
inline constexpr std::size_t offsetof_xlhp_freeze_plans_plans = alignof(xlhp_freeze_plan);

struct xlhp_prune_items {
    std::uint16_t ntargets;
    // OffsetNumber data[FLEXIBLE_ARRAY_MEMBER] at offsetof_xlhp_prune_items_data
};
inline constexpr std::size_t offsetof_xlhp_prune_items_data = sizeof(std::uint16_t);

static_assert(SizeOfHeapPrune == 2 && offsetof_xlhp_freeze_plans_plans == 4);

// heap_xlog_deserialize_prune_and_freeze (heapdesc.c, PG17): block 0's sub-records of an
// XLOG_HEAP2_PRUNE_* record located by its flags, bounds-checked. A flag whose sub-record is
// missing leaves its parts empty; `need` > 0 says the data ended first, and how many bytes it
// would take up to the part that did not fit. `used` is the bytes the sub-records take (the
// whole block data in a well-formed record).
struct PruneFreezeSubRecords {
    std::size_t nplans = 0;
    std::span<const std::uint8_t> plans;  // nplans xlhp_freeze_plan
    PackedArray<OffsetNumber> redirected;  // 2 * nredirected: (from, to) pairs
    PackedArray<OffsetNumber> nowdead;
    PackedArray<OffsetNumber> nowunused;
    PackedArray<OffsetNumber> frz_offsets;  // every plan's offsets, in plan order
    std::size_t used = 0;
    std::size_t need = 0;

    std::size_t nredirected() const { return redirected.size() / 2; }
    // plans[i]; i < nplans.
    xlhp_freeze_plan plan(std::size_t i) const;
};
PruneFreezeSubRecords deserialize_prune_and_freeze(std::span<const std::uint8_t> data, std::uint8_t flags);

}  // namespace pg17

// ---- PostgreSQL 18 ------------------------------------------------------------------------------
// XLOG_HEAP_INPLACE carries the invalidation messages of the in-place update.
namespace pg18 {

// XLOG_HEAP_INPLACE main data: nmsgs SharedInvalidationMessage follow at MinSizeOfHeapInplace.
// Block 0 data: the new tuple data.
struct xl_heap_inplace {
    OffsetNumber offnum;  // updated tuple's offset
    Oid dbId;  // MyDatabaseId
    Oid tsId;  // MyDatabaseTableSpace
    std::uint8_t relcacheInitFileInval;  // bool: invalidate relcache init files
    std::int32_t nmsgs;  // number of shared invalidation messages
};
inline constexpr std::size_t MinSizeOfHeapInplace = offsetof(xl_heap_inplace, nmsgs) + sizeof(std::int32_t);
static_assert(MinSizeOfHeapInplace == 20);

}  // namespace pg18

}  // namespace understudy
