// --verify: PostgreSQL 15's verifyBackupPageConsistency (xlogrecovery.c). After a record of a
// maskable rmgr is applied, every block carrying an image kept only for consistency checking
// (has_image && !apply_image: wal_consistency_checking) is compared with our page after both
// are masked with the rmgr's rm_mask. A page that still differs is a mismatch, unless the
// rmgr's known_difference rule (RmgrInfo) recognises it as a difference PostgreSQL 15's own redo
// produces too: those are counted in images_known_difference with the rule's reason.
#pragma once

#include <vector>

#include "common/result.h"
#include "redo/decoded_record.h"
#include "redo/replay_report.h"
#include "redo/rmgr.h"
#include "redo/storage/page_cache.h"

namespace understudy::redo {

// Compares the images of `rec` (which has XLR_CHECK_CONSISTENCY and a mask routine) with the
// cached pages; counts into `counters`, appends to `mismatches` (up to `max_listed`).
Result<void> verify_record_images(storage::PageCache& pages, const DecodedRecord& rec, const RmgrInfo& rmgr,
                                  RmgrCounters& counters, std::vector<Mismatch>& mismatches,
                                  std::size_t max_listed);

}  // namespace understudy::redo
