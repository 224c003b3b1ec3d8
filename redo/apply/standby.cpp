// Redo routine of the Standby resource manager: standby_redo
// (src/backend/storage/ipc/standby.c, PostgreSQL 15).
//
// XLOG_RUNNING_XACTS: ProcArrayApplyRecoveryInfo (procarray.c) initialises the standby's view
// of running transactions; what a standby keeps of it here is the oldest running xid (what
// hot-standby feedback reports), the latest completed xid, and nextXid advanced past the
// primary's (AdvanceNextFullTransactionIdPastXid(latestObservedXid), procarray.c).
// XLOG_STANDBY_LOCK (AccessExclusiveLocks for standby queries) and XLOG_INVALIDATIONS (cache
// invalidation messages) have nothing to apply to a data directory.
#include <fmt/format.h>

#include "redo/apply/record_data.h"
#include "redo/apply/transam.h"
#include "wal/records/pg_types.h"
#include "wal/records/standby.h"
#include "redo/replay_state.h"
#include "redo/rmgr.h"

namespace understudy {

namespace {

// XLOG_RUNNING_XACTS (standby_redo -> ProcArrayApplyRecoveryInfo, PG15).
Result<redo::RedoOutcome> redo_running_xacts(redo::RedoContext& ctx, const DecodedRecord& rec) {
    auto xlrec = read_record_struct<xl_running_xacts>(rec.main_data, MinSizeOfXactRunningXacts);
    if (!xlrec) return redo::record_error(rec, "main data shorter than xl_running_xacts");
    const std::size_t nxids = static_cast<std::size_t>(xlrec->xcnt < 0 ? 0 : xlrec->xcnt) +
                              static_cast<std::size_t>(xlrec->subxcnt < 0 ? 0 : xlrec->subxcnt);
    if (xlrec->xcnt < 0 || xlrec->subxcnt < 0 ||
        rec.main_data.size() < MinSizeOfXactRunningXacts + nxids * sizeof(TransactionId))
        return redo::record_error(rec, fmt::format("{} + {} xids announced, main data is {} bytes", xlrec->xcnt,
                                         xlrec->subxcnt, rec.main_data.size()));
    ReplayState& st = ctx.state();
    st.oldest_running_xid = xlrec->oldestRunningXid;
    st.latest_completed_xid = xlrec->latestCompletedXid;
    // latestObservedXid = nextXid - 1 (TransactionIdRetreat), then nextXid moves past it.
    TransactionId latest_observed = xlrec->nextXid - 1;
    if (latest_observed < 3 /* FirstNormalTransactionId */) latest_observed = 0xFFFFFFFFu;
    if (xlrec->nextXid != InvalidTransactionId) redo::advance_next_full_xid_past(st, latest_observed);
    return redo::RedoOutcome::applied;
}

}  // namespace

// standby_redo (standby.c, PG15).
Result<redo::RedoOutcome> standby_redo(redo::RedoContext& ctx, const DecodedRecord& rec) {
    switch (rec.info()) {
        case XLOG_STANDBY_LOCK: {
            // StandbyAcquireAccessExclusiveLock for each lock: in-memory only.
            auto xlrec = read_record_struct<xl_standby_locks>(rec.main_data, MinSizeOfStandbyLocks);
            if (!xlrec) return redo::record_error(rec, "main data shorter than xl_standby_locks");
            return redo::RedoOutcome::applied;
        }
        case XLOG_RUNNING_XACTS:
            return redo_running_xacts(ctx, rec);
        case XLOG_INVALIDATIONS:
            // ProcessCommittedInvalidationMessages: caches of standby backends only.
            return redo::RedoOutcome::applied;
        default:
            return redo::record_error(rec, fmt::format("unknown op code {}", rec.info()));
    }
}

}  // namespace understudy
