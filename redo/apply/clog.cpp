// Redo routine of the CLOG resource manager: clog_redo (src/backend/access/transam/clog.c,
// PostgreSQL 15). CLOG_ZEROPAGE zeroes a pg_xact page and writes it at once (ZeroCLOGPage +
// SimpleLruWritePage); CLOG_TRUNCATE removes the segments preceding the page
// (AdvanceOldestClogXid has only shared-memory effects; SimpleLruTruncate).
#include <fmt/format.h>

#include "wal/records/clog.h"
#include "wal/records/pg_types.h"
#include "redo/rmgr.h"

namespace understudy {

namespace {

Error clog_error(const DecodedRecord& rec, const char* what, const std::string& detail) {
    return make_error(fmt::format("CLOG {} redo at LSN {}: {}", what, format_lsn(rec.lsn), detail));
}

}  // namespace

// clog_redo (clog.c, PG15).
Result<redo::RedoOutcome> clog_redo(redo::RedoContext& ctx, const DecodedRecord& rec) {
    switch (rec.info()) {
        case CLOG_ZEROPAGE: {
            auto pageno = read_record_struct<int>(rec.main_data, sizeof(int));
            if (!pageno) return clog_error(rec, "ZEROPAGE", "main data shorter than a page number");
            if (auto r = ctx.clog().zero_page(*pageno); !r) return clog_error(rec, "ZEROPAGE", r.error().message);
            return redo::RedoOutcome::applied;
        }
        case CLOG_TRUNCATE: {
            auto xlrec = read_record_struct<xl_clog_truncate>(rec.main_data, sizeof(xl_clog_truncate));
            if (!xlrec) return clog_error(rec, "TRUNCATE", "main data shorter than xl_clog_truncate");
            if (auto r = ctx.clog().truncate(xlrec->pageno); !r) return clog_error(rec, "TRUNCATE", r.error().message);
            return redo::RedoOutcome::applied;
        }
        default:
            return clog_error(rec, "record", fmt::format("unknown op code {}", rec.info()));
    }
}

}  // namespace understudy
