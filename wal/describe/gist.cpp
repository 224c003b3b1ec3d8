// Describe routines of the Gist rmgr: mirrors gist_desc() (with its out_gistxlog* helpers) and
// gist_identify() of PostgreSQL 15 (src/backend/access/rmgrdesc/gistdesc.c).
#include <iterator>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "wal/describe/desc_utils.h"
#include "wal/records/gist.h"
#include "wal/rmgr_desc.h"

namespace understudy {

namespace {

// out_gistxlogPageReuse (PG15).
void out_page_reuse(std::string& out, const DecodedRecord& record) {
    const auto xlrec = fixed_part<gistxlogPageReuse>(out, record, SizeOfGistxlogPageReuse);
    if (!xlrec) return;
    fmt::format_to(std::back_inserter(out), "rel {}/{}/{}; blk {}; latestRemovedXid {}:{}", xlrec->node.spcNode,
                   xlrec->node.dbNode, xlrec->node.relNode, xlrec->block,
                   EpochFromFullTransactionId(xlrec->latestRemovedFullXid),
                   XidFromFullTransactionId(xlrec->latestRemovedFullXid));
}

// out_gistxlogDelete (PG15).
void out_delete(std::string& out, const DecodedRecord& record) {
    const auto xlrec = fixed_part<gistxlogDelete>(out, record, SizeOfGistxlogDelete);
    if (!xlrec) return;
    fmt::format_to(std::back_inserter(out), "delete: latestRemovedXid {}, nitems: {}", xlrec->latestRemovedXid,
                   xlrec->ntodelete);
}

// out_gistxlogPageSplit (PG15).
void out_page_split(std::string& out, const DecodedRecord& record) {
    const std::size_t size_of = offsetof(gistxlogPageSplit, npage) + sizeof(std::uint16_t);
    const auto xlrec = fixed_part<gistxlogPageSplit>(out, record, size_of);
    if (!xlrec) return;
    fmt::format_to(std::back_inserter(out), "page_split: splits to {} pages", xlrec->npage);
}

// out_gistxlogPageDelete (PG15).
void out_page_delete(std::string& out, const DecodedRecord& record) {
    const auto xlrec = fixed_part<gistxlogPageDelete>(out, record, SizeOfGistxlogPageDelete);
    if (!xlrec) return;
    fmt::format_to(std::back_inserter(out), "deleteXid {}:{}; downlink {}", EpochFromFullTransactionId(xlrec->deleteXid),
                   XidFromFullTransactionId(xlrec->deleteXid), xlrec->downlinkOffset);
}

}  // namespace

// gist_desc (PG15).
void gist_desc(std::string& out, const DecodedRecord& record) {
    switch (record.info()) {
        case XLOG_GIST_PAGE_REUSE: out_page_reuse(out, record); break;
        case XLOG_GIST_DELETE: out_delete(out, record); break;
        case XLOG_GIST_PAGE_SPLIT: out_page_split(out, record); break;
        case XLOG_GIST_PAGE_DELETE: out_page_delete(out, record); break;
        default:
            // PAGE_UPDATE (out_gistxlogPageUpdate prints nothing), ASSIGN_LSN: no details.
            break;
    }
}

// gist_identify (PG15).
const char* gist_identify(std::uint8_t xl_info) {
    switch (xl_info & 0xF0) {
        case XLOG_GIST_PAGE_UPDATE: return "PAGE_UPDATE";
        case XLOG_GIST_DELETE: return "DELETE";
        case XLOG_GIST_PAGE_REUSE: return "PAGE_REUSE";
        case XLOG_GIST_PAGE_SPLIT: return "PAGE_SPLIT";
        case XLOG_GIST_PAGE_DELETE: return "PAGE_DELETE";
        case XLOG_GIST_ASSIGN_LSN: return "ASSIGN_LSN";
        default: return nullptr;
    }
}

}  // namespace understudy
