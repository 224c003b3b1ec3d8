// Storage describe routines: smgr_desc and smgr_identify (src/backend/access/rmgrdesc/
// smgrdesc.c, PostgreSQL 15).
#include <fmt/format.h>

#include <iterator>

#include "wal/describe/desc_utils.h"
#include "wal/records/smgr.h"
#include "wal/rmgr_desc.h"

namespace understudy {

// smgr_desc (smgrdesc.c, PG15).
void smgr_desc(std::string& out, const DecodedRecord& rec) {
    const auto data = rec.main_data;
    const std::uint8_t info = rec.info();
    if (info == XLOG_SMGR_CREATE) {
        xl_smgr_create xlrec{};
        if (!load_record(data, xlrec))
            return append_truncated(out, data.size(), sizeof(xl_smgr_create));
        out += relpathperm(xlrec.rnode, static_cast<std::uint8_t>(xlrec.forkNum));
    } else if (info == XLOG_SMGR_TRUNCATE) {
        xl_smgr_truncate xlrec{};
        if (!load_record(data, xlrec))
            return append_truncated(out, data.size(), sizeof(xl_smgr_truncate));
        fmt::format_to(std::back_inserter(out), "{} to {} blocks flags {}",
                       relpathperm(xlrec.rnode, MAIN_FORKNUM), xlrec.blkno, xlrec.flags);
    }
}

// smgr_identify (smgrdesc.c, PG15).
const char* smgr_identify(std::uint8_t xl_info) {
    switch (xl_info & 0xF0) {
        case XLOG_SMGR_CREATE: return "CREATE";
        case XLOG_SMGR_TRUNCATE: return "TRUNCATE";
        default: return nullptr;
    }
}

}  // namespace understudy
