// LogicalMessage describe routines: logicalmsg_desc and logicalmsg_identify (src/backend/access/
// rmgrdesc/logicalmsgdesc.c, PostgreSQL 15).
#include <fmt/format.h>

#include <iterator>

#include "wal/describe/desc_utils.h"
#include "wal/records/logicalmsg.h"
#include "wal/rmgr_desc.h"

namespace understudy {

// logicalmsg_desc (logicalmsgdesc.c, PG15): the prefix, then the payload as hex bytes.
void logicalmsg_desc(std::string& out, const DecodedRecord& rec) {
    if (rec.info() != XLOG_LOGICAL_MESSAGE) return;
    const auto data = rec.main_data;
    xl_logical_message xlrec{};
    if (!load_record(data, xlrec, SizeOfLogicalMessage))
        return append_truncated(out, data.size(), SizeOfLogicalMessage);

    const auto message = data.subspan(SizeOfLogicalMessage);
    auto it = std::back_inserter(out);
    fmt::format_to(it, "{}, prefix \"{}\"; payload ({} bytes): ",
                   xlrec.transactional != 0 ? "transactional" : "non-transactional",
                   c_string(message, xlrec.prefix_size), xlrec.message_size);

    const std::size_t prefix_size = xlrec.prefix_size < message.size() ? xlrec.prefix_size : message.size();
    const auto payload = message.subspan(prefix_size);
    const std::size_t n = xlrec.message_size < payload.size() ? xlrec.message_size : payload.size();
    for (std::size_t i = 0; i < n; ++i) {
        if (i > 0) out += ' ';
        fmt::format_to(it, "{:02X}", payload[i]);
    }
    if (n < xlrec.message_size) append_truncated(out, data.size());
}

// logicalmsg_identify (logicalmsgdesc.c, PG15).
const char* logicalmsg_identify(std::uint8_t xl_info) {
    return (xl_info & 0xF0) == XLOG_LOGICAL_MESSAGE ? "MESSAGE" : nullptr;
}

}  // namespace understudy
