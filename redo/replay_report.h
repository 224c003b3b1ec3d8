// Counters of a replay run and its report: per-rmgr record accounting (applied + skipped as
// already done + unsupported = records), the consistency checks of --verify and their
// mismatches, and the JSON / text forms `understudy replay --report` and its summary print.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/lsn.h"
#include "wal/decoded_record.h"
#include "redo/replay_state.h"

namespace understudy::redo {

struct RmgrCounters {
    std::uint64_t records = 0;
    std::uint64_t applied = 0;       // the redo routine ran and changed at least one block (or had none)
    std::uint64_t skipped_done = 0;  // every block it read was already done (page LSN >= record end)
    std::uint64_t unsupported = 0;   // no redo routine for this record type yet
    std::uint64_t images_checked = 0;     // wal_consistency_checking images compared
    std::uint64_t images_mismatched = 0;  // ... that differed after masking
    // ... that differed only as the rmgr's known_difference rule allows: PostgreSQL 15's own
    // standby differs the same way (not counted as mismatches); the rule's reason.
    std::uint64_t images_known_difference = 0;
    const char* known_difference_reason = nullptr;
    std::uint64_t images_notfound = 0;    // ... whose page is not present (sparse start): not compared
    std::uint64_t images_skipped_newer = 0;  // ... whose page LSN is past the record (a rerun): not compared
    std::uint64_t missing_pages = 0;  // blocks answered BLK_NOTFOUND
    std::uint64_t bytes = 0;          // xl_tot_len summed
};

// One page that differs from the primary's image after masking.
struct Mismatch {
    XLogRecPtr lsn = InvalidXLogRecPtr;
    std::uint8_t rmid = 0;
    std::string record;  // rm_identify, e.g. "INSERT+INIT"
    RelFileNode rnode;
    std::uint8_t forknum = 0;
    BlockNumber blkno = 0;
    std::size_t offset = 0;  // first differing byte
};

struct ReplayReport {
    XLogRecPtr start_lsn = InvalidXLogRecPtr;  // first record replayed (or where replay began)
    XLogRecPtr end_lsn = InvalidXLogRecPtr;    // apply position: end of the last applied record
    std::uint64_t records = 0;
    std::uint64_t bytes = 0;
    std::array<RmgrCounters, 256> rmgrs{};
    std::vector<Mismatch> mismatches;  // at most kMaxMismatchesListed; counters hold the total
    std::uint64_t restartpoints = 0;
    double seconds = 0;
    bool verify = false;
    std::string stop_reason;  // "end of WAL", "end LSN reached", "stopped", ...
    std::string error;        // empty on success

    static constexpr std::size_t kMaxMismatchesListed = 1000;

    std::uint64_t total_mismatches() const;
    std::uint64_t total_known_differences() const;
    std::uint64_t total_unsupported() const;
};

// The JSON report (issue 4's fields plus skipped_done, images_notfound, missing_pages, timing).
std::string report_to_json(const ReplayReport& report);
// A few lines for stdout: range, records, rate, per-rmgr table, mismatches.
std::string report_summary(const ReplayReport& report);

// `base` (totals of earlier runs, from the replay state) plus this run's per-rmgr counters: the
// totals the replay state stores (ReplayState::rmgr_totals), rmgrs with records in id order.
std::vector<RmgrTotals> add_rmgr_totals(const std::vector<RmgrTotals>& base, const ReplayReport& run);

}  // namespace understudy::redo
