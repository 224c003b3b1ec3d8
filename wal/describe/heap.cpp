// Describe routines of the Heap and Heap2 resource managers: mirrors heap_desc, heap2_desc,
// heap_identify and heap2_identify of src/backend/access/rmgrdesc/heapdesc.c for PostgreSQL 14
// to 18. The text appended is byte for byte what that version appends; a record too short for
// its struct gets a "(short record ...)" note instead of the fields (PostgreSQL would read past
// the end).
//
// Versions differ as data: a HeapVersionDesc per text/layout generation (14 and 15 share one,
// 16, 17, 18) gives the describe routine of each opcode and Heap2's record names, and the
// record's WalFormat selects it once per call (heap_version_desc).
#include <fmt/compile.h>
#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "common/bytes.h"
#include "wal/describe/heap.h"

#include "wal/describe/desc_utils.h"
#include "wal/records/heap.h"
#include "wal/records/sinval.h"
#include "wal/rmgr_desc.h"

namespace understudy {

namespace {

inline constexpr std::uint8_t kXlrInfoMask = 0x0F;  // XLR_INFO_MASK (access/xlogrecord.h)

// ---- PostgreSQL 14 and 15 (heapdesc.c is the same in both) ---------------------------------

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
        fmt::format_to(std::back_inserter(out), FMT_COMPILE("off {} flags 0x{:02X}"), x->offnum,
                       unsigned{x->flags});
}

void desc_heap_delete(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_heap_delete>(out, rec, SizeOfHeapDelete, append_short_main_data)) {
        fmt::format_to(std::back_inserter(out), FMT_COMPILE("off {} flags 0x{:02X} "), x->offnum,
                       unsigned{x->flags});
        append_infobits(out, x->infobits_set);
    }
}

// UPDATE and HOT_UPDATE print the same.
void desc_heap_update(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_heap_update>(out, rec, SizeOfHeapUpdate, append_short_main_data)) {
        fmt::format_to(std::back_inserter(out), FMT_COMPILE("off {} xmax {} flags 0x{:02X} "), x->old_offnum,
                       x->old_xmax, unsigned{x->flags});
        append_infobits(out, x->old_infobits_set);
        fmt::format_to(std::back_inserter(out), FMT_COMPILE("; new off {} xmax {}"), x->new_offnum, x->new_xmax);
    }
}

void desc_heap_truncate(std::string& out, const DecodedRecord& rec) {
    auto x = fixed_part<xl_heap_truncate>(out, rec, SizeOfHeapTruncate, append_short_main_data);
    if (!x) return;
    if (x->flags & XLH_TRUNCATE_CASCADE) out += "cascade ";
    if (x->flags & XLH_TRUNCATE_RESTART_SEQS) out += "restart_seqs ";
    fmt::format_to(std::back_inserter(out), FMT_COMPILE("nrelids {} relids"), x->nrelids);
    auto relids = rec.main_data.subspan(SizeOfHeapTruncate);
    for (std::uint32_t i = 0; i < x->nrelids; ++i) {
        std::size_t at = std::size_t{i} * sizeof(Oid);
        if (at + sizeof(Oid) > relids.size()) {
            out += " ";
            append_short_main_data(out, rec.main_data.size(),
                                   SizeOfHeapTruncate + std::size_t{x->nrelids} * sizeof(Oid));
            return;
        }
        fmt::format_to(std::back_inserter(out), FMT_COMPILE(" {}"), load<Oid>(relids.data() + at));
    }
}

void desc_heap_confirm(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_heap_confirm>(out, rec, SizeOfHeapConfirm, append_short_main_data))
        fmt::format_to(std::back_inserter(out), FMT_COMPILE("off {}"), x->offnum);
}

void desc_heap_lock(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_heap_lock>(out, rec, SizeOfHeapLock, append_short_main_data)) {
        fmt::format_to(std::back_inserter(out), FMT_COMPILE("off {}: xid {}: flags 0x{:02X} "), x->offnum,
                       x->locking_xid, unsigned{x->flags});
        append_infobits(out, static_cast<std::uint8_t>(x->infobits_set));
    }
}

