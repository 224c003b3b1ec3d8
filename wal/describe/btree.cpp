// Describe routines of the Btree resource manager: mirrors btree_desc and btree_identify of
// src/backend/access/rmgrdesc/nbtdesc.c (PostgreSQL 15). The text appended is byte for byte
// what PostgreSQL appends; a record too short for its struct gets a "(short record ...)" note
// instead of the fields (PostgreSQL would read past the end).
#include <fmt/format.h>

#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <string>

#include "wal/describe/desc_utils.h"
#include "wal/records/nbtree.h"
#include "wal/rmgr_desc.h"

namespace understudy {

namespace {

inline constexpr std::uint8_t kXlrInfoMask = 0x0F;  // XLR_INFO_MASK (access/xlogrecord.h)

void desc_insert(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_btree_insert>(out, rec, SizeOfBtreeInsert, append_short_main_data))
        fmt::format_to(std::back_inserter(out), "off {}", x->offnum);
}

void desc_split(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_btree_split>(out, rec, SizeOfBtreeSplit, append_short_main_data))
        fmt::format_to(std::back_inserter(out),
                       "level {}, firstrightoff {}, newitemoff {}, postingoff {}", x->level,
                       x->firstrightoff, x->newitemoff, x->postingoff);
}

void desc_dedup(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_btree_dedup>(out, rec, SizeOfBtreeDedup, append_short_main_data))
        fmt::format_to(std::back_inserter(out), "nintervals {}", x->nintervals);
}

void desc_vacuum(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_btree_vacuum>(out, rec, SizeOfBtreeVacuum, append_short_main_data))
        fmt::format_to(std::back_inserter(out), "ndeleted {}; nupdated {}", x->ndeleted,
                       x->nupdated);
}

void desc_delete(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_btree_delete>(out, rec, SizeOfBtreeDelete, append_short_main_data))
        fmt::format_to(std::back_inserter(out), "latestRemovedXid {}; ndeleted {}; nupdated {}",
                       x->latestRemovedXid, x->ndeleted, x->nupdated);
}

void desc_mark_page_halfdead(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_btree_mark_page_halfdead>(out, rec, SizeOfBtreeMarkPageHalfDead, append_short_main_data))
        fmt::format_to(std::back_inserter(out), "topparent {}; leaf {}; left {}; right {}",
                       x->topparent, x->leafblk, x->leftblk, x->rightblk);
}

// UNLINK_PAGE and UNLINK_PAGE_META print the same.
void desc_unlink_page(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_btree_unlink_page>(out, rec, SizeOfBtreeUnlinkPage, append_short_main_data)) {
        fmt::format_to(std::back_inserter(out), "left {}; right {}; level {}; safexid {}:{}; ",
                       x->leftsib, x->rightsib, x->level, epoch_from_full_xid(x->safexid),
                       xid_from_full_xid(x->safexid));
        fmt::format_to(std::back_inserter(out), "leafleft {}; leafright {}; leaftopparent {}",
                       x->leafleftsib, x->leafrightsib, x->leaftopparent);
    }
}

void desc_newroot(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_btree_newroot>(out, rec, SizeOfBtreeNewroot, append_short_main_data))
        fmt::format_to(std::back_inserter(out), "lev {}", x->level);
}

void desc_reuse_page(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_btree_reuse_page>(out, rec, SizeOfBtreeReusePage, append_short_main_data))
        fmt::format_to(std::back_inserter(out), "rel {}/{}/{}; latestRemovedXid {}:{}",
                       x->node.spcNode, x->node.dbNode, x->node.relNode,
                       epoch_from_full_xid(x->latestRemovedFullXid),
                       xid_from_full_xid(x->latestRemovedFullXid));
}

// META_CLEANUP: the metadata is block 0's data, not the main data.
void desc_meta_cleanup(std::string& out, const DecodedRecord& rec) {
    const DecodedBkpBlock* blk = rec.block(0);
    std::span<const std::uint8_t> data = blk ? blk->data : std::span<const std::uint8_t>{};
    auto x = read_record_struct<xl_btree_metadata>(data, sizeof(xl_btree_metadata));
    if (!x) return append_short_record(out, data.size(), sizeof(xl_btree_metadata), "block 0 data");
    fmt::format_to(std::back_inserter(out), "last_cleanup_num_delpages {}", x->last_cleanup_num_delpages);
}

}  // namespace

// btree_desc (PG15).
void btree_desc(std::string& out, const DecodedRecord& rec) {
    switch (rec.xl_info & ~kXlrInfoMask & 0xFF) {
        case XLOG_BTREE_INSERT_LEAF:
        case XLOG_BTREE_INSERT_UPPER:
        case XLOG_BTREE_INSERT_META:
        case XLOG_BTREE_INSERT_POST: desc_insert(out, rec); break;
        case XLOG_BTREE_SPLIT_L:
        case XLOG_BTREE_SPLIT_R: desc_split(out, rec); break;
        case XLOG_BTREE_DEDUP: desc_dedup(out, rec); break;
        case XLOG_BTREE_VACUUM: desc_vacuum(out, rec); break;
        case XLOG_BTREE_DELETE: desc_delete(out, rec); break;
        case XLOG_BTREE_MARK_PAGE_HALFDEAD: desc_mark_page_halfdead(out, rec); break;
        case XLOG_BTREE_UNLINK_PAGE_META:
        case XLOG_BTREE_UNLINK_PAGE: desc_unlink_page(out, rec); break;
        case XLOG_BTREE_NEWROOT: desc_newroot(out, rec); break;
        case XLOG_BTREE_REUSE_PAGE: desc_reuse_page(out, rec); break;
        case XLOG_BTREE_META_CLEANUP: desc_meta_cleanup(out, rec); break;
        default: break;
    }
}

// btree_identify (PG15).
const char* btree_identify(std::uint8_t xl_info) {
    switch (xl_info & ~kXlrInfoMask & 0xFF) {
        case XLOG_BTREE_INSERT_LEAF: return "INSERT_LEAF";
        case XLOG_BTREE_INSERT_UPPER: return "INSERT_UPPER";
        case XLOG_BTREE_INSERT_META: return "INSERT_META";
        case XLOG_BTREE_SPLIT_L: return "SPLIT_L";
        case XLOG_BTREE_SPLIT_R: return "SPLIT_R";
        case XLOG_BTREE_INSERT_POST: return "INSERT_POST";
        case XLOG_BTREE_DEDUP: return "DEDUP";
        case XLOG_BTREE_VACUUM: return "VACUUM";
        case XLOG_BTREE_DELETE: return "DELETE";
        case XLOG_BTREE_MARK_PAGE_HALFDEAD: return "MARK_PAGE_HALFDEAD";
        case XLOG_BTREE_UNLINK_PAGE: return "UNLINK_PAGE";
        case XLOG_BTREE_UNLINK_PAGE_META: return "UNLINK_PAGE_META";
        case XLOG_BTREE_NEWROOT: return "NEWROOT";
        case XLOG_BTREE_REUSE_PAGE: return "REUSE_PAGE";
        case XLOG_BTREE_META_CLEANUP: return "META_CLEANUP";
        default: return nullptr;
    }
}

}  // namespace understudy
