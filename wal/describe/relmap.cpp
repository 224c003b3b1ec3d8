// RelMap describe routines: relmap_desc and relmap_identify (src/backend/access/rmgrdesc/
// relmapdesc.c, PostgreSQL 15).
#include <fmt/format.h>

#include <iterator>

#include "wal/describe/desc_utils.h"
#include "wal/records/relmap.h"
#include "wal/rmgr_desc.h"

namespace understudy {

// relmap_desc (relmapdesc.c, PG15).
void relmap_desc(std::string& out, const DecodedRecord& rec) {
    const auto data = rec.main_data;
    if (rec.info() != XLOG_RELMAP_UPDATE) return;
    xl_relmap_update xlrec{};
    if (!load_record(data, xlrec, MinSizeOfRelmapUpdate))
        return append_truncated(out, data.size(), MinSizeOfRelmapUpdate);
    fmt::format_to(std::back_inserter(out), "database {} tablespace {} size {}", xlrec.dbid,
                   xlrec.tsid, xlrec.nbytes);
}

// relmap_identify (relmapdesc.c, PG15).
const char* relmap_identify(std::uint8_t xl_info) {
    return (xl_info & 0xF0) == XLOG_RELMAP_UPDATE ? "UPDATE" : nullptr;
}

}  // namespace understudy
