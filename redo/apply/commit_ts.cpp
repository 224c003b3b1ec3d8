// Redo routine of the CommitTs resource manager: commit_ts_redo
// (src/backend/access/transam/commit_ts.c, PostgreSQL 15; 17's int64 page numbers by
// redo::slru_page_number). COMMIT_TS_ZEROPAGE zeroes a pg_commit_ts page and writes it
// (ZeroCommitTsPage + SimpleLruWritePage); COMMIT_TS_TRUNCATE sets latest_page_number to the
// record's page (to pass SimpleLruTruncate's wraparound check, as PostgreSQL does during replay)
// and truncates.
//
// Either record proves the primary runs with track_commit_timestamp = on: the replay state's
// commit_ts_active is set, so that commit records write their timestamps from then on.
#include <algorithm>

#include <fmt/format.h>

#include "redo/apply/record_data.h"
#include "redo/apply/commit_ts.h"
#include "wal/records/commit_ts.h"
#include "wal/records/pg_types.h"
#include "redo/replay_state.h"
#include "redo/rmgr.h"

namespace understudy {

namespace {

}  // namespace

namespace redo {

Result<void> commit_ts_parameter_change(RedoContext& ctx, bool newvalue) {
    ReplayState& st = ctx.state();
    const bool was_active = st.commit_ts_active.value_or(false);
    if (newvalue) {
        if (!was_active) {
            // ActivateCommitTs: create the current segment's page if necessary.
            const auto xid = static_cast<TransactionId>(st.next_full_xid & 0xFFFFFFFFu);
            const int pageno = static_cast<int>(xid / storage::COMMIT_TS_XACTS_PER_PAGE);
            storage::Slru& slru = ctx.commit_ts().slru();
            const int segno = pageno / storage::SLRU_PAGES_PER_SEGMENT;
            const auto segs = slru.segments();
            if (std::find(segs.begin(), segs.end(), segno) == segs.end())
                if (auto r = ctx.commit_ts().zero_page(pageno); !r) return r;
        }
        st.commit_ts_active = true;
        return {};
    }
    if (was_active) {
        // DeactivateCommitTs: SlruScanDirectory(CommitTsCtl, SlruScanDirCbDeleteAll).
        storage::Slru& slru = ctx.commit_ts().slru();
        for (int segno : slru.segments())
            if (auto r = slru.delete_segment(segno); !r) return r;
    }
    st.commit_ts_active = false;
    return {};
}

}  // namespace redo

// commit_ts_redo (commit_ts.c, PG15).
Result<redo::RedoOutcome> commit_ts_redo(redo::RedoContext& ctx, const DecodedRecord& rec) {
    switch (rec.info()) {
        case COMMIT_TS_ZEROPAGE: {
            auto pageno = redo::slru_page_number(rec);
            if (!pageno) return pageno.error();
            if (auto r = ctx.commit_ts().zero_page(*pageno); !r)
                return redo::record_error(rec, r.error().message);
            ctx.state().commit_ts_active = true;
            return redo::RedoOutcome::applied;
        }
        case COMMIT_TS_TRUNCATE: {
            // xl_commit_ts_truncate: the page number, then oldestXid (AdvanceOldestCommitTsXid:
            // shared memory only).
            auto pageno = redo::slru_page_number(rec, "xl_commit_ts_truncate", sizeof(TransactionId));
            if (!pageno) return pageno.error();
            ctx.commit_ts().slru().set_latest_page_number(*pageno);
            if (auto r = ctx.commit_ts().truncate(*pageno); !r)
                return redo::record_error(rec, r.error().message);
            ctx.state().commit_ts_active = true;
            return redo::RedoOutcome::applied;
        }
        default:
            return redo::record_error(rec, fmt::format("unknown op code {}", rec.info()));
    }
}

}  // namespace understudy
