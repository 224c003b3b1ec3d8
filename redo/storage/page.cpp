#include "redo/storage/page.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include <fmt/format.h>

namespace understudy::storage {

namespace {


// The sanity check bufpage.c runs before reshuffling a page ("corrupted page pointers").
bool page_pointers_sane(const std::uint8_t* page, bool check_special_alignment) {
    const unsigned lower = pd_lower(page), upper = pd_upper(page), special = pd_special(page);
    return lower >= SizeOfPageHeaderData && lower <= upper && upper <= special && special <= BLCKSZ &&
           (!check_special_alignment || special == MAXALIGN(special));
}

Error corrupted_pointers(const std::uint8_t* page) {
    return make_error(fmt::format("corrupted page pointers: lower = {}, upper = {}, special = {}", pd_lower(page),
                                  pd_upper(page), pd_special(page)));
}

// itemIdCompactData (bufpage.c).
struct ItemIdCompact {
    std::uint16_t offsetindex;  // line pointer array index
    std::int16_t itemoff;       // page offset of item data
    std::uint16_t alignedlen;   // MAXALIGN(item data len)
};

// compactify_tuples (bufpage.c, PG15): stack the items' storage downwards from pd_special in
// the order given and point their line pointers at the new places. Both of PostgreSQL's paths
// (presorted memmove, scratch-buffer memcpy) only write [new pd_upper, pd_special) and leave
// everything below as it was, which is what this does too.
void compactify_tuples(const std::vector<ItemIdCompact>& items, std::uint8_t* page) {
    std::array<std::uint8_t, BLCKSZ> scratch;
    const unsigned special = pd_special(page);
    unsigned upper = special;
    for (const auto& it : items) {
        upper -= it.alignedlen;
        std::memcpy(scratch.data() + upper, page + it.itemoff, it.alignedlen);
        const auto offnum = static_cast<OffsetNumber>(it.offsetindex + 1);
        ItemIdData lp = page_get_item_id(page, offnum);
        lp.lp_off = static_cast<std::uint16_t>(upper & 0x7FFF);
        page_set_item_id(page, offnum, lp);
    }
    std::memcpy(page + upper, scratch.data() + upper, special - upper);
    set_pd_upper(page, static_cast<LocationIndex>(upper));
}

// Checks of the line pointer bufpage.c runs before deleting or overwriting an index item.
Result<ItemIdData> index_item_for_change(const std::uint8_t* page, OffsetNumber offnum) {
    if (!page_pointers_sane(page, true)) return corrupted_pointers(page);
    const int nline = page_get_max_offset_number(page);
    if (offnum <= 0 || offnum > nline) return make_error(fmt::format("invalid index offnum: {}", offnum));
    ItemIdData tup = page_get_item_id(page, offnum);
    const unsigned offset = tup.lp_off, size = tup.lp_len;
    if (offset < pd_upper(page) || offset + size > pd_special(page) || offset != MAXALIGN(offset))
        return make_error(fmt::format("corrupted line pointer: offset = {}, size = {}", offset, size));
    return tup;
}

}  // namespace

PageHeaderData page_header(const std::uint8_t* page) {
    PageHeaderData h;
    h.pd_lsn = page_get_lsn(page);
    h.pd_checksum = pd_checksum(page);
    h.pd_flags = pd_flags(page);
    h.pd_lower = pd_lower(page);
    h.pd_upper = pd_upper(page);
    h.pd_special = pd_special(page);
    h.pd_pagesize_version = pd_pagesize_version(page);
    h.pd_prune_xid = pd_prune_xid(page);
    return h;
}

void set_page_header(std::uint8_t* page, const PageHeaderData& h) {
    page_set_lsn(page, h.pd_lsn);
    set_pd_checksum(page, h.pd_checksum);
    set_pd_flags(page, h.pd_flags);
    set_pd_lower(page, h.pd_lower);
    set_pd_upper(page, h.pd_upper);
    set_pd_special(page, h.pd_special);
    store_u16(page + 18, h.pd_pagesize_version);
    set_pd_prune_xid(page, h.pd_prune_xid);
}

TransactionId pd_prune_xid(const std::uint8_t* page) { return load<TransactionId>(page + 20); }
void set_pd_prune_xid(std::uint8_t* page, TransactionId xid) { store<TransactionId>(page + 20, xid); }

XLogRecPtr page_get_lsn(const std::uint8_t* page) {
    const auto xlogid = load<std::uint32_t>(page);
    const auto xrecoff = load<std::uint32_t>(page + 4);
    return (XLogRecPtr{xlogid} << 32) | xrecoff;
}

void page_set_lsn(std::uint8_t* page, XLogRecPtr lsn) {
    store<std::uint32_t>(page, static_cast<std::uint32_t>(lsn >> 32));
    store<std::uint32_t>(page + 4, static_cast<std::uint32_t>(lsn));
}

void page_mark_item_dead(std::uint8_t* page, OffsetNumber offnum) {
    ItemIdData id = page_get_item_id(page, offnum);
    id.lp_flags = LP_DEAD;
    page_set_item_id(page, offnum, id);
}

OffsetNumber page_get_max_offset_number(const std::uint8_t* page) {
    const unsigned lower = pd_lower(page);
    if (lower <= SizeOfPageHeaderData) return 0;
    return static_cast<OffsetNumber>((lower - SizeOfPageHeaderData) / SizeOfItemIdData);
}

void page_set_prunable(std::uint8_t* page, TransactionId xid) {
    const TransactionId cur = pd_prune_xid(page);
    if (cur == InvalidTransactionId || transaction_id_precedes(xid, cur)) set_pd_prune_xid(page, xid);
}

void page_init(std::uint8_t* page, std::size_t special_size) {
    special_size = MAXALIGN(special_size);
    std::memset(page, 0, BLCKSZ);
    set_pd_lower(page, static_cast<LocationIndex>(SizeOfPageHeaderData));
    set_pd_upper(page, static_cast<LocationIndex>(BLCKSZ - special_size));
    set_pd_special(page, static_cast<LocationIndex>(BLCKSZ - special_size));
    store_u16(page + 18, static_cast<std::uint16_t>(BLCKSZ | PG_PAGE_LAYOUT_VERSION));
}

OffsetNumber page_add_item_extended(std::uint8_t* page, std::span<const std::uint8_t> item, OffsetNumber offnum,
                                    int flags) {
    if (!page_pointers_sane(page, false)) return InvalidOffsetNumber;  // PostgreSQL PANICs here

    const int limit = page_get_max_offset_number(page) + 1;
    bool needshuffle = false;
    int offset_number = offnum;

    if (offset_number != InvalidOffsetNumber) {
        if (flags & PAI_OVERWRITE) {
            if (offset_number < limit) {
                ItemIdData id = page_get_item_id(page, static_cast<OffsetNumber>(offset_number));
                if (id.is_used() || id.has_storage()) return InvalidOffsetNumber;  // "will not overwrite a used ItemId"
            }
        } else if (offset_number < limit) {
            needshuffle = true;
        }
    } else if (page_has_free_line_pointers(page)) {
        // The first line pointer that is unused and has no storage.
        for (offset_number = FirstOffsetNumber; offset_number < limit; ++offset_number) {
            ItemIdData id = page_get_item_id(page, static_cast<OffsetNumber>(offset_number));
            if (!id.is_used() && !id.has_storage()) break;
        }
        if (offset_number >= limit) page_clear_flag(page, PD_HAS_FREE_LINES);  // the hint was wrong
    } else {
        offset_number = limit;
    }

    if (offset_number > limit) return InvalidOffsetNumber;  // "specified item offset is too large"
    if ((flags & PAI_IS_HEAP) && offset_number > static_cast<int>(MaxHeapTuplesPerPage))
        return InvalidOffsetNumber;  // "can't put more than MaxHeapTuplesPerPage items in a heap page"

    const int lower = pd_lower(page) + ((offset_number == limit || needshuffle) ? static_cast<int>(SizeOfItemIdData) : 0);
    const int upper = static_cast<int>(pd_upper(page)) - static_cast<int>(MAXALIGN(item.size()));
    if (lower > upper) return InvalidOffsetNumber;

    const auto target = static_cast<OffsetNumber>(offset_number);
    if (needshuffle)
        std::memmove(page + linp_offset(target) + SizeOfItemIdData, page + linp_offset(target),
                     static_cast<std::size_t>(limit - offset_number) * SizeOfItemIdData);
    page_set_item_id(page, target,
                     ItemIdData::normal(static_cast<std::uint16_t>(upper), static_cast<std::uint16_t>(item.size())));
    std::memcpy(page + upper, item.data(), item.size());
    set_pd_lower(page, static_cast<LocationIndex>(lower));
    set_pd_upper(page, static_cast<LocationIndex>(upper));
    return target;
}

Result<void> page_repair_fragmentation(std::uint8_t* page, bool truncate_unused_tail) {
    if (!page_pointers_sane(page, true)) return corrupted_pointers(page);
    const unsigned lower = pd_lower(page), upper = pd_upper(page), special = pd_special(page);

    const int nline = page_get_max_offset_number(page);
    std::vector<ItemIdCompact> items;
    items.reserve(static_cast<std::size_t>(nline));
    int nunused = 0;
    std::size_t totallen = 0;
    int finalusedlp = InvalidOffsetNumber;
    for (int i = FirstOffsetNumber; i <= nline; ++i) {
        const auto offnum = static_cast<OffsetNumber>(i);
        ItemIdData lp = page_get_item_id(page, offnum);
        if (lp.is_used()) {
            if (lp.has_storage()) {
                if (lp.lp_off < upper || lp.lp_off >= special)
                    return make_error(fmt::format("corrupted line pointer: {}", lp.lp_off));
                const auto alignedlen = static_cast<std::uint16_t>(MAXALIGN(lp.lp_len));
                items.push_back({static_cast<std::uint16_t>(i - 1), static_cast<std::int16_t>(lp.lp_off), alignedlen});
                totallen += alignedlen;
            }
            finalusedlp = i;
        } else {
            page_set_item_id(page, offnum, ItemIdData::unused());
            ++nunused;
        }
    }

    if (items.empty()) {
        set_pd_upper(page, static_cast<LocationIndex>(special));
    } else {
        if (totallen > special - lower)
            return make_error(fmt::format("corrupted item lengths: total {}, available space {}", totallen,
                                          special - lower));
        compactify_tuples(items, page);
    }

    if (truncate_unused_tail && finalusedlp != nline) {
        const int nunusedend = nline - finalusedlp;
        nunused -= nunusedend;
        set_pd_lower(page, static_cast<LocationIndex>(pd_lower(page) - SizeOfItemIdData * nunusedend));
    }
    if (nunused > 0)
        page_set_flag(page, PD_HAS_FREE_LINES);
    else
        page_clear_flag(page, PD_HAS_FREE_LINES);
    return {};
}

void page_truncate_line_pointer_array(std::uint8_t* page) {
    bool countdone = false, sethint = false;
    int nunusedend = 0;
    for (int i = page_get_max_offset_number(page); i >= FirstOffsetNumber; --i) {
        const ItemIdData lp = page_get_item_id(page, static_cast<OffsetNumber>(i));
        if (!countdone && i > FirstOffsetNumber) {
            if (!lp.is_used())
                ++nunusedend;
            else
                countdone = true;
        } else if (!lp.is_used()) {
            sethint = true;
            break;
        }
    }
    if (nunusedend > 0)
        set_pd_lower(page, static_cast<LocationIndex>(pd_lower(page) - SizeOfItemIdData * nunusedend));
    if (sethint)
        page_set_flag(page, PD_HAS_FREE_LINES);
    else
        page_clear_flag(page, PD_HAS_FREE_LINES);
}

std::size_t page_get_free_space(const std::uint8_t* page) {
    int space = static_cast<int>(pd_upper(page)) - static_cast<int>(pd_lower(page));
    if (space < static_cast<int>(SizeOfItemIdData)) return 0;
    return static_cast<std::size_t>(space) - SizeOfItemIdData;
}

std::size_t page_get_free_space_for_multiple_tuples(const std::uint8_t* page, int ntups) {
    int space = static_cast<int>(pd_upper(page)) - static_cast<int>(pd_lower(page));
    const int need = ntups * static_cast<int>(SizeOfItemIdData);
    if (space < need) return 0;
    return static_cast<std::size_t>(space - need);
}

std::size_t page_get_exact_free_space(const std::uint8_t* page) {
    int space = static_cast<int>(pd_upper(page)) - static_cast<int>(pd_lower(page));
    return space < 0 ? 0 : static_cast<std::size_t>(space);
}

std::size_t page_get_heap_free_space(const std::uint8_t* page) {
    std::size_t space = page_get_free_space(page);
    if (space == 0) return 0;
    const int nline = page_get_max_offset_number(page);
    if (nline < static_cast<int>(MaxHeapTuplesPerPage)) return space;
    if (!page_has_free_line_pointers(page)) return 0;  // PageAddItem believes the hint, so do we
    for (int i = FirstOffsetNumber; i <= nline; ++i)
        if (!page_get_item_id(page, static_cast<OffsetNumber>(i)).is_used()) return space;
    return 0;  // the hint is wrong
}

Result<void> page_index_tuple_delete(std::uint8_t* page, OffsetNumber offnum) {
    auto tup = index_item_for_change(page, offnum);
    if (!tup) return tup.error();
    int nline = page_get_max_offset_number(page);
    const unsigned offset = tup->lp_off;
    const unsigned size = static_cast<unsigned>(MAXALIGN(tup->lp_len));

    // Close the gap in the line pointer array.
    const int nbytes = static_cast<int>(pd_lower(page)) - static_cast<int>(linp_offset(offnum) + SizeOfItemIdData);
    if (nbytes > 0)
        std::memmove(page + linp_offset(offnum), page + linp_offset(offnum) + SizeOfItemIdData,
                     static_cast<std::size_t>(nbytes));

    // Move the data before the deleted item up by its size.
    const unsigned upper = pd_upper(page);
    if (offset > upper) std::memmove(page + upper + size, page + upper, offset - upper);
    set_pd_upper(page, static_cast<LocationIndex>(upper + size));
    set_pd_lower(page, static_cast<LocationIndex>(pd_lower(page) - SizeOfItemIdData));

    if (!page_is_empty(page)) {
        // Every item stored below the deleted one moved up by its size: lp_off (the low 15 bits
        // of each line pointer) grows by `size`, on the raw words.
        --nline;
        std::uint8_t* lp = page + SizeOfPageHeaderData;
        for (int i = 0; i < nline; ++i, lp += SizeOfItemIdData) {
            const std::uint32_t raw = load<std::uint32_t>(lp);
            const std::uint32_t off = raw & 0x7FFF;
            if (off <= offset) store<std::uint32_t>(lp, (raw & ~std::uint32_t{0x7FFF}) | ((off + size) & 0x7FFF));
        }
    }
    return {};
}

Result<void> page_index_multi_delete(std::uint8_t* page, std::span<const OffsetNumber> itemnos) {
    if (itemnos.size() > MaxIndexTuplesPerPage)
        return make_error(fmt::format("{} index items to delete, more than a page holds ({})", itemnos.size(),
                                      MaxIndexTuplesPerPage));
    if (itemnos.size() <= 2) {
        // Retail deletion in reverse order, as PostgreSQL does for so few items.
        for (auto it = itemnos.rbegin(); it != itemnos.rend(); ++it)
            if (auto r = page_index_tuple_delete(page, *it); !r) return r;
        return {};
    }
    if (!page_pointers_sane(page, true)) return corrupted_pointers(page);
    const unsigned lower = pd_lower(page), upper = pd_upper(page), special = pd_special(page);

    const int nline = page_get_max_offset_number(page);
    std::vector<ItemIdCompact> items;
    std::vector<std::uint32_t> newitemids;
    std::size_t totallen = 0;
    std::size_t nextitm = 0;
    for (int offnum = FirstOffsetNumber; offnum <= nline; ++offnum) {
        const std::uint32_t raw = load<std::uint32_t>(page + linp_offset(static_cast<OffsetNumber>(offnum)));
        const ItemIdData lp = ItemIdData::unpack(raw);
        const unsigned size = lp.lp_len, offset = lp.lp_off;
        if (offset < upper || offset + size > special || offset != MAXALIGN(offset))
            return make_error(fmt::format("corrupted line pointer: offset = {}, size = {}", offset, size));
        if (nextitm < itemnos.size() && offnum == itemnos[nextitm]) {
            ++nextitm;
        } else {
            const auto alignedlen = static_cast<std::uint16_t>(MAXALIGN(size));
            items.push_back({static_cast<std::uint16_t>(newitemids.size()), static_cast<std::int16_t>(offset), alignedlen});
            totallen += alignedlen;
            newitemids.push_back(raw);
        }
    }
    if (nextitm != itemnos.size()) return make_error("incorrect index offsets supplied");
    if (totallen > special - lower)
        return make_error(fmt::format("corrupted item lengths: total {}, available space {}", totallen, special - lower));

    if (!newitemids.empty())
        std::memcpy(page + SizeOfPageHeaderData, newitemids.data(), newitemids.size() * SizeOfItemIdData);
    set_pd_lower(page, static_cast<LocationIndex>(SizeOfPageHeaderData + newitemids.size() * SizeOfItemIdData));
    if (!items.empty())
        compactify_tuples(items, page);
    else
        set_pd_upper(page, static_cast<LocationIndex>(special));
    return {};
}

Result<void> page_index_tuple_delete_no_compact(std::uint8_t* page, OffsetNumber offnum) {
    auto tup = index_item_for_change(page, offnum);
    if (!tup) return tup.error();
    int nline = page_get_max_offset_number(page);
    const unsigned offset = tup->lp_off;
    const unsigned size = static_cast<unsigned>(MAXALIGN(tup->lp_len));

    if (offnum < nline) {
        page_set_item_id(page, offnum, ItemIdData::unused());
    } else {
        set_pd_lower(page, static_cast<LocationIndex>(pd_lower(page) - SizeOfItemIdData));
        --nline;
    }
    const unsigned upper = pd_upper(page);
    if (offset > upper) std::memmove(page + upper + size, page + upper, offset - upper);
    set_pd_upper(page, static_cast<LocationIndex>(upper + size));

    if (!page_is_empty(page)) {
        for (int i = 1; i <= nline; ++i) {
            ItemIdData ii = page_get_item_id(page, static_cast<OffsetNumber>(i));
            if (ii.has_storage() && ii.lp_off <= offset) {
                ii.lp_off = static_cast<std::uint16_t>((ii.lp_off + size) & 0x7FFF);
                page_set_item_id(page, static_cast<OffsetNumber>(i), ii);
            }
        }
    }
    return {};
}

Result<bool> page_index_tuple_overwrite(std::uint8_t* page, OffsetNumber offnum, std::span<const std::uint8_t> newtup) {
    auto tupid = index_item_for_change(page, offnum);
    if (!tupid) return tupid.error();
    const int itemcount = page_get_max_offset_number(page);
    const unsigned offset = tupid->lp_off;
    const int oldsize = static_cast<int>(MAXALIGN(tupid->lp_len));
    const int alignednewsize = static_cast<int>(MAXALIGN(newtup.size()));
    if (alignednewsize > oldsize + (static_cast<int>(pd_upper(page)) - static_cast<int>(pd_lower(page)))) return false;

    const int size_diff = oldsize - alignednewsize;
    if (size_diff != 0) {
        const unsigned upper = pd_upper(page);
        std::memmove(page + static_cast<int>(upper) + size_diff, page + upper, offset - upper);
        set_pd_upper(page, static_cast<LocationIndex>(static_cast<int>(upper) + size_diff));
        for (int i = FirstOffsetNumber; i <= itemcount; ++i) {
            ItemIdData ii = page_get_item_id(page, static_cast<OffsetNumber>(i));
            if (ii.has_storage() && ii.lp_off <= offset) {
                ii.lp_off = static_cast<std::uint16_t>((ii.lp_off + size_diff) & 0x7FFF);
                page_set_item_id(page, static_cast<OffsetNumber>(i), ii);
            }
        }
    }
    // The item's own pointer: new offset and length, lp_flags kept.
    ItemIdData self = page_get_item_id(page, offnum);
    self.lp_off = static_cast<std::uint16_t>((static_cast<int>(offset) + size_diff) & 0x7FFF);
    self.lp_len = static_cast<std::uint16_t>(newtup.size() & 0x7FFF);
    page_set_item_id(page, offnum, self);
    std::memcpy(page + self.lp_off, newtup.data(), newtup.size());
    return true;
}

void page_get_temp_page_copy_special(const std::uint8_t* page, std::uint8_t* temp) {
    const std::uint16_t special_size = page_get_special_size(page);
    page_init(temp, special_size);
    std::memcpy(temp + pd_special(temp), page + pd_special(page), special_size);
}

}  // namespace understudy::storage
