// MultiXact describe routines: multixact_desc and multixact_identify (src/backend/access/
// rmgrdesc/mxactdesc.c, PostgreSQL 15).
#include <fmt/format.h>

#include <iterator>

#include "wal/describe/desc_utils.h"
#include "wal/records/multixact.h"
#include "wal/rmgr_desc.h"

namespace understudy {

namespace {

// out_member (mxactdesc.c, PG15).
void out_member(std::string& out, const MultiXactMember& member) {
    fmt::format_to(std::back_inserter(out), "{} ", member.xid);
    switch (member.status) {
        case MultiXactStatusForKeyShare: out += "(keysh) "; break;
        case MultiXactStatusForShare: out += "(sh) "; break;
        case MultiXactStatusForNoKeyUpdate: out += "(fornokeyupd) "; break;
        case MultiXactStatusForUpdate: out += "(forupd) "; break;
        case MultiXactStatusNoKeyUpdate: out += "(nokeyupd) "; break;
        case MultiXactStatusUpdate: out += "(upd) "; break;
        default: out += "(unk) "; break;
    }
}

void desc_create(std::string& out, std::span<const std::uint8_t> data) {
    xl_multixact_create xlrec{};
    if (!load_record(data, xlrec, SizeOfMultiXactCreate))
        return append_truncated(out, data.size(), SizeOfMultiXactCreate);
    ByteReader reader(data);
    reader.skip(SizeOfMultiXactCreate);
    bool truncated = false;
    const auto members = take_array<MultiXactMember>(reader, xlrec.nmembers, truncated);
    fmt::format_to(std::back_inserter(out), "{} offset {} nmembers {}: ", xlrec.mid, xlrec.moff,
                   xlrec.nmembers);
    for (std::size_t i = 0; i < members.size(); ++i) out_member(out, members[i]);
    if (truncated) append_truncated(out, data.size());
}

}  // namespace

// multixact_desc (mxactdesc.c, PG15).
void multixact_desc(std::string& out, const DecodedRecord& rec) {
    const auto data = rec.main_data;
    const std::uint8_t info = rec.info();
    if (info == XLOG_MULTIXACT_ZERO_OFF_PAGE || info == XLOG_MULTIXACT_ZERO_MEM_PAGE) {
        int pageno = 0;
        if (!load_record(data, pageno)) return append_truncated(out, data.size(), sizeof(int));
        fmt::format_to(std::back_inserter(out), "{}", pageno);
    } else if (info == XLOG_MULTIXACT_CREATE_ID) {
        desc_create(out, data);
    } else if (info == XLOG_MULTIXACT_TRUNCATE_ID) {
        xl_multixact_truncate xlrec{};
        if (!load_record(data, xlrec, SizeOfMultiXactTruncate))
            return append_truncated(out, data.size(), SizeOfMultiXactTruncate);
        fmt::format_to(std::back_inserter(out), "offsets [{}, {}), members [{}, {})",
                       xlrec.startTruncOff, xlrec.endTruncOff, xlrec.startTruncMemb,
                       xlrec.endTruncMemb);
    }
}

// multixact_identify (mxactdesc.c, PG15).
const char* multixact_identify(std::uint8_t xl_info) {
    switch (xl_info & 0xF0) {
        case XLOG_MULTIXACT_ZERO_OFF_PAGE: return "ZERO_OFF_PAGE";
        case XLOG_MULTIXACT_ZERO_MEM_PAGE: return "ZERO_MEM_PAGE";
        case XLOG_MULTIXACT_CREATE_ID: return "CREATE_ID";
        case XLOG_MULTIXACT_TRUNCATE_ID: return "TRUNCATE_ID";
        default: return nullptr;
    }
}

}  // namespace understudy
