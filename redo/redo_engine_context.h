// The replay engine's implementation of the redo contract (redo/redo_context.h): the part of
// PostgreSQL 15's xlogutils.c recovery uses (XLogReadBufferForRedoExtended,
// XLogInitBufferForRedo, XLogReadBufferExtended) over our page cache, plus the SLRUs, the
// storage manager and the replay state of one scratch data directory.
//
// Per record it counts what the blocks answered (so the engine can tell "every block was
// already done" from "applied", and count pages missing in a sparse start), and it remembers a
// restartpoint request made by a checkpoint record.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "common/result.h"
#include "redo/redo_context.h"
#include "redo/replay_state.h"
#include "redo/storage/page_cache.h"
#include "redo/storage/slru.h"
#include "redo/storage/smgr.h"

namespace understudy::redo {

// What the blocks of the record being applied answered.
struct RecordBlockCounts {
    int reads = 0;     // read_buffer_for_redo / init_buffer_for_redo calls
    int done = 0;      // BLK_DONE
    int notfound = 0;  // BLK_NOTFOUND (page not present: sparse start or dropped relation)
    int restored = 0;  // BLK_RESTORED
};

struct RestartpointRequest {
    XLogRecPtr checkpoint_lsn = InvalidXLogRecPtr;
    XLogRecPtr redo_lsn = InvalidXLogRecPtr;
};

class EngineContext final : public RedoContext {
public:
    // cache_pages: the page cache's memory bound in 8 kB pages.
    EngineContext(std::string data_dir, ReplayState& state, std::size_t cache_pages);
    EngineContext(const EngineContext&) = delete;
    EngineContext& operator=(const EngineContext&) = delete;

    Result<XLogRedoAction> read_buffer_for_redo(const DecodedRecord& rec, int block_id, storage::PageHandle& out,
                                                storage::ReadBufferMode mode = storage::ReadBufferMode::RBM_NORMAL,
                                                bool get_cleanup_lock = false) override;
    Result<storage::PageHandle> init_buffer_for_redo(const DecodedRecord& rec, int block_id) override;
    Result<storage::CachedPage> read_buffer_extended(const RelFileNode& rnode, ForkNumber forknum, BlockNumber blkno,
                                                     storage::ReadBufferMode mode) override;

    storage::PageCache& pages() override { return pages_; }
    storage::Smgr& smgr() override { return smgr_; }
    storage::Clog& clog() override { return clog_; }
    storage::CommitTs& commit_ts() override { return commit_ts_; }
    storage::MultiXactSlrus& multixact() override { return multixact_; }
    ReplayState& state() override { return state_; }
    const std::string& data_dir() const override { return data_dir_; }
    void request_restartpoint(XLogRecPtr checkpoint_lsn, XLogRecPtr redo_lsn) override;

    // Called by the engine before each record: resets the per-record counts.
    void begin_record() { counts_ = {}; }
    const RecordBlockCounts& record_counts() const { return counts_; }
    // The restartpoint asked for by the record just applied, if any (cleared by taking it).
    std::optional<RestartpointRequest> take_restartpoint_request();

    // Restores every image flagged BKPIMAGE_APPLY of `rec` (what XLogReadBufferForRedo would do
    // for each block); used for records no redo routine handles yet, so their pages are right.
    Result<void> restore_apply_images(const DecodedRecord& rec);

    // CheckPointGuts (PG15) as a restartpoint does it: the SLRUs (CheckPointCLOG,
    // CheckPointCommitTs, CheckPointMultiXact), then every dirty page (CheckPointBuffers) and
    // the fsyncs.
    Result<void> flush_all();

private:
    std::string data_dir_;
    ReplayState& state_;
    storage::Smgr smgr_;
    storage::PageCache pages_;
    storage::Clog clog_;
    storage::CommitTs commit_ts_;
    storage::MultiXactSlrus multixact_;
    RecordBlockCounts counts_;
    std::optional<RestartpointRequest> restartpoint_;
    alignas(8) std::array<std::uint8_t, BLCKSZ> image_{};  // a restored full-page image
};

}  // namespace understudy::redo
