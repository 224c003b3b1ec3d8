// Redo and mask routines of the Btree resource manager: mirrors btree_redo and btree_mask of
// src/backend/access/nbtree/nbtxlog.c, PostgreSQL 15. Every record type is applied with the
// same page operations in the same order as PostgreSQL, so the pages compare equal to the
// primary's after masking. Page and tuple helpers are in redo/apply/nbtree_page.h.
//
// Where PostgreSQL would PANIC or ERROR (an item that does not fit, a record too short for what
// it claims to carry, a line pointer that is not there), the routine returns an error naming
// the record's LSN and the relation block.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "redo/apply/nbtree_page.h"
#include "redo/apply/record_data.h"
#include "redo/apply/redo_block.h"
#include "wal/records/nbtree.h"
#include "wal/records/version_table.h"
#include "redo/rmgr.h"
#include "redo/storage/mask.h"
#include "redo/storage/page.h"

namespace understudy {

namespace {

using redo::RedoContext;
using redo::RedoOutcome;
using redo::finish_page;
using redo::redo_block;
using redo::block_data;
using redo::block_error;
using redo::record_error;
using storage::PageHandle;
using namespace redo::nbtree;  // NOLINT: this file is the btree rmgr

using Bytes = std::span<const std::uint8_t>;

// The line pointer of an index item a record refers to, checked as PageGetItem would need it.
Result<storage::ItemIdData> index_item(const DecodedRecord& rec, int block_id, const std::uint8_t* page,
                                        OffsetNumber off) {
    if (off < FirstOffsetNumber || off > storage::page_get_max_offset_number(page))
        return block_error(rec, block_id,
                           fmt::format("item {} is not on the page (max offset {})", off,
                                       storage::page_get_max_offset_number(page)));
    const storage::ItemIdData id = storage::page_get_item_id(page, off);
    if (!id.has_storage() || id.lp_off + std::size_t{id.lp_len} > BLCKSZ || id.lp_len < SizeOfIndexTupleData)
        return block_error(rec, block_id, fmt::format("item {} has no index tuple storage", off));
    return id;
}

// PageRestoreTempPage (bufpage.c, PG15): the temporary page replaces the page.
void page_restore_temp_page(const std::uint8_t* temp, std::uint8_t* page) { std::memcpy(page, temp, BLCKSZ); }

// _bt_restore_meta (nbtxlog.c, PG15).
Result<void> bt_restore_meta(RedoContext& ctx, const DecodedRecord& rec, int block_id) {
    auto md = read_record_struct<xl_btree_metadata>(block_data(rec, block_id), sizeof(xl_btree_metadata));
    if (!md) return block_error(rec, block_id, "metapage data is shorter than xl_btree_metadata");
    auto buf = ctx.init_buffer_for_redo(rec, block_id);
    if (!buf) return buf.error();
    bt_write_meta(buf->data(), *md);
    finish_page(*buf, rec);
    return {};
}

// _bt_clear_incomplete_split (nbtxlog.c, PG15).
Result<void> bt_clear_incomplete_split(RedoContext& ctx, const DecodedRecord& rec, int block_id) {
    return redo_block(ctx, rec, block_id, [](std::uint8_t* page) {
        BTPageOpaqueData o = bt_page_get_opaque(page);
        o.btpo_flags = static_cast<std::uint16_t>(o.btpo_flags & ~BTP_INCOMPLETE_SPLIT);
        bt_page_set_opaque(page, o);
    });
}

// The posting list split part of btree_xlog_insert (PG15).
Result<void> insert_with_posting_split(const DecodedRecord& rec, std::uint8_t* page, OffsetNumber offnum,
                                       Bytes datapos) {
    if (datapos.size() < sizeof(std::uint16_t)) return block_error(rec, 0, "posting split offset missing");
    const std::uint16_t postingoff = load<std::uint16_t>(datapos.data());
    datapos = datapos.subspan(sizeof(std::uint16_t));

    auto itemid = index_item(rec, 0, page, static_cast<OffsetNumber>(offnum - 1));
    if (!itemid) return itemid.error();
    std::uint8_t* oposting = storage::page_get_item(page, *itemid);

    auto newitem = copy_index_tuple(datapos);
    if (!newitem) return block_error(rec, 0, newitem.message());
    auto nposting = bt_swap_posting(*newitem, oposting, postingoff);
    if (!nposting) return block_error(rec, 0, nposting.message());
    // Replace the existing posting list with its post-split version (same size).
    const std::size_t nsize = storage::MAXALIGN(index_tuple_size(nposting->data()));
    if (nsize > storage::MAXALIGN(itemid->lp_len) || nsize > nposting->size())
        return block_error(rec, 0, "post-split posting list does not fit the original's storage");
    std::memcpy(oposting, nposting->data(), nsize);

    // Insert the "final" new item (not orignewitem from the WAL record).
    if (index_tuple_size(newitem->data()) != datapos.size())
        return block_error(rec, 0, "posting split new item size differs from the data logged");
    if (storage::page_add_item(page, Bytes(newitem->data(), datapos.size()), offnum, false, false) ==
        InvalidOffsetNumber)
        return block_error(rec, 0, fmt::format("failed to add posting split new item at offset {}", offnum));
    return {};
}

// btree_xlog_insert (nbtxlog.c, PG15).
Result<void> btree_xlog_insert(RedoContext& ctx, const DecodedRecord& rec, bool isleaf, bool ismeta, bool posting) {
    auto xlrec = redo::main_data_as<xl_btree_insert>(rec, SizeOfBtreeInsert);
    if (!xlrec) return xlrec.error();

    // An insert into an internal page finishes an incomplete split one level down.
    if (!isleaf)
        if (auto r = bt_clear_incomplete_split(ctx, rec, 1); !r) return r;

    auto inserted = redo_block(ctx, rec, 0, [&](std::uint8_t* page) -> Result<void> {
        Bytes datapos = block_data(rec, 0);
        if (posting) return insert_with_posting_split(rec, page, xlrec->offnum, datapos);
        if (storage::page_add_item(page, datapos, xlrec->offnum, false, false) == InvalidOffsetNumber)
            return block_error(rec, 0, fmt::format("failed to add new item at offset {}", xlrec->offnum));
        return {};
    });
    if (!inserted) return inserted;

    if (ismeta) return bt_restore_meta(ctx, rec, 2);
    return {};
}

// The left half of btree_xlog_split (PG15): the original page rebuilt on a temporary page in
// item number order, as _bt_split built it.
Result<void> split_rebuild_left(const DecodedRecord& rec, const xl_btree_split& xlrec, bool newitemonleft,
                                bool isleaf, BlockNumber rightpagenumber, std::uint8_t* origpage) {
    const BTPageOpaqueData oopaque = bt_page_get_opaque(origpage);
    Bytes datapos = block_data(rec, 0);
    Bytes newitem;
    Tuple newitem_copy, nposting;
    OffsetNumber replacepostingoff = InvalidOffsetNumber;

    if (newitemonleft || xlrec.postingoff != 0) {
        if (datapos.size() < SizeOfIndexTupleData) return block_error(rec, 0, "new item missing from the split record");
        const std::size_t newitemsz = storage::MAXALIGN(index_tuple_size(datapos.data()));
        if (newitemsz < SizeOfIndexTupleData || newitemsz > datapos.size())
            return block_error(rec, 0, "new item runs past the split record's data");
        newitem = datapos.first(newitemsz);
        datapos = datapos.subspan(newitemsz);

        if (xlrec.postingoff != 0) {
            // The posting list is at the offset before the new item's.
            replacepostingoff = static_cast<OffsetNumber>(xlrec.newitemoff - 1);
            auto copy = copy_index_tuple(newitem);
            if (!copy) return block_error(rec, 0, copy.message());
            newitem_copy = std::move(*copy);
            auto itemid = index_item(rec, 0, origpage, replacepostingoff);
            if (!itemid) return itemid.error();
            auto np = bt_swap_posting(newitem_copy, storage::page_get_item(origpage, *itemid), xlrec.postingoff);
            if (!np) return block_error(rec, 0, np.message());
            nposting = std::move(*np);
            newitem = Bytes(newitem_copy.data(), newitemsz);
        }
    }

    // The left page's new high key.
    if (datapos.size() < SizeOfIndexTupleData) return block_error(rec, 0, "left high key missing from the split record");
    const std::size_t left_hikeysz = storage::MAXALIGN(index_tuple_size(datapos.data()));
    if (left_hikeysz > datapos.size()) return block_error(rec, 0, "left high key runs past the split record's data");
    Bytes left_hikey = datapos.first(left_hikeysz);

    std::array<std::uint8_t, BLCKSZ> leftpage;
    storage::page_get_temp_page_copy_special(origpage, leftpage.data());

    OffsetNumber leftoff = P_HIKEY;
    if (storage::page_add_item(leftpage.data(), left_hikey, P_HIKEY, false, false) == InvalidOffsetNumber)
        return block_error(rec, 0, "failed to add high key to left page after split");
    leftoff++;

    auto add_left = [&](Bytes item, const char* what) -> Result<void> {
        if (storage::page_add_item(leftpage.data(), item, leftoff, false, false) == InvalidOffsetNumber)
            return block_error(rec, 0, fmt::format("failed to add {} to left page after split", what));
        leftoff++;
        return {};
    };

    OffsetNumber off = P_FIRSTDATAKEY(oopaque);
    for (; off < xlrec.firstrightoff; off++) {
        if (off == replacepostingoff) {
            // The replacement posting list instead of oposting.
            Bytes np(nposting.data(), storage::MAXALIGN(index_tuple_size(nposting.data())));
            if (np.size() > nposting.size()) return block_error(rec, 0, "post-split posting list is damaged");
            if (auto r = add_left(np, "new posting list item"); !r) return r;
            continue;
        }
        if (newitemonleft && off == xlrec.newitemoff)
            if (auto r = add_left(newitem, "new item"); !r) return r;

        auto itemid = index_item(rec, 0, origpage, off);
        if (!itemid) return itemid.error();
        if (auto r = add_left(Bytes(storage::page_get_item(origpage, *itemid), itemid->lp_len), "old item"); !r)
            return r;
    }
    // The new item may go at the end.
    if (newitemonleft && off == xlrec.newitemoff)
        if (auto r = add_left(newitem, "new item"); !r) return r;

    page_restore_temp_page(leftpage.data(), origpage);

    BTPageOpaqueData o = bt_page_get_opaque(origpage);
    o.btpo_flags = BTP_INCOMPLETE_SPLIT;
    if (isleaf) o.btpo_flags = static_cast<std::uint16_t>(o.btpo_flags | BTP_LEAF);
    o.btpo_next = rightpagenumber;
    o.btpo_cycleid = 0;
    bt_page_set_opaque(origpage, o);
    return {};
}

// btree_xlog_split (nbtxlog.c, PG15).
Result<void> btree_xlog_split(RedoContext& ctx, const DecodedRecord& rec, bool newitemonleft) {
    auto xlrec = redo::main_data_as<xl_btree_split>(rec, SizeOfBtreeSplit);
    if (!xlrec) return xlrec.error();
    const bool isleaf = xlrec->level == 0;
    if (!rec.has_block_ref(0) || !rec.has_block_ref(1))
        return record_error(rec, "split record without block references 0 and 1");
    const BlockNumber origpagenumber = rec.block(0)->blkno;
    const BlockNumber rightpagenumber = rec.block(1)->blkno;
    const BlockNumber spagenumber = rec.has_block_ref(2) ? rec.block(2)->blkno : P_NONE;

    // An internal page split finishes the incomplete split of the child one level down.
    if (!isleaf)
        if (auto r = bt_clear_incomplete_split(ctx, rec, 3); !r) return r;

    // Reconstruct the right (new) sibling from scratch.
    auto rbuf = ctx.init_buffer_for_redo(rec, 1);
    if (!rbuf) return rbuf.error();
    std::uint8_t* rpage = rbuf->data();
    bt_pageinit(rpage);
    BTPageOpaqueData ropaque;
    ropaque.btpo_prev = origpagenumber;
    ropaque.btpo_next = spagenumber;
    ropaque.btpo_level = xlrec->level;
    ropaque.btpo_flags = isleaf ? BTP_LEAF : 0;
    ropaque.btpo_cycleid = 0;
    bt_page_set_opaque(rpage, ropaque);
    if (auto r = bt_restore_page(rpage, block_data(rec, 1)); !r) return block_error(rec, 1, r.message());
    finish_page(*rbuf, rec);

    // Now the original page (left half of the split).
    PageHandle buf;
    auto left = redo_block(ctx, rec, 0, buf, [&](std::uint8_t* page) {
        return split_rebuild_left(rec, *xlrec, newitemonleft, isleaf, rightpagenumber, page);
    });
    if (!left) return left;

    // Fix the left-link of the page to the right of the new right sibling.
    if (spagenumber == P_NONE) return {};
    return redo_block(ctx, rec, 2, [&](std::uint8_t* spage) {
        BTPageOpaqueData so = bt_page_get_opaque(spage);
        so.btpo_prev = rightpagenumber;
        bt_page_set_opaque(spage, so);
    });
}

// The page change of btree_xlog_dedup (nbtxlog.c, PG15).
Result<void> dedup_page(const DecodedRecord& rec, const xl_btree_dedup* xlrec, std::uint8_t* page) {
    Bytes ptr = block_data(rec, 0);
    if (ptr.size() < std::size_t{xlrec->nintervals} * sizeof(BTDedupInterval))
        return block_error(rec, 0, fmt::format("{} bytes of block data cannot hold {} dedup intervals", ptr.size(),
                                               xlrec->nintervals));
    std::vector<BTDedupInterval> intervals(xlrec->nintervals);
    for (std::size_t i = 0; i < intervals.size(); i++) {
        intervals[i].baseoff = load<std::uint16_t>(ptr.data() + 4 * i);
        intervals[i].nitems = load<std::uint16_t>(ptr.data() + 4 * i + 2);
    }

    const BTPageOpaqueData opaque = bt_page_get_opaque(page);
    BTDedupState state = bt_dedup_state_for_replay();
    const OffsetNumber minoff = P_FIRSTDATAKEY(opaque);
    const OffsetNumber maxoff = storage::page_get_max_offset_number(page);
    std::array<std::uint8_t, BLCKSZ> newpage;
    storage::page_get_temp_page_copy_special(page, newpage.data());

    if (!P_RIGHTMOST(opaque)) {
        auto itemid = index_item(rec, 0, page, P_HIKEY);
        if (!itemid) return itemid.error();
        if (storage::page_add_item(newpage.data(), Bytes(storage::page_get_item(page, *itemid), itemid->lp_len),
                                   P_HIKEY, false, false) == InvalidOffsetNumber)
            return block_error(rec, 0, "deduplication failed to add highkey");
    }

    for (OffsetNumber offnum = minoff; offnum <= maxoff; offnum++) {
        auto itemid = index_item(rec, 0, page, offnum);
        if (!itemid) return itemid.error();
        const std::uint8_t* itup = storage::page_get_item(page, *itemid);
        const auto ni = static_cast<std::size_t>(state.nintervals);
        if (offnum == minoff) {
            bt_dedup_start_pending(state, itup, offnum);
        } else if (ni < intervals.size() && state.baseoff == intervals[ni].baseoff &&
                   state.nitems < intervals[ni].nitems) {
            if (!bt_dedup_save_htid(state, itup))
                return block_error(rec, 0, "deduplication failed to add heap tid to pending posting list");
        } else {
            if (auto r = bt_dedup_finish_pending(newpage.data(), state); !r) return block_error(rec, 0, r.message());
            bt_dedup_start_pending(state, itup, offnum);
        }
    }
    if (minoff <= maxoff)
        if (auto r = bt_dedup_finish_pending(newpage.data(), state); !r) return block_error(rec, 0, r.message());
    if (static_cast<std::size_t>(state.nintervals) != intervals.size())
        return block_error(rec, 0,
                           fmt::format("deduplication formed {} posting lists, the record says {}", state.nintervals,
                                       intervals.size()));

    if (P_HAS_GARBAGE(opaque)) {
        BTPageOpaqueData nopaque = bt_page_get_opaque(newpage.data());
        nopaque.btpo_flags = static_cast<std::uint16_t>(nopaque.btpo_flags & ~BTP_HAS_GARBAGE);
        bt_page_set_opaque(newpage.data(), nopaque);
    }

    page_restore_temp_page(newpage.data(), page);
    return {};
}

// btree_xlog_dedup (nbtxlog.c, PG15).
Result<void> btree_xlog_dedup(RedoContext& ctx, const DecodedRecord& rec) {
    auto xlrec = redo::main_data_as<xl_btree_dedup>(rec, SizeOfBtreeDedup);
    if (!xlrec) return xlrec.error();
    return redo_block(ctx, rec, 0, [&](std::uint8_t* page) { return dedup_page(rec, &*xlrec, page); });
}

// btree_xlog_updates (nbtxlog.c, PG15): `updates` is the nupdated xl_btree_update entries,
// each followed by its posting list positions.
Result<void> btree_xlog_updates(const DecodedRecord& rec, std::uint8_t* page, Bytes updatedoffsets, Bytes updates,
                                int nupdated) {
    for (int i = 0; i < nupdated; i++) {
        const OffsetNumber off = load<std::uint16_t>(updatedoffsets.data() + 2 * static_cast<std::size_t>(i));
        if (updates.size() < SizeOfBtreeUpdate) return block_error(rec, 0, "xl_btree_update entries are truncated");
        const std::uint16_t ndeletedtids = load<std::uint16_t>(updates.data());
        const std::size_t entry = SizeOfBtreeUpdate + std::size_t{ndeletedtids} * sizeof(std::uint16_t);
        if (updates.size() < entry) return block_error(rec, 0, "xl_btree_update TID list is truncated");
        std::vector<std::uint16_t> deletetids(ndeletedtids);
        for (std::size_t d = 0; d < ndeletedtids; d++)
            deletetids[d] = load<std::uint16_t>(updates.data() + SizeOfBtreeUpdate + 2 * d);

        auto itemid = index_item(rec, 0, page, off);
        if (!itemid) return itemid.error();
        auto itup = bt_update_posting(storage::page_get_item(page, *itemid), deletetids);
        if (!itup) return block_error(rec, 0, fmt::format("item {}: {}", off, itup.message()));

        // Overwrite with the updated version of the tuple.
        const std::size_t itemsz = storage::MAXALIGN(index_tuple_size(itup->data()));
        auto ok = storage::page_index_tuple_overwrite(page, off, Bytes(itup->data(), itemsz));
        if (!ok) return block_error(rec, 0, ok.message());
        if (!*ok) return block_error(rec, 0, fmt::format("failed to update partially dead item {}", off));

        updates = updates.subspan(entry);
    }
    return {};
}

// What the Btree redo of a major version does differently (the row of the record's version).
struct BtreeRedoVersion {
    int since_major;
    // btree_xlog_vacuum clears the page's btpo_cycleid with BTP_HAS_GARBAGE (18; earlier
    // versions leave it, and btree_xlog_delete keeps it in every version).
    bool vacuum_clears_cycleid;
};
inline constexpr BtreeRedoVersion kBtreeRedoVersions[] = {
    {/*since_major*/ 14, /*vacuum_clears_cycleid*/ false},
    {/*since_major*/ 18, /*vacuum_clears_cycleid*/ true},
};
static_assert(rows_ascending(kBtreeRedoVersions));

// The common page change of btree_xlog_vacuum and btree_xlog_delete (PG15; 18's VACUUM also
// clears the vacuum cycle ID: `clear_cycleid`).
Result<void> delete_and_update_items(const DecodedRecord& rec, std::uint8_t* page, std::uint16_t ndeleted,
                                     std::uint16_t nupdated, bool clear_cycleid) {
    Bytes ptr = block_data(rec, 0);
    const std::size_t offsets_len = (std::size_t{ndeleted} + nupdated) * sizeof(OffsetNumber);
    if (ptr.size() < offsets_len)
        return block_error(rec, 0, fmt::format("{} bytes of block data cannot hold {} deleted and {} updated offsets",
                                               ptr.size(), ndeleted, nupdated));
    if (nupdated > 0) {
        Bytes updatedoffsets = ptr.subspan(std::size_t{ndeleted} * sizeof(OffsetNumber));
        if (auto r = btree_xlog_updates(rec, page, updatedoffsets, ptr.subspan(offsets_len), nupdated); !r) return r;
    }
    if (ndeleted > 0) {
        std::vector<OffsetNumber> deletable(ndeleted);
        for (std::size_t i = 0; i < ndeleted; i++) deletable[i] = load<std::uint16_t>(ptr.data() + 2 * i);
        if (auto r = storage::page_index_multi_delete(page, deletable); !r) return block_error(rec, 0, r.message());
    }
    // The page no longer contains LP_DEAD items.
    BTPageOpaqueData o = bt_page_get_opaque(page);
    if (clear_cycleid) o.btpo_cycleid = 0;
    o.btpo_flags = static_cast<std::uint16_t>(o.btpo_flags & ~BTP_HAS_GARBAGE);
    bt_page_set_opaque(page, o);
    return {};
}

// btree_xlog_vacuum (nbtxlog.c, PG15; 18 clears btpo_cycleid): with a cleanup lock, as
// btvacuumpage.
Result<void> btree_xlog_vacuum(RedoContext& ctx, const DecodedRecord& rec) {
    auto xlrec = redo::main_data_as<xl_btree_vacuum>(rec, SizeOfBtreeVacuum);
    if (!xlrec) return xlrec.error();
    const bool clear_cycleid = row_for_version(kBtreeRedoVersions, *rec.format).vacuum_clears_cycleid;
    return redo_block(
        ctx, rec, 0,
        [&](std::uint8_t* page) {
            return delete_and_update_items(rec, page, xlrec->ndeleted, xlrec->nupdated, clear_cycleid);
        },
        redo::with_cleanup_lock);
}

// btree_xlog_delete (nbtxlog.c, PG15). The recovery conflict (latestRemovedXid) concerns hot
// standby queries only; understudy runs none.
Result<void> btree_xlog_delete(RedoContext& ctx, const DecodedRecord& rec) {
    auto xlrec = redo::main_data_as<xl_btree_delete>(rec, SizeOfBtreeDelete);
    if (!xlrec) return xlrec.error();
    return redo_block(ctx, rec, 0, [&](std::uint8_t* page) {
        return delete_and_update_items(rec, page, xlrec->ndeleted, xlrec->nupdated, false);
    });
}

// A leaf page rewritten as half-dead with a dummy high key pointing at topparent (the common
// part of btree_xlog_mark_page_halfdead and btree_xlog_unlink_page, PG15).
Result<void> write_half_dead_leaf(const DecodedRecord& rec, int block_id, std::uint8_t* page, BlockNumber prev,
                                  BlockNumber next, BlockNumber topparent) {
    bt_pageinit(page);
    BTPageOpaqueData o;
    o.btpo_prev = prev;
    o.btpo_next = next;
    o.btpo_level = 0;
    o.btpo_flags = BTP_HALF_DEAD | BTP_LEAF;
    o.btpo_cycleid = 0;
    bt_page_set_opaque(page, o);
    const Tuple trunctuple = bt_half_dead_high_key(topparent);
    if (storage::page_add_item(page, trunctuple, P_HIKEY, false, false) == InvalidOffsetNumber)
        return block_error(rec, block_id, "could not add dummy high key to half-dead page");
    return {};
}

// btree_xlog_mark_page_halfdead (nbtxlog.c, PG15).
Result<void> btree_xlog_mark_page_halfdead(RedoContext& ctx, const DecodedRecord& rec) {
    auto xlrec = redo::main_data_as<xl_btree_mark_page_halfdead>(rec, SizeOfBtreeMarkPageHalfDead);
    if (!xlrec) return xlrec.error();

    // The to-be-deleted subtree's parent page: the downlink at poffset takes the right
    // sibling's, whose pivot tuple goes.
    auto parent = redo_block(ctx, rec, 1, [&](std::uint8_t* page) -> Result<void> {
        const OffsetNumber poffset = xlrec->poffset;
        const auto nextoffset = static_cast<OffsetNumber>(poffset + 1);
        auto nextid = index_item(rec, 1, page, nextoffset);
        if (!nextid) return nextid.error();
        const BlockNumber rightsib = bt_tuple_get_downlink(storage::page_get_item(page, *nextid));
        auto pid = index_item(rec, 1, page, poffset);
        if (!pid) return pid.error();
        bt_tuple_set_downlink(storage::page_get_item(page, *pid), rightsib);
        if (auto r = storage::page_index_tuple_delete(page, nextoffset); !r) return block_error(rec, 1, r.message());
        return {};
    });
    if (!parent) return parent;

    // The leaf page rewritten as half-dead.
    auto buf = ctx.init_buffer_for_redo(rec, 0);
    if (!buf) return buf.error();
    if (auto r = write_half_dead_leaf(rec, 0, buf->data(), xlrec->leftblk, xlrec->rightblk, xlrec->topparent); !r)
        return r;
    finish_page(*buf, rec);
    return {};
}

// btree_xlog_unlink_page (nbtxlog.c, PG15), UNLINK_PAGE and UNLINK_PAGE_META.
Result<void> btree_xlog_unlink_page(RedoContext& ctx, const DecodedRecord& rec, bool meta) {
    auto xlrec = redo::main_data_as<xl_btree_unlink_page>(rec, SizeOfBtreeUnlinkPage);
    if (!xlrec) return xlrec.error();
    const BlockNumber leftsib = xlrec->leftsib;
    const BlockNumber rightsib = xlrec->rightsib;
    const std::uint32_t level = xlrec->level;
    const bool isleaf = level == 0;

    // Fix the right-link of the left sibling, if any (kept pinned, as PostgreSQL keeps it
    // locked, until the target is marked deleted).
    PageHandle leftbuf;
    if (leftsib != P_NONE) {
        auto left = redo_block(ctx, rec, 1, leftbuf, [&](std::uint8_t* page) {
            BTPageOpaqueData o = bt_page_get_opaque(page);
            o.btpo_next = rightsib;
            bt_page_set_opaque(page, o);
        });
        if (!left) return left;
    }

    // Rewrite the target page as an empty deleted page.
    auto target = ctx.init_buffer_for_redo(rec, 0);
    if (!target) return target.error();
    {
        std::uint8_t* page = target->data();
        bt_pageinit(page);
        BTPageOpaqueData o;
        o.btpo_prev = leftsib;
        o.btpo_next = rightsib;
        o.btpo_level = level;
        bt_page_set_opaque(page, o);
        bt_page_set_deleted(page, xlrec->safexid);
        o = bt_page_get_opaque(page);
        if (isleaf) o.btpo_flags = static_cast<std::uint16_t>(o.btpo_flags | BTP_LEAF);
        o.btpo_cycleid = 0;
        bt_page_set_opaque(page, o);
        finish_page(*target, rec);
    }

    // Fix the left-link of the right sibling.
    auto right = redo_block(ctx, rec, 2, [&](std::uint8_t* page) {
        BTPageOpaqueData o = bt_page_get_opaque(page);
        o.btpo_prev = leftsib;
        bt_page_set_opaque(page, o);
    });
    if (!right) return right;
    leftbuf.release();
    target->release();

    // A parent of the leaf was deleted rather than the leaf itself: the leaf, re-created from
    // the record, points at the next remaining child of the subtree.
    if (rec.has_block_ref(3)) {
        auto leafbuf = ctx.init_buffer_for_redo(rec, 3);
        if (!leafbuf) return leafbuf.error();
        if (auto r = write_half_dead_leaf(rec, 3, leafbuf->data(), xlrec->leafleftsib, xlrec->leafrightsib,
                                          xlrec->leaftopparent);
            !r)
            return r;
        finish_page(*leafbuf, rec);
    }

    if (meta) return bt_restore_meta(ctx, rec, 4);
    return {};
}

// btree_xlog_newroot (nbtxlog.c, PG15).
Result<void> btree_xlog_newroot(RedoContext& ctx, const DecodedRecord& rec) {
    auto xlrec = redo::main_data_as<xl_btree_newroot>(rec, SizeOfBtreeNewroot);
    if (!xlrec) return xlrec.error();
    {
        auto buf = ctx.init_buffer_for_redo(rec, 0);
        if (!buf) return buf.error();
        std::uint8_t* page = buf->data();
        bt_pageinit(page);
        BTPageOpaqueData o;
        o.btpo_flags = BTP_ROOT;
        o.btpo_prev = o.btpo_next = P_NONE;
        o.btpo_level = xlrec->level;
        if (xlrec->level == 0) o.btpo_flags = static_cast<std::uint16_t>(o.btpo_flags | BTP_LEAF);
        o.btpo_cycleid = 0;
        bt_page_set_opaque(page, o);

        if (xlrec->level > 0) {
            if (auto r = bt_restore_page(page, block_data(rec, 0)); !r) return block_error(rec, 0, r.message());
            // Clear the incomplete-split flag in the left child.
            if (auto r = bt_clear_incomplete_split(ctx, rec, 1); !r) return r;
        }
        finish_page(*buf, rec);
    }
    return bt_restore_meta(ctx, rec, 2);
}

// btree_xlog_reuse_page (nbtxlog.c, PG15): only a recovery conflict for hot standby queries;
// nothing on pages. The record is still checked for its size.
Result<void> btree_xlog_reuse_page(const DecodedRecord& rec) {
    auto xlrec = redo::main_data_as<xl_btree_reuse_page>(rec, SizeOfBtreeReusePage);
    if (!xlrec) return xlrec.error();
    return {};
}

Result<void> dispatch(RedoContext& ctx, const DecodedRecord& rec) {
    switch (rec.info()) {
        case XLOG_BTREE_INSERT_LEAF: return btree_xlog_insert(ctx, rec, true, false, false);
        case XLOG_BTREE_INSERT_UPPER: return btree_xlog_insert(ctx, rec, false, false, false);
        case XLOG_BTREE_INSERT_META: return btree_xlog_insert(ctx, rec, false, true, false);
        case XLOG_BTREE_SPLIT_L: return btree_xlog_split(ctx, rec, true);
        case XLOG_BTREE_SPLIT_R: return btree_xlog_split(ctx, rec, false);
        case XLOG_BTREE_INSERT_POST: return btree_xlog_insert(ctx, rec, true, false, true);
        case XLOG_BTREE_DEDUP: return btree_xlog_dedup(ctx, rec);
        case XLOG_BTREE_VACUUM: return btree_xlog_vacuum(ctx, rec);
        case XLOG_BTREE_DELETE: return btree_xlog_delete(ctx, rec);
        case XLOG_BTREE_MARK_PAGE_HALFDEAD: return btree_xlog_mark_page_halfdead(ctx, rec);
        case XLOG_BTREE_UNLINK_PAGE: return btree_xlog_unlink_page(ctx, rec, false);
        case XLOG_BTREE_UNLINK_PAGE_META: return btree_xlog_unlink_page(ctx, rec, true);
        case XLOG_BTREE_NEWROOT: return btree_xlog_newroot(ctx, rec);
        case XLOG_BTREE_REUSE_PAGE: return btree_xlog_reuse_page(rec);
        case XLOG_BTREE_META_CLEANUP: return bt_restore_meta(ctx, rec, 0);
        default:
            // PostgreSQL PANICs: "btree_redo: unknown op code %u".
            return record_error(rec, fmt::format("unknown op code {:#x}", rec.info()));
    }
}

}  // namespace

// btree_redo (nbtxlog.c, PG15).
Result<redo::RedoOutcome> btree_redo(redo::RedoContext& ctx, const DecodedRecord& rec) {
    if (auto r = dispatch(ctx, rec); !r) return r.error();
    return RedoOutcome::applied;
}

// btree_mask (nbtxlog.c, PG15).
void btree_mask(std::uint8_t* page, BlockNumber /*blkno*/) {
    storage::mask_page_lsn_and_checksum(page);
    storage::mask_page_hint_bits(page);
    // PostgreSQL ERRORs on inconsistent page pointers; the comparison then reports the page.
    (void)storage::mask_unused_space(page);

    // BTPageGetOpaque reads pd_special; a page whose special pointer is out of range is left
    // as is (PostgreSQL would read past the page).
    if (storage::pd_special(page) > BLCKSZ - SizeOfBTPageOpaqueData) return;
    BTPageOpaqueData o = bt_page_get_opaque(page);
    // On leaf pages LP_DEAD hints are set without WAL (_bt_killitems, _bt_check_unique).
    if (P_ISLEAF(o)) storage::mask_lp_flags(page);
    // BTP_HAS_GARBAGE is an unlogged hint; replay of a split does not set BTP_SPLIT_END and
    // zeroes the cycle id.
    o.btpo_flags = static_cast<std::uint16_t>(o.btpo_flags & ~BTP_HAS_GARBAGE);
    o.btpo_flags = static_cast<std::uint16_t>(o.btpo_flags & ~BTP_SPLIT_END);
    o.btpo_cycleid = 0;
    bt_page_set_opaque(page, o);
}

}  // namespace understudy
