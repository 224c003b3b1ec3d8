// Describe routines of the SPGist rmgr: mirrors spg_desc() and spg_identify() of PostgreSQL 14
// to 18 (src/backend/access/rmgrdesc/spgdesc.c). Only VACUUM_REDIRECT differs between them:
// kSpgVacuumRedirectTexts here, kSpgRecordLayouts in wal/records/spgist.h.
#include <iterator>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "wal/describe/desc_utils.h"
#include "wal/records/per_version.h"
#include "wal/records/spgist.h"
#include "wal/rmgr_desc.h"

namespace understudy {

namespace {

void desc_add_leaf(std::string& out, const DecodedRecord& record) {
    const auto xlrec = fixed_part<spgxlogAddLeaf>(out, record, sizeof(spgxlogAddLeaf));
    if (!xlrec) return;
    fmt::format_to(std::back_inserter(out), "off: {}, headoff: {}, parentoff: {}, nodeI: {}", xlrec->offnumLeaf,
                   xlrec->offnumHeadLeaf, xlrec->offnumParent, xlrec->nodeI);
    if (xlrec->newPage) out += " (newpage)";
    if (xlrec->storesNulls) out += " (nulls)";
}

void desc_move_leafs(std::string& out, const DecodedRecord& record) {
    const auto xlrec = fixed_part<spgxlogMoveLeafs>(out, record, SizeOfSpgxlogMoveLeafs);
    if (!xlrec) return;
    fmt::format_to(std::back_inserter(out), "nmoves: {}, parentoff: {}, nodeI: {}", xlrec->nMoves, xlrec->offnumParent,
                   xlrec->nodeI);
    if (xlrec->newPage) out += " (newpage)";
    if (xlrec->replaceDead) out += " (replacedead)";
    if (xlrec->storesNulls) out += " (nulls)";
}

void desc_add_node(std::string& out, const DecodedRecord& record) {
    const auto xlrec = fixed_part<spgxlogAddNode>(out, record, sizeof(spgxlogAddNode));
    if (!xlrec) return;
    fmt::format_to(std::back_inserter(out), "off: {}, newoff: {}, parentBlk: {}, parentoff: {}, nodeI: {}",
                   xlrec->offnum, xlrec->offnumNew, static_cast<int>(xlrec->parentBlk), xlrec->offnumParent, xlrec->nodeI);
    if (xlrec->newPage) out += " (newpage)";
}

void desc_split_tuple(std::string& out, const DecodedRecord& record) {
    const auto xlrec = fixed_part<spgxlogSplitTuple>(out, record, sizeof(spgxlogSplitTuple));
    if (!xlrec) return;
    fmt::format_to(std::back_inserter(out), "prefixoff: {}, postfixoff: {}", xlrec->offnumPrefix, xlrec->offnumPostfix);
    if (xlrec->newPage) out += " (newpage)";
    if (xlrec->postfixBlkSame) out += " (same)";
}

void desc_picksplit(std::string& out, const DecodedRecord& record) {
    const auto xlrec = fixed_part<spgxlogPickSplit>(out, record, SizeOfSpgxlogPickSplit);
    if (!xlrec) return;
    fmt::format_to(std::back_inserter(out), "ndelete: {}, ninsert: {}, inneroff: {}, parentoff: {}, nodeI: {}",
                   xlrec->nDelete, xlrec->nInsert, xlrec->offnumInner, xlrec->offnumParent, xlrec->nodeI);
    if (xlrec->innerIsParent) out += " (innerIsParent)";
    if (xlrec->storesNulls) out += " (nulls)";
    if (xlrec->isRootSplit) out += " (isRootSplit)";
}

void desc_vacuum_leaf(std::string& out, const DecodedRecord& record) {
    const auto xlrec = fixed_part<spgxlogVacuumLeaf>(out, record, SizeOfSpgxlogVacuumLeaf);
    if (!xlrec) return;
    fmt::format_to(std::back_inserter(out), "ndead: {}, nplaceholder: {}, nmove: {}, nchain: {}", xlrec->nDead,
                   xlrec->nPlaceholder, xlrec->nMove, xlrec->nChain);
}

void desc_vacuum_root(std::string& out, const DecodedRecord& record) {
    const auto xlrec = fixed_part<spgxlogVacuumRoot>(out, record, SizeOfSpgxlogVacuumRoot);
    if (!xlrec) return;
    fmt::format_to(std::back_inserter(out), "ndelete: {}", xlrec->nDelete);
}

// What VACUUM_REDIRECT prints, fmt format strings of (ntoplaceholder, firstplaceholder,
// conflict horizon, isCatalogRel).
struct SpgVacuumRedirectText {
    int since_major;
    const char* text;
};
inline constexpr SpgVacuumRedirectText kSpgVacuumRedirectTexts[] = {
    {14, "ntoplaceholder: {}, firstplaceholder: {}, newestredirectxid: {}"},
    {16, "ntoplaceholder: {}, firstplaceholder: {}, snapshotConflictHorizon: {}"},
    {17, "ntoplaceholder: {}, firstplaceholder: {}, snapshotConflictHorizon: {}, isCatalogRel: {}"},
};

void desc_vacuum_redirect(std::string& out, const DecodedRecord& record) {
    const int major = record.format->major_version;
    const SpgRecordLayout& layout = for_major_version(kSpgRecordLayouts, major);
    const char* text = for_major_version(kSpgVacuumRedirectTexts, major).text;
    auto app = std::back_inserter(out);
    if (layout.v16_vacuum_redirect) {
        const auto xlrec = fixed_part<spgxlogVacuumRedirect_v16>(out, record, layout.SizeOfSpgxlogVacuumRedirect);
        if (!xlrec) return;
        fmt::format_to(app, fmt::runtime(text), xlrec->nToPlaceholder, xlrec->firstPlaceholder,
                       xlrec->snapshotConflictHorizon, xlrec->isCatalogRel ? 'T' : 'F');
    } else {
        const auto xlrec = fixed_part<spgxlogVacuumRedirect>(out, record, layout.SizeOfSpgxlogVacuumRedirect);
        if (!xlrec) return;
        fmt::format_to(app, fmt::runtime(text), xlrec->nToPlaceholder, xlrec->firstPlaceholder,
                       xlrec->newestRedirectXid, 'F');
    }
}

}  // namespace

// spg_desc (PG15).
void spg_desc(std::string& out, const DecodedRecord& record) {
    switch (record.info()) {
        case XLOG_SPGIST_ADD_LEAF: desc_add_leaf(out, record); break;
        case XLOG_SPGIST_MOVE_LEAFS: desc_move_leafs(out, record); break;
        case XLOG_SPGIST_ADD_NODE: desc_add_node(out, record); break;
        case XLOG_SPGIST_SPLIT_TUPLE: desc_split_tuple(out, record); break;
        case XLOG_SPGIST_PICKSPLIT: desc_picksplit(out, record); break;
        case XLOG_SPGIST_VACUUM_LEAF: desc_vacuum_leaf(out, record); break;
        case XLOG_SPGIST_VACUUM_ROOT: desc_vacuum_root(out, record); break;
        case XLOG_SPGIST_VACUUM_REDIRECT: desc_vacuum_redirect(out, record); break;
        default: break;
    }
}

// spg_identify (PG15).
const char* spg_identify(std::uint8_t xl_info, const WalFormat& /*format*/) {
    switch (xl_info & 0xF0) {
        case XLOG_SPGIST_ADD_LEAF: return "ADD_LEAF";
        case XLOG_SPGIST_MOVE_LEAFS: return "MOVE_LEAFS";
        case XLOG_SPGIST_ADD_NODE: return "ADD_NODE";
        case XLOG_SPGIST_SPLIT_TUPLE: return "SPLIT_TUPLE";
        case XLOG_SPGIST_PICKSPLIT: return "PICKSPLIT";
        case XLOG_SPGIST_VACUUM_LEAF: return "VACUUM_LEAF";
        case XLOG_SPGIST_VACUUM_ROOT: return "VACUUM_ROOT";
        case XLOG_SPGIST_VACUUM_REDIRECT: return "VACUUM_REDIRECT";
        default: return nullptr;
    }
}

}  // namespace understudy
