// A minimal RedoContext for tests of redo routines before / besides the replay engine:
// xlogutils.c's XLogReadBufferForRedoExtended, XLogInitBufferForRedo and XLogReadBufferExtended
// (PG15) over the real page cache and smgr of a scratch data directory, with full-page images
// flagged BKPIMAGE_APPLY restored (RestoreBlockImage).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include <fmt/format.h>

#include "common/lsn.h"
#include "common/wal_format.h"
#include "wal/page_image.h"
#include "redo/redo_context.h"
#include "redo/replay_state.h"
#include "redo/storage/page_cache.h"
#include "redo/storage/slru.h"
#include "redo/storage/smgr.h"

namespace understudy::testing {

inline storage::PageKey key_of(const DecodedBkpBlock& blk) {
    return storage::PageKey{blk.rnode, static_cast<ForkNumber>(blk.forknum), blk.blkno};
}

// xlogutils.c for the test: XLogReadBufferForRedoExtended / XLogInitBufferForRedo /
// XLogReadBufferExtended over the page cache of a scratch data directory.
class ImageOnlyContext final : public redo::RedoContext {
public:
    // cache_pages: the page cache's memory bound in 8 kB pages.
    explicit ImageOnlyContext(const std::string& dir, std::size_t cache_pages = 16384)
        : dir_(dir), smgr_(dir), pages_(smgr_, cache_pages), clog_(dir), commit_ts_(dir), multixact_(dir) {}

    Result<redo::XLogRedoAction> read_buffer_for_redo(const DecodedRecord& rec, int block_id,
                                                      storage::PageHandle& out, storage::ReadBufferMode mode,
                                                      bool /*get_cleanup_lock*/) override {
        const DecodedBkpBlock* blk = rec.block(block_id);
        if (blk == nullptr)
            return make_error(fmt::format("record at {} has no block {}", format_lsn(rec.lsn), block_id));
        std::array<std::uint8_t, BLCKSZ> image{};
        std::span<const std::uint8_t> apply;
        if (blk->has_image && blk->apply_image) {
            if (auto r = restore_block_image(rec, block_id, image); !r) return r.error();
            apply = image;
        }
        auto r = pages_.read_buffer_for_redo(key_of(*blk), rec.end_lsn, mode, (blk->flags & BKPBLOCK_WILL_INIT) != 0,
                                             apply);
        if (!r) return r.error();
        if (r->action == storage::XLogRedoAction::BLK_NOTFOUND) ++blocks_not_found;
        out = std::move(r->page);
        return r->action;
    }

    Result<storage::PageHandle> init_buffer_for_redo(const DecodedRecord& rec, int block_id) override {
        storage::PageHandle page;
        auto a = read_buffer_for_redo(rec, block_id, page, storage::ReadBufferMode::RBM_ZERO_AND_LOCK, false);
        if (!a) return a.error();
        if (!page.valid()) return make_error("init_buffer_for_redo: no page");
        return page;
    }

    Result<storage::CachedPage> read_buffer_extended(const RelFileNode& rnode, ForkNumber forknum, BlockNumber blkno,
                                                     storage::ReadBufferMode mode) override {
        return pages_.read_for_redo(storage::PageKey{rnode, forknum, blkno}, mode);
    }

    storage::PageCache& pages() override { return pages_; }
    storage::Smgr& smgr() override { return smgr_; }
    storage::Clog& clog() override { return clog_; }
    storage::CommitTs& commit_ts() override { return commit_ts_; }
    storage::MultiXactSlrus& multixact() override { return multixact_; }
    ReplayState& state() override { return state_; }
    const std::string& data_dir() const override { return dir_; }

    std::uint64_t blocks_not_found = 0;

private:
    std::string dir_;
    storage::Smgr smgr_;
    storage::PageCache pages_;
    storage::Clog clog_;
    storage::CommitTs commit_ts_;
    storage::MultiXactSlrus multixact_;
    ReplayState state_;
};

}  // namespace understudy::testing