void desc_heap_inplace(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_heap_inplace>(out, rec, SizeOfHeapInplace, append_short_main_data))
        fmt::format_to(std::back_inserter(out), FMT_COMPILE("off {}"), x->offnum);
}

void desc_heap2_prune(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_heap_prune>(out, rec, SizeOfHeapPrune, append_short_main_data))
        fmt::format_to(std::back_inserter(out), FMT_COMPILE("latestRemovedXid {} nredirected {} ndead {}"),
                       x->latestRemovedXid, x->nredirected, x->ndead);
}

void desc_heap2_vacuum(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_heap_vacuum>(out, rec, SizeOfHeapVacuum, append_short_main_data))
        fmt::format_to(std::back_inserter(out), FMT_COMPILE("nunused {}"), x->nunused);
}

void desc_heap2_freeze_page(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_heap_freeze_page>(out, rec, SizeOfHeapFreezePage, append_short_main_data))
        fmt::format_to(std::back_inserter(out), FMT_COMPILE("cutoff xid {} ntuples {}"), x->cutoff_xid,
                       x->ntuples);
}

void desc_heap2_visible(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_heap_visible>(out, rec, SizeOfHeapVisible, append_short_main_data))
        fmt::format_to(std::back_inserter(out), FMT_COMPILE("cutoff xid {} flags 0x{:02X}"), x->cutoff_xid,
                       unsigned{x->flags});
}

void desc_heap2_multi_insert(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_heap_multi_insert>(out, rec, SizeOfHeapMultiInsert, append_short_main_data))
        fmt::format_to(std::back_inserter(out), FMT_COMPILE("{} tuples flags 0x{:02X}"), x->ntuples,
                       unsigned{x->flags});
}

void desc_heap2_lock_updated(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_heap_lock_updated>(out, rec, SizeOfHeapLockUpdated, append_short_main_data)) {
        fmt::format_to(std::back_inserter(out), FMT_COMPILE("off {}: xmax {}: flags 0x{:02X} "), x->offnum,
                       x->xmax, unsigned{x->flags});
        append_infobits(out, x->infobits_set);
    }
}

void desc_heap2_new_cid(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_heap_new_cid>(out, rec, SizeOfHeapNewCid, append_short_main_data)) {
        fmt::format_to(std::back_inserter(out), FMT_COMPILE("rel {}/{}/{}; tid {}/{}"), x->target_node.spcNode,
                       x->target_node.dbNode, x->target_node.relNode,
                       item_pointer_block(x->target_tid), item_pointer_offset(x->target_tid));
        fmt::format_to(std::back_inserter(out), FMT_COMPILE("; cmin: {}, cmax: {}, combo: {}"), x->cmin,
                       x->cmax, x->combocid);
    }
}


// ---- PostgreSQL 16 and later (the array notation of rmgrdesc_utils.c) ----------------------

// infobits_desc(): "<keyname>: [IS_MULTI, LOCK_ONLY]" ("<keyname>: []" for none).
void infobits_desc(std::string& out, std::uint8_t infobits, const char* keyname) {
    static constexpr std::array<std::pair<std::uint8_t, const char*>, 5> kBits = {{
        {XLHL_XMAX_IS_MULTI, "IS_MULTI"},
        {XLHL_XMAX_LOCK_ONLY, "LOCK_ONLY"},
        {XLHL_XMAX_EXCL_LOCK, "EXCL_LOCK"},
        {XLHL_XMAX_KEYSHR_LOCK, "KEYSHR_LOCK"},
        {XLHL_KEYS_UPDATED, "KEYS_UPDATED"},
    }};
    fmt::format_to(std::back_inserter(out), FMT_COMPILE("{}: ["), keyname);
    bool first = true;
    for (const auto& [bit, name] : kBits) {
        if (!(infobits & bit)) continue;
        if (!first) out += ", ";
        out += name;
        first = false;
    }
    out += ']';
}

