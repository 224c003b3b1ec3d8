// Describe routines of the Hash rmgr: mirrors hash_desc() and hash_identify() of PostgreSQL 15
// (src/backend/access/rmgrdesc/hashdesc.c).
#include <cmath>
#include <iterator>
#include <string>

#include <fmt/format.h>

#include "redo/records/hash.h"
#include "redo/rmgr.h"

namespace understudy {

namespace {

// Copies the record struct out of the main data; a record too short for it is described with
// the missing bytes as zeros, followed by a note (PostgreSQL would read past the record).
template <typename T>
struct MainData {
    T rec{};
    bool complete = false;
    std::size_t have = 0;
    std::size_t need = 0;
};

template <typename T>
MainData<T> read_main(const DecodedRecord& record, std::size_t size_of) {
    MainData<T> m;
    m.complete = read_record_struct(record.main_data, size_of, m.rec);
    m.have = record.main_data.size();
    m.need = size_of;
    return m;
}

template <typename T>
void note_if_short(std::string& out, const MainData<T>& m) {
    if (!m.complete) fmt::format_to(std::back_inserter(out), " [main data too short: {} of {} bytes]", m.have, m.need);
}

char tf(bool b) { return b ? 'T' : 'F'; }

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

// hash_desc (PG15).
void hash_desc(std::string& out, const DecodedRecord& record) {
    auto app = std::back_inserter(out);
    switch (record.info()) {
        case XLOG_HASH_INIT_META_PAGE: {
            auto m = read_main<xl_hash_init_meta_page>(record, SizeOfHashInitMetaPage);
            out += "num_tuples ";
            append_g(out, m.rec.num_tuples);
            fmt::format_to(app, ", fillfactor {}", m.rec.ffactor);
            note_if_short(out, m);
            break;
        }
        case XLOG_HASH_INIT_BITMAP_PAGE: {
            auto m = read_main<xl_hash_init_bitmap_page>(record, SizeOfHashInitBitmapPage);
            fmt::format_to(app, "bmsize {}", m.rec.bmsize);
            note_if_short(out, m);
            break;
        }
        case XLOG_HASH_INSERT: {
            auto m = read_main<xl_hash_insert>(record, SizeOfHashInsert);
            fmt::format_to(app, "off {}", m.rec.offnum);
            note_if_short(out, m);
            break;
        }
        case XLOG_HASH_ADD_OVFL_PAGE: {
            auto m = read_main<xl_hash_add_ovfl_page>(record, SizeOfHashAddOvflPage);
            fmt::format_to(app, "bmsize {}, bmpage_found {}", m.rec.bmsize, tf(m.rec.bmpage_found));
            note_if_short(out, m);
            break;
        }
        case XLOG_HASH_SPLIT_ALLOCATE_PAGE: {
            auto m = read_main<xl_hash_split_allocate_page>(record, SizeOfHashSplitAllocPage);
            fmt::format_to(app, "new_bucket {}, meta_page_masks_updated {}, issplitpoint_changed {}",
                           m.rec.new_bucket, tf(m.rec.flags & XLH_SPLIT_META_UPDATE_MASKS),
                           tf(m.rec.flags & XLH_SPLIT_META_UPDATE_SPLITPOINT));
            note_if_short(out, m);
            break;
        }
        case XLOG_HASH_SPLIT_COMPLETE: {
            auto m = read_main<xl_hash_split_complete>(record, SizeOfHashSplitComplete);
            fmt::format_to(app, "old_bucket_flag {}, new_bucket_flag {}", m.rec.old_bucket_flag,
                           m.rec.new_bucket_flag);
            note_if_short(out, m);
            break;
        }
        case XLOG_HASH_MOVE_PAGE_CONTENTS: {
            auto m = read_main<xl_hash_move_page_contents>(record, SizeOfHashMovePageContents);
            fmt::format_to(app, "ntups {}, is_primary {}", m.rec.ntups, tf(m.rec.is_prim_bucket_same_wrt));
            note_if_short(out, m);
            break;
        }
        case XLOG_HASH_SQUEEZE_PAGE: {
            auto m = read_main<xl_hash_squeeze_page>(record, SizeOfHashSqueezePage);
            fmt::format_to(app, "prevblkno {}, nextblkno {}, ntups {}, is_primary {}", m.rec.prevblkno,
                           m.rec.nextblkno, m.rec.ntups, tf(m.rec.is_prim_bucket_same_wrt));
            note_if_short(out, m);
            break;
        }
        case XLOG_HASH_DELETE: {
            auto m = read_main<xl_hash_delete>(record, SizeOfHashDelete);
            fmt::format_to(app, "clear_dead_marking {}, is_primary {}", tf(m.rec.clear_dead_marking),
                           tf(m.rec.is_primary_bucket_page));
            note_if_short(out, m);
            break;
        }
        case XLOG_HASH_UPDATE_META_PAGE: {
            auto m = read_main<xl_hash_update_meta_page>(record, SizeOfHashUpdateMetaPage);
            out += "ntuples ";
            append_g(out, m.rec.ntuples);
            note_if_short(out, m);
            break;
        }
        case XLOG_HASH_VACUUM_ONE_PAGE: {
            auto m = read_main<xl_hash_vacuum_one_page>(record, SizeOfHashVacuumOnePage);
            fmt::format_to(app, "ntuples {}, latestRemovedXid {}", m.rec.ntuples, m.rec.latestRemovedXid);
            note_if_short(out, m);
            break;
        }
        default:
            // XLOG_HASH_SPLIT_PAGE, XLOG_HASH_SPLIT_CLEANUP: nothing to add.
            break;
    }
}

// hash_identify (PG15).
const char* hash_identify(std::uint8_t xl_info) {
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
