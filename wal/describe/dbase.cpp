// Database describe routines: dbase_desc and dbase_identify (src/backend/access/rmgrdesc/
// dbasedesc.c, PostgreSQL 15).
#include <fmt/format.h>

#include <iterator>

#include "wal/describe/desc_utils.h"
#include "wal/records/dbase.h"
#include "wal/rmgr_desc.h"

namespace understudy {

namespace {

// XLOG_DBASE_DROP: "dir 1663/16384 16390/16384".
void desc_drop(std::string& out, std::span<const std::uint8_t> data) {
    xl_dbase_drop_rec xlrec{};
    if (!load_record(data, xlrec, MinSizeOfDbaseDropRec))
        return append_truncated(out, data.size(), MinSizeOfDbaseDropRec);
    ByteReader reader(data);
    reader.skip(MinSizeOfDbaseDropRec);
    bool truncated = false;
    const auto tablespace_ids = take_array<Oid>(reader, xlrec.ntablespaces, truncated);
    out += "dir";
    for (std::size_t i = 0; i < tablespace_ids.size(); ++i)
        fmt::format_to(std::back_inserter(out), " {}/{}", tablespace_ids[i], xlrec.db_id);
    if (truncated) append_truncated(out, data.size());
}

}  // namespace

// dbase_desc (dbasedesc.c, PG15).
void dbase_desc(std::string& out, const DecodedRecord& rec) {
    const auto data = rec.main_data;
    const std::uint8_t info = rec.info();
    auto it = std::back_inserter(out);
    if (info == XLOG_DBASE_CREATE_FILE_COPY) {
        xl_dbase_create_file_copy_rec xlrec{};
        if (!load_record(data, xlrec))
            return append_truncated(out, data.size(), sizeof(xlrec));
        fmt::format_to(it, "copy dir {}/{} to {}/{}", xlrec.src_tablespace_id, xlrec.src_db_id,
                       xlrec.tablespace_id, xlrec.db_id);
    } else if (info == XLOG_DBASE_CREATE_WAL_LOG) {
        xl_dbase_create_wal_log_rec xlrec{};
        if (!load_record(data, xlrec))
            return append_truncated(out, data.size(), sizeof(xlrec));
        fmt::format_to(it, "create dir {}/{}", xlrec.tablespace_id, xlrec.db_id);
    } else if (info == XLOG_DBASE_DROP) {
        desc_drop(out, data);
    }
}

// dbase_identify (dbasedesc.c, PG15).
const char* dbase_identify(std::uint8_t xl_info) {
    switch (xl_info & 0xF0) {
        case XLOG_DBASE_CREATE_FILE_COPY: return "CREATE_FILE_COPY";
        case XLOG_DBASE_CREATE_WAL_LOG: return "CREATE_WAL_LOG";
        case XLOG_DBASE_DROP: return "DROP";
        default: return nullptr;
    }
}

}  // namespace understudy