// truncate_flags_desc(): "flags: [CASCADE, RESTART_SEQS]".
void truncate_flags_desc(std::string& out, std::uint8_t flags) {
    out += "flags: [";
    if (flags & XLH_TRUNCATE_CASCADE) out += "CASCADE";
    if (flags & XLH_TRUNCATE_RESTART_SEQS) out += (flags & XLH_TRUNCATE_CASCADE) ? ", RESTART_SEQS" : "RESTART_SEQS";
    out += ']';
}

// Block 0's data when the record has block 0 with data (XLogRecHasBlockData(record, 0)).
std::optional<std::span<const std::uint8_t>> block0_data(const DecodedRecord& rec) {
    const DecodedBkpBlock* b = rec.block(0);
    if (b == nullptr || !b->has_data) return std::nullopt;
    return b->data;
}

void append_short_block0(std::string& out, std::size_t have, std::size_t need) {
    out += ' ';
    append_short_record(out, have, need, "block 0 data");
}

// plan_elem_desc(): one freeze plan and its offsets, taken in plan order from `offsets`
// (`next` is where this plan's offsets start).
void plan_elem_desc(std::string& out, const pg16::xl_heap_freeze_plan& plan,
                    const PackedArray<OffsetNumber>& offsets, std::size_t& next) {
    fmt::format_to(std::back_inserter(out), FMT_COMPILE("{{ xmax: {}, infomask: {}, infomask2: {}, ntuples: {}"),
                   plan.xmax, plan.t_infomask, plan.t_infomask2, plan.ntuples);
    out += ", offsets:";
    array_desc(out, plan.ntuples, [&](std::string& o, std::size_t i) { offset_elem_desc(o, offsets[next + i]); });
    next += plan.ntuples;
    out += " }";
}

// ", plans:" and the plans: `plans` holds nplans structs, `offsets` every plan's offsets (the
// caller has checked that they hold the sum of the plans' ntuples).
void plans_desc(std::string& out, std::span<const std::uint8_t> plans, std::size_t nplans,
                const PackedArray<OffsetNumber>& offsets) {
    out += ", plans:";
    std::size_t next = 0;
    array_desc(out, nplans, [&](std::string& o, std::size_t i) {
        pg16::xl_heap_freeze_plan plan{};
        load_record(plans.subspan(i * sizeof(plan)), plan);
        plan_elem_desc(o, plan, offsets, next);
    });
}

void desc16_heap_insert(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_heap_insert>(out, rec, SizeOfHeapInsert, append_short_main_data))
        fmt::format_to(std::back_inserter(out), FMT_COMPILE("off: {}, flags: 0x{:02X}"), x->offnum, unsigned{x->flags});
}

void desc16_heap_delete(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_heap_delete>(out, rec, SizeOfHeapDelete, append_short_main_data)) {
        fmt::format_to(std::back_inserter(out), FMT_COMPILE("xmax: {}, off: {}, "), x->xmax, x->offnum);
        infobits_desc(out, x->infobits_set, "infobits");
        fmt::format_to(std::back_inserter(out), FMT_COMPILE(", flags: 0x{:02X}"), unsigned{x->flags});
    }
}

// UPDATE and HOT_UPDATE print the same.
void desc16_heap_update(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_heap_update>(out, rec, SizeOfHeapUpdate, append_short_main_data)) {
        fmt::format_to(std::back_inserter(out), FMT_COMPILE("old_xmax: {}, old_off: {}, "), x->old_xmax, x->old_offnum);
        infobits_desc(out, x->old_infobits_set, "old_infobits");
        fmt::format_to(std::back_inserter(out), FMT_COMPILE(", flags: 0x{:02X}, new_xmax: {}, new_off: {}"),
                       unsigned{x->flags}, x->new_xmax, x->new_offnum);
    }
}

