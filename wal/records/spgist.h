// WAL record layouts of the SP-GiST index access method, PostgreSQL 15
// (src/include/access/spgxlog.h); 14 has the same layouts, and 16 to 18 change VACUUM_REDIRECT
// (spgxlogVacuumRedirect_v16 and kSpgRecordLayouts at the end). Shared by the describe and
// redo routines.
//
// PostgreSQL declares the trailing offset arrays as flexible array members
// (`OffsetNumber offsets[]`); ISO C++ has none, so the structs here stop before them and the
// SizeOf* constants give where the arrays start, as offsetof(..., offsets) does in PostgreSQL.
#pragma once

#include <cstddef>
#include <cstdint>

#include "wal/records/page_types.h"
#include "wal/records/per_version.h"

namespace understudy {

// xl_info record types (high 4 bits). 0x00 (CREATE_INDEX) is no longer used.
inline constexpr std::uint8_t XLOG_SPGIST_ADD_LEAF = 0x10;
inline constexpr std::uint8_t XLOG_SPGIST_MOVE_LEAFS = 0x20;
inline constexpr std::uint8_t XLOG_SPGIST_ADD_NODE = 0x30;
inline constexpr std::uint8_t XLOG_SPGIST_SPLIT_TUPLE = 0x40;
inline constexpr std::uint8_t XLOG_SPGIST_PICKSPLIT = 0x50;
inline constexpr std::uint8_t XLOG_SPGIST_VACUUM_LEAF = 0x60;
inline constexpr std::uint8_t XLOG_SPGIST_VACUUM_ROOT = 0x70;
inline constexpr std::uint8_t XLOG_SPGIST_VACUUM_REDIRECT = 0x80;

// The fields of SpGistState that redo needs (see fillFakeState in spgxlog.c).
struct spgxlogState {
    TransactionId myXid;
    std::uint8_t isBuild;
};
static_assert(sizeof(spgxlogState) == 8);

// XLOG_SPGIST_ADD_LEAF. Blocks: 0 destination page of the leaf tuple, 1 parent page (if any).
// The new leaf tuple follows (unaligned).
struct spgxlogAddLeaf {
    std::uint8_t newPage;      // init the destination page?
    std::uint8_t storesNulls;  // page is in the nulls tree?
    OffsetNumber offnumLeaf;      // where the leaf tuple goes
    OffsetNumber offnumHeadLeaf;  // head tuple of the chain, if any
    OffsetNumber offnumParent;    // where the parent downlink is, if any
    std::uint16_t nodeI;
};
static_assert(sizeof(spgxlogAddLeaf) == 10);

// XLOG_SPGIST_MOVE_LEAFS. Blocks: 0 source leaf page, 1 destination leaf page, 2 parent page.
// Data after the struct: nMoves deleted offsets, then (replaceDead ? 1 : nMoves + 1) inserted
// offsets, then that many leaf tuples (unaligned).
struct spgxlogMoveLeafs {
    std::uint16_t nMoves;  // tuples moved from the source page
    std::uint8_t newPage;          // init the destination page?
    std::uint8_t replaceDead;      // replacing a DEAD source tuple?
    std::uint8_t storesNulls;      // pages are in the nulls tree?
    OffsetNumber offnumParent;  // where the parent downlink is
    std::uint16_t nodeI;
    spgxlogState stateSrc;
};
inline constexpr std::size_t SizeOfSpgxlogMoveLeafs =
    offsetof(spgxlogMoveLeafs, stateSrc) + sizeof(spgxlogState);  // offsetof(.., offsets)
static_assert(offsetof(spgxlogMoveLeafs, offnumParent) == 6 && SizeOfSpgxlogMoveLeafs == 20);

// XLOG_SPGIST_ADD_NODE. Blocks: 0 original page, 1 where the new tuple goes if elsewhere,
// 2 parent page if updated and different from both. The updated inner tuple follows
// (unaligned).
struct spgxlogAddNode {
    OffsetNumber offnum;     // original inner tuple, on block 0
    OffsetNumber offnumNew;  // new tuple on block 1; invalid if the old one was overwritten
    std::uint8_t newPage;            // init the new page?
    // Where the parent downlink is: 0 original page, 1 new page, 2 block 2, -1 not updated.
    std::int8_t parentBlk;
    OffsetNumber offnumParent;  // offset within the parent page
    std::uint16_t nodeI;
    spgxlogState stateSrc;
};
static_assert(offsetof(spgxlogAddNode, parentBlk) == 5 && offsetof(spgxlogAddNode, stateSrc) == 12 &&
              sizeof(spgxlogAddNode) == 20);

// XLOG_SPGIST_SPLIT_TUPLE. Blocks: 0 where the prefix tuple goes, 1 where the postfix tuple
// goes (if another page). The new prefix then postfix inner tuples follow (unaligned).
struct spgxlogSplitTuple {
    OffsetNumber offnumPrefix;   // where the prefix tuple goes
    OffsetNumber offnumPostfix;  // where the postfix tuple goes
    std::uint8_t newPage;                // init that page?
    std::uint8_t postfixBlkSame;         // postfix tuple on the same page as the prefix?
};
static_assert(sizeof(spgxlogSplitTuple) == 6);

// XLOG_SPGIST_PICKSPLIT. Blocks: 0 source page (unless root), 1 destination page (if used),
// 2 inner page, 3 parent page (if any and not the inner page). Data after the struct: nDelete
// deleted offsets, nInsert inserted offsets, nInsert page selector bytes, the new inner tuple
// (unaligned), nInsert leaf tuples (unaligned).
struct spgxlogPickSplit {
    std::uint8_t isRootSplit;
    std::uint16_t nDelete;  // to delete from the source page
    std::uint16_t nInsert;  // to insert on the source and/or destination page
    std::uint8_t initSrc;           // re-init the source page?
    std::uint8_t initDest;          // re-init the destination page?
    OffsetNumber offnumInner;  // where the new inner tuple goes
    std::uint8_t initInner;            // re-init the inner page?
    std::uint8_t storesNulls;          // pages are in the nulls tree?
    std::uint8_t innerIsParent;        // is the parent the inner page?
    OffsetNumber offnumParent;
    std::uint16_t nodeI;
    spgxlogState stateSrc;
};
inline constexpr std::size_t SizeOfSpgxlogPickSplit =
    offsetof(spgxlogPickSplit, stateSrc) + sizeof(spgxlogState);  // offsetof(.., offsets)
static_assert(offsetof(spgxlogPickSplit, offnumInner) == 8 && offsetof(spgxlogPickSplit, offnumParent) == 14 &&
              SizeOfSpgxlogPickSplit == 28);

// XLOG_SPGIST_VACUUM_LEAF. Block 0: the leaf page. Offsets follow: nDead to become DEAD,
// nPlaceholder to become PLACEHOLDER, nMove to move from, nMove to move to, nChain to update
// the nextOffset links of, nChain to insert into those links.
struct spgxlogVacuumLeaf {
    std::uint16_t nDead;
    std::uint16_t nPlaceholder;
    std::uint16_t nMove;
    std::uint16_t nChain;
    spgxlogState stateSrc;
};
inline constexpr std::size_t SizeOfSpgxlogVacuumLeaf =
    offsetof(spgxlogVacuumLeaf, stateSrc) + sizeof(spgxlogState);
static_assert(SizeOfSpgxlogVacuumLeaf == 16);

// XLOG_SPGIST_VACUUM_ROOT (a root page that is also a leaf). Block 0: the root. nDelete
// offsets follow.
struct spgxlogVacuumRoot {
    std::uint16_t nDelete;
    spgxlogState stateSrc;
};
inline constexpr std::size_t SizeOfSpgxlogVacuumRoot =
    offsetof(spgxlogVacuumRoot, stateSrc) + sizeof(spgxlogState);
static_assert(SizeOfSpgxlogVacuumRoot == 12);

// XLOG_SPGIST_VACUUM_REDIRECT. Block 0: the page. nToPlaceholder offsets of redirect tuples
// to turn into placeholders follow.
struct spgxlogVacuumRedirect {
    std::uint16_t nToPlaceholder;
    OffsetNumber firstPlaceholder;      // first placeholder tuple to remove
    TransactionId newestRedirectXid;    // newest xid of the removed redirects
};
inline constexpr std::size_t SizeOfSpgxlogVacuumRedirect =
    offsetof(spgxlogVacuumRedirect, newestRedirectXid) + sizeof(TransactionId);
static_assert(SizeOfSpgxlogVacuumRedirect == 8);

// ---- PostgreSQL 16 and later (spgxlog.h of 16.2, 17.4, 18.3) ----------------------------------

// XLOG_SPGIST_VACUUM_REDIRECT (16+): newestRedirectXid renamed snapshotConflictHorizon, and
// isCatalogRel before the offsets.
struct spgxlogVacuumRedirect_v16 {
    std::uint16_t nToPlaceholder;
    OffsetNumber firstPlaceholder;
    TransactionId snapshotConflictHorizon;  // newest xid of the removed redirects
    std::uint8_t isCatalogRel;              // C bool
};
// offsetof(spgxlogVacuumRedirect, offsets): the OffsetNumber array starts 2-aligned.
inline constexpr std::size_t SizeOfSpgxlogVacuumRedirect_v16 = 10;
static_assert(offsetof(spgxlogVacuumRedirect_v16, isCatalogRel) == 8);

// The SP-GiST layouts that differ between major versions (for_major_version picks the entry).
struct SpgRecordLayout {
    int since_major;
    // VACUUM_REDIRECT main data is spgxlogVacuumRedirect_v16 rather than spgxlogVacuumRedirect.
    bool v16_vacuum_redirect;
    std::size_t SizeOfSpgxlogVacuumRedirect;
};
inline constexpr SpgRecordLayout kSpgRecordLayouts[] = {
    {14, false, SizeOfSpgxlogVacuumRedirect},
    {16, true, SizeOfSpgxlogVacuumRedirect_v16},
};

}  // namespace understudy
