// WAL record layouts of the GiST index access method, PostgreSQL 15
// (src/include/access/gistxlog.h, plus gistxlogPage from access/gist_private.h, which the
// page split record carries per page). Shared by the describe and redo routines.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/lsn.h"
#include "wal/records/page_types.h"

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

}  // namespace understudy
