// Redo routine of the Transaction resource manager, mirroring PostgreSQL 15's xact_redo
// (src/backend/access/transam/xact.c: xact_redo, xact_redo_commit, xact_redo_abort) and the
// recovery parts of twophase.c (PrepareRedoAdd, PrepareRedoRemove).
//
// What reaches the data directory: transaction status in pg_xact for the top-level transaction
// and its subtransactions (TransactionIdCommitTree / TransactionIdAbortTree, with the
// SUB_COMMITTED step of TransactionIdSetTreeStatus), commit timestamps in pg_commit_ts
// (TransactionTreeSetCommitTsData, only while the commit_ts module is active), and the
// relation files a commit or abort drops (DropRelationFiles: buffers forgotten, every fork
// unlinked). Into the replay state: nextXid (AdvanceNextFullTransactionIdPastXid), prepared
// transactions (TwoPhaseState) and replication origin progress (replorigin_advance).
//
// Not mirrored, having no effect on disk: the standby's KnownAssignedXids / lock / cache
// invalidation bookkeeping (ASSIGNMENT, INVALIDATIONS, AE locks, invalidation messages),
// pgstat_execute_transactional_drops (statistics are not kept by a standby's data directory),
// XLogFlush calls (minRecoveryPoint) and XLogRequestWalReceiverReply.
#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "redo/apply/record_data.h"
#include "common/log.h"
#include "redo/apply/transam.h"
#include "wal/describe/desc_utils.h"
#include "wal/records/xact.h"
#include "redo/replay_state.h"
#include "redo/storage/twophase_file.h"
#include "redo/rmgr.h"

