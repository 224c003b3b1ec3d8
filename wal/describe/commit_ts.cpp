// CommitTs describe routines: commit_ts_desc and commit_ts_identify (src/backend/access/
// rmgrdesc/committsdesc.c, PostgreSQL 15; 17's int64 page numbers: redo/records/slru.h).
#include <fmt/format.h>

#include <iterator>

#include "wal/describe/desc_utils.h"
#include "wal/records/commit_ts.h"
#include "wal/records/slru.h"
#include "wal/rmgr_desc.h"

namespace understudy {

// commit_ts_desc (committsdesc.c, PG15).
void commit_ts_desc(std::string& out, const DecodedRecord& rec) {
    const auto data = rec.main_data;
    const std::uint8_t info = rec.info();
    const std::size_t pageno_size = slru_pageno_size(*rec.format);
    if (info == COMMIT_TS_ZEROPAGE) {
        const auto pageno = read_slru_pageno(data, *rec.format);
        if (!pageno) return append_truncated(out, data.size(), pageno_size);
        fmt::format_to(std::back_inserter(out), "{}", *pageno);
    } else if (info == COMMIT_TS_TRUNCATE) {
        // SizeOfCommitTsTruncate: the page number, then TransactionId oldestXid.
        const std::size_t need = pageno_size + sizeof(TransactionId);
        const auto pageno = read_slru_pageno(data, *rec.format);
        if (!pageno || data.size() < need) return append_truncated(out, data.size(), need);
        fmt::format_to(std::back_inserter(out), "pageno {}, oldestXid {}", *pageno,
                       load<TransactionId>(data.data() + pageno_size));
    }
}

// commit_ts_identify (committsdesc.c, PG15). PostgreSQL switches on the unmasked xl_info here,
// so a record with XLR_* flag bits set is not identified; we do the same.
const char* commit_ts_identify(std::uint8_t xl_info, const WalFormat& /*format*/) {
    switch (xl_info) {
        case COMMIT_TS_ZEROPAGE: return "ZEROPAGE";
        case COMMIT_TS_TRUNCATE: return "TRUNCATE";
        default: return nullptr;
    }
}

}  // namespace understudy
