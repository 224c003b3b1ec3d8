// CLOG describe routines: clog_desc and clog_identify (src/backend/access/rmgrdesc/clogdesc.c,
// PostgreSQL 15; 17's int64 page numbers: redo/records/slru.h).
#include <fmt/format.h>

#include <algorithm>
#include <iterator>

#include "wal/describe/desc_utils.h"
#include "wal/records/clog.h"
#include "wal/records/slru.h"
#include "wal/rmgr_desc.h"

namespace understudy {

// clog_desc (clogdesc.c, PG15).
void clog_desc(std::string& out, const DecodedRecord& rec) {
    const auto data = rec.main_data;
    const std::uint8_t info = rec.info();
    const std::size_t pageno_size = slru_pageno_size(*rec.format);
    if (info == CLOG_ZEROPAGE) {
        const auto pageno = read_slru_pageno(data, *rec.format);
        if (!pageno) return append_truncated(out, data.size(), pageno_size);
        fmt::format_to(std::back_inserter(out), "page {}", *pageno);
    } else if (info == CLOG_TRUNCATE) {
        const std::size_t need = pageno_size + sizeof(xl_clog_truncate_fields);
        const auto pageno = read_slru_pageno(data, *rec.format);
        xl_clog_truncate_fields xlrec{};
        if (!pageno || !load_record(data.subspan(std::min(pageno_size, data.size())), xlrec))
            return append_truncated(out, data.size(), need);
        fmt::format_to(std::back_inserter(out), "page {}; oldestXact {}", *pageno,
                       xlrec.oldestXact);
    }
}

// clog_identify (clogdesc.c, PG15).
const char* clog_identify(std::uint8_t xl_info, const WalFormat& /*format*/) {
    switch (xl_info & 0xF0) {
        case CLOG_ZEROPAGE: return "ZEROPAGE";
        case CLOG_TRUNCATE: return "TRUNCATE";
        default: return nullptr;
    }
}

}  // namespace understudy
