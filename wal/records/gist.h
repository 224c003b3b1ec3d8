// WAL record layouts of the GiST index access method, PostgreSQL 15
// (src/include/access/gistxlog.h, plus gistxlogPage from access/gist_private.h, which the
// page split record carries per page); 14 has the same layouts, and 16 to 18 change DELETE and
// PAGE_REUSE (the *_v16 structs and kGistRecordLayouts at the end). Shared by the describe and
// redo routines.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/lsn.h"
#include "wal/records/page_types.h"
#include "wal/records/per_version.h"
#include "wal/records/relfilelocator.h"

namespace understudy {

// access/gist.h: GiST's node sequence number is an LSN.
using GistNSN = XLogRecPtr;

// xl_info record types (high 4 bits). 0x40 (INSERT_COMPLETE) and 0x50 (CREATE_INDEX) are
// no longer used.
inline constexpr std::uint8_t XLOG_GIST_PAGE_UPDATE = 0x00;
inline constexpr std::uint8_t XLOG_GIST_DELETE = 0x10;      // delete leaf index tuples of a page
inline constexpr std::uint8_t XLOG_GIST_PAGE_REUSE = 0x20;  // old page about to be reused from FSM
inline constexpr std::uint8_t XLOG_GIST_PAGE_SPLIT = 0x30;
inline constexpr std::uint8_t XLOG_GIST_PAGE_DELETE = 0x60;
inline constexpr std::uint8_t XLOG_GIST_ASSIGN_LSN = 0x70;  // no-op, assigns a new LSN

// XLOG_GIST_PAGE_UPDATE. Block 0: updated page, its data = ntodelete OffsetNumbers then the
// tuples to insert. Block 1: if this completes a split by inserting the downlink, the left
// half of the split.
struct gistxlogPageUpdate {
    std::uint16_t ntodelete;
    std::uint16_t ntoinsert;
};
static_assert(sizeof(gistxlogPageUpdate) == 4);

// XLOG_GIST_DELETE. Block 0: leaf page whose tuples are deleted. The ntodelete OffsetNumbers
// follow in the main data.
struct gistxlogDelete {
    TransactionId latestRemovedXid;
    std::uint16_t ntodelete;
};
inline constexpr std::size_t SizeOfGistxlogDelete = offsetof(gistxlogDelete, ntodelete) + sizeof(std::uint16_t);
static_assert(SizeOfGistxlogDelete == 6);

// XLOG_GIST_PAGE_SPLIT. Block 0: the left half of a split this completes, if any;
// blocks 1..npage: the split pages (1 is the original page). Each page's block data is a
// gistxlogPage.num (int) followed by its index tuples.
struct gistxlogPageSplit {
    BlockNumber origrlink;  // rightlink of the page before the split
    GistNSN orignsn;        // NSN of the page before the split
    std::uint8_t origleaf;          // was the split page a leaf?
    std::uint16_t npage;    // number of pages in the split
    std::uint8_t markfollowright;   // set F_FOLLOW_RIGHT flags
};
static_assert(offsetof(gistxlogPageSplit, orignsn) == 8 && offsetof(gistxlogPageSplit, npage) == 18 &&
              sizeof(gistxlogPageSplit) == 24);

// access/gist_private.h (not itself a record; split records carry its `num`).
struct gistxlogPage {
    BlockNumber blkno;
    std::int32_t num;  // number of index tuples following
};

// XLOG_GIST_PAGE_DELETE. Blocks: 0 deleted page, 1 parent page holding its downlink.
struct gistxlogPageDelete {
    FullTransactionId deleteXid;  // last xid that could see the page in a scan
    OffsetNumber downlinkOffset;  // offset of the downlink to this page
};
inline constexpr std::size_t SizeOfGistxlogPageDelete =
    offsetof(gistxlogPageDelete, downlinkOffset) + sizeof(OffsetNumber);
static_assert(SizeOfGistxlogPageDelete == 10);

// XLOG_GIST_PAGE_REUSE: for hot standby conflicts; no block references.
struct gistxlogPageReuse {
    RelFileNode node;
    BlockNumber block;
    FullTransactionId latestRemovedFullXid;
};
inline constexpr std::size_t SizeOfGistxlogPageReuse =
    offsetof(gistxlogPageReuse, latestRemovedFullXid) + sizeof(FullTransactionId);
static_assert(offsetof(gistxlogPageReuse, latestRemovedFullXid) == 16 && SizeOfGistxlogPageReuse == 24);

// ---- PostgreSQL 16 and later (gistxlog.h of 16.2, 17.4, 18.3) ---------------------------------
// DELETE and PAGE_REUSE name their conflict horizon snapshotConflictHorizon and carry
// isCatalogRel; DELETE's offsets follow in the main data.

struct gistxlogDelete_v16 {
    TransactionId snapshotConflictHorizon;
    std::uint16_t ntodelete;
    std::uint8_t isCatalogRel;  // C bool
};
// offsetof(gistxlogDelete, offsets): the OffsetNumber array starts 2-aligned.
inline constexpr std::size_t SizeOfGistxlogDelete_v16 = 8;
static_assert(offsetof(gistxlogDelete_v16, isCatalogRel) == 6);

struct gistxlogPageReuse_v16 {
    RelFileLocator locator;
    BlockNumber block;
    FullTransactionId snapshotConflictHorizon;
    std::uint8_t isCatalogRel;  // C bool
};
inline constexpr std::size_t SizeOfGistxlogPageReuse_v16 =
    offsetof(gistxlogPageReuse_v16, isCatalogRel) + sizeof(std::uint8_t);
static_assert(SizeOfGistxlogPageReuse_v16 == 25);

// The GiST layouts that differ between major versions (for_major_version picks the entry).
struct GistRecordLayout {
    int since_major;
    // DELETE and PAGE_REUSE main data are gistxlogDelete_v16 / gistxlogPageReuse_v16.
    bool v16_conflict_records;
    std::size_t SizeOfGistxlogDelete;
    std::size_t SizeOfGistxlogPageReuse;
};
inline constexpr GistRecordLayout kGistRecordLayouts[] = {
    {14, false, SizeOfGistxlogDelete, SizeOfGistxlogPageReuse},
    {16, true, SizeOfGistxlogDelete_v16, SizeOfGistxlogPageReuse_v16},
};

}  // namespace understudy
