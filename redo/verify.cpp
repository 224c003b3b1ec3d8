#include "redo/verify.h"

#include <array>
#include <cstring>

#include <fmt/format.h>

#include "wal/page_image.h"
#include "redo/storage/mask.h"
#include "redo/storage/page.h"

namespace understudy::redo {

// verifyBackupPageConsistency (PG15 xlogrecovery.c), plus the rmgr's known-difference rule.
Result<void> verify_record_images(storage::PageCache& pages, const DecodedRecord& rec, const RmgrInfo& rmgr,
                                  RmgrCounters& counters, std::vector<Mismatch>& mismatches,
                                  std::size_t max_listed, KnownDifferencePages* carried) {
    alignas(8) std::array<std::uint8_t, BLCKSZ> replay_image_masked{};
    alignas(8) std::array<std::uint8_t, BLCKSZ> primary_image_masked{};
    for (int id = 0; id <= rec.max_block_id; ++id) {
        const DecodedBkpBlock* blk = rec.block(id);
        if (blk == nullptr || !blk->has_image || blk->apply_image) continue;
        const storage::PageKey key{blk->rnode, static_cast<ForkNumber>(blk->forknum), blk->blkno};
        // XLogReadBufferExtended(RBM_NORMAL_NO_LOG): a page that is not there is not compared.
        auto got = pages.read_for_redo(key, storage::ReadBufferMode::RBM_NORMAL);
        if (!got) return got.error();
        if (got->status != storage::PageStatus::ok) {
            ++counters.images_notfound;
            continue;
        }
        std::memcpy(replay_image_masked.data(), got->page.data(), BLCKSZ);
        got->page.release();
        // A page already past this record (a rerun after a crash) cannot be expected to match.
        if (storage::page_get_lsn(replay_image_masked.data()) > rec.end_lsn) {
            ++counters.images_skipped_newer;
            continue;
        }
        if (auto r = restore_block_image(rec, id, primary_image_masked); !r) return r.error();
        if (rmgr.mask != nullptr) {
            rmgr.mask(replay_image_masked.data(), blk->blkno);
            rmgr.mask(primary_image_masked.data(), blk->blkno);
        }
        ++counters.images_checked;
        auto diff = storage::first_page_difference(replay_image_masked.data(), primary_image_masked.data());
        const bool was_carried = carried != nullptr && carried->erase(key) > 0;
        if (!diff) continue;
        // A difference PostgreSQL 15's own standby has too (the rmgr's rule): counted apart.
        if (rmgr.known_difference != nullptr) {
            if (const char* reason = rmgr.known_difference(rec, replay_image_masked.data(),
                                                           primary_image_masked.data(), was_carried)) {
                ++counters.images_known_difference;
                counters.known_difference_reason = reason;
                if (carried != nullptr) carried->insert(key);
                continue;
            }
        }
        ++counters.images_mismatched;
        if (mismatches.size() < max_listed) {
            const char* ident = rmgr.identify != nullptr ? rmgr.identify(rec.xl_info) : nullptr;
            mismatches.push_back(Mismatch{rec.lsn, rec.xl_rmid,
                                          ident != nullptr ? ident : fmt::format("UNKNOWN ({:x})", rec.info()),
                                          blk->rnode, blk->forknum, blk->blkno, *diff});
        }
    }
    return {};
}

}  // namespace understudy::redo