void desc16_heap_truncate(std::string& out, const DecodedRecord& rec) {
    auto x = fixed_part<xl_heap_truncate>(out, rec, SizeOfHeapTruncate, append_short_main_data);
    if (!x) return;
    truncate_flags_desc(out, x->flags);
    fmt::format_to(std::back_inserter(out), FMT_COMPILE(", nrelids: {}"), x->nrelids);
    out += ", relids:";
    ByteReader reader(rec.main_data.subspan(SizeOfHeapTruncate));
    bool truncated = false;
    auto relids = take_array<Oid>(reader, x->nrelids, truncated);
    oid_array_desc(out, relids);
    if (truncated) {
        out += ' ';
        append_short_main_data(out, rec.main_data.size(),
                               SizeOfHeapTruncate + std::size_t{x->nrelids} * sizeof(Oid));
    }
}

void desc16_heap_confirm(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_heap_confirm>(out, rec, SizeOfHeapConfirm, append_short_main_data))
        fmt::format_to(std::back_inserter(out), FMT_COMPILE("off: {}"), x->offnum);
}

void desc16_heap_lock(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_heap_lock>(out, rec, SizeOfHeapLock, append_short_main_data)) {
        fmt::format_to(std::back_inserter(out), FMT_COMPILE("xmax: {}, off: {}, "), x->locking_xid, x->offnum);
        infobits_desc(out, static_cast<std::uint8_t>(x->infobits_set), "infobits");
        fmt::format_to(std::back_inserter(out), FMT_COMPILE(", flags: 0x{:02X}"), unsigned{x->flags});
    }
}

void desc16_heap_inplace(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_heap_inplace>(out, rec, SizeOfHeapInplace, append_short_main_data))
        fmt::format_to(std::back_inserter(out), FMT_COMPILE("off: {}"), x->offnum);
}

// PostgreSQL 18: the in-place update's invalidation messages follow (standbydesc.c's text).
void desc18_heap_inplace(std::string& out, const DecodedRecord& rec) {
    auto x = fixed_part<pg18::xl_heap_inplace>(out, rec, pg18::MinSizeOfHeapInplace, append_short_main_data);
    if (!x) return;
    fmt::format_to(std::back_inserter(out), FMT_COMPILE("off: {}"), x->offnum);
    ByteReader reader(rec.main_data.subspan(pg18::MinSizeOfHeapInplace));
    bool truncated = false;
    auto msgs = take_array<SharedInvalidationMessage>(reader, x->nmsgs, truncated);
    standby_desc_invalidations(out, msgs, x->dbId, x->tsId, x->relcacheInitFileInval != 0,
                               *rec.format);
    if (truncated) {
        out += ' ';
        append_short_main_data(out, rec.main_data.size(),
                               pg18::MinSizeOfHeapInplace +
                                   static_cast<std::size_t>(x->nmsgs) * sizeof(SharedInvalidationMessage));
    }
}

void desc16_heap2_prune(std::string& out, const DecodedRecord& rec) {
    auto x = fixed_part<pg16::xl_heap_prune>(out, rec, pg16::SizeOfHeapPrune, append_short_main_data);
    if (!x) return;
    fmt::format_to(std::back_inserter(out), FMT_COMPILE("snapshotConflictHorizon: {}, nredirected: {}, ndead: {}"),
                   x->snapshotConflictHorizon, x->nredirected, x->ndead);
    auto data = block0_data(rec);
    if (!data) return;
    // Redirected pairs and dead offsets; the rest of the data is the now-unused offsets.
    const std::size_t total = data->size() / sizeof(OffsetNumber);
    const std::size_t listed = 2 * std::size_t{x->nredirected} + x->ndead;
    if (total < listed) {
        append_short_block0(out, data->size(), listed * sizeof(OffsetNumber));
        return;
    }
    const std::uint8_t* p = data->data();
    PackedArray<OffsetNumber> redirected(p, 2 * std::size_t{x->nredirected});
    PackedArray<OffsetNumber> nowdead(p + redirected.size() * sizeof(OffsetNumber), x->ndead);
    PackedArray<OffsetNumber> nowunused(p + listed * sizeof(OffsetNumber), total - listed);
    fmt::format_to(std::back_inserter(out), FMT_COMPILE(", nunused: {}"), nowunused.size());
    out += ", redirected:";
    redirect_array_desc(out, redirected);
    out += ", dead:";
    offset_array_desc(out, nowdead);
    out += ", unused:";
    offset_array_desc(out, nowunused);
}

