// Redo and mask routines of generic WAL (RM_GENERIC_ID), mirroring PostgreSQL 15's
// src/backend/access/transam/generic_xlog.c: generic_redo (with applyPageRedo) and generic_mask.
// Generic WAL is what extensions such as bloom write: each block's data is a sequence of
// fragments {OffsetNumber offset, OffsetNumber length, `length` bytes} copied onto the page.
#include <cstring>

#include <fmt/format.h>

#include "redo/apply/record_data.h"
#include "redo/apply/redo_block.h"
#include "redo/rmgr.h"
#include "redo/storage/mask.h"
#include "redo/storage/page.h"

namespace understudy {
namespace {

// applyPageRedo (generic_xlog.c, PG15): copies every delta fragment onto the page. A fragment
// that runs past the block data or the page is an error naming the record and block (PostgreSQL
// would read or write out of bounds).
Result<void> apply_page_redo(std::uint8_t* page, std::span<const std::uint8_t> delta, const DecodedRecord& rec,
                             int block_id) {
    std::size_t pos = 0;
    while (pos < delta.size()) {
        if (delta.size() - pos < 4)
            return redo::block_error(rec, block_id, fmt::format("delta fragment header truncated at byte {}", pos));
        auto offset = load<std::uint16_t>(delta.data() + pos);
        auto length = load<std::uint16_t>(delta.data() + pos + 2);
        pos += 4;
        if (delta.size() - pos < length || std::size_t{offset} + length > BLCKSZ)
            return redo::block_error(rec, block_id, fmt::format("delta fragment (offset {}, length {}) exceeds the record or the page", offset, length));
        std::memcpy(page + offset, delta.data() + pos, length);
        pos += length;
    }
    return {};
}

}  // namespace

// generic_redo (generic_xlog.c, PG15): applies each block's delta, then zeroes the hole between
// pd_lower and pd_upper as GenericXLogFinish left it.
Result<redo::RedoOutcome> generic_redo(redo::RedoContext& ctx, const DecodedRecord& rec) {
    for (int block_id = 0; block_id <= rec.max_block_id; ++block_id) {
        if (!rec.has_block_ref(block_id)) continue;
        auto action = redo::redo_block(ctx, rec, block_id, [&](std::uint8_t* page) -> Result<void> {
            auto applied = apply_page_redo(page, rec.block(block_id)->data, rec, block_id);
            if (!applied) return applied.error();
            auto lower = storage::pd_lower(page);
            auto upper = storage::pd_upper(page);
            if (upper > lower && upper <= BLCKSZ) std::memset(page + lower, 0, upper - lower);
            return {};
        });
        if (!action) return action.error();
    }
    return redo::RedoOutcome::applied;
}

// generic_mask (generic_xlog.c, PG15).
void generic_mask(std::uint8_t* page, BlockNumber /*blkno*/) {
    storage::mask_page_lsn_and_checksum(page);
    (void)storage::mask_unused_space(page);
}

}  // namespace understudy