namespace understudy {

namespace {

using redo::RedoContext;
using redo::RedoOutcome;

template <typename T>
std::vector<T> to_vector(const PackedArray<T>& a) {
    std::vector<T> v;
    v.reserve(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) v.push_back(a[i]);
    return v;
}

// Whether TransactionTreeSetCommitTsData writes (commitTsShared->commitTsActive, commit_ts.c,
// PG15). The flag lives in the replay state (set by the CommitTs records and by
// PARAMETER_CHANGE, CommitTsParameterChange); while it is unknown, a data directory that already
// has pg_commit_ts segments (a copy of a primary with track_commit_timestamp = on) counts as
// active, as StartupCommitTs activates the module from pg_control.
bool commit_ts_active(RedoContext& ctx) {
    ReplayState& st = ctx.state();
    if (!st.commit_ts_active) st.commit_ts_active = !ctx.commit_ts().slru().segments().empty();
    return *st.commit_ts_active;
}

// DropRelationFiles(xnodes, nrels, isRedo=true) (md.c, PG15): smgrdounlinkall drops the
// relations' buffers (DropRelFileNodesAllBuffers) and unlinks every fork.
Result<void> drop_relation_files(RedoContext& ctx, const DecodedRecord& rec, const PackedArray<RelFileNode>& nodes) {
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const RelFileNode rnode = nodes[i];
        if (auto r = ctx.pages().drop_relation(rnode); !r)
            return redo::record_error(rec, r.error().message);
        if (auto r = ctx.smgr().unlink_all_forks(rnode); !r)
            return redo::record_error(rec, r.error().message);
    }
    return {};
}

// xact_redo_commit (xact.c, PG15).
Result<void> xact_redo_commit(RedoContext& ctx, const DecodedRecord& rec, const ParsedXactRecord& parsed,
                              TransactionId xid, RepOriginId origin_id) {
    if (xid == InvalidTransactionId) return redo::record_error(rec, "the record names no transaction id");
    const std::vector<TransactionId> subxacts = to_vector(parsed.subxacts);
    const TransactionId max_xid = redo::transaction_id_latest(xid, subxacts);
    redo::advance_next_full_xid_past(ctx.state(), max_xid);

    const TimestampTz commit_time =
        (parsed.xinfo & XACT_XINFO_HAS_ORIGIN) ? parsed.origin_timestamp : parsed.xact_time;
    // TransactionTreeSetCommitTsData: a no-op while the module is inactive.
    if (commit_ts_active(ctx))
        if (auto r = ctx.commit_ts().set_tree(xid, subxacts, commit_time, origin_id); !r)
            return redo::record_error(rec, r.error().message);

    // TransactionIdCommitTree (TransactionIdAsyncCommitTree in hot standby: same status bits).
    if (auto r = ctx.clog().set_tree_status(xid, subxacts, storage::TRANSACTION_STATUS_COMMITTED); !r)
        return redo::record_error(rec, r.error().message);

    if (parsed.xinfo & XACT_XINFO_HAS_ORIGIN)
        redo::replorigin_advance(ctx.state(), origin_id, parsed.origin_lsn, rec.end_lsn, /*go_backward=*/false);

    return drop_relation_files(ctx, rec, parsed.xnodes);
}

// xact_redo_abort (xact.c, PG15).
Result<void> xact_redo_abort(RedoContext& ctx, const DecodedRecord& rec, const ParsedXactRecord& parsed,
                             TransactionId xid, RepOriginId origin_id) {
    if (xid == InvalidTransactionId) return redo::record_error(rec, "the record names no transaction id");
    const std::vector<TransactionId> subxacts = to_vector(parsed.subxacts);
    const TransactionId max_xid = redo::transaction_id_latest(xid, subxacts);
    redo::advance_next_full_xid_past(ctx.state(), max_xid);

    // TransactionIdAbortTree.
    if (auto r = ctx.clog().set_tree_status(xid, subxacts, storage::TRANSACTION_STATUS_ABORTED); !r)
        return redo::record_error(rec, r.error().message);

    if (parsed.xinfo & XACT_XINFO_HAS_ORIGIN)
        redo::replorigin_advance(ctx.state(), origin_id, parsed.origin_lsn, rec.end_lsn, /*go_backward=*/false);

    return drop_relation_files(ctx, rec, parsed.xnodes);
}

// PrepareRedoAdd (twophase.c, PG15): remember the prepared transaction and where its record is
// (a restartpoint in PostgreSQL writes pg_twophase files from those LSNs; here the list is part
// of the durable replay state).
Result<void> prepare_redo_add(RedoContext& ctx, const DecodedRecord& rec) {
    xl_xact_prepare hdr{};
    if (!load_record(rec.main_data, hdr))
        return redo::record_error(rec, fmt::format("main data is {} bytes, shorter than the {} of its header",
                                        rec.main_data.size(), sizeof(xl_xact_prepare)));
    const ParsedXactRecord parsed = ParsePrepareRecord(rec.main_data, *rec.format);
    if (parsed.truncated) return redo::record_error(rec, "the record ends before the parts its header announces");
    ReplayState& st = ctx.state();
    // A rerun after a crash may see the PREPARE again: keep one entry per xid.
    std::erase_if(st.prepared_xacts, [&](const PreparedXact& p) { return p.xid == hdr.xid; });
    PreparedXact p;
    p.xid = hdr.xid;
    p.gid = parsed.twophase_gid;
    p.prepare_start_lsn = rec.lsn;
    p.prepare_end_lsn = rec.end_lsn;
    p.database = hdr.database;
    p.owner = hdr.owner;
    p.prepared_at = hdr.prepared_at;
    // A full directory keeps the state file's contents for the restartpoint that writes it.
    if (st.full) p.data.assign(reinterpret_cast<const char*>(rec.main_data.data()), rec.main_data.size());
    st.prepared_xacts.push_back(std::move(p));
    if (rec.record_origin != InvalidRepOriginId)
        redo::replorigin_advance(st, rec.record_origin, hdr.origin_lsn, rec.end_lsn, /*go_backward=*/false);
    log::debug("added 2PC data for transaction {} (gid \"{}\") at {}", hdr.xid, parsed.twophase_gid,
               format_lsn(rec.lsn));
    return {};
}

// PrepareRedoRemove(xid, giveWarning=false) (twophase.c, PG15): an unknown xid is ignored; a
// state file a restartpoint wrote is removed.
Result<void> prepare_redo_remove(RedoContext& ctx, const DecodedRecord& rec, TransactionId xid) {
    ReplayState& st = ctx.state();
    bool on_disk = false;
    std::erase_if(st.prepared_xacts, [&](const PreparedXact& p) {
        if (p.xid != xid) return false;
        on_disk = on_disk || p.on_disk;
        return true;
    });
    if (!on_disk) return {};
    if (auto r = storage::remove_twophase_file(ctx.smgr().data_dir(), rec.format->major_version, xid, st.next_full_xid);
        !r)
        return redo::record_error(rec, r.message());
    return {};
}

Result<RedoOutcome> redo_commit(RedoContext& ctx, const DecodedRecord& rec, bool prepared) {
    const ParsedXactRecord parsed = ParseCommitRecord(rec.xl_info, rec.main_data, *rec.format);
    if (parsed.truncated || rec.main_data.size() < MinSizeOfXactCommit)
        return redo::record_error(rec, "the record ends before the parts its xinfo announces");
    const TransactionId xid = prepared ? parsed.twophase_xid : rec.xl_xid;
    if (auto r = xact_redo_commit(ctx, rec, parsed, xid, rec.record_origin); !r) return r.error();
    if (prepared)
        if (auto r = prepare_redo_remove(ctx, rec, parsed.twophase_xid); !r) return r.error();
    return RedoOutcome::applied;
}

Result<RedoOutcome> redo_abort(RedoContext& ctx, const DecodedRecord& rec, bool prepared) {
    const ParsedXactRecord parsed = ParseAbortRecord(rec.xl_info, rec.main_data, *rec.format);
    if (parsed.truncated || rec.main_data.size() < MinSizeOfXactAbort)
        return redo::record_error(rec, "the record ends before the parts its xinfo announces");
    const TransactionId xid = prepared ? parsed.twophase_xid : rec.xl_xid;
    if (auto r = xact_redo_abort(ctx, rec, parsed, xid, rec.record_origin); !r) return r.error();
    if (prepared)
        if (auto r = prepare_redo_remove(ctx, rec, parsed.twophase_xid); !r) return r.error();
    return RedoOutcome::applied;
}

}  // namespace

