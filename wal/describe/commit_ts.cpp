// CommitTs describe routines: commit_ts_desc and commit_ts_identify (src/backend/access/
// rmgrdesc/committsdesc.c, PostgreSQL 15).
#include <fmt/format.h>

#include <iterator>

#include "wal/describe/desc_utils.h"
#include "wal/records/commit_ts.h"
#include "wal/rmgr_desc.h"

namespace understudy {

// commit_ts_desc (committsdesc.c, PG15).
void commit_ts_desc(std::string& out, const DecodedRecord& rec) {
    const auto data = rec.main_data;
    const std::uint8_t info = rec.info();
    if (info == COMMIT_TS_ZEROPAGE) {
        int pageno = 0;
        if (!load_record(data, pageno)) return append_truncated(out, data.size(), sizeof(int));
        fmt::format_to(std::back_inserter(out), "{}", pageno);
    } else if (info == COMMIT_TS_TRUNCATE) {
        xl_commit_ts_truncate trunc{};
        if (!load_record(data, trunc, SizeOfCommitTsTruncate))
            return append_truncated(out, data.size(), SizeOfCommitTsTruncate);
        fmt::format_to(std::back_inserter(out), "pageno {}, oldestXid {}", trunc.pageno,
                       trunc.oldestXid);
    }
}

// commit_ts_identify (committsdesc.c, PG15). PostgreSQL switches on the unmasked xl_info here,
// so a record with XLR_* flag bits set is not identified; we do the same.
const char* commit_ts_identify(std::uint8_t xl_info) {
    switch (xl_info) {
        case COMMIT_TS_ZEROPAGE: return "ZEROPAGE";
        case COMMIT_TS_TRUNCATE: return "TRUNCATE";
        default: return nullptr;
    }
}

}  // namespace understudy
