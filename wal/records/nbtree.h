// WAL record layouts of the Btree resource manager, PostgreSQL 15
// (src/include/access/nbtxlog.h, and BTDedupInterval from access/nbtree.h, PG15.1); 14 has the
// same layouts, and 16 to 18 change DELETE and REUSE_PAGE (the *_v16 structs and
// kBtreeRecordLayouts at the end). Field
// names are PostgreSQL's; SizeOf* constants are computed with offsetof exactly as PostgreSQL
// computes them. Read the structs from WAL bytes with read_record_struct<T>(bytes, SizeOf...)
// or load<T>(), never by casting WAL memory.
//
// Used by the describe routine (wal/describe/btree.cpp) and, later, the redo routines.
#pragma once

#include <cstddef>
#include <cstdint>

#include "wal/records/per_version.h"
#include "wal/records/pg_types.h"
#include "wal/records/relfilelocator.h"

namespace understudy {

// ---- xl_info codes (high 4 bits of xl_info) ----------------------------------------------
inline constexpr std::uint8_t XLOG_BTREE_INSERT_LEAF = 0x00;  // add index tuple without split
inline constexpr std::uint8_t XLOG_BTREE_INSERT_UPPER = 0x10;  // same, on a non-leaf page
inline constexpr std::uint8_t XLOG_BTREE_INSERT_META = 0x20;  // same, plus update metapage
inline constexpr std::uint8_t XLOG_BTREE_SPLIT_L = 0x30;  // add index tuple with split
inline constexpr std::uint8_t XLOG_BTREE_SPLIT_R = 0x40;  // as above, new item on right
inline constexpr std::uint8_t XLOG_BTREE_INSERT_POST = 0x50;  // add tuple with posting split
inline constexpr std::uint8_t XLOG_BTREE_DEDUP = 0x60;  // deduplicate tuples for a page
inline constexpr std::uint8_t XLOG_BTREE_DELETE = 0x70;  // delete leaf index tuples for a page
inline constexpr std::uint8_t XLOG_BTREE_UNLINK_PAGE = 0x80;  // delete a half-dead page
inline constexpr std::uint8_t XLOG_BTREE_UNLINK_PAGE_META = 0x90;  // same, and update metapage
inline constexpr std::uint8_t XLOG_BTREE_NEWROOT = 0xA0;  // new root page
inline constexpr std::uint8_t XLOG_BTREE_MARK_PAGE_HALFDEAD = 0xB0;  // mark a leaf as half-dead
inline constexpr std::uint8_t XLOG_BTREE_VACUUM = 0xC0;  // delete entries on a page during vacuum
inline constexpr std::uint8_t XLOG_BTREE_REUSE_PAGE = 0xD0;  // old page about to be reused from FSM
inline constexpr std::uint8_t XLOG_BTREE_META_CLEANUP = 0xE0;  // update metapage cleanup data

// ---- record structs ---------------------------------------------------------------------------

// All that is needed to regenerate the metapage: block data of INSERT_META (block 2),
// UNLINK_PAGE_META (main data, after xl_btree_unlink_page), META_CLEANUP (block 0). Logged
// with sizeof (28 bytes).
struct xl_btree_metadata {
    std::uint32_t version;
    BlockNumber root;
    std::uint32_t level;
    BlockNumber fastroot;
    std::uint32_t fastlevel;
    std::uint32_t last_cleanup_num_delpages;
    std::uint8_t allequalimage;  // C bool (one byte); kept as a byte so any value reads safely
};
static_assert(sizeof(xl_btree_metadata) == 28);

// INSERT_LEAF, INSERT_UPPER, INSERT_META, INSERT_POST main data. Block 0: the page (data: for
// INSERT_POST the posting split offset, then the new tuple); block 1: child's left sibling
// (INSERT_UPPER, INSERT_META); block 2: metapage (INSERT_META, data xl_btree_metadata).
struct xl_btree_insert {
    OffsetNumber offnum;
};
inline constexpr std::size_t SizeOfBtreeInsert = offsetof(xl_btree_insert, offnum) + sizeof(OffsetNumber);

// SPLIT_L / SPLIT_R main data. Block 0: original / new left page (data: new item for _L or a
// posting split's orignewitem, then the left page's new high key); block 1: new right page
// (data: its tuples); block 2: the original right sibling, if any; block 3: child's left
// sibling, if non-leaf.
struct xl_btree_split {
    std::uint32_t level;  // tree level of the page being split
    OffsetNumber firstrightoff;  // first origpage item on the right page
    OffsetNumber newitemoff;  // new item's offset
    std::uint16_t postingoff;  // offset inside the original posting tuple
};
inline constexpr std::size_t SizeOfBtreeSplit = offsetof(xl_btree_split, postingoff) + sizeof(std::uint16_t);

// DEDUP main data; block 0 data: nintervals BTDedupInterval.
struct xl_btree_dedup {
    std::uint16_t nintervals;
};
inline constexpr std::size_t SizeOfBtreeDedup = offsetof(xl_btree_dedup, nintervals) + sizeof(std::uint16_t);

// access/nbtree.h: one group of tuples merged into a posting list tuple.
struct BTDedupInterval {
    OffsetNumber baseoff;
    std::uint16_t nitems;
};
static_assert(sizeof(BTDedupInterval) == 4);

// REUSE_PAGE main data (no block reference: a recovery conflict point for hot standby).
struct xl_btree_reuse_page {
    RelFileNode node;
    BlockNumber block;
    FullTransactionId latestRemovedFullXid;
};
inline constexpr std::size_t SizeOfBtreeReusePage = sizeof(xl_btree_reuse_page);

// VACUUM main data. Block 0 data: ndeleted offsets, nupdated offsets, then nupdated
// xl_btree_update entries each followed by its uint16 posting list offsets.
struct xl_btree_vacuum {
    std::uint16_t ndeleted;
    std::uint16_t nupdated;
};
inline constexpr std::size_t SizeOfBtreeVacuum = offsetof(xl_btree_vacuum, nupdated) + sizeof(std::uint16_t);

// DELETE main data; block 0 data as for VACUUM.
struct xl_btree_delete {
    TransactionId latestRemovedXid;
    std::uint16_t ndeleted;
    std::uint16_t nupdated;
};
inline constexpr std::size_t SizeOfBtreeDelete = offsetof(xl_btree_delete, nupdated) + sizeof(std::uint16_t);

// Metadata of an updated posting list tuple: ndeletedtids uint16 offsets (0-based, into the
// original posting list) follow.
struct xl_btree_update {
    std::uint16_t ndeletedtids;
};
inline constexpr std::size_t SizeOfBtreeUpdate = offsetof(xl_btree_update, ndeletedtids) + sizeof(std::uint16_t);

// MARK_PAGE_HALFDEAD main data. Block 0: leaf block; block 1: top parent.
struct xl_btree_mark_page_halfdead {
    OffsetNumber poffset;  // deleted tuple id in the parent page
    BlockNumber leafblk;  // leaf block ultimately being deleted
    BlockNumber leftblk;  // leaf block's left sibling, if any
    BlockNumber rightblk;  // leaf block's right sibling
    BlockNumber topparent;  // topmost internal page in the subtree
};
inline constexpr std::size_t SizeOfBtreeMarkPageHalfDead =
    offsetof(xl_btree_mark_page_halfdead, topparent) + sizeof(BlockNumber);

// UNLINK_PAGE / UNLINK_PAGE_META main data (xl_btree_metadata follows for _META). Block 0:
// target; block 1: left sibling, if any; block 2: right sibling; block 3: leaf block, if
// different from the target; block 4: metapage, if the right sibling becomes the fast root.
struct xl_btree_unlink_page {
    BlockNumber leftsib;  // target block's left sibling, if any
    BlockNumber rightsib;  // target block's right sibling
    std::uint32_t level;  // target block's level
    FullTransactionId safexid;  // target block's BTPageSetDeleted() xid
    BlockNumber leafleftsib;
    BlockNumber leafrightsib;
    BlockNumber leaftopparent;  // next child down in the subtree
};
inline constexpr std::size_t SizeOfBtreeUnlinkPage =
    offsetof(xl_btree_unlink_page, leaftopparent) + sizeof(BlockNumber);

// NEWROOT main data. Block 0: new root (data: 2 tuples if splitting an old root); block 1:
// left child (if splitting an old root); block 2: metapage.
struct xl_btree_newroot {
    BlockNumber rootblk;  // location of the new root (redundant with block 0)
    std::uint32_t level;  // its tree level
};
inline constexpr std::size_t SizeOfBtreeNewroot = offsetof(xl_btree_newroot, level) + sizeof(std::uint32_t);

// Layout checks against PostgreSQL 15 on 64-bit platforms.
static_assert(SizeOfBtreeInsert == 2 && SizeOfBtreeSplit == 10 && SizeOfBtreeDedup == 2);
static_assert(SizeOfBtreeReusePage == 24 && SizeOfBtreeVacuum == 4 && SizeOfBtreeDelete == 8);
static_assert(SizeOfBtreeUpdate == 2 && SizeOfBtreeMarkPageHalfDead == 20);
static_assert(SizeOfBtreeUnlinkPage == 36 && SizeOfBtreeNewroot == 8);

// ---- PostgreSQL 16 and later (nbtxlog.h of 16.2, 17.4, 18.3) ----------------------------------
// DELETE and REUSE_PAGE name their conflict horizon snapshotConflictHorizon and end with
// isCatalogRel (recovery conflicts of logical decoding on a standby); every other Btree layout
// is the same as 15's.

// REUSE_PAGE main data (16+).
struct xl_btree_reuse_page_v16 {
    RelFileLocator locator;
    BlockNumber block;
    FullTransactionId snapshotConflictHorizon;
    std::uint8_t isCatalogRel;  // C bool
};
inline constexpr std::size_t SizeOfBtreeReusePage_v16 =
    offsetof(xl_btree_reuse_page_v16, isCatalogRel) + sizeof(std::uint8_t);

// DELETE main data (16+); block 0 data as for VACUUM.
struct xl_btree_delete_v16 {
    TransactionId snapshotConflictHorizon;
    std::uint16_t ndeleted;
    std::uint16_t nupdated;
    std::uint8_t isCatalogRel;  // C bool
};
inline constexpr std::size_t SizeOfBtreeDelete_v16 =
    offsetof(xl_btree_delete_v16, isCatalogRel) + sizeof(std::uint8_t);

static_assert(SizeOfBtreeReusePage_v16 == 25 && SizeOfBtreeDelete_v16 == 9);

// The Btree layouts that differ between major versions (for_major_version picks the entry).
struct BtreeRecordLayout {
    int since_major;
    // DELETE and REUSE_PAGE main data are xl_btree_delete_v16 / xl_btree_reuse_page_v16 (with
    // isCatalogRel) rather than xl_btree_delete / xl_btree_reuse_page.
    bool v16_conflict_records;
    std::size_t SizeOfBtreeDelete;
    std::size_t SizeOfBtreeReusePage;
};
inline constexpr BtreeRecordLayout kBtreeRecordLayouts[] = {
    {14, false, SizeOfBtreeDelete, SizeOfBtreeReusePage},
    {16, true, SizeOfBtreeDelete_v16, SizeOfBtreeReusePage_v16},
};

}  // namespace understudy
