// WAL record layouts of the GIN index access method, PostgreSQL 15
// (src/include/access/ginxlog.h, with the pieces of access/ginblock.h they embed:
// GinMetaPageData, PostingItem, GinPostingList). Shared by the describe and redo routines.
//
// Several GIN payloads are only 2-byte aligned inside the WAL record (they follow a uint16
// flags field); always copy them out with read_record_struct<T>() / load<T>().
#pragma once

#include <cstddef>
#include <cstdint>

#include "wal/records/page_types.h"

namespace understudy {

// xl_info record types (high 4 bits).
inline constexpr std::uint8_t XLOG_GIN_CREATE_PTREE = 0x10;
inline constexpr std::uint8_t XLOG_GIN_INSERT = 0x20;
inline constexpr std::uint8_t XLOG_GIN_SPLIT = 0x30;
inline constexpr std::uint8_t XLOG_GIN_VACUUM_PAGE = 0x40;
inline constexpr std::uint8_t XLOG_GIN_DELETE_PAGE = 0x50;
inline constexpr std::uint8_t XLOG_GIN_UPDATE_META_PAGE = 0x60;
inline constexpr std::uint8_t XLOG_GIN_INSERT_LISTPAGE = 0x70;
inline constexpr std::uint8_t XLOG_GIN_DELETE_LISTPAGE = 0x80;
inline constexpr std::uint8_t XLOG_GIN_VACUUM_DATA_LEAF_PAGE = 0x90;

// ---- access/ginblock.h pieces embedded in records -------------------------------------------

// GinMetaPageData: the contents of the GIN metapage (block 0).
struct GinMetaPageData {
    BlockNumber head;  // pending list head and tail
    BlockNumber tail;
    std::uint32_t tailFreeSize;  // free space in the pending list's tail page
    BlockNumber nPendingPages;
    std::int64_t nPendingHeapTuples;
    BlockNumber nTotalPages;  // planner statistics as of the last VACUUM
    BlockNumber nEntryPages;
    BlockNumber nDataPages;
    std::int64_t nEntries;
    std::int32_t ginVersion;
};
static_assert(sizeof(GinMetaPageData) == 56);
inline constexpr std::int32_t GIN_CURRENT_VERSION = 2;
inline constexpr BlockNumber GIN_METAPAGE_BLKNO = 0;
inline constexpr BlockNumber GIN_ROOT_BLKNO = 1;

// PostingItem: a downlink on a non-leaf posting tree page.
struct PostingItem {
    BlockIdData child_blkno;
    ItemPointerData key;
};
static_assert(sizeof(PostingItem) == 10);

inline BlockNumber PostingItemGetBlockNumber(const PostingItem& pi) {
    return BlockIdGetBlockNumber(pi.child_blkno);
}

// GinPostingList: a compressed posting list segment; `nbytes` varbyte-encoded items follow
// the header.
struct GinPostingList {
    ItemPointerData first;  // first item of the list, uncompressed
    std::uint16_t nbytes;   // number of bytes that follow
};
inline constexpr std::size_t GinPostingListHeaderSize = 8;  // offsetof(GinPostingList, bytes)
static_assert(sizeof(GinPostingList) == GinPostingListHeaderSize);

// SizeOfGinPostingList: header plus the 2-byte-aligned encoded bytes.
constexpr std::size_t SizeOfGinPostingList(std::uint16_t nbytes) {
    return GinPostingListHeaderSize + SHORTALIGN(nbytes);
}

// ---- records -----------------------------------------------------------------------------

// XLOG_GIN_CREATE_PTREE: a compressed posting list of `size` bytes follows.
struct ginxlogCreatePostingTree {
    std::uint32_t size;
};

// XLOG_GIN_INSERT main data. Block 0: target page; block 1: left child, if this insertion
// finishes an incomplete split. When the target is not a leaf, the left and right child block
// numbers follow as BlockIdData[2]. Block 0's data is a ginxlogInsertEntry (entry tree),
// a ginxlogRecompressDataLeaf (posting tree leaf) or a ginxlogInsertDataInternal (posting tree
// internal page).
struct ginxlogInsert {
    std::uint16_t flags;  // GIN_INSERT_ISLEAF and/or GIN_INSERT_ISDATA
};

// Entry tree insertion (block 0 data): the index tuple follows.
struct ginxlogInsertEntry {
    OffsetNumber offset;
    std::uint8_t isDelete;
    IndexTupleData tuple;  // variable length
};
inline constexpr std::size_t SizeOfGinxlogInsertEntryHeader = offsetof(ginxlogInsertEntry, tuple);
static_assert(SizeOfGinxlogInsertEntryHeader == 4);

// Posting tree leaf recompression (block 0 data of XLOG_GIN_INSERT, and of
// XLOG_GIN_VACUUM_DATA_LEAF_PAGE): `nactions` ginxlogSegmentAction entries follow.
struct ginxlogRecompressDataLeaf {
    std::uint16_t nactions;
};

// One action of a ginxlogRecompressDataLeaf (documentation struct, as in PostgreSQL): INSERT
// and REPLACE are followed by a GinPostingList (SHORTALIGNed size), ADDITEMS by a uint16 item
// count and that many ItemPointerData, DELETE by nothing.
struct ginxlogSegmentAction {
    std::uint8_t segno;  // segment the action applies to
    char type;           // GIN_SEGMENT_*
};

inline constexpr std::uint8_t GIN_SEGMENT_UNMODIFIED = 0;  // not used in WAL records
inline constexpr std::uint8_t GIN_SEGMENT_DELETE = 1;      // a whole segment is removed
inline constexpr std::uint8_t GIN_SEGMENT_INSERT = 2;      // a whole segment is added
inline constexpr std::uint8_t GIN_SEGMENT_REPLACE = 3;     // a segment is replaced
inline constexpr std::uint8_t GIN_SEGMENT_ADDITEMS = 4;    // items are added to a segment

// Posting tree internal page insertion (block 0 data).
struct ginxlogInsertDataInternal {
    OffsetNumber offset;
    PostingItem newitem;
};
static_assert(sizeof(ginxlogInsertDataInternal) == 12);

// XLOG_GIN_SPLIT. Blocks: 0 new left page (the original page unless a root split), 1 new
// right page, 2 original page / new root when a root split, 3 left child if this insertion
// completes an earlier split.
struct ginxlogSplit {
    RelFileNode node;
    BlockNumber rrlink;           // right link, or the root's block number on a root split
    BlockNumber leftChildBlkno;   // valid on a non-leaf split
    BlockNumber rightChildBlkno;
    std::uint16_t flags;          // GIN_INSERT_ISDATA, GIN_INSERT_ISLEAF, GIN_SPLIT_ROOT
};
static_assert(offsetof(ginxlogSplit, flags) == 24 && sizeof(ginxlogSplit) == 28);

// Flags of ginxlogInsert and ginxlogSplit.
inline constexpr std::uint16_t GIN_INSERT_ISDATA = 0x01;  // insert and split records
inline constexpr std::uint16_t GIN_INSERT_ISLEAF = 0x02;  // insert and split records
inline constexpr std::uint16_t GIN_SPLIT_ROOT = 0x04;     // split records only

// XLOG_GIN_VACUUM_PAGE logs the whole page (like XLOG_FPI); no struct.

// XLOG_GIN_VACUUM_DATA_LEAF_PAGE block 0 data.
struct ginxlogVacuumDataLeafPage {
    ginxlogRecompressDataLeaf data;
};

// XLOG_GIN_DELETE_PAGE. Blocks: 0 deleted page, 1 parent, 2 left sibling.
struct ginxlogDeletePage {
    OffsetNumber parentOffset;
    BlockNumber rightLink;
    TransactionId deleteXid;  // last xid that could see this page in a scan
};
static_assert(offsetof(ginxlogDeletePage, rightLink) == 4 && sizeof(ginxlogDeletePage) == 12);

// XLOG_GIN_UPDATE_META_PAGE. Blocks: 0 metapage, 1 tail page. When ntuples > 0, the inserted
// tuples follow (they went to the tail page); otherwise a new sublist was linked in.
struct ginxlogUpdateMeta {
    RelFileNode node;
    GinMetaPageData metadata;
    BlockNumber prevTail;
    BlockNumber newRightlink;
    std::int32_t ntuples;
};
static_assert(offsetof(ginxlogUpdateMeta, metadata) == 16 && offsetof(ginxlogUpdateMeta, ntuples) == 80 &&
              sizeof(ginxlogUpdateMeta) == 88);

// XLOG_GIN_INSERT_LISTPAGE. Block 0: the new list page; the tuples follow.
struct ginxlogInsertListPage {
    BlockNumber rightlink;
    std::int32_t ntuples;
};
static_assert(sizeof(ginxlogInsertListPage) == 8);

// XLOG_GIN_DELETE_LISTPAGE. Block 0: metapage; blocks 1..ndeleted: the deleted pages.
inline constexpr int GIN_NDELETE_AT_ONCE = 16;  // Min(16, XLR_MAX_BLOCK_ID - 1)
struct ginxlogDeleteListPages {
    GinMetaPageData metadata;
    std::int32_t ndeleted;
};
static_assert(offsetof(ginxlogDeleteListPages, ndeleted) == 56 && sizeof(ginxlogDeleteListPages) == 64);

}  // namespace understudy
