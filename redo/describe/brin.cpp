// Describe routines of the BRIN rmgr: mirrors brin_desc() and brin_identify() of PostgreSQL 15
// (src/backend/access/rmgrdesc/brindesc.c).
#include <iterator>
#include <string>

#include <fmt/format.h>

#include "redo/records/brin.h"
#include "redo/rmgr.h"

namespace understudy {

namespace {

// Copies the record struct out of the main data. A record too short for it is described with
// the missing bytes as zeros, then a note (PostgreSQL would read past the record).
template <typename T>
T read_main(const DecodedRecord& record, std::size_t size_of, bool& complete) {
    T rec{};
    complete = read_record_struct(record.main_data, size_of, rec);
    return rec;
}

void note_if_short(std::string& out, bool complete, const DecodedRecord& record, std::size_t size_of) {
    if (!complete)
        fmt::format_to(std::back_inserter(out), " [main data too short: {} of {} bytes]", record.main_data.size(),
                       size_of);
}

}  // namespace

// brin_desc (PG15).
void brin_desc(std::string& out, const DecodedRecord& record) {
    auto app = std::back_inserter(out);
    bool complete = true;
    std::size_t size_of = 0;
    switch (record.info() & XLOG_BRIN_OPMASK) {
        case XLOG_BRIN_CREATE_INDEX: {
            size_of = SizeOfBrinCreateIdx;
            const auto xlrec = read_main<xl_brin_createidx>(record, size_of, complete);
            fmt::format_to(app, "v{} pagesPerRange {}", xlrec.version, xlrec.pagesPerRange);
            break;
        }
        case XLOG_BRIN_INSERT: {
            size_of = SizeOfBrinInsert;
            const auto xlrec = read_main<xl_brin_insert>(record, size_of, complete);
            fmt::format_to(app, "heapBlk {} pagesPerRange {} offnum {}", xlrec.heapBlk, xlrec.pagesPerRange,
                           xlrec.offnum);
            break;
        }
        case XLOG_BRIN_UPDATE: {
            size_of = SizeOfBrinUpdate;
            const auto xlrec = read_main<xl_brin_update>(record, size_of, complete);
            fmt::format_to(app, "heapBlk {} pagesPerRange {} old offnum {}, new offnum {}", xlrec.insert.heapBlk,
                           xlrec.insert.pagesPerRange, xlrec.oldOffnum, xlrec.insert.offnum);
            break;
        }
        case XLOG_BRIN_SAMEPAGE_UPDATE: {
            size_of = SizeOfBrinSamepageUpdate;
            const auto xlrec = read_main<xl_brin_samepage_update>(record, size_of, complete);
            fmt::format_to(app, "offnum {}", xlrec.offnum);
            break;
        }
        case XLOG_BRIN_REVMAP_EXTEND: {
            size_of = SizeOfBrinRevmapExtend;
            const auto xlrec = read_main<xl_brin_revmap_extend>(record, size_of, complete);
            fmt::format_to(app, "targetBlk {}", xlrec.targetBlk);
            break;
        }
        case XLOG_BRIN_DESUMMARIZE: {
            size_of = SizeOfBrinDesummarize;
            const auto xlrec = read_main<xl_brin_desummarize>(record, size_of, complete);
            fmt::format_to(app, "pagesPerRange {}, heapBlk {}, page offset {}", xlrec.pagesPerRange, xlrec.heapBlk,
                           xlrec.regOffset);
            break;
        }
        default:
            break;
    }
    note_if_short(out, complete, record, size_of);
}

// brin_identify (PG15).
const char* brin_identify(std::uint8_t xl_info) {
    switch (xl_info & 0xF0) {
        case XLOG_BRIN_CREATE_INDEX: return "CREATE_INDEX";
        case XLOG_BRIN_INSERT: return "INSERT";
        case XLOG_BRIN_INSERT | XLOG_BRIN_INIT_PAGE: return "INSERT+INIT";
        case XLOG_BRIN_UPDATE: return "UPDATE";
        case XLOG_BRIN_UPDATE | XLOG_BRIN_INIT_PAGE: return "UPDATE+INIT";
        case XLOG_BRIN_SAMEPAGE_UPDATE: return "SAMEPAGE_UPDATE";
        case XLOG_BRIN_REVMAP_EXTEND: return "REVMAP_EXTEND";
        case XLOG_BRIN_DESUMMARIZE: return "DESUMMARIZE";
        default: return nullptr;
    }
}

}  // namespace understudy
