// Redo routine of the MultiXact resource manager: multixact_redo
// (src/backend/access/transam/multixact.c, PostgreSQL 15): zeroing of offsets and members pages
// (ZeroMultiXactOffsetPage / ZeroMultiXactMemberPage + SimpleLruWritePage), creation of a
// multixact (RecordNewMultiXact, MultiXactAdvanceNextMXact, AdvanceNextFullTransactionIdPastXid)
// and truncation (PerformMembersTruncation, then PerformOffsetsTruncation after setting the
// offsets SLRU's latest_page_number as PostgreSQL does during replay). SetMultiXactIdLimit has
// only shared-memory effects. 17's zero-page records carry an int64 page number
// (redo::slru_page_number); xl_multixact_create and xl_multixact_truncate are unchanged.
#include <vector>

#include <fmt/format.h>

#include "redo/apply/record_data.h"
#include "common/bytes.h"
#include "redo/apply/transam.h"
#include "wal/records/multixact.h"
#include "wal/records/pg_types.h"
#include "redo/replay_state.h"
#include "redo/rmgr.h"
#include "redo/storage/page.h"

namespace understudy {

namespace {

using redo::RedoContext;
using redo::RedoOutcome;

// XLOG_MULTIXACT_CREATE_ID (multixact_redo, PG15).
Result<RedoOutcome> redo_create_id(RedoContext& ctx, const DecodedRecord& rec) {
    auto xlrec = read_record_struct<xl_multixact_create>(rec.main_data, SizeOfMultiXactCreate);
    if (!xlrec) return redo::record_error(rec, "main data shorter than xl_multixact_create");
    const std::size_t member_size = sizeof(understudy::MultiXactMember);
    if (xlrec->nmembers < 0 ||
        rec.main_data.size() < SizeOfMultiXactCreate + static_cast<std::size_t>(xlrec->nmembers) * member_size)
        return redo::record_error(rec, fmt::format("{} members announced, main data is {} bytes", xlrec->nmembers,
                                           rec.main_data.size()));
    std::vector<storage::MultiXactMember> members;
    members.reserve(static_cast<std::size_t>(xlrec->nmembers));
    TransactionId max_xid = rec.xl_xid;
    for (int i = 0; i < xlrec->nmembers; ++i) {
        const std::uint8_t* p = rec.main_data.data() + SizeOfMultiXactCreate + static_cast<std::size_t>(i) * member_size;
        storage::MultiXactMember m;
        m.xid = load<TransactionId>(p);
        m.status = static_cast<storage::MultiXactStatus>(load<std::int32_t>(p + 4));
        members.push_back(m);
        if (transaction_id_precedes(max_xid, m.xid)) max_xid = m.xid;
    }
    // RecordNewMultiXact: store the data back into the SLRU files.
    if (auto r = ctx.multixact().record_new_multixact(xlrec->mid, xlrec->moff, members); !r)
        return redo::record_error(rec, r.error().message);
    // MultiXactAdvanceNextMXact(mid + 1, moff + nmembers).
    redo::multixact_advance_next(ctx.state(), xlrec->mid + 1,
                                 xlrec->moff + static_cast<MultiXactOffset>(xlrec->nmembers));
    redo::advance_next_full_xid_past(ctx.state(), max_xid);
    return RedoOutcome::applied;
}

// XLOG_MULTIXACT_TRUNCATE_ID (multixact_redo, PG15).
Result<RedoOutcome> redo_truncate_id(RedoContext& ctx, const DecodedRecord& rec) {
    auto xlrec = read_record_struct<xl_multixact_truncate>(rec.main_data, SizeOfMultiXactTruncate);
    if (!xlrec) return redo::record_error(rec, "main data shorter than xl_multixact_truncate");
    if (auto r = ctx.multixact().truncate_members(xlrec->startTruncMemb, xlrec->endTruncMemb); !r)
        return redo::record_error(rec, r.error().message);
    ctx.multixact().offsets().set_latest_page_number(storage::multixact_offset_page(xlrec->endTruncOff));
    if (auto r = ctx.multixact().truncate_offsets(xlrec->startTruncOff, xlrec->endTruncOff); !r)
        return redo::record_error(rec, r.error().message);
    return RedoOutcome::applied;
}

}  // namespace

// multixact_redo (multixact.c, PG15).
Result<redo::RedoOutcome> multixact_redo(redo::RedoContext& ctx, const DecodedRecord& rec) {
    switch (rec.info()) {
        case XLOG_MULTIXACT_ZERO_OFF_PAGE: {
            auto pageno = redo::slru_page_number(rec);
            if (!pageno) return pageno.error();
            if (auto r = ctx.multixact().zero_offsets_page(*pageno); !r)
                return redo::record_error(rec, r.error().message);
            return RedoOutcome::applied;
        }
        case XLOG_MULTIXACT_ZERO_MEM_PAGE: {
            auto pageno = redo::slru_page_number(rec);
            if (!pageno) return pageno.error();
            if (auto r = ctx.multixact().zero_members_page(*pageno); !r)
                return redo::record_error(rec, r.error().message);
            return RedoOutcome::applied;
        }
        case XLOG_MULTIXACT_CREATE_ID:
            return redo_create_id(ctx, rec);
        case XLOG_MULTIXACT_TRUNCATE_ID:
            return redo_truncate_id(ctx, rec);
        default:
            return redo::record_error(rec, fmt::format("unknown op code {}", rec.info()));
    }
}

}  // namespace understudy
