// XLOG resource manager redo: xlog_redo (src/backend/access/transam/xlog.c, PostgreSQL 15;
// 17's XLOG_CHECKPOINT_REDO by kXlogVersions; 17's CheckPoint.wal_level sits in 15's padding and
// xl_end_of_recovery's after the fields read here, so the layouts read are the same),
// with the parts of xlogrecovery_redo (xlogrecovery.c) that concern the data directory.
// Full-page images are restored; checkpoint records update the counters of the replay state
// and ask the engine for a restartpoint (RecoveryRestartPoint); the other record types change
// nothing in the data directory (PostgreSQL keeps them in shared memory or pg_control).
#include <fmt/format.h>

#include "redo/apply/record_data.h"
#include "common/log.h"
#include "redo/apply/commit_ts.h"
#include "wal/describe/desc_utils.h"
#include "wal/records/xlog.h"
#include "redo/replay_state.h"
#include "redo/rmgr.h"

namespace understudy {

namespace {

using redo::RedoOutcome;

template <typename T>
Result<T> load_main_data(const DecodedRecord& rec, const char* what) {
    T out{};
    if (!load_record(rec.main_data, out))
        return redo::main_data_too_short(rec, what, sizeof(T));
    return out;
}

// FullTransactionIdPrecedes
bool full_xid_precedes(std::uint64_t a, std::uint64_t b) { return a < b; }

// MultiXactIdPrecedes (multixact.c, PG15): modulo-2^32.
bool multixact_precedes(std::uint32_t a, std::uint32_t b) { return static_cast<std::int32_t>(a - b) < 0; }

// xlog_redo XLOG_FPI / XLOG_FPI_FOR_HINT (PG15): every block with an image is restored.
Result<RedoOutcome> redo_fpi(redo::RedoContext& ctx, const DecodedRecord& rec, bool hint) {
    for (int id = 0; id <= rec.max_block_id; ++id) {
        const DecodedBkpBlock* blk = rec.block(id);
        if (blk == nullptr) continue;
        if (!blk->has_image) {
            if (!hint)
                return redo::block_error(rec, id, "the block has no full-page image");
            continue;
        }
        storage::PageHandle page;
        const bool will_init = (blk->flags & BKPBLOCK_WILL_INIT) != 0;
        auto action = ctx.read_buffer_for_redo(rec, id, page,
                                               will_init ? storage::ReadBufferMode::RBM_ZERO_AND_LOCK
                                                         : storage::ReadBufferMode::RBM_NORMAL);
        if (!action) return action.error();
        if (*action != redo::XLogRedoAction::BLK_RESTORED)
            return make_error(fmt::format(
                "unexpected XLogReadBufferForRedo result when restoring backup block {} of the record at {}", id,
                format_lsn(rec.lsn)));
    }
    return RedoOutcome::applied;
}

// xlog_redo XLOG_CHECKPOINT_SHUTDOWN (PG15): believe the counters exactly.
Result<RedoOutcome> redo_checkpoint(redo::RedoContext& ctx, const DecodedRecord& rec, bool shutdown) {
    auto cp = load_main_data<CheckPoint>(rec, shutdown ? "CHECKPOINT_SHUTDOWN" : "CHECKPOINT_ONLINE");
    if (!cp) return cp.error();
    ReplayState& st = ctx.state();
    if (shutdown) {
        st.next_full_xid = cp->nextXid.value;
        st.next_oid = cp->nextOid;
        // MultiXactSetNextMXact
        st.next_multixact = cp->nextMulti;
        st.next_multixact_offset = cp->nextMultiOffset;
    } else {
        // XID counter as a minimum; nextOid ignored (tracked through NEXTOID records);
        // MultiXactAdvanceNextMXact.
        if (full_xid_precedes(st.next_full_xid, cp->nextXid.value)) st.next_full_xid = cp->nextXid.value;
        if (st.next_multixact == 0 || multixact_precedes(st.next_multixact, cp->nextMulti))
            st.next_multixact = cp->nextMulti;
        if (st.next_multixact_offset == 0 || multixact_precedes(st.next_multixact_offset, cp->nextMultiOffset))
            st.next_multixact_offset = cp->nextMultiOffset;
        if (st.next_oid == 0) st.next_oid = cp->nextOid;  // a first value for a sparse start
    }
    if (st.timeline != 0 && cp->ThisTimeLineID != st.timeline)
        return make_error(fmt::format("unexpected timeline ID {} (should be {}) in {} checkpoint record at {}",
                                      cp->ThisTimeLineID, st.timeline, shutdown ? "shutdown" : "online",
                                      format_lsn(rec.lsn)));
    ctx.request_restartpoint(rec.lsn, cp->redo);
    return RedoOutcome::applied;
}

}  // namespace

// xlog_redo (PG15 xlog.c).
Result<RedoOutcome> xlog_redo(redo::RedoContext& ctx, const DecodedRecord& rec) {
    const std::uint8_t info = rec.info();
    switch (info) {
        case XLOG_NEXTOID: {
            auto oid = load_main_data<Oid>(rec, "NEXTOID");
            if (!oid) return oid.error();
            ctx.state().next_oid = *oid;
            return RedoOutcome::applied;
        }
        case XLOG_CHECKPOINT_SHUTDOWN: return redo_checkpoint(ctx, rec, true);
        case XLOG_CHECKPOINT_ONLINE: return redo_checkpoint(ctx, rec, false);
        case XLOG_END_OF_RECOVERY: {
            auto eor = load_main_data<xl_end_of_recovery>(rec, "END_OF_RECOVERY");
            if (!eor) return eor.error();
            // The reader switched to the new timeline before this record (it follows the
            // history file); from here on the replay state names it.
            ctx.state().timeline = eor->ThisTimeLineID;
            return RedoOutcome::applied;
        }
        case XLOG_PARAMETER_CHANGE: {
            auto pc = load_main_data<xl_parameter_change>(rec, "PARAMETER_CHANGE");
            if (!pc) return pc.error();
            // pg_control's copy of the primary's settings: a standby that serves queries
            // checks them (CheckRequiredParameterValues); the data directory is unchanged.
            log::debug("parameter change at {}: max_connections={} wal_level={} track_commit_timestamp={}",
                       format_lsn(rec.lsn), pc->MaxConnections, pc->wal_level, pc->track_commit_timestamp != 0);
            // CommitTsParameterChange (xlog_redo, PG15): commit timestamps start or stop.
            if (auto r = redo::commit_ts_parameter_change(ctx, pc->track_commit_timestamp != 0); !r)
                return redo::record_error(rec, r.error().message);
            return RedoOutcome::applied;
        }
        case XLOG_FPI: return redo_fpi(ctx, rec, false);
        case XLOG_FPI_FOR_HINT: return redo_fpi(ctx, rec, true);
        case XLOG_OVERWRITE_CONTRECORD:  // checked by the reader (xlogrecovery_redo)
        case XLOG_NOOP:
        case XLOG_SWITCH:
        case XLOG_RESTORE_POINT:
        case XLOG_BACKUP_END:
        case XLOG_FPW_CHANGE:
            return RedoOutcome::applied;
        case XLOG_CHECKPOINT_REDO:
            // 17+ (kXlogVersions): the redo point of an online checkpoint; xlog_redo has
            // "nothing to do here, just for informational purposes". Before 17 0xE0 is no type.
            if (row_for_version(kXlogVersions, *rec.format).checkpoint_redo) return RedoOutcome::applied;
            return RedoOutcome::unsupported;
        default: return RedoOutcome::unsupported;
    }
}

}  // namespace understudy
