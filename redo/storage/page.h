// 8 kB page primitives mirroring PostgreSQL 15's src/backend/storage/page/bufpage.c and the
// macros of src/include/storage/bufpage.h and itemid.h. Every mutating routine produces the
// same bytes PostgreSQL's does, stale bytes left in free space included, so that pages we
// build compare equal to PostgreSQL's own.
//
// A page is BLCKSZ bytes at `std::uint8_t* page` (any alignment): header fields and line
// pointers are read and written with memcpy, never through casts.
//
// Names here live in understudy::storage; OffsetNumber, InvalidOffsetNumber, FirstOffsetNumber
// and MAXALIGN are understudy's (wal/records/), named here by using-declarations so that
// storage::... spells them too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/bytes.h"
#include "common/lsn.h"
#include "common/result.h"
#include "wal/decoded_record.h"
#include "wal/records/page_types.h"
#include "wal/relpath.h"

namespace understudy::storage {

// storage/off.h (OffsetNumber, InvalidOffsetNumber, FirstOffsetNumber) and c.h (MAXALIGN,
// MAXIMUM_ALIGNOF), defined once in wal/records/ and common/wal_format.h, named here too.
using understudy::FirstOffsetNumber;
using understudy::InvalidOffsetNumber;
using understudy::MAXALIGN;
using understudy::MAXIMUM_ALIGNOF;
using understudy::OffsetNumber;
using LocationIndex = std::uint16_t;  // storage/bufpage.h

// PageHeaderData layout (bufpage.h): pd_lsn {xlogid, xrecoff} at 0, pd_checksum at 8, pd_flags
// at 10, pd_lower 12, pd_upper 14, pd_special 16, pd_pagesize_version 18, pd_prune_xid 20,
// pd_linp[] from 24.
inline constexpr std::size_t SizeOfPageHeaderData = 24;
inline constexpr std::size_t SizeOfItemIdData = 4;  // sizeof(ItemIdData)

inline constexpr std::uint16_t PD_HAS_FREE_LINES = 0x0001;
inline constexpr std::uint16_t PD_PAGE_FULL = 0x0002;
inline constexpr std::uint16_t PD_ALL_VISIBLE = 0x0004;
inline constexpr std::uint16_t PD_VALID_FLAG_BITS = 0x0007;

inline constexpr std::uint16_t PG_PAGE_LAYOUT_VERSION = 4;

// itemid.h lp_flags values.
inline constexpr std::uint8_t LP_UNUSED = 0;
inline constexpr std::uint8_t LP_NORMAL = 1;
inline constexpr std::uint8_t LP_REDIRECT = 2;
inline constexpr std::uint8_t LP_DEAD = 3;

// htup_details.h: (BLCKSZ - SizeOfPageHeaderData) / (MAXALIGN(SizeofHeapTupleHeader) + 4) = 291.
inline constexpr std::size_t SizeofHeapTupleHeader = 23;
inline constexpr std::size_t MaxHeapTuplesPerPage =
    (BLCKSZ - SizeOfPageHeaderData) / (MAXALIGN(SizeofHeapTupleHeader) + SizeOfItemIdData);
// itup.h: (BLCKSZ - SizeOfPageHeaderData) / (MAXALIGN(sizeof(IndexTupleData) + 1) + 4) = 408.
inline constexpr std::size_t SizeOfIndexTupleData = 8;
inline constexpr std::size_t MaxIndexTuplesPerPage =
    (BLCKSZ - SizeOfPageHeaderData) / (MAXALIGN(SizeOfIndexTupleData + 1) + SizeOfItemIdData);

// PageAddItemExtended flags (bufpage.h).
inline constexpr int PAI_OVERWRITE = 1 << 0;
inline constexpr int PAI_IS_HEAP = 1 << 1;

// The header as values (bufpage.h PageHeaderData); pd_lsn joined from xlogid/xrecoff.
struct PageHeaderData {
    XLogRecPtr pd_lsn = 0;
    std::uint16_t pd_checksum = 0;
    std::uint16_t pd_flags = 0;
    LocationIndex pd_lower = 0;
    LocationIndex pd_upper = 0;
    LocationIndex pd_special = 0;
    std::uint16_t pd_pagesize_version = 0;
    TransactionId pd_prune_xid = 0;
};

PageHeaderData page_header(const std::uint8_t* page);
void set_page_header(std::uint8_t* page, const PageHeaderData& hdr);

// Field accessors (byte offsets of bufpage.h).
inline std::uint16_t load_u16(const std::uint8_t* p) { return load<std::uint16_t>(p); }
inline void store_u16(std::uint8_t* p, std::uint16_t v) { store<std::uint16_t>(p, v); }
inline std::uint16_t pd_checksum(const std::uint8_t* page) { return load_u16(page + 8); }
inline std::uint16_t pd_flags(const std::uint8_t* page) { return load_u16(page + 10); }
inline LocationIndex pd_lower(const std::uint8_t* page) { return load_u16(page + 12); }
inline LocationIndex pd_upper(const std::uint8_t* page) { return load_u16(page + 14); }
inline LocationIndex pd_special(const std::uint8_t* page) { return load_u16(page + 16); }
inline std::uint16_t pd_pagesize_version(const std::uint8_t* page) { return load_u16(page + 18); }
TransactionId pd_prune_xid(const std::uint8_t* page);
inline void set_pd_checksum(std::uint8_t* page, std::uint16_t v) { store_u16(page + 8, v); }
inline void set_pd_flags(std::uint8_t* page, std::uint16_t v) { store_u16(page + 10, v); }
inline void set_pd_lower(std::uint8_t* page, LocationIndex v) { store_u16(page + 12, v); }
inline void set_pd_upper(std::uint8_t* page, LocationIndex v) { store_u16(page + 14, v); }
inline void set_pd_special(std::uint8_t* page, LocationIndex v) { store_u16(page + 16, v); }
void set_pd_prune_xid(std::uint8_t* page, TransactionId xid);

// PageGetLSN / PageSetLSN (PG15): pd_lsn is {uint32 xlogid (high half), uint32 xrecoff}.
XLogRecPtr page_get_lsn(const std::uint8_t* page);
void page_set_lsn(std::uint8_t* page, XLogRecPtr lsn);

// A line pointer (itemid.h ItemIdData): lp_off:15, lp_flags:2, lp_len:15 packed in a uint32 as
// GCC lays out the bit fields on little-endian machines (lp_off in the low bits).
struct ItemIdData {
    std::uint16_t lp_off = 0;
    std::uint8_t lp_flags = LP_UNUSED;
    std::uint16_t lp_len = 0;

