// The pattern every redo routine follows for a block it changes, PostgreSQL 15 (e.g.
// heap_xlog_delete in heapam.c, btree_xlog_vacuum in nbtxlog.c):
//
//     if (XLogReadBufferForRedo(record, block_id, &buffer) == BLK_NEEDS_REDO)
//     {
//         page = BufferGetPage(buffer);
//         ... change the page ...
//         PageSetLSN(page, lsn);
//         MarkBufferDirty(buffer);
//     }
//     if (BufferIsValid(buffer))
//         UnlockReleaseBuffer(buffer);
//
// written once: redo_block(ctx, rec, block_id, [&](std::uint8_t* page) { ... }). The change is
// a callable taking the page; it returns void, or Result<void> when it can fail (PostgreSQL's
// PANIC / ERROR): then the page is neither stamped nor marked dirty and the error is returned.
#pragma once

#include <cstdint>
#include <type_traits>
#include <utility>

#include "common/result.h"
#include "wal/decoded_record.h"
#include "redo/redo_context.h"
#include "redo/storage/page.h"
#include "redo/storage/page_cache.h"

namespace understudy::redo {

// PageSetLSN(page, EndRecPtr) + MarkBufferDirty (bufpage.h, bufmgr.c, PG15): the end of a change
// to a page in redo.
inline void finish_page(storage::PageHandle& buf, const DecodedRecord& rec) {
    storage::page_set_lsn(buf.data(), rec.end_lsn);
    buf.mark_dirty();
}

// The mode and lock of XLogReadBufferForRedoExtended (PG15).
struct BlockReadOptions {
    storage::ReadBufferMode mode = storage::ReadBufferMode::RBM_NORMAL;
    bool get_cleanup_lock = false;
};

// XLogReadBufferForRedoExtended(..., RBM_NORMAL, get_cleanup_lock = true, ...): a block read
// with a cleanup lock (heap pruning, btree vacuum, hash squeeze ...).
inline constexpr BlockReadOptions with_cleanup_lock{storage::ReadBufferMode::RBM_NORMAL, true};

// The part of the pattern after the read: when `action` (what XLogReadBufferForRedo, or an
// init-or-read of the block, answered for `buf`) is BLK_NEEDS_REDO, `change(page)` then
// PageSetLSN + MarkBufferDirty. An error reading the block is returned as is.
template <typename Change>
Result<void> apply_if_needs_redo(const Result<XLogRedoAction>& action, storage::PageHandle& buf,
                                 const DecodedRecord& rec, Change&& change) {
    if (!action) return action.error();
    if (*action != XLogRedoAction::BLK_NEEDS_REDO) return {};
    if constexpr (std::is_void_v<std::invoke_result_t<Change&, std::uint8_t*>>) {
        change(buf.data());
    } else {
        if (auto r = change(buf.data()); !r) return r;
    }
    finish_page(buf, rec);
    return {};
}

// Reads block `block_id` of `rec` for redo into `buf` (XLogReadBufferForRedoExtended, PG15) and,
// when it answers BLK_NEEDS_REDO, applies `change(page)` then PageSetLSN + MarkBufferDirty.
// `buf` stays pinned with the caller, for routines that hold a page while they change another
// (PostgreSQL keeps it locked until UnlockReleaseBuffer).
template <typename Change>
Result<void> redo_block(RedoContext& ctx, const DecodedRecord& rec, int block_id, storage::PageHandle& buf,
                        Change&& change, BlockReadOptions opts = {}) {
    return apply_if_needs_redo(ctx.read_buffer_for_redo(rec, block_id, buf, opts.mode, opts.get_cleanup_lock), buf,
                               rec, std::forward<Change>(change));
}

// The same, the page released on return (UnlockReleaseBuffer).
template <typename Change>
Result<void> redo_block(RedoContext& ctx, const DecodedRecord& rec, int block_id, Change&& change,
                        BlockReadOptions opts = {}) {
    storage::PageHandle buf;
    return redo_block(ctx, rec, block_id, buf, std::forward<Change>(change), opts);
}

// The page of a block the record may initialise, PostgreSQL 15 (heap_xlog_insert,
// spgRedoAddLeaf, brin_xlog_insert_update ...):
//
//     if (XLogRecGetInfo(record) & XLOG_..._INIT_PAGE) {
//         buffer = XLogInitBufferForRedo(record, block_id);
//         PageInit(BufferGetPage(buffer), ...);
//         action = BLK_NEEDS_REDO;
//     } else
//         action = XLogReadBufferForRedo(record, block_id, &buffer);
//
// `init(page)` initialises the zeroed page when `will_init`.
template <typename Init>
Result<XLogRedoAction> init_or_read_block(RedoContext& ctx, const DecodedRecord& rec, int block_id, bool will_init,
                                          Init&& init, storage::PageHandle& buf) {
    if (!will_init) return ctx.read_buffer_for_redo(rec, block_id, buf);
    auto zeroed = ctx.init_buffer_for_redo(rec, block_id);
    if (!zeroed) return zeroed.error();
    buf = std::move(*zeroed);
    init(buf.data());
    return XLogRedoAction::BLK_NEEDS_REDO;
}

// What XLogReadBufferForRedo does for each block of `rec` with a full-page image flagged
// BKPIMAGE_APPLY (RBM_ZERO_AND_LOCK for a BKPBLOCK_WILL_INIT block): the image restored, for a
// record whose own redo routine does not run (not implemented, or not under test), so that its
// pages are still right. Stops at the first error.
inline Result<void> restore_apply_images(RedoContext& ctx, const DecodedRecord& rec) {
    for (int id = 0; id <= rec.max_block_id; ++id) {
        const DecodedBkpBlock* blk = rec.block(id);
        if (blk == nullptr || !blk->has_image || !blk->apply_image) continue;
        const bool will_init = (blk->flags & BKPBLOCK_WILL_INIT) != 0;
        storage::PageHandle page;
        auto r = ctx.read_buffer_for_redo(
            rec, id, page, will_init ? storage::ReadBufferMode::RBM_ZERO_AND_LOCK : storage::ReadBufferMode::RBM_NORMAL);
        if (!r) return r.error();
    }
    return {};
}

}  // namespace understudy::redo
