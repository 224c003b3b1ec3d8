// ReplicationOrigin describe routines: replorigin_desc and replorigin_identify (src/backend/
// access/rmgrdesc/replorigindesc.c, PostgreSQL 15).
#include <fmt/format.h>

#include <iterator>

#include "wal/describe/desc_utils.h"
#include "wal/records/replorigin.h"
#include "wal/rmgr_desc.h"

namespace understudy {

// replorigin_desc (replorigindesc.c, PG15).
void replorigin_desc(std::string& out, const DecodedRecord& rec) {
    const auto data = rec.main_data;
    switch (rec.info()) {
        case XLOG_REPLORIGIN_SET: {
            xl_replorigin_set xlrec{};
            if (!load_record(data, xlrec))
                return append_truncated(out, data.size(), sizeof(xl_replorigin_set));
            fmt::format_to(std::back_inserter(out), "set {}; lsn ", xlrec.node_id);
            append_lsn(out, xlrec.remote_lsn);
            fmt::format_to(std::back_inserter(out), "; force: {}", int{xlrec.force});
            break;
        }
        case XLOG_REPLORIGIN_DROP: {
            xl_replorigin_drop xlrec{};
            if (!load_record(data, xlrec))
                return append_truncated(out, data.size(), sizeof(xl_replorigin_drop));
            fmt::format_to(std::back_inserter(out), "drop {}", xlrec.node_id);
            break;
        }
        default: break;
    }
}

// replorigin_identify (replorigindesc.c, PG15). PostgreSQL switches on the unmasked xl_info.
const char* replorigin_identify(std::uint8_t xl_info) {
    switch (xl_info) {
        case XLOG_REPLORIGIN_SET: return "SET";
        case XLOG_REPLORIGIN_DROP: return "DROP";
        default: return nullptr;
    }
}

}  // namespace understudy
