// Describe routines of the BRIN rmgr: mirrors brin_desc() and brin_identify() of PostgreSQL 15
// (src/backend/access/rmgrdesc/brindesc.c). 14, 16, 17 and 18 print the same and their BRIN
// record layouts are 15's.
#include <iterator>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "wal/describe/desc_utils.h"
#include "wal/records/brin.h"
#include "wal/rmgr_desc.h"

namespace understudy {

// brin_desc (PG15).
void brin_desc(std::string& out, const DecodedRecord& record) {
    auto app = std::back_inserter(out);
    switch (record.info() & XLOG_BRIN_OPMASK) {
        case XLOG_BRIN_CREATE_INDEX: {
            const auto xlrec = fixed_part<xl_brin_createidx>(out, record, SizeOfBrinCreateIdx);
            if (!xlrec) break;
            fmt::format_to(app, "v{} pagesPerRange {}", xlrec->version, xlrec->pagesPerRange);
            break;
        }
        case XLOG_BRIN_INSERT: {
            const auto xlrec = fixed_part<xl_brin_insert>(out, record, SizeOfBrinInsert);
            if (!xlrec) break;
            fmt::format_to(app, "heapBlk {} pagesPerRange {} offnum {}", xlrec->heapBlk, xlrec->pagesPerRange,
                           xlrec->offnum);
            break;
        }
        case XLOG_BRIN_UPDATE: {
            const auto xlrec = fixed_part<xl_brin_update>(out, record, SizeOfBrinUpdate);
            if (!xlrec) break;
            fmt::format_to(app, "heapBlk {} pagesPerRange {} old offnum {}, new offnum {}", xlrec->insert.heapBlk,
                           xlrec->insert.pagesPerRange, xlrec->oldOffnum, xlrec->insert.offnum);
            break;
        }
        case XLOG_BRIN_SAMEPAGE_UPDATE: {
            const auto xlrec = fixed_part<xl_brin_samepage_update>(out, record, SizeOfBrinSamepageUpdate);
            if (!xlrec) break;
            fmt::format_to(app, "offnum {}", xlrec->offnum);
            break;
        }
        case XLOG_BRIN_REVMAP_EXTEND: {
            const auto xlrec = fixed_part<xl_brin_revmap_extend>(out, record, SizeOfBrinRevmapExtend);
            if (!xlrec) break;
            fmt::format_to(app, "targetBlk {}", xlrec->targetBlk);
            break;
        }
        case XLOG_BRIN_DESUMMARIZE: {
            const auto xlrec = fixed_part<xl_brin_desummarize>(out, record, SizeOfBrinDesummarize);
            if (!xlrec) break;
            fmt::format_to(app, "pagesPerRange {}, heapBlk {}, page offset {}", xlrec->pagesPerRange, xlrec->heapBlk,
                           xlrec->regOffset);
            break;
        }
        default:
            break;
    }
}

// brin_identify (PG15).
const char* brin_identify(std::uint8_t xl_info, const WalFormat& /*format*/) {
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
