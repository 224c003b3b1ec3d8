// Redo routine of the CLOG resource manager: clog_redo (src/backend/access/transam/clog.c,
// PostgreSQL 15; 17's int64 page numbers by redo::slru_page_number). CLOG_ZEROPAGE zeroes a
// pg_xact page and writes it at once (ZeroCLOGPage + SimpleLruWritePage); CLOG_TRUNCATE removes
// the segments preceding the page (AdvanceOldestClogXid has only shared-memory effects;
// SimpleLruTruncate).
#include <fmt/format.h>

#include "redo/apply/record_data.h"
#include "wal/records/clog.h"
#include "wal/records/pg_types.h"
#include "redo/rmgr.h"

namespace understudy {

namespace {

}  // namespace

// clog_redo (clog.c, PG15).
Result<redo::RedoOutcome> clog_redo(redo::RedoContext& ctx, const DecodedRecord& rec) {
    switch (rec.info()) {
        case CLOG_ZEROPAGE: {
            auto pageno = redo::slru_page_number(rec);
            if (!pageno) return pageno.error();
            if (auto r = ctx.clog().zero_page(*pageno); !r) return redo::record_error(rec, r.error().message);
            return redo::RedoOutcome::applied;
        }
        case CLOG_TRUNCATE: {
            // xl_clog_truncate: the page number, then oldestXact and oldestXactDb (shared-memory
            // effects only: AdvanceOldestClogXid).
            auto pageno = redo::slru_page_number(rec, "xl_clog_truncate", sizeof(xl_clog_truncate_fields));
            if (!pageno) return pageno.error();
            if (auto r = ctx.clog().truncate(*pageno); !r) return redo::record_error(rec, r.error().message);
            return redo::RedoOutcome::applied;
        }
        default:
            return redo::record_error(rec, fmt::format("unknown op code {}", rec.info()));
    }
}

}  // namespace understudy
