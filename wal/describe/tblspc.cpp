// Tablespace describe routines: tblspc_desc and tblspc_identify (src/backend/access/rmgrdesc/
// tblspcdesc.c, PostgreSQL 15).
#include <fmt/format.h>

#include <iterator>

#include "wal/describe/desc_utils.h"
#include "wal/records/tblspc.h"
#include "wal/rmgr_desc.h"

namespace understudy {

// tblspc_desc (tblspcdesc.c, PG15).
void tblspc_desc(std::string& out, const DecodedRecord& rec) {
    const auto data = rec.main_data;
    const std::uint8_t info = rec.info();
    if (info == XLOG_TBLSPC_CREATE) {
        xl_tblspc_create_rec xlrec{};
        if (!load_record(data, xlrec, MinSizeOfTblspcCreateRec))
            return append_truncated(out, data.size(), MinSizeOfTblspcCreateRec);
        fmt::format_to(std::back_inserter(out), "{} \"{}\"", xlrec.ts_id,
                       c_string(data.subspan(MinSizeOfTblspcCreateRec)));
    } else if (info == XLOG_TBLSPC_DROP) {
        xl_tblspc_drop_rec xlrec{};
        if (!load_record(data, xlrec))
            return append_truncated(out, data.size(), sizeof(xl_tblspc_drop_rec));
        fmt::format_to(std::back_inserter(out), "{}", xlrec.ts_id);
    }
}

// tblspc_identify (tblspcdesc.c, PG15).
const char* tblspc_identify(std::uint8_t xl_info) {
    switch (xl_info & 0xF0) {
        case XLOG_TBLSPC_CREATE: return "CREATE";
        case XLOG_TBLSPC_DROP: return "DROP";
        default: return nullptr;
    }
}

}  // namespace understudy
