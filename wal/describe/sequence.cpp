// Sequence describe routines: seq_desc and seq_identify (src/backend/access/rmgrdesc/seqdesc.c,
// PostgreSQL 15). 14, 16, 17 and 18 print the same from the same layout (16 names xl_seq_rec's
// RelFileNode a RelFileLocator: the same 12 bytes).
#include <fmt/format.h>

#include <iterator>

#include "wal/describe/desc_utils.h"
#include "wal/records/sequence.h"
#include "wal/rmgr_desc.h"

namespace understudy {

// seq_desc (seqdesc.c, PG15).
void seq_desc(std::string& out, const DecodedRecord& rec) {
    if (rec.info() != XLOG_SEQ_LOG) return;
    xl_seq_rec xlrec{};
    if (!load_record(rec.main_data, xlrec))
        return append_truncated(out, rec.main_data.size(), sizeof(xl_seq_rec));
    fmt::format_to(std::back_inserter(out), "rel {}/{}/{}", xlrec.node.spcNode,
                   xlrec.node.dbNode, xlrec.node.relNode);
}

// seq_identify (seqdesc.c, PG15).
const char* seq_identify(std::uint8_t xl_info, const WalFormat& /*format*/) {
    return (xl_info & 0xF0) == XLOG_SEQ_LOG ? "LOG" : nullptr;
}

}  // namespace understudy
