// Redo and mask routines of the Heap and Heap2 resource managers, mirroring PostgreSQL 15's
// src/backend/access/heap/heapam.c (heap_redo, heap2_redo, heap_xlog_*, heap_mask),
// pruneheap.c (heap_page_prune_execute) and visibilitymap.c (see redo/apply/visibilitymap.*);
// where 14, 16 and 17 differ, kHeapRedoVersions says how (17: heap_xlog_prune_freeze).
// Each routine performs the same page operations in the same order as its PostgreSQL
// counterpart, so replayed pages equal the primary's after heap_mask.
//
// XLogRecordPageWithFreeSpace (the FSM after insert / update / prune / vacuum / visible) is
// redo/apply/freespace.*, called where PostgreSQL calls it.
// Not mirrored on purpose:
// - ResolveRecoveryConflictWithSnapshot: there are no standby queries to cancel.
// Where PostgreSQL would PANIC (a line pointer that is not there, a tuple that does not fit,
// a record too short for its struct) the routine returns an error naming the LSN and block.
#include <array>
#include <cerrno>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include <unistd.h>

#include <fmt/format.h>

#include "common/bytes.h"
#include "common/fs.h"
#include "redo/apply/freespace.h"
#include "redo/apply/heap_rewrite.h"
#include "redo/apply/heap_tuple.h"
#include "redo/apply/record_data.h"
#include "redo/apply/redo_block.h"
#include "redo/apply/visibilitymap.h"
#include "wal/records/heap.h"
#include "wal/records/page_types.h"
#include "wal/records/sinval.h"
#include "wal/records/version_table.h"
#include "redo/rmgr.h"
#include "redo/storage/mask.h"
#include "redo/storage/page.h"
#include "wal/relpath.h"