// xact_redo (xact.c, PG15).
Result<redo::RedoOutcome> xact_redo(redo::RedoContext& ctx, const DecodedRecord& rec) {
    switch (rec.xl_info & XLOG_XACT_OPMASK) {
        case XLOG_XACT_COMMIT:
            return redo_commit(ctx, rec, /*prepared=*/false);
        case XLOG_XACT_COMMIT_PREPARED:
            return redo_commit(ctx, rec, /*prepared=*/true);
        case XLOG_XACT_ABORT:
            return redo_abort(ctx, rec, /*prepared=*/false);
        case XLOG_XACT_ABORT_PREPARED:
            return redo_abort(ctx, rec, /*prepared=*/true);
        case XLOG_XACT_PREPARE:
            if (auto r = prepare_redo_add(ctx, rec); !r) return r.error();
            return RedoOutcome::applied;
        case XLOG_XACT_ASSIGNMENT: {
            // ProcArrayApplyXidAssignment: subtransaction -> parent links in pg_subtrans and
            // KnownAssignedXids, both rebuilt from scratch by a standby at startup; nothing durable.
            if (rec.main_data.size() < MinSizeOfXactAssignment)
                return redo::record_error(rec, "main data shorter than xl_xact_assignment");
            return RedoOutcome::applied;
        }
        case XLOG_XACT_INVALIDATIONS:
            // "we do ignore this for now, what matters are invalidations written into the commit
            // record" (xact_redo, PG15).
            return RedoOutcome::applied;
        default:
            return redo::record_error(rec, fmt::format("unknown op code {}", rec.xl_info & XLOG_XACT_OPMASK));
    }
}

}  // namespace understudy