void desc16_heap2_vacuum(std::string& out, const DecodedRecord& rec) {
    auto x = fixed_part<xl_heap_vacuum>(out, rec, SizeOfHeapVacuum, append_short_main_data);
    if (!x) return;
    fmt::format_to(std::back_inserter(out), FMT_COMPILE("nunused: {}"), x->nunused);
    auto data = block0_data(rec);
    if (!data) return;
    ByteReader reader(*data);
    bool truncated = false;
    auto nowunused = take_array<OffsetNumber>(reader, x->nunused, truncated);
    out += ", unused:";
    offset_array_desc(out, nowunused);
    if (truncated) append_short_block0(out, data->size(), std::size_t{x->nunused} * sizeof(OffsetNumber));
}

void desc16_heap2_freeze_page(std::string& out, const DecodedRecord& rec) {
    auto x = fixed_part<pg16::xl_heap_freeze_page>(out, rec, pg16::SizeOfHeapFreezePage, append_short_main_data);
    if (!x) return;
    fmt::format_to(std::back_inserter(out), FMT_COMPILE("snapshotConflictHorizon: {}, nplans: {}"),
                   x->snapshotConflictHorizon, x->nplans);
    auto data = block0_data(rec);
    if (!data) return;
    const std::size_t plans_len = std::size_t{x->nplans} * sizeof(pg16::xl_heap_freeze_plan);
    if (data->size() < plans_len) {
        append_short_block0(out, data->size(), plans_len);
        return;
    }
    auto plans = data->subspan(0, plans_len);
    const std::size_t ntuples = pg16::freeze_plans_total_tuples(plans, x->nplans);
    const std::size_t need = plans_len + ntuples * sizeof(OffsetNumber);
    if (data->size() < need) {
        append_short_block0(out, data->size(), need);
        return;
    }
    plans_desc(out, plans, x->nplans, PackedArray<OffsetNumber>(data->data() + plans_len, ntuples));
}

void desc16_heap2_visible(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_heap_visible>(out, rec, SizeOfHeapVisible, append_short_main_data))
        fmt::format_to(std::back_inserter(out), FMT_COMPILE("snapshotConflictHorizon: {}, flags: 0x{:02X}"),
                       x->cutoff_xid, unsigned{x->flags});
}

void desc16_heap2_multi_insert(std::string& out, const DecodedRecord& rec) {
    auto x = fixed_part<xl_heap_multi_insert>(out, rec, SizeOfHeapMultiInsert, append_short_main_data);
    if (!x) return;
    fmt::format_to(std::back_inserter(out), FMT_COMPILE("ntuples: {}, flags: 0x{:02X}"), x->ntuples, unsigned{x->flags});
    const bool isinit = (rec.xl_info & XLOG_HEAP_INIT_PAGE) != 0;
    if (!block0_data(rec) || isinit) return;
    ByteReader reader(rec.main_data.subspan(SizeOfHeapMultiInsert));
    bool truncated = false;
    auto offsets = take_array<OffsetNumber>(reader, x->ntuples, truncated);
    out += ", offsets:";
    offset_array_desc(out, offsets);
    if (truncated) {
        out += ' ';
        append_short_main_data(out, rec.main_data.size(),
                               SizeOfHeapMultiInsert + std::size_t{x->ntuples} * sizeof(OffsetNumber));
    }
}

void desc16_heap2_lock_updated(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_heap_lock_updated>(out, rec, SizeOfHeapLockUpdated, append_short_main_data)) {
        fmt::format_to(std::back_inserter(out), FMT_COMPILE("xmax: {}, off: {}, "), x->xmax, x->offnum);
        infobits_desc(out, x->infobits_set, "infobits");
        fmt::format_to(std::back_inserter(out), FMT_COMPILE(", flags: 0x{:02X}"), unsigned{x->flags});
    }
}

