// --verify: PostgreSQL 15's verifyBackupPageConsistency (xlogrecovery.c). After a record of a
// maskable rmgr is applied, every block carrying an image kept only for consistency checking
// (has_image && !apply_image: wal_consistency_checking) is compared with our page after both
// are masked with the rmgr's rm_mask. A page that still differs is a mismatch, unless the
// rmgr's known_difference rule (RmgrInfo) recognises it as a difference PostgreSQL 15's own redo
// produces too: those are counted in images_known_difference with the rule's reason.
#pragma once

#include <set>
#include <vector>

#include "common/result.h"
#include "wal/decoded_record.h"
#include "redo/replay_report.h"
#include "redo/rmgr.h"
#include "redo/storage/page_cache.h"

namespace understudy::redo {

// The pages whose last check found a known upstream difference (the `carried` state of
// RmgrInfo::known_difference); a page leaves the set when it next matches or mismatches.
struct PageKeyLess {
    bool operator()(const storage::PageKey& a, const storage::PageKey& b) const {
        return storage::file_order_less(a, b);
    }
};
using KnownDifferencePages = std::set<storage::PageKey, PageKeyLess>;

// Compares the images of `rec` (which has XLR_CHECK_CONSISTENCY and a mask routine) with the
// cached pages; counts into `counters`, appends to `mismatches` (up to `max_listed`).
// `carried` (kept by the caller across records; nullptr: none kept) tracks known differences.
Result<void> verify_record_images(storage::PageCache& pages, const DecodedRecord& rec, const RmgrInfo& rmgr,
                                  RmgrCounters& counters, std::vector<Mismatch>& mismatches,
                                  std::size_t max_listed, KnownDifferencePages* carried = nullptr);

}  // namespace understudy::redo