namespace understudy {

namespace {

using redo::RedoContext;
using redo::RedoOutcome;
using redo::block_error;
using redo::finish_page;
using redo::main_data_as;
using redo::record_error;
using redo::required_block;
using redo::XLogRedoAction;
using storage::ItemIdData;
using storage::PageHandle;
namespace ht = redo::heap_tuple;

// What the Heap / Heap2 redo of a major version does differently (the row of the record's
// version: the last one whose since_major is not above it).
struct HeapRedoVersion {
    int since_major;
    // FREEZE_PAGE logs freeze plans (xl_heap_freeze_plan groups and their offsets), not one
    // xl_heap_freeze_tuple per tuple.
    bool freeze_plans;
    // heap_xlog_visible: the VM bits are set whatever the VM page's LSN (15: only when the record
    // is past it), and xlrec->flags may carry VISIBILITYMAP_XLOG_CATALOG_REL, not a VM bit.
    bool visible_always_sets_vm;
    // PRUNE's PageRepairFragmentation truncates the trailing unused line pointers (from 15 on).
    bool prune_truncates_line_pointers;
    // Heap2 0x10, 0x20 and 0x30 are PRUNE_ON_ACCESS, PRUNE_VACUUM_SCAN and PRUNE_VACUUM_CLEANUP,
    // one xl_heap_prune record replayed by heap_xlog_prune_freeze (17: pruneheap.c's
    // log_heap_prune_and_freeze replaced PRUNE, VACUUM and FREEZE_PAGE).
    bool prune_freeze_records;
    // heap_xlog_insert sets PD_ALL_VISIBLE when the record has XLH_INSERT_ALL_FROZEN_SET (18's
    // asserts the flag is never set on INSERT and sets nothing; MULTI_INSERT still sets it).
    bool insert_frozen_sets_all_visible;
    // XLOG_HEAP_INPLACE is 18's xl_heap_inplace (dbId, tsId, relcacheInitFileInval and the
    // update's invalidation messages after offnum), and heap_xlog_inplace ends with
    // ProcessCommittedInvalidationMessages: with messages and relcacheInitFileInval, the
    // relcache init files of the database and of global/ are removed.
    bool inplace_invalidations;
};
inline constexpr HeapRedoVersion kHeapRedoVersions[] = {
    {/*since_major*/ 14, /*freeze_plans*/ false, /*visible_always_sets_vm*/ false, /*prune_truncates*/ false,
     /*prune_freeze_records*/ false, /*insert_frozen_sets_all_visible*/ true, /*inplace_invalidations*/ false},
    {/*since_major*/ 15, /*freeze_plans*/ false, /*visible_always_sets_vm*/ false, /*prune_truncates*/ true,
     /*prune_freeze_records*/ false, /*insert_frozen_sets_all_visible*/ true, /*inplace_invalidations*/ false},
    {/*since_major*/ 16, /*freeze_plans*/ true, /*visible_always_sets_vm*/ true, /*prune_truncates*/ true,
     /*prune_freeze_records*/ false, /*insert_frozen_sets_all_visible*/ true, /*inplace_invalidations*/ false},
    {/*since_major*/ 17, /*freeze_plans*/ true, /*visible_always_sets_vm*/ true, /*prune_truncates*/ true,
     /*prune_freeze_records*/ true, /*insert_frozen_sets_all_visible*/ true, /*inplace_invalidations*/ false},
    {/*since_major*/ 18, /*freeze_plans*/ true, /*visible_always_sets_vm*/ true, /*prune_truncates*/ true,
     /*prune_freeze_records*/ true, /*insert_frozen_sets_all_visible*/ false, /*inplace_invalidations*/ true},
};
static_assert(rows_ascending(kHeapRedoVersions));

const HeapRedoVersion& heap_redo_version(const DecodedRecord& rec) {
    return row_for_version(kHeapRedoVersions, *rec.format);
}

// ---- small helpers ----------------------------------------------------------------------------

// The LP_NORMAL tuple at offnum, or PostgreSQL's "invalid lp" PANIC as an error.
Result<std::uint8_t*> normal_tuple(const DecodedRecord& rec, int block_id, std::uint8_t* page,
                                   OffsetNumber offnum) {
    if (offnum < FirstOffsetNumber || storage::page_get_max_offset_number(page) < offnum)
        return block_error(rec, block_id, fmt::format("invalid lp: offset {} beyond the page's {} items", offnum,
                                                            storage::page_get_max_offset_number(page)));
    const ItemIdData lp = storage::page_get_item_id(page, offnum);
    if (!lp.is_normal() || lp.lp_off + ht::SizeofHeapTupleHeader > BLCKSZ || lp.lp_off + lp.lp_len > BLCKSZ)
        return block_error(rec, block_id,
                           fmt::format("invalid lp: item {} is not a normal tuple (flags {}, off {}, len {})", offnum,
                                       lp.lp_flags, lp.lp_off, lp.lp_len));
    return storage::page_get_item(page, lp);
}

// A line pointer the record names, checked to be within the page (PostgreSQL trusts it).
Result<void> check_offset(const DecodedRecord& rec, int block_id, const std::uint8_t* page,
                          OffsetNumber offnum) {
    if (offnum < FirstOffsetNumber || offnum > storage::page_get_max_offset_number(page))
        return block_error(rec, block_id, fmt::format("offset {} beyond the page's {} items", offnum,
                                                            storage::page_get_max_offset_number(page)));
    return {};
}

// fix_infomask_from_infobits (heapam.c, PG15): the reverse of compute_infobits.
void fix_infomask_from_infobits(std::uint8_t infobits, std::uint8_t* htup) {
    auto infomask = static_cast<std::uint16_t>(
        ht::infomask(htup) &
        ~(ht::HEAP_XMAX_IS_MULTI | ht::HEAP_XMAX_LOCK_ONLY | ht::HEAP_XMAX_KEYSHR_LOCK | ht::HEAP_XMAX_EXCL_LOCK));
    auto infomask2 = static_cast<std::uint16_t>(ht::infomask2(htup) & ~ht::HEAP_KEYS_UPDATED);
    if (infobits & XLHL_XMAX_IS_MULTI) infomask |= ht::HEAP_XMAX_IS_MULTI;
    if (infobits & XLHL_XMAX_LOCK_ONLY) infomask |= ht::HEAP_XMAX_LOCK_ONLY;
    if (infobits & XLHL_XMAX_EXCL_LOCK) infomask |= ht::HEAP_XMAX_EXCL_LOCK;
    // HEAP_XMAX_SHR_LOCK is not considered here, as in PostgreSQL.
    if (infobits & XLHL_XMAX_KEYSHR_LOCK) infomask |= ht::HEAP_XMAX_KEYSHR_LOCK;
    if (infobits & XLHL_KEYS_UPDATED) infomask2 |= ht::HEAP_KEYS_UPDATED;
    ht::set_infomask(htup, infomask);
    ht::set_infomask2(htup, infomask2);
}

// htup->t_infomask &= ~(HEAP_XMAX_BITS | HEAP_MOVED); htup->t_infomask2 &= ~HEAP_KEYS_UPDATED;
// the common start of delete / update / lock redo.
void clear_xmax_bits(std::uint8_t* htup) {
    ht::set_infomask(htup, static_cast<std::uint16_t>(ht::infomask(htup) & ~(ht::HEAP_XMAX_BITS | ht::HEAP_MOVED)));
    ht::set_infomask2(htup, static_cast<std::uint16_t>(ht::infomask2(htup) & ~ht::HEAP_KEYS_UPDATED));
}

// A tuple being built for PageAddItem (the tbuf union of heap_xlog_insert & co.).
using TupleBuffer = std::array<std::uint8_t, ht::MaxHeapTupleSize>;

// The header fields every inserted tuple gets in redo: the logged infomasks and t_hoff,
// xmin = the record's xid, cmin = FirstCommandId (HeapTupleHeaderSetCmin), xmax = `xmax`.
void fill_new_tuple_header(std::uint8_t* htup, std::uint16_t infomask2, std::uint16_t infomask, std::uint8_t hoff,
                           TransactionId xmin, TransactionId xmax) {
    ht::set_infomask2(htup, infomask2);
    ht::set_infomask(htup, infomask);
    ht::set_hoff(htup, hoff);
    ht::set_xmin(htup, xmin);
    ht::set_cmin(htup, ht::FirstCommandId);
    ht::set_xmax(htup, xmax);
}

// PageAddItem(page, tuple, len, offnum, overwrite = true, is_heap = true) or PostgreSQL's
// "failed to add tuple" PANIC as an error.
Result<void> add_tuple(const DecodedRecord& rec, int block_id, std::uint8_t* page,
                       std::span<const std::uint8_t> tuple, OffsetNumber offnum) {
    if (storage::page_add_item_extended(page, tuple, offnum, storage::PAI_OVERWRITE | storage::PAI_IS_HEAP) ==
        storage::InvalidOffsetNumber)
        return block_error(rec, block_id,
                           fmt::format("failed to add tuple of {} bytes at offset {} (pd_lower {}, pd_upper {})",
                                       tuple.size(), offnum, storage::pd_lower(page), storage::pd_upper(page)));
    return {};
}

Result<void> check_new_offset(const DecodedRecord& rec, int block_id, const std::uint8_t* page,
                              OffsetNumber offnum) {
    if (storage::page_get_max_offset_number(page) + 1 < offnum)
        return block_error(rec, block_id,
                           fmt::format("invalid max offset number: offset {} with {} items on the page", offnum,
                                       storage::page_get_max_offset_number(page)));
    return {};
}

// The VM bits of a heap block cleared "even if the heap page is already up-to-date", as every
// redo routine that may clear PD_ALL_VISIBLE does first.
Result<void> clear_vm_bits(RedoContext& ctx, const RelFileNode& rnode, BlockNumber heap_blk, std::uint8_t flags) {
    auto r = redo::visibilitymap::clear_for_redo(ctx, rnode, heap_blk, flags);
    if (!r) return r.error();
    return {};
}

// PageInit(page, BufferGetPageSize(buffer), 0) of a heap page a record initialises.
void init_heap_page(std::uint8_t* page) { storage::page_init(page, 0); }

// The page of block 0 for redo of a record that changes the one tuple at `offnum`
// (heap_xlog_delete, _confirm, _lock, _lock_updated and _inplace, PG15): when the page needs
// redo, `change(page, htup)` runs on that LP_NORMAL tuple ("invalid lp" is an error where
// PostgreSQL PANICs), then PageSetLSN + MarkBufferDirty.
template <typename Change>
Result<void> redo_tuple(RedoContext& ctx, const DecodedRecord& rec, OffsetNumber offnum,
                        Change&& change) {
    return redo::redo_block(ctx, rec, 0, [&](std::uint8_t* page) -> Result<void> {
        auto htup = normal_tuple(rec, 0, page, offnum);
        if (!htup) return htup.error();
        return change(page, *htup);
    });
}

// ---- Heap -------------------------------------------------------------------------------------

// heap_xlog_insert (heapam.c, PG15).
Result<void> heap_xlog_insert(RedoContext& ctx, const DecodedRecord& rec) {
    auto xlrec = main_data_as<xl_heap_insert>(rec, SizeOfHeapInsert);
    if (!xlrec) return xlrec.error();
    auto blk = required_block(rec, 0);
    if (!blk) return blk.error();
    const RelFileNode target_node = (*blk)->rnode;
    const BlockNumber blkno = (*blk)->blkno;

    if (xlrec->flags & XLH_INSERT_ALL_VISIBLE_CLEARED)
        if (auto r = clear_vm_bits(ctx, target_node, blkno, VISIBILITYMAP_VALID_BITS); !r) return r;

    PageHandle buf;
    auto action = redo::init_or_read_block(ctx, rec, 0, (rec.xl_info & XLOG_HEAP_INIT_PAGE) != 0, init_heap_page, buf);
    if (!action) return action.error();
    if (*action != XLogRedoAction::BLK_NEEDS_REDO) return {};

    std::uint8_t* page = buf.data();
    if (auto r = check_new_offset(rec, 0, page, xlrec->offnum); !r) return r;
    const std::span<const std::uint8_t> data = redo::block_data(rec, 0);
    if (data.size() <= SizeOfHeapHeader ||
        data.size() - SizeOfHeapHeader + ht::SizeofHeapTupleHeader > ht::MaxHeapTupleSize)
        return block_error(rec, 0, fmt::format("tuple data of {} bytes is not a heap tuple", data.size()));
    const std::size_t newlen = data.size() - SizeOfHeapHeader;

    TupleBuffer tbuf;
    std::memset(tbuf.data(), 0, ht::SizeofHeapTupleHeader);
    std::memcpy(tbuf.data() + ht::SizeofHeapTupleHeader, data.data() + SizeOfHeapHeader, newlen);
    std::uint8_t* htup = tbuf.data();
    fill_new_tuple_header(htup, load<std::uint16_t>(data.data()), load<std::uint16_t>(data.data() + 2), data[4],
                          rec.xl_xid, InvalidTransactionId);
    ht::set_ctid(htup, blkno, xlrec->offnum);
    if (auto r = add_tuple(rec, 0, page, {tbuf.data(), newlen + ht::SizeofHeapTupleHeader}, xlrec->offnum); !r)
        return r;
    const std::size_t freespace = storage::page_get_heap_free_space(page);  // needed to update FSM below
    storage::page_set_lsn(page, rec.end_lsn);
    if (xlrec->flags & XLH_INSERT_ALL_VISIBLE_CLEARED) storage::page_clear_flag(page, storage::PD_ALL_VISIBLE);
    // XLH_INSERT_ALL_FROZEN_SET implies that all tuples are visible (up to 17; 18's heap_insert
    // never sets it, and its redo does not look at it).
    if ((xlrec->flags & XLH_INSERT_ALL_FROZEN_SET) && heap_redo_version(rec).insert_frozen_sets_all_visible)
        storage::page_set_flag(page, storage::PD_ALL_VISIBLE);
    buf.mark_dirty();
    // If the page is running low on free space (less than 20%), update the FSM as well; not
    // after a restored image.
    if (freespace < BLCKSZ / 5)
        return redo::freespace::record_page_with_free_space(ctx, target_node, blkno, freespace);
    return {};
}

// heap_xlog_delete (heapam.c, PG15).
Result<void> heap_xlog_delete(RedoContext& ctx, const DecodedRecord& rec) {
    auto xlrec = main_data_as<xl_heap_delete>(rec, SizeOfHeapDelete);
    if (!xlrec) return xlrec.error();
    auto blk = required_block(rec, 0);
    if (!blk) return blk.error();
    const BlockNumber blkno = (*blk)->blkno;

    if (xlrec->flags & XLH_DELETE_ALL_VISIBLE_CLEARED)
        if (auto r = clear_vm_bits(ctx, (*blk)->rnode, blkno, VISIBILITYMAP_VALID_BITS); !r) return r;

    return redo_tuple(ctx, rec, xlrec->offnum, [&](std::uint8_t* page, std::uint8_t* htup) -> Result<void> {
        clear_xmax_bits(htup);
        ht::clear_hot_updated(htup);
        fix_infomask_from_infobits(xlrec->infobits_set, htup);
        if (!(xlrec->flags & XLH_DELETE_IS_SUPER))
            ht::set_xmax(htup, xlrec->xmax);
        else
            ht::set_xmin(htup, InvalidTransactionId);
        ht::set_cmax(htup, ht::FirstCommandId, false);

        // Mark the page as a candidate for pruning.
        storage::page_set_prunable(page, rec.xl_xid);
        if (xlrec->flags & XLH_DELETE_ALL_VISIBLE_CLEARED) storage::page_clear_flag(page, storage::PD_ALL_VISIBLE);

        // Make sure t_ctid is set correctly.
        if (xlrec->flags & XLH_DELETE_IS_PARTITION_MOVE)
            ht::set_moved_partitions(htup);
        else
            ht::set_ctid(htup, blkno, xlrec->offnum);
        return {};
    });
}

// The old tuple of an update as heap_xlog_update keeps it (HeapTupleData oldtup) for the
// prefix / suffix the new tuple shares with it.
struct OldTuple {
    const std::uint8_t* t_data = nullptr;
    std::size_t t_len = 0;
};

// The new tuple of heap_xlog_update rebuilt into tbuf from block 0's data (prefix and suffix
// lengths, xl_heap_header, tuple data) and the old tuple. Returns the tuple's length.
Result<std::size_t> rebuild_updated_tuple(const DecodedRecord& rec, const xl_heap_update& xlrec,
                                          std::span<const std::uint8_t> recdata, const OldTuple& oldtup,
                                          TupleBuffer& tbuf, std::uint16_t& infomask2, std::uint16_t& infomask,
                                          std::uint8_t& hoff) {
    std::size_t pos = 0;
    std::uint16_t prefixlen = 0, suffixlen = 0;
    auto too_short = [&] {
        return block_error(rec, 0, fmt::format("new tuple data of {} bytes is too short", recdata.size()));
    };
    if (xlrec.flags & XLH_UPDATE_PREFIX_FROM_OLD) {
        if (recdata.size() < pos + 2) return too_short();
        prefixlen = load<std::uint16_t>(recdata.data() + pos);
        pos += 2;
    }
    if (xlrec.flags & XLH_UPDATE_SUFFIX_FROM_OLD) {
        if (recdata.size() < pos + 2) return too_short();
        suffixlen = load<std::uint16_t>(recdata.data() + pos);
        pos += 2;
    }
    if (recdata.size() < pos + SizeOfHeapHeader) return too_short();
    infomask2 = load<std::uint16_t>(recdata.data() + pos);
    infomask = load<std::uint16_t>(recdata.data() + pos + 2);
    hoff = recdata[pos + 4];
    pos += SizeOfHeapHeader;
    const std::size_t tuplen = recdata.size() - pos;

    if ((prefixlen > 0 || suffixlen > 0) &&
        (oldtup.t_data == nullptr || std::size_t{prefixlen} + suffixlen > oldtup.t_len))
        return block_error(rec, 0,
                           fmt::format("prefix {} / suffix {} bytes from an old tuple of {} bytes", prefixlen,
                                       suffixlen, oldtup.t_len));
    const std::size_t newlen = ht::SizeofHeapTupleHeader + tuplen + prefixlen + suffixlen;
    if (newlen > ht::MaxHeapTupleSize)
        return block_error(rec, 0, fmt::format("new tuple of {} bytes is larger than a heap page holds", newlen));

    std::memset(tbuf.data(), 0, ht::SizeofHeapTupleHeader);
    std::uint8_t* newp = tbuf.data() + ht::SizeofHeapTupleHeader;
    const std::uint8_t* src = recdata.data() + pos;
    if (prefixlen > 0) {
        // Bitmap [+ padding] [+ oid] from the record, the prefix from the old tuple, then the
        // rest of the new data from the record.
        if (hoff < ht::SizeofHeapTupleHeader || std::size_t{hoff} - ht::SizeofHeapTupleHeader > tuplen)
            return block_error(rec, 0, fmt::format("t_hoff {} does not fit {} bytes of tuple data", hoff, tuplen));
        const std::size_t bitmaplen = std::size_t{hoff} - ht::SizeofHeapTupleHeader;
        std::memcpy(newp, src, bitmaplen);
        src += bitmaplen;
        newp += bitmaplen;
        const std::uint8_t old_hoff = ht::hoff(oldtup.t_data);
        if (std::size_t{old_hoff} + prefixlen > oldtup.t_len)
            return block_error(rec, 0, fmt::format("prefix of {} bytes beyond the old tuple", prefixlen));
        std::memcpy(newp, oldtup.t_data + old_hoff, prefixlen);
        newp += prefixlen;
        const std::size_t rest = tuplen - bitmaplen;
        std::memcpy(newp, src, rest);
        newp += rest;
    } else {
        std::memcpy(newp, src, tuplen);
        newp += tuplen;
    }
    if (suffixlen > 0) std::memcpy(newp, oldtup.t_data + oldtup.t_len - suffixlen, suffixlen);
    return newlen;
}

// heap_xlog_update (heapam.c, PG15): UPDATE and HOT_UPDATE. Block 0 is the new page, block 1
// the old page when it differs.
Result<void> heap_xlog_update(RedoContext& ctx, const DecodedRecord& rec, bool hot_update) {
    auto xlrec = main_data_as<xl_heap_update>(rec, SizeOfHeapUpdate);
    if (!xlrec) return xlrec.error();
    auto blk0 = required_block(rec, 0);
    if (!blk0) return blk0.error();
    const RelFileNode rnode = (*blk0)->rnode;
    const BlockNumber newblk = (*blk0)->blkno;
    const DecodedBkpBlock* blk1 = rec.block(1);
    // HOT updates are never done across pages.
    const BlockNumber oldblk = blk1 != nullptr ? blk1->blkno : newblk;

    if (xlrec->flags & XLH_UPDATE_OLD_ALL_VISIBLE_CLEARED)
        if (auto r = clear_vm_bits(ctx, rnode, oldblk, VISIBILITYMAP_VALID_BITS); !r) return r;

    // Deal with the old tuple version.
    const int old_block_id = oldblk == newblk ? 0 : 1;
    PageHandle obuffer;
    auto oldaction = redo::read_block(ctx, rec, old_block_id, obuffer);
    if (!oldaction) return oldaction.error();
    OldTuple oldtup;
    if (*oldaction == XLogRedoAction::BLK_NEEDS_REDO) {
        std::uint8_t* page = obuffer.data();
        auto htup = normal_tuple(rec, old_block_id, page, xlrec->old_offnum);
        if (!htup) return htup.error();
        oldtup.t_data = *htup;
        oldtup.t_len = storage::page_get_item_id(page, xlrec->old_offnum).lp_len;

        clear_xmax_bits(*htup);
        if (hot_update)
            ht::set_hot_updated(*htup);
        else
            ht::clear_hot_updated(*htup);
        fix_infomask_from_infobits(xlrec->old_infobits_set, *htup);
        ht::set_xmax(*htup, xlrec->old_xmax);
        ht::set_cmax(*htup, ht::FirstCommandId, false);
        // Set forward chain link in t_ctid.
        ht::set_ctid(*htup, newblk, xlrec->new_offnum);
        // Mark the page as a candidate for pruning.
        storage::page_set_prunable(page, rec.xl_xid);
        if (xlrec->flags & XLH_UPDATE_OLD_ALL_VISIBLE_CLEARED) storage::page_clear_flag(page, storage::PD_ALL_VISIBLE);
        finish_page(obuffer, rec);
    }

    // The page the new tuple goes into, if different from the old.
    PageHandle own_nbuffer;
    PageHandle* nbuffer = &own_nbuffer;
    XLogRedoAction newaction;
    if (oldblk == newblk) {
        nbuffer = &obuffer;
        newaction = *oldaction;
    } else {
        auto a = redo::init_or_read_block(ctx, rec, 0, (rec.xl_info & XLOG_HEAP_INIT_PAGE) != 0, init_heap_page,
                                          own_nbuffer);
        if (!a) return a.error();
        newaction = *a;
    }

    if (xlrec->flags & XLH_UPDATE_NEW_ALL_VISIBLE_CLEARED)
        if (auto r = clear_vm_bits(ctx, rnode, newblk, VISIBILITYMAP_VALID_BITS); !r) return r;

    // Deal with the new tuple.
    if (newaction != XLogRedoAction::BLK_NEEDS_REDO) return {};
    std::uint8_t* page = nbuffer->data();
    if (auto r = check_new_offset(rec, 0, page, xlrec->new_offnum); !r) return r;
    TupleBuffer tbuf;
    std::uint16_t infomask2 = 0, infomask = 0;
    std::uint8_t hoff = 0;
    auto newlen = rebuild_updated_tuple(rec, *xlrec, (*blk0)->data, oldtup, tbuf, infomask2, infomask, hoff);
    if (!newlen) return newlen.error();
    std::uint8_t* htup = tbuf.data();
    fill_new_tuple_header(htup, infomask2, infomask, hoff, rec.xl_xid, xlrec->new_xmax);
    // Make sure there is no forward chain link in t_ctid.
    ht::set_ctid(htup, newblk, xlrec->new_offnum);
    if (auto r = add_tuple(rec, 0, page, {tbuf.data(), *newlen}, xlrec->new_offnum); !r) return r;
    if (xlrec->flags & XLH_UPDATE_NEW_ALL_VISIBLE_CLEARED) storage::page_clear_flag(page, storage::PD_ALL_VISIBLE);
    const std::size_t freespace = storage::page_get_heap_free_space(page);  // needed to update FSM below
    finish_page(*nbuffer, rec);
    // Update the FSM as well when the new page runs low on free space; a HOT update stays on
    // the page it had, so it is left alone (PostgreSQL's heap_xlog_update).
    if (!hot_update && freespace < BLCKSZ / 5)
        return redo::freespace::record_page_with_free_space(ctx, rnode, newblk, freespace);
    return {};
}

// heap_xlog_confirm (heapam.c, PG15): a speculative insertion confirmed.
Result<void> heap_xlog_confirm(RedoContext& ctx, const DecodedRecord& rec) {
    auto xlrec = main_data_as<xl_heap_confirm>(rec, SizeOfHeapConfirm);
    if (!xlrec) return xlrec.error();
    auto blk = required_block(rec, 0);
    if (!blk) return blk.error();
    return redo_tuple(ctx, rec, xlrec->offnum, [&](std::uint8_t*, std::uint8_t* htup) -> Result<void> {
        // Confirm tuple as actually inserted.
        ht::set_ctid(htup, (*blk)->blkno, xlrec->offnum);
        return {};
    });
}

// What heap_xlog_lock and heap_xlog_lock_updated (heapam.c, PG15) do alike: the VM's all-frozen
// bit of block 0 cleared first when `flags` has XLH_LOCK_ALL_FROZEN_CLEARED, then on the tuple
// at `offnum` the old xmax bits cleared and `infobits` set before `rest(htup, blkno)`.
template <typename Rest>
Result<void> redo_tuple_lock(RedoContext& ctx, const DecodedRecord& rec, std::uint8_t flags,
                             OffsetNumber offnum, std::uint8_t infobits, Rest&& rest) {
    auto blk = required_block(rec, 0);
    if (!blk) return blk.error();
    if (flags & XLH_LOCK_ALL_FROZEN_CLEARED)
        if (auto r = clear_vm_bits(ctx, (*blk)->rnode, (*blk)->blkno, VISIBILITYMAP_ALL_FROZEN); !r) return r;
    return redo_tuple(ctx, rec, offnum, [&](std::uint8_t*, std::uint8_t* htup) -> Result<void> {
        clear_xmax_bits(htup);
        fix_infomask_from_infobits(infobits, htup);
        rest(htup, (*blk)->blkno);
        return {};
    });
}

// heap_xlog_lock (heapam.c, PG15).
Result<void> heap_xlog_lock(RedoContext& ctx, const DecodedRecord& rec) {
    auto xlrec = main_data_as<xl_heap_lock>(rec, SizeOfHeapLock);
    if (!xlrec) return xlrec.error();
    return redo_tuple_lock(ctx, rec, xlrec->flags, xlrec->offnum, static_cast<std::uint8_t>(xlrec->infobits_set),
                           [&](std::uint8_t* htup, BlockNumber blkno) {
                               // Clear relevant update flags, but only if the modified infomask
                               // says there's no update.
                               if (ht::xmax_is_locked_only(ht::infomask(htup))) {
                                   ht::clear_hot_updated(htup);
                                   // Make sure there is no forward chain link in t_ctid.
                                   ht::set_ctid(htup, blkno, xlrec->offnum);
                               }
                               ht::set_xmax(htup, xlrec->locking_xid);
                               ht::set_cmax(htup, ht::FirstCommandId, false);
                           });
}

// The main data of XLOG_HEAP_INPLACE as the record's version lays it out: 15's offnum only, or
// 18's xl_heap_inplace whose nmsgs SharedInvalidationMessages must all be in the record.
struct InplaceRecord {
    OffsetNumber offnum = InvalidOffsetNumber;
    Oid dbId = 0;  // InvalidOid: a shared catalog
    Oid tsId = 0;
    bool relcacheInitFileInval = false;
    std::int32_t nmsgs = 0;
};

Result<InplaceRecord> parse_inplace(const DecodedRecord& rec) {
    if (!heap_redo_version(rec).inplace_invalidations) {
        auto xlrec = main_data_as<xl_heap_inplace>(rec, SizeOfHeapInplace);
        if (!xlrec) return xlrec.error();
        return InplaceRecord{xlrec->offnum};
    }
    auto xlrec = main_data_as<pg18::xl_heap_inplace>(rec, pg18::MinSizeOfHeapInplace);
    if (!xlrec) return xlrec.error();
    if (xlrec->nmsgs < 0 || (rec.main_data.size() - pg18::MinSizeOfHeapInplace) / sizeof(SharedInvalidationMessage) <
                                static_cast<std::size_t>(xlrec->nmsgs))
        return record_error(rec, fmt::format("main data of {} bytes does not hold {} invalidation messages",
                                             rec.main_data.size(), xlrec->nmsgs));
    return InplaceRecord{xlrec->offnum, xlrec->dbId, xlrec->tsId, xlrec->relcacheInitFileInval != 0, xlrec->nmsgs};
}

// The file side of ProcessCommittedInvalidationMessages (inval.c, PG18) during replay: nothing
// without messages; with relcacheInitFileInval, RelationCacheInitFilePreInvalidate unlinks
// pg_internal.init of the database (GetDatabasePath(dbId, tsId), when dbId is valid) and of
// global/, a missing file being no error. The messages themselves reach only other backends'
// caches (SendSharedInvalidMessages); understudy has none.
Result<void> remove_relcache_init_files(RedoContext& ctx, const DecodedRecord& rec, const InplaceRecord& x) {
    if (x.nmsgs <= 0 || !x.relcacheInitFileInval) return {};
    std::vector<std::string> files;
    if (x.dbId != 0) files.push_back(storage::database_path(x.tsId, x.dbId, ctx.smgr().tablespace_version_directory()) + "/pg_internal.init");
    files.push_back("global/pg_internal.init");
    for (const std::string& f : files) {
        const std::string path = ctx.data_dir() + "/" + f;
        if (::unlink(path.c_str()) != 0 && errno != ENOENT)
            return record_error(rec, fmt::format("could not remove cache file \"{}\": {}", path, fs::errno_text(errno)));
    }
    return {};
}

// heap_xlog_inplace (heapam.c, PG15; heapam_xlog.c, PG18): the tuple's data (after t_hoff)
// overwritten in place; 18 then processes the update's invalidations, whether or not the page
// needed the change.
Result<void> heap_xlog_inplace(RedoContext& ctx, const DecodedRecord& rec) {
    auto xlrec = parse_inplace(rec);
    if (!xlrec) return xlrec.error();
    auto blk = required_block(rec, 0);
    if (!blk) return blk.error();
    const OffsetNumber offnum = xlrec->offnum;
    auto r = redo_tuple(ctx, rec, offnum, [&](std::uint8_t* page, std::uint8_t* htup) -> Result<void> {
        const std::span<const std::uint8_t> newtup = redo::block_data(rec, 0);
        const std::size_t lp_len = storage::page_get_item_id(page, offnum).lp_len;
        const std::uint8_t hoff = ht::hoff(htup);
        if (lp_len < hoff || lp_len - hoff != newtup.size())
            return block_error(rec, 0,
                               fmt::format("wrong tuple length: the tuple has {} data bytes, the record {}",
                                           lp_len < hoff ? 0 : lp_len - hoff, newtup.size()));
        std::memcpy(htup + hoff, newtup.data(), newtup.size());
        return {};
    });
    if (!r) return r;
    return remove_relcache_init_files(ctx, rec, *xlrec);
}

// ---- Heap2 ------------------------------------------------------------------------------------

// The OffsetNumber array at `pos` of block data (XLogRecGetBlockData cast to OffsetNumber *).
OffsetNumber offset_at(std::span<const std::uint8_t> data, std::size_t index) {
    return load<OffsetNumber>(data.data() + index * sizeof(OffsetNumber));
}

// heap_page_prune_execute (pruneheap.c, PG15-17): redirect, mark dead, mark unused, then
// PageRepairFragmentation, or, for 17's records replayed without a cleanup lock
// (`lp_truncate_only`: LP_DEAD items made LP_UNUSED only), PageTruncateLinePointerArray.
Result<void> heap_page_prune_execute(const DecodedRecord& rec, std::uint8_t* page, bool lp_truncate_only,
                                     const PackedArray<OffsetNumber>& redirected,
                                     const PackedArray<OffsetNumber>& nowdead,
                                     const PackedArray<OffsetNumber>& nowunused) {
    for (std::size_t i = 0; i + 1 < redirected.size(); i += 2) {
        const OffsetNumber fromoff = redirected[i];
        const OffsetNumber tooff = redirected[i + 1];
        if (auto r = check_offset(rec, 0, page, fromoff); !r) return r;
        storage::page_set_item_id(page, fromoff, ItemIdData::redirect(tooff));
    }
    for (std::size_t i = 0; i < nowdead.size(); ++i) {
        const OffsetNumber off = nowdead[i];
        if (auto r = check_offset(rec, 0, page, off); !r) return r;
        storage::page_set_item_id(page, off, ItemIdData::dead());
    }
    for (std::size_t i = 0; i < nowunused.size(); ++i) {
        const OffsetNumber off = nowunused[i];
        if (auto r = check_offset(rec, 0, page, off); !r) return r;
        storage::page_set_item_id(page, off, ItemIdData::unused());
    }
    if (lp_truncate_only) {
        storage::page_truncate_line_pointer_array(page);
        return {};
    }
    if (auto r = storage::page_repair_fragmentation(page, heap_redo_version(rec).prune_truncates_line_pointers); !r)
        return block_error(rec, 0, r.error().message);
    // page_verify_redirects only asserts (cassert builds).
    return {};
}

// After prune and vacuum (PostgreSQL's "if (BufferIsValid(buffer))" tail, whatever the read
// answered but "not found"): PageGetHeapFreeSpace of the page, recorded in the FSM.
Result<void> record_free_space_of(RedoContext& ctx, const DecodedBkpBlock* blk, storage::PageHandle& buf) {
    if (!buf.valid()) return {};
    const std::size_t freespace = storage::page_get_heap_free_space(buf.data());
    return redo::freespace::record_page_with_free_space(ctx, blk->rnode, blk->blkno, freespace);
}

// heap_xlog_prune (heapam.c, PG15).
Result<void> heap_xlog_prune(RedoContext& ctx, const DecodedRecord& rec) {
    auto xlrec = main_data_as<xl_heap_prune>(rec, SizeOfHeapPrune);
    if (!xlrec) return xlrec.error();
    auto blk = required_block(rec, 0);
    if (!blk) return blk.error();

    // A full-page image is restored with a cleanup lock.
    PageHandle buf;
    auto done = redo::redo_block(
        ctx, rec, 0, buf,
        [&](std::uint8_t* page) -> Result<void> {
            const std::span<const std::uint8_t> data = redo::block_data(rec, 0);
            const std::size_t fixed = (std::size_t{xlrec->nredirected} * 2 + xlrec->ndead) * sizeof(OffsetNumber);
            if (data.size() < fixed || data.size() % sizeof(OffsetNumber) != 0)
                return block_error(rec, 0,
                                   fmt::format("block data of {} bytes does not hold {} redirected and {} dead offsets",
                                               data.size(), xlrec->nredirected, xlrec->ndead));
            const std::size_t nunused = (data.size() - fixed) / sizeof(OffsetNumber);
            const std::uint8_t* p = data.data();
            const PackedArray<OffsetNumber> redirected(p, std::size_t{xlrec->nredirected} * 2);
            const PackedArray<OffsetNumber> nowdead(p + redirected.size() * sizeof(OffsetNumber), xlrec->ndead);
            const PackedArray<OffsetNumber> nowunused(p + fixed, nunused);
            // The page's prunability hint is not updated, as in PostgreSQL.
            return heap_page_prune_execute(rec, page, false, redirected, nowdead, nowunused);
        },
        redo::with_cleanup_lock);
    if (!done) return done;
    // After pruning, the FSM learns the page's free space (also after a restored image).
    return record_free_space_of(ctx, *blk, buf);
}

// heap_xlog_vacuum (heapam.c, PG15): LP_DEAD items become LP_UNUSED.
Result<void> heap_xlog_vacuum(RedoContext& ctx, const DecodedRecord& rec) {
    auto xlrec = main_data_as<xl_heap_vacuum>(rec, SizeOfHeapVacuum);
    if (!xlrec) return xlrec.error();
    auto blk = required_block(rec, 0);
    if (!blk) return blk.error();

    PageHandle buf;
    auto done = redo::redo_block(ctx, rec, 0, buf, [&](std::uint8_t* page) -> Result<void> {
        const std::span<const std::uint8_t> data = redo::block_data(rec, 0);
        if (data.size() < std::size_t{xlrec->nunused} * sizeof(OffsetNumber))
            return block_error(rec, 0,
                               fmt::format("block data of {} bytes does not hold {} offsets", data.size(),
                                           xlrec->nunused));
        for (std::size_t i = 0; i < xlrec->nunused; ++i) {
            const OffsetNumber off = offset_at(data, i);
            if (auto r = check_offset(rec, 0, page, off); !r) return r;
            storage::page_set_item_id(page, off, ItemIdData::unused());
        }
        // Attempt to truncate the line pointer array now.
        storage::page_truncate_line_pointer_array(page);
        return {};
    });
    if (!done) return done;
    return record_free_space_of(ctx, *blk, buf);
}

// heap_xlog_visible (heapam.c, PG15): PD_ALL_VISIBLE on the heap page (block 1, LSN not
// bumped) and the VM bits on the visibility map page (block 0).
Result<void> heap_xlog_visible(RedoContext& ctx, const DecodedRecord& rec) {
    auto xlrec = main_data_as<xl_heap_visible>(rec, SizeOfHeapVisible);
    if (!xlrec) return xlrec.error();
    auto heapblk = required_block(rec, 1);
    if (!heapblk) return heapblk.error();
    const BlockNumber blkno = (*heapblk)->blkno;

    {
        PageHandle buf;
        auto action = redo::read_block(ctx, rec, 1, buf);
        if (!action) return action.error();
        if (*action == XLogRedoAction::BLK_NEEDS_REDO) {
            // The heap page's LSN is bumped only when hint bits need WAL (checksums or
            // wal_log_hints: XLogHintBitIsNeeded).
            storage::page_set_flag(buf.data(), storage::PD_ALL_VISIBLE);
            if (ctx.smgr().xlog_hint_bit_is_needed()) storage::page_set_lsn(buf.data(), rec.end_lsn);
            buf.mark_dirty();
        }
        // BLK_RESTORED (checksums / wal_log_hints): nothing more to do.
        // The FSM learns the free space of a page becoming all-visible or all-frozen, whether or
        // not an image was restored (PageGetFreeSpace, not the heap variant).
        if (buf.valid() && (xlrec->flags & VISIBILITYMAP_VALID_BITS) != 0) {
            const std::size_t space = storage::page_get_free_space(buf.data());
            if (auto r = redo::freespace::record_page_with_free_space(ctx, (*heapblk)->rnode, blkno, space); !r)
                return r;
        }
    }

    // Even if the heap page update was skipped, the visibility map is updated.
    PageHandle vmbuffer;
    auto vmaction = redo::read_block(ctx, rec, 0, vmbuffer, {storage::ReadBufferMode::RBM_ZERO_ON_ERROR, false});
    if (!vmaction) return vmaction.error();
    if (*vmaction == XLogRedoAction::BLK_NEEDS_REDO) {
        std::uint8_t* vmpage = vmbuffer.data();
        // Initialise the page if it was read as zeros.
        if (storage::page_is_new(vmpage)) storage::page_init(vmpage, 0);
        // visibilitymap_pin finds this very buffer (the map block of blkno). 15: don't set the
        // bit if replay has already passed this point; 16 sets it regardless, with the flags
        // less VISIBILITYMAP_XLOG_* ("vmbits").
        const HeapRedoVersion& v = heap_redo_version(rec);
        const auto vmbits = static_cast<std::uint8_t>(xlrec->flags & VISIBILITYMAP_VALID_BITS);
        if (v.visible_always_sets_vm || rec.end_lsn > storage::page_get_lsn(vmpage))
            redo::visibilitymap::set_for_redo(vmbuffer, blkno, rec.end_lsn,
                                              v.visible_always_sets_vm ? vmbits : xlrec->flags);
    }
    return {};
}

// heap_execute_freeze_tuple (heapam.c, PG15 and 16) for one freeze plan read from the record
// (16's xl_heap_freeze_plan carries the same four fields as 15's xl_heap_freeze_tuple).
void heap_execute_freeze_tuple(std::uint8_t* htup, TransactionId xmax, std::uint16_t t_infomask2,
                               std::uint16_t t_infomask, std::uint8_t frzflags) {
    ht::set_xmax(htup, xmax);
    if (frzflags & XLH_FREEZE_XVAC) ht::set_xvac(htup, ht::FrozenTransactionId);
    if (frzflags & XLH_INVALID_XVAC) ht::set_xvac(htup, InvalidTransactionId);
    ht::set_infomask(htup, t_infomask);
    ht::set_infomask2(htup, t_infomask2);
}

// The tuple at `offnum` of a page being frozen (PageGetItem(page, PageGetItemId(page, offnum))).
Result<std::uint8_t*> tuple_to_freeze(const DecodedRecord& rec, std::uint8_t* page, OffsetNumber offnum) {
    if (auto r = check_offset(rec, 0, page, offnum); !r) return r.error();
    const ItemIdData lp = storage::page_get_item_id(page, offnum);
    if (lp.lp_off + ht::SizeofHeapTupleHeader > BLCKSZ)
        return block_error(rec, 0, fmt::format("item {} has no tuple to freeze", offnum));
    return storage::page_get_item(page, lp);
}

// heap_xlog_freeze_page (heapam.c, PG16): block 0's data holds xlrec->nplans freeze plans, then
// the plans' offset arrays in plan order; each plan is executed on each of its tuples.
Result<void> heap_xlog_freeze_page_v16(RedoContext& ctx, const DecodedRecord& rec) {
    auto xlrec = main_data_as<pg16::xl_heap_freeze_page>(rec, pg16::SizeOfHeapFreezePage);
    if (!xlrec) return xlrec.error();
    auto blk = required_block(rec, 0);
    if (!blk) return blk.error();
    return redo::redo_block(ctx, rec, 0, [&](std::uint8_t* page) -> Result<void> {
        const std::span<const std::uint8_t> data = redo::block_data(rec, 0);
        const std::size_t plans_size = std::size_t{xlrec->nplans} * sizeof(pg16::xl_heap_freeze_plan);
        if (data.size() < plans_size)
            return block_error(rec, 0, fmt::format("block data of {} bytes does not hold {} freeze plans", data.size(),
                                                   xlrec->nplans));
        std::size_t curoff = plans_size;
        for (std::size_t p = 0; p < xlrec->nplans; ++p) {
            const auto plan = load<pg16::xl_heap_freeze_plan>(data.data() + p * sizeof(pg16::xl_heap_freeze_plan));
            if (data.size() - curoff < std::size_t{plan.ntuples} * sizeof(OffsetNumber))
                return block_error(rec, 0,
                                   fmt::format("block data of {} bytes ends inside the offsets of freeze plan {} of {}",
                                               data.size(), p + 1, xlrec->nplans));
            for (std::size_t i = 0; i < plan.ntuples; ++i, curoff += sizeof(OffsetNumber)) {
                auto htup = tuple_to_freeze(rec, page, load<OffsetNumber>(data.data() + curoff));
                if (!htup) return htup.error();
                heap_execute_freeze_tuple(*htup, plan.xmax, plan.t_infomask2, plan.t_infomask, plan.frzflags);
            }
        }
        return {};
    });
}

// heap_xlog_freeze_page (heapam.c, PG15): one xl_heap_freeze_tuple per tuple.
Result<void> heap_xlog_freeze_page_v15(RedoContext& ctx, const DecodedRecord& rec) {
    auto xlrec = main_data_as<xl_heap_freeze_page>(rec, SizeOfHeapFreezePage);
    if (!xlrec) return xlrec.error();
    auto blk = required_block(rec, 0);
    if (!blk) return blk.error();
    return redo::redo_block(ctx, rec, 0, [&](std::uint8_t* page) -> Result<void> {
        const std::span<const std::uint8_t> data = redo::block_data(rec, 0);
        if (data.size() < std::size_t{xlrec->ntuples} * sizeof(xl_heap_freeze_tuple))
            return block_error(rec, 0,
                               fmt::format("block data of {} bytes does not hold {} freeze plans", data.size(),
                                           xlrec->ntuples));
        for (std::size_t i = 0; i < xlrec->ntuples; ++i) {
            const auto frz = load<xl_heap_freeze_tuple>(data.data() + i * sizeof(xl_heap_freeze_tuple));
            auto htup = tuple_to_freeze(rec, page, frz.offset);
            if (!htup) return htup.error();
            heap_execute_freeze_tuple(*htup, frz.xmax, frz.t_infomask2, frz.t_infomask, frz.frzflags);
        }
        return {};
    });
}

// heap_xlog_prune_freeze (heapam.c, PG17): XLOG_HEAP2_PRUNE_ON_ACCESS, PRUNE_VACUUM_SCAN and
// PRUNE_VACUUM_CLEANUP. Main data: xl_heap_prune, then the conflict horizon if
// XLHP_HAS_CONFLICT_HORIZON (only for hot standby conflicts, not read here). Block 0 is read with
// a cleanup lock when XLHP_CLEANUP_LOCK says so; when it needs redo, its sub-records
// (deserialize_prune_and_freeze, shared with describe) are applied: the line pointer changes
// (heap_page_prune_execute, only if there is any: PageRepairFragmentation with the cleanup lock,
// PageTruncateLinePointerArray without), then each freeze plan on each of its tuples. The
// prunability hint is not updated; XLogRecordPageWithFreeSpace: FSM not maintained.
Result<void> heap_xlog_prune_freeze(RedoContext& ctx, const DecodedRecord& rec) {
    auto xlrec = main_data_as<pg17::xl_heap_prune>(rec, pg17::SizeOfHeapPrune);
    if (!xlrec) return xlrec.error();
    const std::uint8_t flags = xlrec->flags;
    if ((flags & pg17::XLHP_HAS_CONFLICT_HORIZON) &&
        rec.main_data.size() < pg17::SizeOfHeapPrune + sizeof(TransactionId))
        return redo::main_data_too_short(rec, "xl_heap_prune and its conflict horizon",
                                         pg17::SizeOfHeapPrune + sizeof(TransactionId));
    const bool cleanup_lock = (flags & pg17::XLHP_CLEANUP_LOCK) != 0;
    // PostgreSQL asserts this: without a cleanup lock no tuple data may move, so only LP_DEAD
    // items may become LP_UNUSED (and the fragmentation is not repaired).
    if (!cleanup_lock && (flags & (pg17::XLHP_HAS_REDIRECTIONS | pg17::XLHP_HAS_DEAD_ITEMS)))
        return record_error(rec, fmt::format("flags 0x{:02X}: redirections or dead items without XLHP_CLEANUP_LOCK",
                                             unsigned{flags}));
    auto blk = required_block(rec, 0);
    if (!blk) return blk.error();

    PageHandle buf;
    auto done = redo::redo_block(
        ctx, rec, 0, buf,
        [&](std::uint8_t* page) -> Result<void> {
            const std::span<const std::uint8_t> data = redo::block_data(rec, 0);
            const pg17::PruneFreezeSubRecords pf = pg17::deserialize_prune_and_freeze(data, flags);
            if (pf.need > 0)
                return block_error(rec, 0,
                                   fmt::format("block data of {} bytes ends before the sub-records flags 0x{:02X} "
                                               "announce ({} bytes needed)",
                                               data.size(), unsigned{flags}, pf.need));
            if (pf.used != data.size())
                return block_error(rec, 0,
                                   fmt::format("block data of {} bytes holds {} bytes after the sub-records flags "
                                               "0x{:02X} announce",
                                               data.size(), data.size() - pf.used, unsigned{flags}));
            if (!pf.redirected.empty() || !pf.nowdead.empty() || !pf.nowunused.empty())
                if (auto r = heap_page_prune_execute(rec, page, !cleanup_lock, pf.redirected, pf.nowdead,
                                                     pf.nowunused);
                    !r)
                    return r;
            std::size_t next = 0;
            for (std::size_t p = 0; p < pf.nplans; ++p) {
                const pg17::xlhp_freeze_plan plan = pf.plan(p);
                for (std::size_t i = 0; i < plan.ntuples; ++i) {
                    auto htup = tuple_to_freeze(rec, page, pf.frz_offsets[next++]);
                    if (!htup) return htup.error();
                    heap_execute_freeze_tuple(*htup, plan.xmax, plan.t_infomask2, plan.t_infomask, plan.frzflags);
                }
            }
            return {};
        },
        cleanup_lock ? redo::with_cleanup_lock : redo::BlockReadOptions{});
    if (!done) return done;
    // The FSM learns the page's free space when line pointers changed (also after a restored
    // image); freezing alone leaves it.
    if (flags & (pg17::XLHP_HAS_REDIRECTIONS | pg17::XLHP_HAS_DEAD_ITEMS | pg17::XLHP_HAS_NOW_UNUSED_ITEMS))
        return record_free_space_of(ctx, *blk, buf);
    return {};
}

// heap_xlog_multi_insert (heapam.c, PG15).
Result<void> heap_xlog_multi_insert(RedoContext& ctx, const DecodedRecord& rec) {
    auto xlrec = main_data_as<xl_heap_multi_insert>(rec, SizeOfHeapMultiInsert);
    if (!xlrec) return xlrec.error();
    auto blk = required_block(rec, 0);
    if (!blk) return blk.error();
    const RelFileNode rnode = (*blk)->rnode;
    const BlockNumber blkno = (*blk)->blkno;
    const bool isinit = (rec.xl_info & XLOG_HEAP_INIT_PAGE) != 0;
    if (!isinit && rec.main_data.size() < SizeOfHeapMultiInsert + std::size_t{xlrec->ntuples} * sizeof(OffsetNumber))
        return record_error(rec, fmt::format("main data of {} bytes does not hold {} offsets", rec.main_data.size(),
                                        xlrec->ntuples));

    if (xlrec->flags & XLH_INSERT_ALL_VISIBLE_CLEARED)
        if (auto r = clear_vm_bits(ctx, rnode, blkno, VISIBILITYMAP_VALID_BITS); !r) return r;

    PageHandle buf;
    auto action = redo::init_or_read_block(ctx, rec, 0, isinit, init_heap_page, buf);
    if (!action) return action.error();
    if (*action != XLogRedoAction::BLK_NEEDS_REDO) return {};

    // Tuples are stored as block data: for each, a SHORTALIGNed xl_multi_insert_tuple and its
    // data. PostgreSQL's block data starts MAXALIGNed, so aligning the offset is the same.
    const std::span<const std::uint8_t> data = redo::block_data(rec, 0);
    std::uint8_t* page = buf.data();
    std::size_t pos = 0;
    TupleBuffer tbuf;
    for (std::size_t i = 0; i < xlrec->ntuples; ++i) {
        const OffsetNumber offnum =
            isinit ? static_cast<OffsetNumber>(FirstOffsetNumber + i)
                   : load<OffsetNumber>(rec.main_data.data() + SizeOfHeapMultiInsert + i * sizeof(OffsetNumber));
        if (auto r = check_new_offset(rec, 0, page, offnum); !r) return r;
        pos = SHORTALIGN(pos);
        if (data.size() < pos + SizeOfMultiInsertTuple)
            return block_error(rec, 0, fmt::format("tuple {} header beyond the block data", i));
        const std::uint8_t* xlhdr = data.data() + pos;
        const std::uint16_t datalen = load<std::uint16_t>(xlhdr);
        pos += SizeOfMultiInsertTuple;
        if (data.size() < pos + datalen || datalen > ht::MaxHeapTupleSize - ht::SizeofHeapTupleHeader)
            return block_error(rec, 0, fmt::format("tuple {} of {} bytes beyond the block data", i, datalen));

        std::memset(tbuf.data(), 0, ht::SizeofHeapTupleHeader);
        std::memcpy(tbuf.data() + ht::SizeofHeapTupleHeader, data.data() + pos, datalen);
        pos += datalen;
        std::uint8_t* htup = tbuf.data();
        fill_new_tuple_header(htup, load<std::uint16_t>(xlhdr + 2), load<std::uint16_t>(xlhdr + 4), xlhdr[6],
                              rec.xl_xid, InvalidTransactionId);
        ht::set_ctid(htup, blkno, offnum);
        if (auto r = add_tuple(rec, 0, page, {tbuf.data(), datalen + ht::SizeofHeapTupleHeader}, offnum); !r)
            return r;
    }
    if (pos != data.size())
        return block_error(rec, 0,
                           fmt::format("total tuple length mismatch: {} of {} block data bytes used", pos, data.size()));

    const std::size_t freespace = storage::page_get_heap_free_space(page);  // needed to update FSM below
    storage::page_set_lsn(page, rec.end_lsn);
    if (xlrec->flags & XLH_INSERT_ALL_VISIBLE_CLEARED) storage::page_clear_flag(page, storage::PD_ALL_VISIBLE);
    // XLH_INSERT_ALL_FROZEN_SET implies that all tuples are visible.
    if (xlrec->flags & XLH_INSERT_ALL_FROZEN_SET) storage::page_set_flag(page, storage::PD_ALL_VISIBLE);
    buf.mark_dirty();
    // If the page is running low on free space (less than 20%), update the FSM as well.
    if (freespace < BLCKSZ / 5) return redo::freespace::record_page_with_free_space(ctx, rnode, blkno, freespace);
    return {};
}

// heap_xlog_lock_updated (heapam.c, PG15): a lock on an updated version of a tuple.
Result<void> heap_xlog_lock_updated(RedoContext& ctx, const DecodedRecord& rec) {
    auto xlrec = main_data_as<xl_heap_lock_updated>(rec, SizeOfHeapLockUpdated);
    if (!xlrec) return xlrec.error();
    return redo_tuple_lock(ctx, rec, xlrec->flags, xlrec->offnum, xlrec->infobits_set,
                           [&](std::uint8_t* htup, BlockNumber) { ht::set_xmax(htup, xlrec->xmax); });
}

Result<RedoOutcome> applied(Result<void> r) {
    if (!r) return r.error();
    return RedoOutcome::applied;
}

}  // namespace

// heap_redo (heapam.c, PG15).
Result<redo::RedoOutcome> heap_redo(redo::RedoContext& ctx, const DecodedRecord& rec) {
    switch (rec.info() & XLOG_HEAP_OPMASK) {
        case XLOG_HEAP_INSERT:
            return applied(heap_xlog_insert(ctx, rec));
        case XLOG_HEAP_DELETE:
            return applied(heap_xlog_delete(ctx, rec));
        case XLOG_HEAP_UPDATE:
            return applied(heap_xlog_update(ctx, rec, false));
        case XLOG_HEAP_TRUNCATE:
            // A no-op: the truncation itself is logged as SMGR records; this record exists for
            // logical decoding only.
            return RedoOutcome::applied;
        case XLOG_HEAP_HOT_UPDATE:
            return applied(heap_xlog_update(ctx, rec, true));
        case XLOG_HEAP_CONFIRM:
            return applied(heap_xlog_confirm(ctx, rec));
        case XLOG_HEAP_LOCK:
            return applied(heap_xlog_lock(ctx, rec));
        case XLOG_HEAP_INPLACE:
            return applied(heap_xlog_inplace(ctx, rec));
        default:
            return record_error(rec, fmt::format("unknown op code {:#x}", rec.info()));
    }
}

// heap2_redo (heapam.c, PG15; 17's opcodes 0x10-0x30 by kHeapRedoVersions).
Result<redo::RedoOutcome> heap2_redo(redo::RedoContext& ctx, const DecodedRecord& rec) {
    const std::uint8_t op = rec.info() & XLOG_HEAP_OPMASK;
    if (heap_redo_version(rec).prune_freeze_records &&
        (op == pg17::XLOG_HEAP2_PRUNE_ON_ACCESS || op == pg17::XLOG_HEAP2_PRUNE_VACUUM_SCAN ||
         op == pg17::XLOG_HEAP2_PRUNE_VACUUM_CLEANUP))
        return applied(heap_xlog_prune_freeze(ctx, rec));
    switch (op) {
        case XLOG_HEAP2_PRUNE:
            return applied(heap_xlog_prune(ctx, rec));
        case XLOG_HEAP2_VACUUM:
            return applied(heap_xlog_vacuum(ctx, rec));
        case XLOG_HEAP2_FREEZE_PAGE:
            return applied(heap_redo_version(rec).freeze_plans ? heap_xlog_freeze_page_v16(ctx, rec)
                                                               : heap_xlog_freeze_page_v15(ctx, rec));
        case XLOG_HEAP2_VISIBLE:
            return applied(heap_xlog_visible(ctx, rec));
        case XLOG_HEAP2_MULTI_INSERT:
            return applied(heap_xlog_multi_insert(ctx, rec));
        case XLOG_HEAP2_LOCK_UPDATED:
            return applied(heap_xlog_lock_updated(ctx, rec));
        case XLOG_HEAP2_NEW_CID:
            // Nothing to do on a real replay, only used during logical decoding.
            return RedoOutcome::applied;
        case XLOG_HEAP2_REWRITE:
            return applied(redo::heap_xlog_logical_rewrite(ctx, rec));
        default:
            return record_error(rec, fmt::format("unknown op code {:#x}", rec.info()));
    }
}

// off.h MaxOffsetNumber: no line pointer lies beyond the page, whatever pd_lower says.
constexpr OffsetNumber kMaxOffsetNumber = BLCKSZ / storage::SizeOfItemIdData;

// heap_mask (heapam.c, PG15): what may differ between the primary's page and ours.
void heap_mask(std::uint8_t* page, BlockNumber blkno) {
    storage::mask_page_lsn_and_checksum(page);
    storage::mask_page_hint_bits(page);
    // PostgreSQL ERRORs on insane pointers; the page is then left as is and will not compare
    // equal, which reports the problem as a mismatch.
    (void)storage::mask_unused_space(page);

    const OffsetNumber maxoff = storage::page_get_max_offset_number(page);
    for (OffsetNumber off = FirstOffsetNumber; off <= maxoff && off <= kMaxOffsetNumber; ++off) {
        const ItemIdData iid = storage::page_get_item_id(page, off);
        std::uint8_t* page_item = page + iid.lp_off;
        if (iid.is_normal() && iid.lp_off + ht::SizeofHeapTupleHeader <= BLCKSZ) {
            // Hint bits may be set without WAL unless xmin is frozen; then only xmax's hints.
            if (!ht::xmin_frozen(page_item))
                ht::set_infomask(page_item, static_cast<std::uint16_t>(ht::infomask(page_item) & ~ht::HEAP_XACT_MASK));
            else
                ht::set_infomask(page_item, static_cast<std::uint16_t>(ht::infomask(page_item) &
                                                                       ~(ht::HEAP_XMAX_INVALID | ht::HEAP_XMAX_COMMITTED)));
            // Redo sets the command id to FirstCommandId.
            ht::set_raw_cid(page_item, storage::MASK_MARKER);
            // A speculative tuple's ctid holds a token on the primary; redo points it at itself.
            if (ht::is_speculative(page_item)) ht::set_ctid(page_item, blkno, off);
        }
        // Padding bytes after a tuple whose length is not MAXALIGNed.
        if (iid.has_storage()) {
            const std::size_t len = iid.lp_len;
            const std::size_t padlen = storage::MAXALIGN(len) - len;
            if (padlen > 0 && iid.lp_off + storage::MAXALIGN(len) <= BLCKSZ)
                std::memset(page_item + len, storage::MASK_MARKER, padlen);
        }
    }
}

// RM_HEAP2_ID's rm_mask is heap_mask too (rmgrlist.h, PG15).
void heap2_mask(std::uint8_t* page, BlockNumber blkno) { heap_mask(page, blkno); }

}  // namespace understudy