void desc16_heap2_new_cid(std::string& out, const DecodedRecord& rec) {
    if (auto x = fixed_part<xl_heap_new_cid>(out, rec, SizeOfHeapNewCid, append_short_main_data)) {
        fmt::format_to(std::back_inserter(out), FMT_COMPILE("rel: {}/{}/{}, tid: {}/{}"), x->target_node.spcNode,
                       x->target_node.dbNode, x->target_node.relNode, item_pointer_block(x->target_tid),
                       item_pointer_offset(x->target_tid));
        fmt::format_to(std::back_inserter(out), FMT_COMPILE(", cmin: {}, cmax: {}, combo: {}"), x->cmin, x->cmax,
                       x->combocid);
    }
}

// PRUNE_ON_ACCESS, PRUNE_VACUUM_SCAN and PRUNE_VACUUM_CLEANUP (PG17) print the same. Without a
// conflict horizon the text starts with ", isCatalogRel" as PostgreSQL's does.
void desc17_heap2_prune(std::string& out, const DecodedRecord& rec) {
    auto x = fixed_part<pg17::xl_heap_prune>(out, rec, pg17::SizeOfHeapPrune, append_short_main_data);
    if (!x) return;
    if (x->flags & pg17::XLHP_HAS_CONFLICT_HORIZON) {
        TransactionId conflict_xid = 0;
        if (!load_record(rec.main_data.subspan(pg17::SizeOfHeapPrune), conflict_xid)) {
            append_short_main_data(out, rec.main_data.size(), pg17::SizeOfHeapPrune + sizeof(TransactionId));
            return;
        }
        fmt::format_to(std::back_inserter(out), FMT_COMPILE("snapshotConflictHorizon: {}"), conflict_xid);
    }
    fmt::format_to(std::back_inserter(out), FMT_COMPILE(", isCatalogRel: {}"),
                   (x->flags & pg17::XLHP_IS_CATALOG_REL) ? 'T' : 'F');
    auto data = block0_data(rec);
    if (!data) return;
    // heap_xlog_deserialize_prune_and_freeze, shared with redo (wal/records/heap.cpp).
    const pg17::PruneFreezeSubRecords pf = pg17::deserialize_prune_and_freeze(*data, x->flags);
    if (pf.need > 0) {
        append_short_block0(out, data->size(), pf.need);
        return;
    }
    fmt::format_to(std::back_inserter(out), FMT_COMPILE(", nplans: {}, nredirected: {}, ndead: {}, nunused: {}"), pf.nplans,
                   pf.redirected.size() / 2, pf.nowdead.size(), pf.nowunused.size());
    if (pf.nplans > 0) plans_desc(out, pf.plans, pf.nplans, pf.frz_offsets);
    if (!pf.redirected.empty()) {
        out += ", redirected:";
        redirect_array_desc(out, pf.redirected);
    }
    if (!pf.nowdead.empty()) {
        out += ", dead:";
        offset_array_desc(out, pf.nowdead);
    }
    if (!pf.nowunused.empty()) {
        out += ", unused:";
        offset_array_desc(out, pf.nowunused);
    }
}

// ---- the per-version tables ----------------------------------------------------------------

using DescFn = void (*)(std::string& out, const DecodedRecord& rec);

// What one generation of heapdesc.c prints: the routine per opcode ((xl_info & XLOG_HEAP_OPMASK)
// >> 4; nullptr: no text, as REWRITE) and Heap2's record names (heap_identify's are the same in
// every version). "+INIT" exists for Heap's INSERT, UPDATE, HOT_UPDATE and Heap2's MULTI_INSERT.
struct HeapVersionDesc {
    std::array<DescFn, 8> heap;
    std::array<DescFn, 8> heap2;
    std::array<const char*, 8> heap2_names;
};

// PostgreSQL 14 and 15.
constexpr HeapVersionDesc kHeapDescPg15 = {
    {desc_heap_insert, desc_heap_delete, desc_heap_update, desc_heap_truncate, desc_heap_update,
     desc_heap_confirm, desc_heap_lock, desc_heap_inplace},
    {nullptr, desc_heap2_prune, desc_heap2_vacuum, desc_heap2_freeze_page, desc_heap2_visible,
     desc_heap2_multi_insert, desc_heap2_lock_updated, desc_heap2_new_cid},
    {"REWRITE", "PRUNE", "VACUUM", "FREEZE_PAGE", "VISIBLE", "MULTI_INSERT", "LOCK_UPDATED", "NEW_CID"},
};

