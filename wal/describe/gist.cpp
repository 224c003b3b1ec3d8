// Describe routines of the Gist rmgr: mirrors gist_desc() (with its out_gistxlog* helpers) and
// gist_identify() of PostgreSQL 14 to 18 (src/backend/access/rmgrdesc/gistdesc.c). Only DELETE
// and PAGE_REUSE differ between them: kGistDescTexts here, kGistRecordLayouts in
// wal/records/gist.h.
#include <iterator>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "wal/describe/desc_utils.h"
#include "wal/records/gist.h"
#include "wal/records/per_version.h"
#include "wal/rmgr_desc.h"

namespace understudy {

namespace {

// What PAGE_REUSE and DELETE print, fmt format strings of (spc, db, rel, blk, epoch, xid,
// isCatalogRel) and (conflict horizon, nitems, isCatalogRel). The 17 and 18 servers (17.10, 18.4)
// print isCatalogRel, which gistdesc.c of 17.4 and 18.3 did not yet.
struct GistDescText {
    int since_major;
    const char* page_reuse;
    const char* delete_;
};
inline constexpr GistDescText kGistDescTexts[] = {
    {14, "rel {}/{}/{}; blk {}; latestRemovedXid {}:{}", "delete: latestRemovedXid {}, nitems: {}"},
    {16, "rel {}/{}/{}; blk {}; snapshotConflictHorizon {}:{}", "delete: snapshotConflictHorizon {}, nitems: {}"},
    {17, "rel {}/{}/{}; blk {}; snapshotConflictHorizon {}:{}, isCatalogRel {}",
     "delete: snapshotConflictHorizon {}, nitems: {}, isCatalogRel {}"},
};

// out_gistxlogPageReuse (PG14-18).
void out_page_reuse(std::string& out, const DecodedRecord& record) {
    const int major = record.format->major_version;
    const GistRecordLayout& layout = for_major_version(kGistRecordLayouts, major);
    const char* text = for_major_version(kGistDescTexts, major).page_reuse;
    auto app = std::back_inserter(out);
    if (layout.v16_conflict_records) {
        const auto xlrec = fixed_part<gistxlogPageReuse_v16>(out, record, layout.SizeOfGistxlogPageReuse);
        if (!xlrec) return;
        fmt::format_to(app, fmt::runtime(text), xlrec->locator.spcOid, xlrec->locator.dbOid,
                       xlrec->locator.relNumber, xlrec->block,
                       EpochFromFullTransactionId(xlrec->snapshotConflictHorizon),
                       XidFromFullTransactionId(xlrec->snapshotConflictHorizon), xlrec->isCatalogRel ? 'T' : 'F');
    } else {
        const auto xlrec = fixed_part<gistxlogPageReuse>(out, record, layout.SizeOfGistxlogPageReuse);
        if (!xlrec) return;
        fmt::format_to(app, fmt::runtime(text), xlrec->node.spcNode, xlrec->node.dbNode, xlrec->node.relNode,
                       xlrec->block, EpochFromFullTransactionId(xlrec->latestRemovedFullXid),
                       XidFromFullTransactionId(xlrec->latestRemovedFullXid), 'F');
    }
}

// out_gistxlogDelete (PG14-18).
void out_delete(std::string& out, const DecodedRecord& record) {
    const int major = record.format->major_version;
    const GistRecordLayout& layout = for_major_version(kGistRecordLayouts, major);
    const char* text = for_major_version(kGistDescTexts, major).delete_;
    auto app = std::back_inserter(out);
    if (layout.v16_conflict_records) {
        const auto xlrec = fixed_part<gistxlogDelete_v16>(out, record, layout.SizeOfGistxlogDelete);
        if (!xlrec) return;
        fmt::format_to(app, fmt::runtime(text), xlrec->snapshotConflictHorizon, xlrec->ntodelete,
                       xlrec->isCatalogRel ? 'T' : 'F');
    } else {
        const auto xlrec = fixed_part<gistxlogDelete>(out, record, layout.SizeOfGistxlogDelete);
        if (!xlrec) return;
        fmt::format_to(app, fmt::runtime(text), xlrec->latestRemovedXid, xlrec->ntodelete, 'F');
    }
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
const char* gist_identify(std::uint8_t xl_info, const WalFormat& /*format*/) {
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
