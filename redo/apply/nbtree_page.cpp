// nbtree page and tuple helpers, PostgreSQL 15 (see nbtree_page.h for what each mirrors).
#include "redo/apply/nbtree_page.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "common/bytes.h"
#include "redo/storage/page.h"

namespace understudy::redo::nbtree {

namespace {

using storage::MAXALIGN;

// IndexTupleData field offsets: t_tid {bi_hi 0, bi_lo 2, ip_posid 4}, t_info 6.
constexpr std::size_t kTidBiHi = 0;
constexpr std::size_t kTidBiLo = 2;
constexpr std::size_t kTidPosid = 4;
constexpr std::size_t kTInfo = 6;

// BTPageOpaqueData field offsets within the special space.
constexpr std::size_t kOpaquePrev = 0;
constexpr std::size_t kOpaqueNext = 4;
constexpr std::size_t kOpaqueLevel = 8;
constexpr std::size_t kOpaqueFlags = 12;
constexpr std::size_t kOpaqueCycleid = 14;

constexpr std::size_t MAXALIGN_DOWN(std::size_t len) { return len & ~(storage::MAXIMUM_ALIGNOF - 1); }

void set_t_info(std::uint8_t* itup, std::uint16_t v) { store<std::uint16_t>(itup + kTInfo, v); }

// ItemPointerGetOffsetNumberNoCheck / ItemPointerSetOffsetNumber.
OffsetNumber tid_offset(const std::uint8_t* tid) { return load<std::uint16_t>(tid + kTidPosid); }
void set_tid_offset(std::uint8_t* tid, OffsetNumber off) { store<std::uint16_t>(tid + kTidPosid, off); }
// ItemPointerGetBlockNumberNoCheck / ItemPointerSetBlockNumber.
BlockNumber tid_block(const std::uint8_t* tid) {
    return (BlockNumber{load<std::uint16_t>(tid + kTidBiHi)} << 16) | BlockNumber{load<std::uint16_t>(tid + kTidBiLo)};
}
void set_tid_block(std::uint8_t* tid, BlockNumber blkno) {
    store<std::uint16_t>(tid + kTidBiHi, static_cast<std::uint16_t>(blkno >> 16));
    store<std::uint16_t>(tid + kTidBiLo, static_cast<std::uint16_t>(blkno & 0xFFFF));
}

// BTreeTupleSetPosting (nbtree.h, PG15).
void bt_tuple_set_posting(std::uint8_t* itup, std::uint16_t nhtids, std::uint32_t postingoffset) {
    set_t_info(itup, static_cast<std::uint16_t>(index_tuple_t_info(itup) | INDEX_ALT_TID_MASK));
    set_tid_offset(itup, static_cast<OffsetNumber>(nhtids | BT_IS_POSTING));
    set_tid_block(itup, postingoffset);
}

// BTreeTupleSetNAtts (nbtree.h, PG15).
void bt_tuple_set_natts(std::uint8_t* itup, std::uint16_t nkeyatts, bool heaptid) {
    set_t_info(itup, static_cast<std::uint16_t>(index_tuple_t_info(itup) | INDEX_ALT_TID_MASK));
    if (heaptid) nkeyatts = static_cast<std::uint16_t>(nkeyatts | BT_PIVOT_HEAP_TID_ATTR);
    set_tid_offset(itup, nkeyatts);
}

// The key part of a tuple _bt_form_posting / _bt_update_posting keep: up to the posting list
// for a posting tuple, the whole tuple otherwise.
std::uint32_t key_size(const std::uint8_t* itup) {
    return bt_tuple_is_posting(itup) ? bt_tuple_get_posting_offset(itup)
                                     : static_cast<std::uint32_t>(index_tuple_size(itup));
}

// The new tuple of _bt_form_posting / _bt_update_posting: key part of `base`, size for nhtids,
// with the posting representation set (nhtids > 1) or cleared. Returns it and where the TIDs go.
Tuple new_posting_tuple(const std::uint8_t* base, std::uint32_t keysize, int nhtids, std::size_t& htids_at) {
    const std::size_t newsize = nhtids > 1 ? MAXALIGN(keysize + nhtids * SizeOfItemPointerData) : keysize;
    Tuple itup(newsize, 0);  // palloc0 (matches index_form_tuple)
    std::memcpy(itup.data(), base, keysize);
    set_t_info(itup.data(),
               static_cast<std::uint16_t>((index_tuple_t_info(itup.data()) & ~INDEX_SIZE_MASK) | newsize));
    if (nhtids > 1) {
        bt_tuple_set_posting(itup.data(), static_cast<std::uint16_t>(nhtids), keysize);
        htids_at = keysize;
    } else {
        set_t_info(itup.data(), static_cast<std::uint16_t>(index_tuple_t_info(itup.data()) & ~INDEX_ALT_TID_MASK));
        htids_at = 0;  // &itup->t_tid
    }
    return itup;
}

}  // namespace

BTPageOpaqueData bt_page_get_opaque(const std::uint8_t* page) {
    const std::uint8_t* sp = storage::page_get_special_pointer(page);
    BTPageOpaqueData o;
    o.btpo_prev = load<BlockNumber>(sp + kOpaquePrev);
    o.btpo_next = load<BlockNumber>(sp + kOpaqueNext);
    o.btpo_level = load<std::uint32_t>(sp + kOpaqueLevel);
    o.btpo_flags = load<std::uint16_t>(sp + kOpaqueFlags);
    o.btpo_cycleid = load<std::uint16_t>(sp + kOpaqueCycleid);
    return o;
}

void bt_page_set_opaque(std::uint8_t* page, const BTPageOpaqueData& o) {
    std::uint8_t* sp = storage::page_get_special_pointer(page);
    store<BlockNumber>(sp + kOpaquePrev, o.btpo_prev);
    store<BlockNumber>(sp + kOpaqueNext, o.btpo_next);
    store<std::uint32_t>(sp + kOpaqueLevel, o.btpo_level);
    store<std::uint16_t>(sp + kOpaqueFlags, o.btpo_flags);
    store<std::uint16_t>(sp + kOpaqueCycleid, o.btpo_cycleid);
}

// _bt_pageinit (nbtpage.c, PG15).
void bt_pageinit(std::uint8_t* page) { storage::page_init(page, SizeOfBTPageOpaqueData); }

// BTPageSetDeleted (nbtree.h, PG15).
void bt_page_set_deleted(std::uint8_t* page, FullTransactionId safexid) {
    BTPageOpaqueData o = bt_page_get_opaque(page);
    o.btpo_flags = static_cast<std::uint16_t>(o.btpo_flags & ~BTP_HALF_DEAD);
    o.btpo_flags = static_cast<std::uint16_t>(o.btpo_flags | BTP_DELETED | BTP_HAS_FULLXID);
    bt_page_set_opaque(page, o);
    storage::set_pd_lower(page, static_cast<storage::LocationIndex>(MAXALIGN(storage::SizeOfPageHeaderData) +
                                                                     sizeof(FullTransactionId)));
    storage::set_pd_upper(page, storage::pd_special(page));
    store<std::uint64_t>(storage::page_get_contents(page), safexid.value);
}

// BTMaxItemSize (nbtree.h, PG15).
std::size_t bt_max_item_size() {
    return MAXALIGN_DOWN((BLCKSZ -
                          MAXALIGN(storage::SizeOfPageHeaderData + 3 * storage::SizeOfItemIdData +
                                   3 * SizeOfItemPointerData) -
                          MAXALIGN(SizeOfBTPageOpaqueData)) /
                         3);
}

// _bt_restore_meta (nbtxlog.c, PG15), the page part.
void bt_write_meta(std::uint8_t* page, const xl_btree_metadata& xlrec) {
    bt_pageinit(page);
    std::uint8_t* md = storage::page_get_contents(page);
    // BTMetaPageData: btm_magic 0, btm_version 4, btm_root 8, btm_level 12, btm_fastroot 16,
    // btm_fastlevel 20, btm_last_cleanup_num_delpages 24, btm_last_cleanup_num_heap_tuples 32
    // (float8), btm_allequalimage 40.
    store<std::uint32_t>(md + 0, BTREE_MAGIC);
    store<std::uint32_t>(md + 4, xlrec.version);
    store<BlockNumber>(md + 8, xlrec.root);
    store<std::uint32_t>(md + 12, xlrec.level);
    store<BlockNumber>(md + 16, xlrec.fastroot);
    store<std::uint32_t>(md + 20, xlrec.fastlevel);
    store<std::uint32_t>(md + 24, xlrec.last_cleanup_num_delpages);
    store<double>(md + 32, -1.0);
    // A C bool assignment from the logged bool: stored as-is (PostgreSQL copies the byte).
    md[40] = xlrec.allequalimage;

    BTPageOpaqueData o = bt_page_get_opaque(page);
    o.btpo_flags = BTP_META;
    bt_page_set_opaque(page, o);

    storage::set_pd_lower(page,
                          static_cast<storage::LocationIndex>(MAXALIGN(storage::SizeOfPageHeaderData) + SizeOfBTMetaPageData));
}

std::uint16_t index_tuple_t_info(const std::uint8_t* itup) { return load<std::uint16_t>(itup + kTInfo); }
std::size_t index_tuple_size(const std::uint8_t* itup) { return index_tuple_t_info(itup) & INDEX_SIZE_MASK; }

bool bt_tuple_is_posting(const std::uint8_t* itup) {
    return (index_tuple_t_info(itup) & INDEX_ALT_TID_MASK) != 0 && (tid_offset(itup) & BT_IS_POSTING) != 0;
}

bool bt_tuple_is_pivot(const std::uint8_t* itup) {
    return (index_tuple_t_info(itup) & INDEX_ALT_TID_MASK) != 0 && (tid_offset(itup) & BT_IS_POSTING) == 0;
}

std::uint16_t bt_tuple_get_n_posting(const std::uint8_t* itup) {
    return static_cast<std::uint16_t>(tid_offset(itup) & BT_OFFSET_MASK);
}
std::uint32_t bt_tuple_get_posting_offset(const std::uint8_t* itup) { return tid_block(itup); }

BlockNumber bt_tuple_get_downlink(const std::uint8_t* itup) { return tid_block(itup); }
void bt_tuple_set_downlink(std::uint8_t* itup, BlockNumber blkno) { set_tid_block(itup, blkno); }

Tuple bt_half_dead_high_key(BlockNumber topparent) {
    Tuple t(SizeOfIndexTupleData, 0);
    set_t_info(t.data(), static_cast<std::uint16_t>(SizeOfIndexTupleData));
    // BTreeTupleSetTopParent: the block number, then BTreeTupleSetNAtts(0, false).
    set_tid_block(t.data(), topparent);
    bt_tuple_set_natts(t.data(), 0, false);
    return t;
}

Result<Tuple> copy_index_tuple(std::span<const std::uint8_t> src) {
    if (src.size() < SizeOfIndexTupleData)
        return make_error(fmt::format("index tuple of {} bytes is shorter than its header", src.size()));
    const std::size_t size = index_tuple_size(src.data());
    if (size < SizeOfIndexTupleData || size > src.size())
        return make_error(fmt::format("index tuple size {} does not fit the {} bytes logged", size, src.size()));
    Tuple t(MAXALIGN(size), 0);
    std::memcpy(t.data(), src.data(), std::min(src.size(), t.size()));
    return t;
}

// _bt_form_posting (nbtdedup.c, PG15).
Tuple bt_form_posting(const std::uint8_t* base, std::span<const std::uint8_t> htids, int nhtids) {
    std::size_t at = 0;
    Tuple itup = new_posting_tuple(base, key_size(base), nhtids, at);
    std::memcpy(itup.data() + at, htids.data(), static_cast<std::size_t>(nhtids) * SizeOfItemPointerData);
    return itup;
}

// _bt_update_posting (nbtdedup.c, PG15).
Result<Tuple> bt_update_posting(const std::uint8_t* origtuple, std::span<const std::uint16_t> deletetids) {
    if (!bt_tuple_is_posting(origtuple)) return make_error("updated tuple is not a posting list tuple");
    const int norig = bt_tuple_get_n_posting(origtuple);
    const int nhtids = norig - static_cast<int>(deletetids.size());
    if (nhtids <= 0 || nhtids >= norig)
        return make_error(fmt::format("cannot delete {} of the {} TIDs of a posting list tuple", deletetids.size(),
                                      norig));
    const std::uint32_t keysize = bt_tuple_get_posting_offset(origtuple);
    if (keysize + static_cast<std::size_t>(norig) * SizeOfItemPointerData > index_tuple_size(origtuple))
        return make_error("posting list runs past the end of its tuple");
    std::size_t at = 0;
    Tuple itup = new_posting_tuple(origtuple, keysize, nhtids, at);
    const std::uint8_t* posting = origtuple + keysize;
    std::size_t ui = 0, d = 0;
    for (int i = 0; i < norig; i++) {
        if (d < deletetids.size() && deletetids[d] == i) {
            d++;
            continue;
        }
        std::memcpy(itup.data() + at + ui * SizeOfItemPointerData, posting + static_cast<std::size_t>(i) * SizeOfItemPointerData,
                    SizeOfItemPointerData);
        ui++;
    }
    if (ui != static_cast<std::size_t>(nhtids))
        return make_error("posting list TIDs to delete are not ascending positions inside the list");
    return itup;
}

// _bt_swap_posting (nbtdedup.c, PG15).
Result<Tuple> bt_swap_posting(Tuple& newitem, const std::uint8_t* oposting, int postingoff) {
    if (!bt_tuple_is_posting(oposting)) return make_error("posting list split target is not a posting list tuple");
    const int nhtids = bt_tuple_get_n_posting(oposting);
    if (!(postingoff > 0 && postingoff < nhtids))
        return make_error(
            fmt::format("posting list tuple with {} items cannot be split at offset {}", nhtids, postingoff));
    const std::size_t osize = index_tuple_size(oposting);
    const std::uint32_t poff = bt_tuple_get_posting_offset(oposting);
    if (poff + static_cast<std::size_t>(nhtids) * SizeOfItemPointerData > osize)
        return make_error("posting list runs past the end of its tuple");
    if (newitem.size() < SizeOfIndexTupleData) return make_error("new item shorter than an index tuple header");

    Tuple nposting(oposting, oposting + osize);  // CopyIndexTuple
    std::uint8_t* replacepos = nposting.data() + poff + static_cast<std::size_t>(postingoff) * SizeOfItemPointerData;
    const std::size_t nmovebytes = static_cast<std::size_t>(nhtids - postingoff - 1) * SizeOfItemPointerData;
    std::memmove(replacepos + SizeOfItemPointerData, replacepos, nmovebytes);
    // The gap gets newitem's original TID; newitem gets oposting's max TID.
    std::memcpy(replacepos, newitem.data(), SizeOfItemPointerData);
    std::memcpy(newitem.data(), oposting + poff + static_cast<std::size_t>(nhtids - 1) * SizeOfItemPointerData,
                SizeOfItemPointerData);
    return nposting;
}

BTDedupState bt_dedup_state_for_replay() {
    BTDedupState s;
    s.maxpostingsize = bt_max_item_size();  // conservatively larger than the primary's
    s.htids.resize(s.maxpostingsize);
    s.intervals.resize(storage::MaxIndexTuplesPerPage);
    return s;
}

// _bt_dedup_start_pending (nbtdedup.c, PG15).
void bt_dedup_start_pending(BTDedupState& state, const std::uint8_t* base, OffsetNumber baseoff) {
    if (!bt_tuple_is_posting(base)) {
        std::memcpy(state.htids.data(), base, SizeOfItemPointerData);  // &base->t_tid
        state.nhtids = 1;
        state.basetupsize = index_tuple_size(base);
    } else {
        const int nposting = bt_tuple_get_n_posting(base);
        const std::size_t bytes = std::min(static_cast<std::size_t>(nposting) * SizeOfItemPointerData, state.htids.size());
        std::memcpy(state.htids.data(), base + bt_tuple_get_posting_offset(base), bytes);
        state.nhtids = nposting;
        state.basetupsize = bt_tuple_get_posting_offset(base);
    }
    state.nitems = 1;
    state.base = base;
    state.baseoff = baseoff;
    state.phystupsize = MAXALIGN(index_tuple_size(base)) + storage::SizeOfItemIdData;
    if (static_cast<std::size_t>(state.nintervals) >= state.intervals.size())
        state.intervals.resize(static_cast<std::size_t>(state.nintervals) + 1);
    state.intervals[static_cast<std::size_t>(state.nintervals)].baseoff = state.baseoff;
}

// _bt_dedup_save_htid (nbtdedup.c, PG15).
bool bt_dedup_save_htid(BTDedupState& state, const std::uint8_t* itup) {
    int nhtids = 1;
    const std::uint8_t* htids = itup;
    if (bt_tuple_is_posting(itup)) {
        nhtids = bt_tuple_get_n_posting(itup);
        htids = itup + bt_tuple_get_posting_offset(itup);
    }
    const std::size_t mergedtupsz =
        MAXALIGN(state.basetupsize + static_cast<std::size_t>(state.nhtids + nhtids) * SizeOfItemPointerData);
    if (mergedtupsz > state.maxpostingsize) return false;  // (nmaxitems is not used in replay)
    state.nitems++;
    std::memcpy(state.htids.data() + static_cast<std::size_t>(state.nhtids) * SizeOfItemPointerData, htids,
                static_cast<std::size_t>(nhtids) * SizeOfItemPointerData);
    state.nhtids += nhtids;
    state.phystupsize += MAXALIGN(index_tuple_size(itup)) + storage::SizeOfItemIdData;
    return true;
}

// _bt_dedup_finish_pending (nbtdedup.c, PG15).
Result<std::size_t> bt_dedup_finish_pending(std::uint8_t* newpage, BTDedupState& state) {
    const auto tupoff = static_cast<OffsetNumber>(storage::page_get_max_offset_number(newpage) + 1);
    std::size_t spacesaving = 0;
    if (state.nitems == 1) {
        // The original, unchanged base tuple.
        const std::size_t tuplesz = index_tuple_size(state.base);
        if (storage::page_add_item(newpage, {state.base, tuplesz}, tupoff, false, false) == InvalidOffsetNumber)
            return make_error("deduplication failed to add tuple to page");
    } else {
        Tuple final_tuple = bt_form_posting(state.base, state.htids, state.nhtids);
        const std::size_t tuplesz = index_tuple_size(final_tuple.data());
        state.intervals[static_cast<std::size_t>(state.nintervals)].nitems = static_cast<std::uint16_t>(state.nitems);
        if (storage::page_add_item(newpage, final_tuple, tupoff, false, false) == InvalidOffsetNumber)
            return make_error("deduplication failed to add tuple to page");
        spacesaving = state.phystupsize - (tuplesz + storage::SizeOfItemIdData);
        state.nintervals++;
    }
    state.nhtids = 0;
    state.nitems = 0;
    state.phystupsize = 0;
    return spacesaving;
}

// _bt_restore_page (nbtxlog.c, PG15).
Result<void> bt_restore_page(std::uint8_t* page, std::span<const std::uint8_t> from) {
    std::vector<std::span<const std::uint8_t>> items;
    std::size_t pos = 0;
    while (pos < from.size()) {
        if (from.size() - pos < SizeOfIndexTupleData)
            return make_error(fmt::format("_bt_restore_page: truncated index tuple at byte {} of {}", pos, from.size()));
        const std::size_t itemsz = MAXALIGN(index_tuple_size(from.data() + pos));
        if (itemsz == 0 || itemsz > from.size() - pos)
            return make_error(fmt::format("_bt_restore_page: index tuple of {} bytes at byte {} runs past the {} bytes",
                                          itemsz, pos, from.size()));
        if (items.size() >= storage::MaxIndexTuplesPerPage)
            return make_error("_bt_restore_page: more tuples than fit on a page");
        items.push_back(from.subspan(pos, itemsz));
        pos += itemsz;
    }
    const std::size_t nitems = items.size();
    for (std::size_t i = nitems; i-- > 0;) {
        if (storage::page_add_item(page, items[i], static_cast<OffsetNumber>(nitems - i), false, false) ==
            InvalidOffsetNumber)
            return make_error("_bt_restore_page: cannot add item to page");
    }
    return {};
}

}  // namespace understudy::redo::nbtree
