// The redo resource manager table, expanded from wal/rmgr_list.h (the same list as the
// describe-only table in wal/rmgr_desc.h): rm_redo, rm_mask and --verify's known differences.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"
#include "redo/redo_context.h"
#include "wal/decoded_record.h"
#include "wal/rmgr_desc.h"

namespace understudy {

// Applies a record (PostgreSQL's rm_redo) through the engine's RedoContext.
using RedoFn = Result<redo::RedoOutcome> (*)(redo::RedoContext& ctx, const DecodedRecord& rec);
// Masks the parts of a page that may legitimately differ between primary and standby
// (PostgreSQL's rm_mask), in place; nullptr for rmgrs PostgreSQL cannot consistency-check.
using MaskFn = void (*)(std::uint8_t* page, BlockNumber blkno);
// A "known upstream difference" of --verify: given a record and one of its consistency-check
// pages that still differs after masking (`replayed`: our page, `primary`: the image the primary
// wrote; both masked), returns the reason when the difference is one PostgreSQL 15's own redo
// produces as well (a standby with wal_consistency_checking would report the same page), or
// nullptr when it is not (a real mismatch). `carried`: the previous check of this page found a
// known difference (from this rule) and the page has not matched since, so a difference created
// by an earlier record may still be on it. Rules are narrow: they name the record type (or the
// carried state) and the exact bits allowed to differ, and every other byte must be equal.
// nullptr in the table: the rmgr has no such rule.
using KnownDifferenceFn = const char* (*)(const DecodedRecord& rec, const std::uint8_t* replayed,
                                          const std::uint8_t* primary, bool carried);

#define UNDERSTUDY_MASK_DECL_masked(prefix) void prefix##_mask(std::uint8_t* page, BlockNumber blkno);
#define UNDERSTUDY_MASK_DECL_unmasked(prefix)
#define UNDERSTUDY_KNOWN_DECL_known_diffs(prefix)                                                         \
    const char* prefix##_known_difference(const DecodedRecord& rec, const std::uint8_t* replayed, \
                                          const std::uint8_t* primary, bool carried);
#define UNDERSTUDY_KNOWN_DECL_no_known_diffs(prefix)
#define UNDERSTUDY_RMGR_DECLARE(id, sym, name, prefix, mask, known)                          \
    Result<redo::RedoOutcome> prefix##_redo(redo::RedoContext& ctx, const DecodedRecord& rec); \
    UNDERSTUDY_MASK_DECL_##mask(prefix) UNDERSTUDY_KNOWN_DECL_##known(prefix)
UNDERSTUDY_RMGR_LIST(UNDERSTUDY_RMGR_DECLARE)
#undef UNDERSTUDY_RMGR_DECLARE

struct RmgrInfo {
    std::uint8_t id;
    const char* name;
    DescribeFn describe;
    IdentifyFn identify;
    RedoFn redo;
    MaskFn mask;  // nullptr: not consistency-checkable
    KnownDifferenceFn known_difference;  // nullptr: every difference after masking is a mismatch
};

// The entry for a built-in rmgr id, or nullptr for an id PostgreSQL 15 does not define.
const RmgrInfo* find_rmgr(std::uint8_t id);
// Finds by name as pg_waldump spells it ("Heap2"), case-sensitive.
const RmgrInfo* find_rmgr_by_name(const std::string& name);

}  // namespace understudy
