#include "redo/redo_engine_context.h"

#include <fmt/format.h>

#include <utility>

#include "redo/apply/redo_block.h"
#include "wal/page_image.h"
#include "redo/rmgr.h"
#include "wal/relpath.h"

namespace understudy::redo {


EngineContext::EngineContext(std::string data_dir, ReplayState& state, std::size_t cache_pages)
    : data_dir_(std::move(data_dir)),
      state_(state),
      smgr_(data_dir_),
      pages_(smgr_, cache_pages),
      clog_(data_dir_),
      commit_ts_(data_dir_),
      multixact_(data_dir_) {}

// XLogReadBufferForRedoExtended (PG15 xlogutils.c): restores an image flagged for apply,
// otherwise reads the page and compares its LSN with the record's end.
Result<XLogRedoAction> EngineContext::read_buffer_for_redo(const DecodedRecord& rec, int block_id,
                                                           storage::PageHandle& out, storage::ReadBufferMode mode,
                                                           bool /*get_cleanup_lock*/) {
    const DecodedBkpBlock* blk = rec.block(block_id);
    if (blk == nullptr)
        return make_error(fmt::format("WAL record at {} has no block reference {} (rmgr {})", format_lsn(rec.lsn),
                                      block_id, rec.xl_rmid));
    const storage::PageKey key{blk->rnode, static_cast<ForkNumber>(blk->forknum), blk->blkno};
    std::span<const std::uint8_t> image;
    if (blk->has_image && blk->apply_image) {
        if (auto r = restore_block_image(rec, block_id, image_); !r) return r.error();
        image = image_;
    }
    const bool will_init = (blk->flags & BKPBLOCK_WILL_INIT) != 0;
    auto got = pages_.read_buffer_for_redo(key, rec.end_lsn, mode, will_init, image);
    if (!got) return got.error();
    const XLogRedoAction action = got->action;
    ++counts_.reads;
    if (action == XLogRedoAction::BLK_DONE) ++counts_.done;
    if (action == XLogRedoAction::BLK_NOTFOUND) ++counts_.notfound;
    if (action == XLogRedoAction::BLK_RESTORED) ++counts_.restored;
    out = std::move(got->page);
    return action;
}

// XLogInitBufferForRedo (PG15): XLogReadBufferForRedoExtended in RBM_ZERO_AND_LOCK mode.
Result<storage::PageHandle> EngineContext::init_buffer_for_redo(const DecodedRecord& rec, int block_id) {
    storage::PageHandle page;
    auto r = read_buffer_for_redo(rec, block_id, page, storage::ReadBufferMode::RBM_ZERO_AND_LOCK);
    if (!r) return r.error();
    if (!page.valid())
        return make_error(fmt::format("WAL record at {}: block {} could not be initialised", format_lsn(rec.lsn),
                                      block_id));
    return page;
}

// XLogReadBufferExtended (PG15).
Result<storage::CachedPage> EngineContext::read_buffer_extended(const RelFileNode& rnode, ForkNumber forknum,
                                                                BlockNumber blkno, storage::ReadBufferMode mode) {
    return pages_.read_for_redo(storage::PageKey{rnode, forknum, blkno}, mode);
}

void EngineContext::request_restartpoint(XLogRecPtr checkpoint_lsn, XLogRecPtr redo_lsn) {
    restartpoint_ = RestartpointRequest{checkpoint_lsn, redo_lsn};
}

std::optional<RestartpointRequest> EngineContext::take_restartpoint_request() {
    return std::exchange(restartpoint_, std::nullopt);
}

Result<void> EngineContext::restore_apply_images(const DecodedRecord& rec) {
    return redo::restore_apply_images(*this, rec);
}

Result<void> EngineContext::flush_all() {
    if (auto r = clog_.flush(); !r) return r;
    if (auto r = commit_ts_.flush(); !r) return r;
    if (auto r = multixact_.flush(); !r) return r;
    return pages_.flush_all();
}

}  // namespace understudy::redo