constexpr HeapVersionDesc kHeapDescPg16 = {
    {desc16_heap_insert, desc16_heap_delete, desc16_heap_update, desc16_heap_truncate, desc16_heap_update,
     desc16_heap_confirm, desc16_heap_lock, desc16_heap_inplace},
    {nullptr, desc16_heap2_prune, desc16_heap2_vacuum, desc16_heap2_freeze_page, desc16_heap2_visible,
     desc16_heap2_multi_insert, desc16_heap2_lock_updated, desc16_heap2_new_cid},
    {"REWRITE", "PRUNE", "VACUUM", "FREEZE_PAGE", "VISIBLE", "MULTI_INSERT", "LOCK_UPDATED", "NEW_CID"},
};

constexpr HeapVersionDesc kHeapDescPg17 = {
    kHeapDescPg16.heap,
    {nullptr, desc17_heap2_prune, desc17_heap2_prune, desc17_heap2_prune, desc16_heap2_visible,
     desc16_heap2_multi_insert, desc16_heap2_lock_updated, desc16_heap2_new_cid},
    {"REWRITE", "PRUNE_ON_ACCESS", "PRUNE_VACUUM_SCAN", "PRUNE_VACUUM_CLEANUP", "VISIBLE", "MULTI_INSERT",
     "LOCK_UPDATED", "NEW_CID"},
};

constexpr HeapVersionDesc kHeapDescPg18 = {
    {desc16_heap_insert, desc16_heap_delete, desc16_heap_update, desc16_heap_truncate, desc16_heap_update,
     desc16_heap_confirm, desc16_heap_lock, desc18_heap_inplace},
    kHeapDescPg17.heap2,
    kHeapDescPg17.heap2_names,
};

constexpr std::array<std::pair<int, const HeapVersionDesc*>, 5> kHeapDescByVersion = {{
    {14, &kHeapDescPg15},
    {15, &kHeapDescPg15},
    {16, &kHeapDescPg16},
    {17, &kHeapDescPg17},
    {18, &kHeapDescPg18},
}};

// The table of the record's major version (15's for a version without one).
const HeapVersionDesc& heap_version_desc(const WalFormat& format) {
    for (const auto& [major, desc] : kHeapDescByVersion)
        if (major == format.major_version) return *desc;
    return kHeapDescPg15;
}

std::size_t opcode_index(std::uint8_t xl_info) { return (xl_info & XLOG_HEAP_OPMASK) >> 4; }

}  // namespace

// heap_desc: the opcode alone decides (XLOG_HEAP_INIT_PAGE does not change the text).
void heap_desc(std::string& out, const DecodedRecord& rec) {
    if (DescFn fn = heap_version_desc(*rec.format).heap[opcode_index(rec.xl_info)]) fn(out, rec);
}

// heap2_desc: REWRITE has no description.
void heap2_desc(std::string& out, const DecodedRecord& rec) {
    if (DescFn fn = heap_version_desc(*rec.format).heap2[opcode_index(rec.xl_info)]) fn(out, rec);
}

// heap_identify (the same names in 14 to 18): "+INIT" only for the opcodes that can initialize
// a page. (`format` unused: every version names them alike.)
const char* heap_identify(std::uint8_t xl_info, const WalFormat& /*format*/) {
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

// heap2_identify of the format's version: the name of the opcode; with XLOG_HEAP_INIT_PAGE only
// MULTI_INSERT has a name.
const char* heap2_identify(std::uint8_t xl_info, const WalFormat& format) {
    const HeapVersionDesc& desc = heap_version_desc(format);
    if (xl_info & XLOG_HEAP_INIT_PAGE)
        return (xl_info & XLOG_HEAP_OPMASK) == XLOG_HEAP2_MULTI_INSERT ? "MULTI_INSERT+INIT" : nullptr;
    return desc.heap2_names[opcode_index(xl_info)];
}

}  // namespace understudy
