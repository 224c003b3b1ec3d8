// CLOG describe routines: clog_desc and clog_identify (src/backend/access/rmgrdesc/clogdesc.c,
// PostgreSQL 15).
#include <fmt/format.h>

#include <iterator>

#include "wal/describe/desc_utils.h"
#include "wal/records/clog.h"
#include "wal/rmgr_desc.h"

namespace understudy {

// clog_desc (clogdesc.c, PG15).
void clog_desc(std::string& out, const DecodedRecord& rec) {
    const auto data = rec.main_data;
    const std::uint8_t info = rec.info();
    if (info == CLOG_ZEROPAGE) {
        int pageno = 0;
        if (!load_record(data, pageno)) return append_truncated(out, data.size(), sizeof(int));
        fmt::format_to(std::back_inserter(out), "page {}", pageno);
    } else if (info == CLOG_TRUNCATE) {
        xl_clog_truncate xlrec{};
        if (!load_record(data, xlrec))
            return append_truncated(out, data.size(), sizeof(xl_clog_truncate));
        fmt::format_to(std::back_inserter(out), "page {}; oldestXact {}", xlrec.pageno,
                       xlrec.oldestXact);
    }
}

// clog_identify (clogdesc.c, PG15).
const char* clog_identify(std::uint8_t xl_info) {
    switch (xl_info & 0xF0) {
        case CLOG_ZEROPAGE: return "ZEROPAGE";
        case CLOG_TRUNCATE: return "TRUNCATE";
        default: return nullptr;
    }
}

}  // namespace understudy
