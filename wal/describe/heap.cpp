// Describe routines of the Heap and Heap2 resource managers: mirrors heap_desc, heap2_desc,
// heap_identify and heap2_identify of src/backend/access/rmgrdesc/heapdesc.c (PostgreSQL 15).
// The text appended is byte for byte what PostgreSQL appends; a record too short for its struct
// gets a "(short record ...)" note instead of the fields (PostgreSQL would read past the end).
#include <fmt/format.h>

#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <string>

#include "common/bytes.h"
#include "wal/describe/desc_utils.h"
#include "wal/records/heap.h"
#include "wal/rmgr_desc.h"

namespace understudy {

namespace {

inline constexpr std::uint8_t kXlrInfoMask = 0x0F;  // XLR_INFO_MASK (access/xlogrecord.h)

// out_infobits() of heapdesc.c (PG15): the XLHL_* bits, each followed by a space.
void append_infobits(std::string& out, std::uint8_t infobits) {
    if (infobits & XLHL_XMAX_IS_MULTI) out += "IS_MULTI ";
    if (infobits & XLHL_XMAX_LOCK_ONLY) out += "LOCK_ONLY ";
    if (infobits & XLHL_XMAX_EXCL_LOCK) out += "EXCL_LOCK ";
    if (infobits & XLHL_XMAX_KEYSHR_LOCK) out += "KEYSHR_LOCK ";
    if (infobits & XLHL_KEYS_UPDATED) out += "KEYS_UPDATED ";
}

void desc_heap_insert(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_heap_insert>(out, rec, SizeOfHeapInsert, append_short_main_data))
        fmt::format_to(std::back_inserter(out), "off {} flags 0x{:02X}", x->offnum,
                       unsigned{x->flags});
}

void desc_heap_delete(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_heap_delete>(out, rec, SizeOfHeapDelete, append_short_main_data)) {
        fmt::format_to(std::back_inserter(out), "off {} flags 0x{:02X} ", x->offnum,
                       unsigned{x->flags});
        append_infobits(out, x->infobits_set);
    }
}

// UPDATE and HOT_UPDATE print the same.
void desc_heap_update(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_heap_update>(out, rec, SizeOfHeapUpdate, append_short_main_data)) {
        fmt::format_to(std::back_inserter(out), "off {} xmax {} flags 0x{:02X} ", x->old_offnum,
                       x->old_xmax, unsigned{x->flags});
        append_infobits(out, x->old_infobits_set);
        fmt::format_to(std::back_inserter(out), "; new off {} xmax {}", x->new_offnum, x->new_xmax);
    }
}

void desc_heap_truncate(std::string& out, const DecodedRecord& rec) {
    auto x = fixed_part<xl_heap_truncate>(out, rec, SizeOfHeapTruncate, append_short_main_data);
    if (!x) return;
    if (x->flags & XLH_TRUNCATE_CASCADE) out += "cascade ";
    if (x->flags & XLH_TRUNCATE_RESTART_SEQS) out += "restart_seqs ";
    fmt::format_to(std::back_inserter(out), "nrelids {} relids", x->nrelids);
    auto relids = rec.main_data.subspan(SizeOfHeapTruncate);
    for (std::uint32_t i = 0; i < x->nrelids; ++i) {
        std::size_t at = std::size_t{i} * sizeof(Oid);
        if (at + sizeof(Oid) > relids.size()) {
            out += " ";
            append_short_main_data(out, rec.main_data.size(),
                                   SizeOfHeapTruncate + std::size_t{x->nrelids} * sizeof(Oid));
            return;
        }
        fmt::format_to(std::back_inserter(out), " {}", load<Oid>(relids.data() + at));
    }
}

void desc_heap_confirm(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_heap_confirm>(out, rec, SizeOfHeapConfirm, append_short_main_data))
        fmt::format_to(std::back_inserter(out), "off {}", x->offnum);
}

void desc_heap_lock(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_heap_lock>(out, rec, SizeOfHeapLock, append_short_main_data)) {
        fmt::format_to(std::back_inserter(out), "off {}: xid {}: flags 0x{:02X} ", x->offnum,
                       x->locking_xid, unsigned{x->flags});
        append_infobits(out, static_cast<std::uint8_t>(x->infobits_set));
    }
}

void desc_heap_inplace(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_heap_inplace>(out, rec, SizeOfHeapInplace, append_short_main_data))
        fmt::format_to(std::back_inserter(out), "off {}", x->offnum);
}

void desc_heap2_prune(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_heap_prune>(out, rec, SizeOfHeapPrune, append_short_main_data))
        fmt::format_to(std::back_inserter(out), "latestRemovedXid {} nredirected {} ndead {}",
                       x->latestRemovedXid, x->nredirected, x->ndead);
}

void desc_heap2_vacuum(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_heap_vacuum>(out, rec, SizeOfHeapVacuum, append_short_main_data))
        fmt::format_to(std::back_inserter(out), "nunused {}", x->nunused);
}

void desc_heap2_freeze_page(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_heap_freeze_page>(out, rec, SizeOfHeapFreezePage, append_short_main_data))
        fmt::format_to(std::back_inserter(out), "cutoff xid {} ntuples {}", x->cutoff_xid,
                       x->ntuples);
}

void desc_heap2_visible(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_heap_visible>(out, rec, SizeOfHeapVisible, append_short_main_data))
        fmt::format_to(std::back_inserter(out), "cutoff xid {} flags 0x{:02X}", x->cutoff_xid,
                       unsigned{x->flags});
}

