// Describe routines of the SPGist rmgr: mirrors spg_desc() and spg_identify() of PostgreSQL 15
// (src/backend/access/rmgrdesc/spgdesc.c).
#include <iterator>
#include <string>

#include <fmt/format.h>

#include "redo/records/spgist.h"
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

void desc_add_leaf(std::string& out, const DecodedRecord& record) {
    bool complete = false;
    const auto xlrec = read_main<spgxlogAddLeaf>(record, sizeof(spgxlogAddLeaf), complete);
    fmt::format_to(std::back_inserter(out), "off: {}, headoff: {}, parentoff: {}, nodeI: {}", xlrec.offnumLeaf,
                   xlrec.offnumHeadLeaf, xlrec.offnumParent, xlrec.nodeI);
    if (xlrec.newPage) out += " (newpage)";
    if (xlrec.storesNulls) out += " (nulls)";
    note_if_short(out, complete, record, sizeof(spgxlogAddLeaf));
}

void desc_move_leafs(std::string& out, const DecodedRecord& record) {
    bool complete = false;
    const auto xlrec = read_main<spgxlogMoveLeafs>(record, SizeOfSpgxlogMoveLeafs, complete);
    fmt::format_to(std::back_inserter(out), "nmoves: {}, parentoff: {}, nodeI: {}", xlrec.nMoves, xlrec.offnumParent,
                   xlrec.nodeI);
    if (xlrec.newPage) out += " (newpage)";
    if (xlrec.replaceDead) out += " (replacedead)";
    if (xlrec.storesNulls) out += " (nulls)";
    note_if_short(out, complete, record, SizeOfSpgxlogMoveLeafs);
}

void desc_add_node(std::string& out, const DecodedRecord& record) {
    bool complete = false;
    const auto xlrec = read_main<spgxlogAddNode>(record, sizeof(spgxlogAddNode), complete);
    fmt::format_to(std::back_inserter(out), "off: {}, newoff: {}, parentBlk: {}, parentoff: {}, nodeI: {}",
                   xlrec.offnum, xlrec.offnumNew, static_cast<int>(xlrec.parentBlk), xlrec.offnumParent, xlrec.nodeI);
    if (xlrec.newPage) out += " (newpage)";
    note_if_short(out, complete, record, sizeof(spgxlogAddNode));
}

void desc_split_tuple(std::string& out, const DecodedRecord& record) {
    bool complete = false;
    const auto xlrec = read_main<spgxlogSplitTuple>(record, sizeof(spgxlogSplitTuple), complete);
    fmt::format_to(std::back_inserter(out), "prefixoff: {}, postfixoff: {}", xlrec.offnumPrefix, xlrec.offnumPostfix);
    if (xlrec.newPage) out += " (newpage)";
    if (xlrec.postfixBlkSame) out += " (same)";
    note_if_short(out, complete, record, sizeof(spgxlogSplitTuple));
}

void desc_picksplit(std::string& out, const DecodedRecord& record) {
    bool complete = false;
    const auto xlrec = read_main<spgxlogPickSplit>(record, SizeOfSpgxlogPickSplit, complete);
    fmt::format_to(std::back_inserter(out), "ndelete: {}, ninsert: {}, inneroff: {}, parentoff: {}, nodeI: {}",
                   xlrec.nDelete, xlrec.nInsert, xlrec.offnumInner, xlrec.offnumParent, xlrec.nodeI);
    if (xlrec.innerIsParent) out += " (innerIsParent)";
    if (xlrec.storesNulls) out += " (nulls)";
    if (xlrec.isRootSplit) out += " (isRootSplit)";
    note_if_short(out, complete, record, SizeOfSpgxlogPickSplit);
}

void desc_vacuum_leaf(std::string& out, const DecodedRecord& record) {
    bool complete = false;
    const auto xlrec = read_main<spgxlogVacuumLeaf>(record, SizeOfSpgxlogVacuumLeaf, complete);
    fmt::format_to(std::back_inserter(out), "ndead: {}, nplaceholder: {}, nmove: {}, nchain: {}", xlrec.nDead,
                   xlrec.nPlaceholder, xlrec.nMove, xlrec.nChain);
    note_if_short(out, complete, record, SizeOfSpgxlogVacuumLeaf);
}

void desc_vacuum_root(std::string& out, const DecodedRecord& record) {
    bool complete = false;
    const auto xlrec = read_main<spgxlogVacuumRoot>(record, SizeOfSpgxlogVacuumRoot, complete);
    fmt::format_to(std::back_inserter(out), "ndelete: {}", xlrec.nDelete);
    note_if_short(out, complete, record, SizeOfSpgxlogVacuumRoot);
}

void desc_vacuum_redirect(std::string& out, const DecodedRecord& record) {
    bool complete = false;
    const auto xlrec = read_main<spgxlogVacuumRedirect>(record, SizeOfSpgxlogVacuumRedirect, complete);
    fmt::format_to(std::back_inserter(out), "ntoplaceholder: {}, firstplaceholder: {}, newestredirectxid: {}",
                   xlrec.nToPlaceholder, xlrec.firstPlaceholder, xlrec.newestRedirectXid);
    note_if_short(out, complete, record, SizeOfSpgxlogVacuumRedirect);
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
const char* spg_identify(std::uint8_t xl_info) {
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