    // The on-page form: lp_off:15, lp_flags:2, lp_len:15 (itemid.h's bit-fields, little-endian).
    std::uint32_t pack() const {
        return (std::uint32_t{lp_off} & 0x7FFF) | ((std::uint32_t{lp_flags} & 0x3) << 15) |
               ((std::uint32_t{lp_len} & 0x7FFF) << 17);
    }
    static ItemIdData unpack(std::uint32_t raw) {
        return ItemIdData{static_cast<std::uint16_t>(raw & 0x7FFF), static_cast<std::uint8_t>((raw >> 15) & 0x3),
                          static_cast<std::uint16_t>(raw >> 17)};
    }

    // ItemIdIsUsed / ItemIdIsNormal / ItemIdIsRedirected / ItemIdIsDead / ItemIdHasStorage.
    bool is_used() const { return lp_flags != LP_UNUSED; }
    bool is_normal() const { return lp_flags == LP_NORMAL; }
    bool is_redirected() const { return lp_flags == LP_REDIRECT; }
    bool is_dead() const { return lp_flags == LP_DEAD; }
    bool has_storage() const { return lp_len != 0; }
    // ItemIdSetUnused / ItemIdSetNormal / ItemIdSetRedirect / ItemIdSetDead values.
    static ItemIdData unused() { return {}; }
    static ItemIdData normal(std::uint16_t off, std::uint16_t len) { return {off, LP_NORMAL, len}; }
    static ItemIdData redirect(OffsetNumber link) { return {link, LP_REDIRECT, 0}; }
    static ItemIdData dead() { return {0, LP_DEAD, 0}; }
    friend bool operator==(const ItemIdData&, const ItemIdData&) = default;
};

// PageGetItemId: the line pointer of offnum (1-based), read / written in place.
// Inline: every redo routine goes through them, some once per item on the page.
inline std::size_t linp_offset(OffsetNumber offnum) { return SizeOfPageHeaderData + (offnum - 1u) * SizeOfItemIdData; }
inline ItemIdData page_get_item_id(const std::uint8_t* page, OffsetNumber offnum) {
    return ItemIdData::unpack(load<std::uint32_t>(page + linp_offset(offnum)));
}
inline void page_set_item_id(std::uint8_t* page, OffsetNumber offnum, ItemIdData id) {
    store<std::uint32_t>(page + linp_offset(offnum), id.pack());
}
// ItemIdMarkDead (PG15): only lp_flags changes.
void page_mark_item_dead(std::uint8_t* page, OffsetNumber offnum);

// PageGetItem: the item's bytes (lp_off .. lp_off + lp_len).
inline std::uint8_t* page_get_item(std::uint8_t* page, ItemIdData id) { return page + id.lp_off; }
inline const std::uint8_t* page_get_item(const std::uint8_t* page, ItemIdData id) { return page + id.lp_off; }

// PageIsNew: pd_upper == 0 (a zeroed page). PageIsEmpty: no line pointers.
inline bool page_is_new(const std::uint8_t* page) { return pd_upper(page) == 0; }
inline bool page_is_empty(const std::uint8_t* page) { return pd_lower(page) <= SizeOfPageHeaderData; }
// PageGetMaxOffsetNumber.
OffsetNumber page_get_max_offset_number(const std::uint8_t* page);
// PageGetPageSize, PageGetPageLayoutVersion, PageGetSpecialSize, PageGetSpecialPointer,
// PageGetContents.
inline std::size_t page_get_page_size(const std::uint8_t* page) { return pd_pagesize_version(page) & 0xFF00; }
inline std::uint16_t page_get_page_layout_version(const std::uint8_t* page) { return pd_pagesize_version(page) & 0x00FF; }
inline std::uint16_t page_get_special_size(const std::uint8_t* page) {
    return static_cast<std::uint16_t>(page_get_page_size(page) - pd_special(page));
}
inline std::uint8_t* page_get_special_pointer(std::uint8_t* page) { return page + pd_special(page); }
inline const std::uint8_t* page_get_special_pointer(const std::uint8_t* page) { return page + pd_special(page); }
inline std::uint8_t* page_get_contents(std::uint8_t* page) { return page + MAXALIGN(SizeOfPageHeaderData); }

// pd_flags bits: PageHasFreeLinePointers, PageIsFull, PageIsAllVisible and their Set/Clear.
inline bool page_has_free_line_pointers(const std::uint8_t* page) { return pd_flags(page) & PD_HAS_FREE_LINES; }
inline bool page_is_full(const std::uint8_t* page) { return pd_flags(page) & PD_PAGE_FULL; }
inline bool page_is_all_visible(const std::uint8_t* page) { return pd_flags(page) & PD_ALL_VISIBLE; }
inline void page_set_flag(std::uint8_t* page, std::uint16_t flag) {
    set_pd_flags(page, static_cast<std::uint16_t>(pd_flags(page) | flag));
}
inline void page_clear_flag(std::uint8_t* page, std::uint16_t flag) {
    set_pd_flags(page, static_cast<std::uint16_t>(pd_flags(page) & ~flag));
}

// PageSetPrunable / PageClearPrunable (PG15): keep the oldest prunable xid.
void page_set_prunable(std::uint8_t* page, TransactionId xid);
inline void page_clear_prunable(std::uint8_t* page) { set_pd_prune_xid(page, InvalidTransactionId); }

// PageInit (PG15): zero the page, pd_lower = header size, pd_upper = pd_special =
// BLCKSZ - MAXALIGN(special_size), pd_pagesize_version = BLCKSZ | 4.
void page_init(std::uint8_t* page, std::size_t special_size);

// PageAddItemExtended (PG15): returns the offset used, or InvalidOffsetNumber when the item does
// not fit, the offset is beyond the first unused line pointer, an overwrite target is in use,
// a heap page would get more than MaxHeapTuplesPerPage items, or the page pointers are corrupt.
OffsetNumber page_add_item_extended(std::uint8_t* page, std::span<const std::uint8_t> item,
                                    OffsetNumber offnum, int flags);
// PageAddItem (bufpage.h macro).
inline OffsetNumber page_add_item(std::uint8_t* page, std::span<const std::uint8_t> item, OffsetNumber offnum,
                                  bool overwrite, bool is_heap) {
    return page_add_item_extended(page, item, offnum, (overwrite ? PAI_OVERWRITE : 0) | (is_heap ? PAI_IS_HEAP : 0));
}

// PageRepairFragmentation (PG15): compacts the storage of used items towards pd_special in line
// pointer order, resets unused line pointers, truncates trailing unused ones, maintains
// PD_HAS_FREE_LINES. Errors name the corrupt pointer. `truncate_unused_tail` false: PG14's, which
// keeps the trailing unused line pointers (15 added the truncation).
Result<void> page_repair_fragmentation(std::uint8_t* page, bool truncate_unused_tail = true);

// PageTruncateLinePointerArray (PG15): removes trailing LP_UNUSED line pointers (keeping at
// least one), maintains PD_HAS_FREE_LINES.
void page_truncate_line_pointer_array(std::uint8_t* page);

// PageGetFreeSpace / PageGetFreeSpaceForMultipleTuples / PageGetExactFreeSpace /
// PageGetHeapFreeSpace (PG15).
std::size_t page_get_free_space(const std::uint8_t* page);
std::size_t page_get_free_space_for_multiple_tuples(const std::uint8_t* page, int ntups);
std::size_t page_get_exact_free_space(const std::uint8_t* page);
std::size_t page_get_heap_free_space(const std::uint8_t* page);

// PageIndexTupleDelete (PG15): removes the item and its line pointer, closing both gaps.
Result<void> page_index_tuple_delete(std::uint8_t* page, OffsetNumber offnum);
// PageIndexMultiDelete (PG15): itemnos must be in ascending order.
Result<void> page_index_multi_delete(std::uint8_t* page, std::span<const OffsetNumber> itemnos);
// PageIndexTupleDeleteNoCompact (PG15): the line pointer becomes unused (removed if last).
Result<void> page_index_tuple_delete_no_compact(std::uint8_t* page, OffsetNumber offnum);
// PageIndexTupleOverwrite (PG15): false (page unchanged) if the new tuple does not fit.
Result<bool> page_index_tuple_overwrite(std::uint8_t* page, OffsetNumber offnum,
                                        std::span<const std::uint8_t> newtup);

// PageGetTempPageCopySpecial (PG15): `temp` becomes a PageInit'ed page with page's special
// space size and contents.
void page_get_temp_page_copy_special(const std::uint8_t* page, std::uint8_t* temp);

}  // namespace understudy::storage
