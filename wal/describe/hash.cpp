// Describe routines of the Hash rmgr: mirrors hash_desc() and hash_identify() of PostgreSQL 14
// to 18 (src/backend/access/rmgrdesc/hashdesc.c). Only VACUUM_ONE_PAGE differs between them:
// kHashVacuumOnePageTexts here, kHashRecordLayouts in wal/records/hash.h.
#include <cmath>
#include <iterator>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "wal/describe/desc_utils.h"
#include "wal/records/hash.h"
#include "wal/records/per_version.h"
#include "wal/rmgr_desc.h"

namespace understudy {

namespace {

char tf(bool b) { return b ? 'T' : 'F'; }

// What VACUUM_ONE_PAGE prints, fmt format strings of (ntuples, conflict horizon, isCatalogRel).
struct HashVacuumOnePageText {
    int since_major;
    const char* text;
};
inline constexpr HashVacuumOnePageText kHashVacuumOnePageTexts[] = {
    {14, "ntuples {}, latestRemovedXid {}"},
    {16, "ntuples {}, snapshotConflictHorizon {}"},
    {17, "ntuples {}, snapshotConflictHorizon {}, isCatalogRel {}"},
};

void desc_vacuum_one_page(std::string& out, const DecodedRecord& record) {
    const int major = record.format->major_version;
    const HashRecordLayout& layout = for_major_version(kHashRecordLayouts, major);
    const char* text = for_major_version(kHashVacuumOnePageTexts, major).text;
    auto app = std::back_inserter(out);
    if (layout.v16_vacuum_one_page) {
        const auto xlrec = fixed_part<xl_hash_vacuum_one_page_v16>(out, record, layout.SizeOfHashVacuumOnePage);
        if (!xlrec) return;
        fmt::format_to(app, fmt::runtime(text), xlrec->ntuples, xlrec->snapshotConflictHorizon,
                       tf(xlrec->isCatalogRel));
    } else {
        const auto xlrec = fixed_part<xl_hash_vacuum_one_page>(out, record, layout.SizeOfHashVacuumOnePage);
        if (!xlrec) return;
        fmt::format_to(app, fmt::runtime(text), xlrec->ntuples, xlrec->latestRemovedXid, 'F');
    }
}

// appendStringInfo's "%g" as PostgreSQL's snprintf.c prints it: NaN and infinities spelled out,
// everything else as the C library's %g.
void append_g(std::string& out, double v) {
    if (std::isnan(v)) {
        out += "NaN";
    } else if (std::isinf(v)) {
        out += v < 0 ? "-Infinity" : "Infinity";
    } else {
        fmt::format_to(std::back_inserter(out), "{:g}", v);
    }
}

}  // namespace

// hash_desc (PG14-18).
void hash_desc(std::string& out, const DecodedRecord& record) {
    auto app = std::back_inserter(out);
    switch (record.info()) {
        case XLOG_HASH_INIT_META_PAGE: {
            const auto xlrec = fixed_part<xl_hash_init_meta_page>(out, record, SizeOfHashInitMetaPage);
            if (!xlrec) break;
            out += "num_tuples ";
            append_g(out, xlrec->num_tuples);
            fmt::format_to(app, ", fillfactor {}", xlrec->ffactor);
            break;
        }
        case XLOG_HASH_INIT_BITMAP_PAGE: {
            const auto xlrec = fixed_part<xl_hash_init_bitmap_page>(out, record, SizeOfHashInitBitmapPage);
            if (!xlrec) break;
            fmt::format_to(app, "bmsize {}", xlrec->bmsize);
            break;
        }
        case XLOG_HASH_INSERT: {
            const auto xlrec = fixed_part<xl_hash_insert>(out, record, SizeOfHashInsert);
            if (!xlrec) break;
            fmt::format_to(app, "off {}", xlrec->offnum);
            break;
        }
        case XLOG_HASH_ADD_OVFL_PAGE: {
            const auto xlrec = fixed_part<xl_hash_add_ovfl_page>(out, record, SizeOfHashAddOvflPage);
            if (!xlrec) break;
            fmt::format_to(app, "bmsize {}, bmpage_found {}", xlrec->bmsize, tf(xlrec->bmpage_found));
            break;
        }
        case XLOG_HASH_SPLIT_ALLOCATE_PAGE: {
            const auto xlrec = fixed_part<xl_hash_split_allocate_page>(out, record, SizeOfHashSplitAllocPage);
            if (!xlrec) break;
            fmt::format_to(app, "new_bucket {}, meta_page_masks_updated {}, issplitpoint_changed {}",
                           xlrec->new_bucket, tf(xlrec->flags & XLH_SPLIT_META_UPDATE_MASKS),
                           tf(xlrec->flags & XLH_SPLIT_META_UPDATE_SPLITPOINT));
            break;
        }
        case XLOG_HASH_SPLIT_COMPLETE: {
            const auto xlrec = fixed_part<xl_hash_split_complete>(out, record, SizeOfHashSplitComplete);
            if (!xlrec) break;
            fmt::format_to(app, "old_bucket_flag {}, new_bucket_flag {}", xlrec->old_bucket_flag,
                           xlrec->new_bucket_flag);
            break;
        }
        case XLOG_HASH_MOVE_PAGE_CONTENTS: {
            const auto xlrec = fixed_part<xl_hash_move_page_contents>(out, record, SizeOfHashMovePageContents);
            if (!xlrec) break;
            fmt::format_to(app, "ntups {}, is_primary {}", xlrec->ntups, tf(xlrec->is_prim_bucket_same_wrt));
            break;
        }
        case XLOG_HASH_SQUEEZE_PAGE: {
            const auto xlrec = fixed_part<xl_hash_squeeze_page>(out, record, SizeOfHashSqueezePage);
            if (!xlrec) break;
            fmt::format_to(app, "prevblkno {}, nextblkno {}, ntups {}, is_primary {}", xlrec->prevblkno,
                           xlrec->nextblkno, xlrec->ntups, tf(xlrec->is_prim_bucket_same_wrt));
            break;
        }
        case XLOG_HASH_DELETE: {
            const auto xlrec = fixed_part<xl_hash_delete>(out, record, SizeOfHashDelete);
            if (!xlrec) break;
            fmt::format_to(app, "clear_dead_marking {}, is_primary {}", tf(xlrec->clear_dead_marking),
                           tf(xlrec->is_primary_bucket_page));
            break;
        }
        case XLOG_HASH_UPDATE_META_PAGE: {
            const auto xlrec = fixed_part<xl_hash_update_meta_page>(out, record, SizeOfHashUpdateMetaPage);
            if (!xlrec) break;
            out += "ntuples ";
            append_g(out, xlrec->ntuples);
            break;
        }
        case XLOG_HASH_VACUUM_ONE_PAGE: desc_vacuum_one_page(out, record); break;
        default:
            // XLOG_HASH_SPLIT_PAGE, XLOG_HASH_SPLIT_CLEANUP: nothing to add.
            break;
    }
}

// hash_identify (PG15).
const char* hash_identify(std::uint8_t xl_info, const WalFormat& /*format*/) {
    switch (xl_info & 0xF0) {
        case XLOG_HASH_INIT_META_PAGE: return "INIT_META_PAGE";
        case XLOG_HASH_INIT_BITMAP_PAGE: return "INIT_BITMAP_PAGE";
        case XLOG_HASH_INSERT: return "INSERT";
        case XLOG_HASH_ADD_OVFL_PAGE: return "ADD_OVFL_PAGE";
        case XLOG_HASH_SPLIT_ALLOCATE_PAGE: return "SPLIT_ALLOCATE_PAGE";
        case XLOG_HASH_SPLIT_PAGE: return "SPLIT_PAGE";
        case XLOG_HASH_SPLIT_COMPLETE: return "SPLIT_COMPLETE";
        case XLOG_HASH_MOVE_PAGE_CONTENTS: return "MOVE_PAGE_CONTENTS";
        case XLOG_HASH_SQUEEZE_PAGE: return "SQUEEZE_PAGE";
        case XLOG_HASH_DELETE: return "DELETE";
        case XLOG_HASH_SPLIT_CLEANUP: return "SPLIT_CLEANUP";
        case XLOG_HASH_UPDATE_META_PAGE: return "UPDATE_META_PAGE";
        case XLOG_HASH_VACUUM_ONE_PAGE: return "VACUUM_ONE_PAGE";
        default: return nullptr;
    }
}

}  // namespace understudy
