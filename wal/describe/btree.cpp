// Describe routines of the Btree resource manager: mirror btree_desc and btree_identify of
// src/backend/access/rmgrdesc/nbtdesc.c of PostgreSQL 14 to 18. The text appended is byte for
// byte what that version appends; the per-version texts are kBtreeDescTexts, the per-version
// layouts kBtreeRecordLayouts (wal/records/nbtree.h). A record too short for its struct gets a
// "(short record ...)" note instead of the fields (PostgreSQL would read past the end).
#include <fmt/format.h>

#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <string>

#include "common/bytes.h"
#include "wal/describe/desc_utils.h"
#include "wal/records/nbtree.h"
#include "wal/records/per_version.h"
#include "wal/rmgr_desc.h"

namespace understudy {

namespace {

inline constexpr std::uint8_t kXlrInfoMask = 0x0F;  // XLR_INFO_MASK (access/xlogrecord.h)

// What btree_desc prints per record type, as fmt format strings with the arguments in the order
// PostgreSQL passes them. DELETE gets (horizon, ndeleted, nupdated, isCatalogRel) and REUSE_PAGE
// (spc, db, rel, epoch, xid, isCatalogRel); a version that does not print isCatalogRel has no
// placeholder for it.
struct BtreeDescText {
    int since_major;
    const char* insert;
    const char* split;
    const char* dedup;
    const char* vacuum;
    const char* delete_;
    const char* mark_page_halfdead;
    const char* unlink_page;
    const char* newroot;
    const char* reuse_page;
    const char* meta_cleanup;
    // VACUUM and DELETE list block 0's deleted offsets and updated posting lists (16+:
    // delvacuum_desc).
    bool delvacuum_arrays;
};

inline constexpr BtreeDescText kBtreeDescTexts[] = {
    // 14 and 15 (nbtdesc.c of 14.13 and 15.1 print the same).
    {14, "off {}", "level {}, firstrightoff {}, newitemoff {}, postingoff {}", "nintervals {}",
     "ndeleted {}; nupdated {}", "latestRemovedXid {}; ndeleted {}; nupdated {}",
     "topparent {}; leaf {}; left {}; right {}",
     "left {}; right {}; level {}; safexid {}:{}; leafleft {}; leafright {}; leaftopparent {}",
     "lev {}", "rel {}/{}/{}; latestRemovedXid {}:{}", "last_cleanup_num_delpages {}", false},
    // 16: "name: value" pairs, snapshotConflictHorizon, the offset arrays.
    {16, "off: {}", "level: {}, firstrightoff: {}, newitemoff: {}, postingoff: {}", "nintervals: {}",
     "ndeleted: {}, nupdated: {}", "snapshotConflictHorizon: {}, ndeleted: {}, nupdated: {}",
     "topparent: {}, leaf: {}, left: {}, right: {}",
     "left: {}, right: {}, level: {}, safexid: {}:{}, leafleft: {}, leafright: {}, leaftopparent: {}",
     "level: {}", "rel: {}/{}/{}, snapshotConflictHorizon: {}:{}", "last_cleanup_num_delpages: {}", true},
    // 17 and 18: DELETE and REUSE_PAGE add isCatalogRel.
    {17, "off: {}", "level: {}, firstrightoff: {}, newitemoff: {}, postingoff: {}", "nintervals: {}",
     "ndeleted: {}, nupdated: {}",
     "snapshotConflictHorizon: {}, ndeleted: {}, nupdated: {}, isCatalogRel: {}",
     "topparent: {}, leaf: {}, left: {}, right: {}",
     "left: {}, right: {}, level: {}, safexid: {}:{}, leafleft: {}, leafright: {}, leaftopparent: {}",
     "level: {}", "rel: {}/{}/{}, snapshotConflictHorizon: {}:{}, isCatalogRel: {}",
     "last_cleanup_num_delpages: {}", true},
};

struct BtreeDesc {
    const BtreeDescText& text;
    const BtreeRecordLayout& layout;
};

template <typename... Args>
void put(std::string& out, const char* format, const Args&... args) {
    fmt::format_to(std::back_inserter(out), fmt::runtime(format), args...);
}

char tf(std::uint8_t b) { return b ? 'T' : 'F'; }


// delvacuum_desc (nbtdesc.c, 16+): block 0's deleted offsets, updated offsets and
// xl_btree_update entries (each followed by its posting list offsets), as arrays.
void delvacuum_desc(std::string& out, std::span<const std::uint8_t> block_data, std::uint16_t ndeleted,
                    std::uint16_t nupdated) {
    auto app = std::back_inserter(out);
    ByteReader reader(block_data);
    bool truncated = false;
    const auto deleted = take_array<OffsetNumber>(reader, ndeleted, truncated);
    const auto updated = take_array<OffsetNumber>(reader, nupdated, truncated);
    out += ", deleted:";
    offset_array_desc(out, deleted);
    out += ", updated: [";
    for (std::size_t i = 0; i < updated.size() && !truncated; i++) {
        xl_btree_update update{};
        if (!reader.read(update.ndeletedtids)) {
            truncated = true;
            break;
        }
        fmt::format_to(app, "{{ off: {}, nptids: {}, ptids: [", updated[i], update.ndeletedtids);
        const auto ptids = take_array<std::uint16_t>(reader, update.ndeletedtids, truncated);
        for (std::size_t p = 0; p < ptids.size(); p++) {
            fmt::format_to(app, "{}", ptids[p]);
            if (p + 1 < update.ndeletedtids) out += ", ";
        }
        out += "] }";
        if (i + 1 < nupdated) out += ", ";
    }
    out += "]";
    if (truncated) append_truncated(out, block_data.size());
}

void desc_delvacuum_arrays(std::string& out, const DecodedRecord& rec, const BtreeDesc& d, std::uint16_t ndeleted,
                           std::uint16_t nupdated) {
    const DecodedBkpBlock* blk = rec.block(0);
    if (d.text.delvacuum_arrays && blk != nullptr && blk->has_data)
        delvacuum_desc(out, blk->data, ndeleted, nupdated);
}

void desc_insert(std::string& out, const DecodedRecord& rec, const BtreeDesc& d) {
    if (auto x = fixed_part<xl_btree_insert>(out, rec, SizeOfBtreeInsert, append_short_main_data))
        put(out, d.text.insert, x->offnum);
}

void desc_split(std::string& out, const DecodedRecord& rec, const BtreeDesc& d) {
    if (auto x = fixed_part<xl_btree_split>(out, rec, SizeOfBtreeSplit, append_short_main_data))
        put(out, d.text.split, x->level, x->firstrightoff, x->newitemoff, x->postingoff);
}

void desc_dedup(std::string& out, const DecodedRecord& rec, const BtreeDesc& d) {
    if (auto x = fixed_part<xl_btree_dedup>(out, rec, SizeOfBtreeDedup, append_short_main_data))
        put(out, d.text.dedup, x->nintervals);
}

void desc_vacuum(std::string& out, const DecodedRecord& rec, const BtreeDesc& d) {
    auto x = fixed_part<xl_btree_vacuum>(out, rec, SizeOfBtreeVacuum, append_short_main_data);
    if (!x) return;
    put(out, d.text.vacuum, x->ndeleted, x->nupdated);
    desc_delvacuum_arrays(out, rec, d, x->ndeleted, x->nupdated);
}

void desc_delete(std::string& out, const DecodedRecord& rec, const BtreeDesc& d) {
    if (d.layout.v16_conflict_records) {
        auto x = fixed_part<xl_btree_delete_v16>(out, rec, d.layout.SizeOfBtreeDelete, append_short_main_data);
        if (!x) return;
        put(out, d.text.delete_, x->snapshotConflictHorizon, x->ndeleted, x->nupdated, tf(x->isCatalogRel));
        desc_delvacuum_arrays(out, rec, d, x->ndeleted, x->nupdated);
    } else {
        auto x = fixed_part<xl_btree_delete>(out, rec, d.layout.SizeOfBtreeDelete, append_short_main_data);
        if (!x) return;
        put(out, d.text.delete_, x->latestRemovedXid, x->ndeleted, x->nupdated, 'F');
        desc_delvacuum_arrays(out, rec, d, x->ndeleted, x->nupdated);
    }
}

void desc_mark_page_halfdead(std::string& out, const DecodedRecord& rec, const BtreeDesc& d) {
    if (auto x = fixed_part<xl_btree_mark_page_halfdead>(out, rec, SizeOfBtreeMarkPageHalfDead, append_short_main_data))
        put(out, d.text.mark_page_halfdead, x->topparent, x->leafblk, x->leftblk, x->rightblk);
}

// UNLINK_PAGE and UNLINK_PAGE_META print the same.
void desc_unlink_page(std::string& out, const DecodedRecord& rec, const BtreeDesc& d) {
    if (auto x = fixed_part<xl_btree_unlink_page>(out, rec, SizeOfBtreeUnlinkPage, append_short_main_data))
        put(out, d.text.unlink_page, x->leftsib, x->rightsib, x->level, epoch_from_full_xid(x->safexid),
            xid_from_full_xid(x->safexid), x->leafleftsib, x->leafrightsib, x->leaftopparent);
}

void desc_newroot(std::string& out, const DecodedRecord& rec, const BtreeDesc& d) {
    if (auto x = fixed_part<xl_btree_newroot>(out, rec, SizeOfBtreeNewroot, append_short_main_data))
        put(out, d.text.newroot, x->level);
}

void desc_reuse_page(std::string& out, const DecodedRecord& rec, const BtreeDesc& d) {
    if (d.layout.v16_conflict_records) {
        auto x = fixed_part<xl_btree_reuse_page_v16>(out, rec, d.layout.SizeOfBtreeReusePage, append_short_main_data);
        if (!x) return;
        put(out, d.text.reuse_page, x->locator.spcOid, x->locator.dbOid, x->locator.relNumber,
            epoch_from_full_xid(x->snapshotConflictHorizon), xid_from_full_xid(x->snapshotConflictHorizon),
            tf(x->isCatalogRel));
    } else {
        auto x = fixed_part<xl_btree_reuse_page>(out, rec, d.layout.SizeOfBtreeReusePage, append_short_main_data);
        if (!x) return;
        put(out, d.text.reuse_page, x->node.spcNode, x->node.dbNode, x->node.relNode,
            epoch_from_full_xid(x->latestRemovedFullXid), xid_from_full_xid(x->latestRemovedFullXid), 'F');
    }
}

// META_CLEANUP: the metadata is block 0's data, not the main data.
void desc_meta_cleanup(std::string& out, const DecodedRecord& rec, const BtreeDesc& d) {
    const DecodedBkpBlock* blk = rec.block(0);
    std::span<const std::uint8_t> data = blk ? blk->data : std::span<const std::uint8_t>{};
    auto x = read_record_struct<xl_btree_metadata>(data, sizeof(xl_btree_metadata));
    if (!x) return append_short_record(out, data.size(), sizeof(xl_btree_metadata), "block 0 data");
    put(out, d.text.meta_cleanup, x->last_cleanup_num_delpages);
}

}  // namespace

// btree_desc (PG14-18).
void btree_desc(std::string& out, const DecodedRecord& rec) {
    const int major = rec.format->major_version;
    const BtreeDesc d{for_major_version(kBtreeDescTexts, major), for_major_version(kBtreeRecordLayouts, major)};
    switch (rec.xl_info & ~kXlrInfoMask & 0xFF) {
        case XLOG_BTREE_INSERT_LEAF:
        case XLOG_BTREE_INSERT_UPPER:
        case XLOG_BTREE_INSERT_META:
        case XLOG_BTREE_INSERT_POST: desc_insert(out, rec, d); break;
        case XLOG_BTREE_SPLIT_L:
        case XLOG_BTREE_SPLIT_R: desc_split(out, rec, d); break;
        case XLOG_BTREE_DEDUP: desc_dedup(out, rec, d); break;
        case XLOG_BTREE_VACUUM: desc_vacuum(out, rec, d); break;
        case XLOG_BTREE_DELETE: desc_delete(out, rec, d); break;
        case XLOG_BTREE_MARK_PAGE_HALFDEAD: desc_mark_page_halfdead(out, rec, d); break;
        case XLOG_BTREE_UNLINK_PAGE_META:
        case XLOG_BTREE_UNLINK_PAGE: desc_unlink_page(out, rec, d); break;
        case XLOG_BTREE_NEWROOT: desc_newroot(out, rec, d); break;
        case XLOG_BTREE_REUSE_PAGE: desc_reuse_page(out, rec, d); break;
        case XLOG_BTREE_META_CLEANUP: desc_meta_cleanup(out, rec, d); break;
        default: break;
    }
}

// btree_identify (PG15).
const char* btree_identify(std::uint8_t xl_info, const WalFormat& /*format*/) {
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