void desc_heap2_multi_insert(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_heap_multi_insert>(out, rec, SizeOfHeapMultiInsert, append_short_main_data))
        fmt::format_to(std::back_inserter(out), "{} tuples flags 0x{:02X}", x->ntuples,
                       unsigned{x->flags});
}

void desc_heap2_lock_updated(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_heap_lock_updated>(out, rec, SizeOfHeapLockUpdated, append_short_main_data)) {
        fmt::format_to(std::back_inserter(out), "off {}: xmax {}: flags 0x{:02X} ", x->offnum,
                       x->xmax, unsigned{x->flags});
        append_infobits(out, x->infobits_set);
    }
}

void desc_heap2_new_cid(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_heap_new_cid>(out, rec, SizeOfHeapNewCid, append_short_main_data)) {
        fmt::format_to(std::back_inserter(out), "rel {}/{}/{}; tid {}/{}", x->target_node.spcNode,
                       x->target_node.dbNode, x->target_node.relNode,
                       item_pointer_block(x->target_tid), item_pointer_offset(x->target_tid));
        fmt::format_to(std::back_inserter(out), "; cmin: {}, cmax: {}, combo: {}", x->cmin,
                       x->cmax, x->combocid);
    }
}

}  // namespace

// heap_desc (PG15): the opcode alone decides (XLOG_HEAP_INIT_PAGE does not change the text).
void heap_desc(std::string& out, const DecodedRecord& rec) {
    switch (rec.xl_info & XLOG_HEAP_OPMASK) {
        case XLOG_HEAP_INSERT: desc_heap_insert(out, rec); break;
        case XLOG_HEAP_DELETE: desc_heap_delete(out, rec); break;
        case XLOG_HEAP_UPDATE: desc_heap_update(out, rec); break;
        case XLOG_HEAP_HOT_UPDATE: desc_heap_update(out, rec); break;
        case XLOG_HEAP_TRUNCATE: desc_heap_truncate(out, rec); break;
        case XLOG_HEAP_CONFIRM: desc_heap_confirm(out, rec); break;
        case XLOG_HEAP_LOCK: desc_heap_lock(out, rec); break;
        case XLOG_HEAP_INPLACE: desc_heap_inplace(out, rec); break;
        default: break;
    }
}

// heap2_desc (PG15): REWRITE has no description.
void heap2_desc(std::string& out, const DecodedRecord& rec) {
    switch (rec.xl_info & XLOG_HEAP_OPMASK) {
        case XLOG_HEAP2_PRUNE: desc_heap2_prune(out, rec); break;
        case XLOG_HEAP2_VACUUM: desc_heap2_vacuum(out, rec); break;
        case XLOG_HEAP2_FREEZE_PAGE: desc_heap2_freeze_page(out, rec); break;
        case XLOG_HEAP2_VISIBLE: desc_heap2_visible(out, rec); break;
        case XLOG_HEAP2_MULTI_INSERT: desc_heap2_multi_insert(out, rec); break;
        case XLOG_HEAP2_LOCK_UPDATED: desc_heap2_lock_updated(out, rec); break;
        case XLOG_HEAP2_NEW_CID: desc_heap2_new_cid(out, rec); break;
        default: break;
    }
}

// heap_identify (PG15): "+INIT" only for the opcodes that can initialize a page.
const char* heap_identify(std::uint8_t xl_info) {
    switch (xl_info & ~kXlrInfoMask & 0xFF) {
        case XLOG_HEAP_INSERT: return "INSERT";
        case XLOG_HEAP_INSERT | XLOG_HEAP_INIT_PAGE: return "INSERT+INIT";
        case XLOG_HEAP_DELETE: return "DELETE";
        case XLOG_HEAP_UPDATE: return "UPDATE";
        case XLOG_HEAP_UPDATE | XLOG_HEAP_INIT_PAGE: return "UPDATE+INIT";
        case XLOG_HEAP_HOT_UPDATE: return "HOT_UPDATE";
        case XLOG_HEAP_HOT_UPDATE | XLOG_HEAP_INIT_PAGE: return "HOT_UPDATE+INIT";
        case XLOG_HEAP_TRUNCATE: return "TRUNCATE";
        case XLOG_HEAP_CONFIRM: return "HEAP_CONFIRM";
        case XLOG_HEAP_LOCK: return "LOCK";
        case XLOG_HEAP_INPLACE: return "INPLACE";
        default: return nullptr;
    }
}

// heap2_identify (PG15).
const char* heap2_identify(std::uint8_t xl_info) {
    switch (xl_info & ~kXlrInfoMask & 0xFF) {
        case XLOG_HEAP2_PRUNE: return "PRUNE";
        case XLOG_HEAP2_VACUUM: return "VACUUM";
        case XLOG_HEAP2_FREEZE_PAGE: return "FREEZE_PAGE";
        case XLOG_HEAP2_VISIBLE: return "VISIBLE";
        case XLOG_HEAP2_MULTI_INSERT: return "MULTI_INSERT";
        case XLOG_HEAP2_MULTI_INSERT | XLOG_HEAP_INIT_PAGE: return "MULTI_INSERT+INIT";
        case XLOG_HEAP2_LOCK_UPDATED: return "LOCK_UPDATED";
        case XLOG_HEAP2_NEW_CID: return "NEW_CID";
        case XLOG_HEAP2_REWRITE: return "REWRITE";
        default: return nullptr;
    }
}

}  // namespace understudy
