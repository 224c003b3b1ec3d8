// WAL record layouts of the hash index access method, PostgreSQL 15
// (src/include/access/hash_xlog.h); 14 has the same layouts, and 16 to 18 change
// VACUUM_ONE_PAGE (xl_hash_vacuum_one_page_v16 and kHashRecordLayouts at the end). Shared by the
// describe and redo routines.
#pragma once

#include <cstddef>
#include <cstdint>

#include "wal/records/page_types.h"
#include "wal/records/per_version.h"

namespace understudy {

// Number of buffers required for XLOG_HASH_SQUEEZE_PAGE.
inline constexpr int HASH_XLOG_FREE_OVFL_BUFS = 6;

// xl_info record types (high 4 bits).
inline constexpr std::uint8_t XLOG_HASH_INIT_META_PAGE = 0x00;
inline constexpr std::uint8_t XLOG_HASH_INIT_BITMAP_PAGE = 0x10;
inline constexpr std::uint8_t XLOG_HASH_INSERT = 0x20;
inline constexpr std::uint8_t XLOG_HASH_ADD_OVFL_PAGE = 0x30;
inline constexpr std::uint8_t XLOG_HASH_SPLIT_ALLOCATE_PAGE = 0x40;
inline constexpr std::uint8_t XLOG_HASH_SPLIT_PAGE = 0x50;
inline constexpr std::uint8_t XLOG_HASH_SPLIT_COMPLETE = 0x60;
inline constexpr std::uint8_t XLOG_HASH_MOVE_PAGE_CONTENTS = 0x70;
inline constexpr std::uint8_t XLOG_HASH_SQUEEZE_PAGE = 0x80;
inline constexpr std::uint8_t XLOG_HASH_DELETE = 0x90;
inline constexpr std::uint8_t XLOG_HASH_SPLIT_CLEANUP = 0xA0;
inline constexpr std::uint8_t XLOG_HASH_UPDATE_META_PAGE = 0xB0;
inline constexpr std::uint8_t XLOG_HASH_VACUUM_ONE_PAGE = 0xC0;

// xl_hash_split_allocate_page.flags.
inline constexpr std::uint8_t XLH_SPLIT_META_UPDATE_MASKS = 1 << 0;
inline constexpr std::uint8_t XLH_SPLIT_META_UPDATE_SPLITPOINT = 1 << 1;

// XLOG_HASH_INSERT. Block 0: original page (data: the inserted tuple); block 1: metapage.
struct xl_hash_insert {
    OffsetNumber offnum;
};
inline constexpr std::size_t SizeOfHashInsert = offsetof(xl_hash_insert, offnum) + sizeof(OffsetNumber);

// XLOG_HASH_ADD_OVFL_PAGE. Blocks: 0 new overflow page, 1 page before it in the bucket chain,
// 2 bitmap page, 3 new bitmap page, 4 metapage.
struct xl_hash_add_ovfl_page {
    std::uint16_t bmsize;
    std::uint8_t bmpage_found;
};
inline constexpr std::size_t SizeOfHashAddOvflPage =
    offsetof(xl_hash_add_ovfl_page, bmpage_found) + sizeof(std::uint8_t);

// XLOG_HASH_SPLIT_ALLOCATE_PAGE. Blocks: 0 old bucket page, 1 new bucket page, 2 metapage.
struct xl_hash_split_allocate_page {
    std::uint32_t new_bucket;
    std::uint16_t old_bucket_flag;
    std::uint16_t new_bucket_flag;
    std::uint8_t flags;
};
inline constexpr std::size_t SizeOfHashSplitAllocPage =
    offsetof(xl_hash_split_allocate_page, flags) + sizeof(std::uint8_t);

// XLOG_HASH_SPLIT_COMPLETE. Blocks: 0 old bucket page, 1 new bucket page.
struct xl_hash_split_complete {
    std::uint16_t old_bucket_flag;
    std::uint16_t new_bucket_flag;
};
inline constexpr std::size_t SizeOfHashSplitComplete =
    offsetof(xl_hash_split_complete, new_bucket_flag) + sizeof(std::uint16_t);

// XLOG_HASH_MOVE_PAGE_CONTENTS. Blocks: 0 bucket page, 1 page receiving the moved tuples,
// 2 page the tuples are removed from.
struct xl_hash_move_page_contents {
    std::uint16_t ntups;
    std::uint8_t is_prim_bucket_same_wrt;  // the page receiving tuples is the primary bucket page
};
inline constexpr std::size_t SizeOfHashMovePageContents =
    offsetof(xl_hash_move_page_contents, is_prim_bucket_same_wrt) + sizeof(std::uint8_t);

// XLOG_HASH_SQUEEZE_PAGE. Blocks: 0 page receiving tuples from the freed overflow page,
// 1 freed overflow page, 2 page before it, 3 page after it, 4 bitmap page, 5 metapage.
struct xl_hash_squeeze_page {
    BlockNumber prevblkno;
    BlockNumber nextblkno;
    std::uint16_t ntups;
    std::uint8_t is_prim_bucket_same_wrt;  // the page receiving tuples is the primary bucket page
    std::uint8_t is_prev_bucket_same_wrt;  // the page receiving tuples is the one before the freed page
};
inline constexpr std::size_t SizeOfHashSqueezePage =
    offsetof(xl_hash_squeeze_page, is_prev_bucket_same_wrt) + sizeof(std::uint8_t);

// XLOG_HASH_DELETE. Blocks: 0 primary bucket page, 1 page the tuples are deleted from.
struct xl_hash_delete {
    std::uint8_t clear_dead_marking;      // clears LH_PAGE_HAS_DEAD_TUPLES
    std::uint8_t is_primary_bucket_page;  // the operation is on the primary bucket page
};
inline constexpr std::size_t SizeOfHashDelete =
    offsetof(xl_hash_delete, is_primary_bucket_page) + sizeof(std::uint8_t);

// XLOG_HASH_UPDATE_META_PAGE. Block 0: metapage.
struct xl_hash_update_meta_page {
    double ntuples;
};
inline constexpr std::size_t SizeOfHashUpdateMetaPage =
    offsetof(xl_hash_update_meta_page, ntuples) + sizeof(double);

// XLOG_HASH_INIT_META_PAGE. Block 0: metapage.
struct xl_hash_init_meta_page {
    double num_tuples;
    Oid procid;  // RegProcedure
    std::uint16_t ffactor;
};
inline constexpr std::size_t SizeOfHashInitMetaPage =
    offsetof(xl_hash_init_meta_page, ffactor) + sizeof(std::uint16_t);

// XLOG_HASH_INIT_BITMAP_PAGE. Blocks: 0 bitmap page, 1 metapage.
struct xl_hash_init_bitmap_page {
    std::uint16_t bmsize;
};
inline constexpr std::size_t SizeOfHashInitBitmapPage =
    offsetof(xl_hash_init_bitmap_page, bmsize) + sizeof(std::uint16_t);

// XLOG_HASH_VACUUM_ONE_PAGE. Blocks: 0 bucket page, 1 metapage. The target offset numbers
// (ntuples OffsetNumbers) follow the struct in the main data.
struct xl_hash_vacuum_one_page {
    TransactionId latestRemovedXid;
    std::int32_t ntuples;
};
inline constexpr std::size_t SizeOfHashVacuumOnePage =
    offsetof(xl_hash_vacuum_one_page, ntuples) + sizeof(std::int32_t);

static_assert(SizeOfHashInsert == 2);
static_assert(SizeOfHashAddOvflPage == 3);
static_assert(SizeOfHashSplitAllocPage == 9);
static_assert(SizeOfHashSplitComplete == 4);
static_assert(SizeOfHashMovePageContents == 3);
static_assert(SizeOfHashSqueezePage == 12);
static_assert(SizeOfHashDelete == 2);
static_assert(SizeOfHashUpdateMetaPage == 8);
static_assert(SizeOfHashInitMetaPage == 14);
static_assert(SizeOfHashInitBitmapPage == 2);
static_assert(SizeOfHashVacuumOnePage == 8);

// ---- PostgreSQL 16 and later (hash_xlog.h of 16.2, 17.4, 18.3) --------------------------------

// XLOG_HASH_VACUUM_ONE_PAGE main data (16+): ntuples shrinks to uint16, isCatalogRel follows,
// and the ntuples target offsets follow in the main data.
struct xl_hash_vacuum_one_page_v16 {
    TransactionId snapshotConflictHorizon;
    std::uint16_t ntuples;
    std::uint8_t isCatalogRel;  // C bool
};
// offsetof(xl_hash_vacuum_one_page, offsets): the OffsetNumber array starts 2-aligned.
inline constexpr std::size_t SizeOfHashVacuumOnePage_v16 = 8;
static_assert(offsetof(xl_hash_vacuum_one_page_v16, isCatalogRel) == 6);

// The Hash layouts that differ between major versions (for_major_version picks the entry).
struct HashRecordLayout {
    int since_major;
    // VACUUM_ONE_PAGE main data is xl_hash_vacuum_one_page_v16 rather than
    // xl_hash_vacuum_one_page.
    bool v16_vacuum_one_page;
    std::size_t SizeOfHashVacuumOnePage;
};
inline constexpr HashRecordLayout kHashRecordLayouts[] = {
    {14, false, SizeOfHashVacuumOnePage},
    {16, true, SizeOfHashVacuumOnePage_v16},
};

}  // namespace understudy
