// GiST redo and mask routines: gist_redo and gist_mask (src/backend/access/gist/gistxlog.c,
// PostgreSQL 15). Every record type is replayed with the same page operations in the same
// order as PostgreSQL, so the pages compare equal after masking.
#include <array>
#include <cstring>

#include <fmt/format.h>

#include "redo/apply/gist_page.h"
#include "redo/apply/record_data.h"
#include "wal/records/gist.h"
#include "redo/rmgr.h"
#include "redo/storage/mask.h"

namespace understudy {

namespace {

using redo::RedoOutcome;
using redo::XLogRedoAction;
using redo::block_data;
using redo::finish_page;
using redo::index_tuple_size;
using redo::block_error;
namespace gp = redo::gist;

// gistRedoClearFollowRight (PG15): the NSN and F_FOLLOW_RIGHT of the left child are updated
// even when its page was restored from an image (the new NSN is not in the image).
Result<void> clear_follow_right(redo::RedoContext& ctx, const DecodedRecord& rec, int block_id) {
    storage::PageHandle page;
    auto action = ctx.read_buffer_for_redo(rec, block_id, page);
    if (!action) return action.error();
    if (*action == XLogRedoAction::BLK_NEEDS_REDO || *action == XLogRedoAction::BLK_RESTORED) {
        gp::set_nsn(page.data(), rec.end_lsn);
        gp::clear_flag(page.data(), gp::F_FOLLOW_RIGHT);
        finish_page(page, rec);
    }
    return {};
}

// Adds the index tuples packed in data[pos..] at consecutive offsets from `off`
// (the insertion loop of gistRedoPageUpdateRecord / gistfillbuffer, PG15).
Result<int> add_packed_tuples(const DecodedRecord& rec, int block_id, std::uint8_t* page,
                              std::span<const std::uint8_t> data, std::size_t pos, storage::OffsetNumber off,
                              int limit) {
    int n = 0;
    while (pos < data.size() && (limit < 0 || n < limit)) {
        if (data.size() - pos < sizeof(IndexTupleData))
            return block_error(rec, block_id, "index tuple header runs past the block data");
        const std::size_t sz = index_tuple_size(data.data() + pos);
        if (sz < sizeof(IndexTupleData) || sz > data.size() - pos)
            return block_error(rec, block_id, fmt::format("bad index tuple size {}", sz));
        auto added = redo::add_item_or_fail(rec, block_id, page, data.subspan(pos, sz), off, false,
                                                        "failed to add item to GiST index page");
        if (!added) return added.error();
        pos += sz;
        ++off;
        ++n;
    }
    if (limit >= 0 && n != limit)
        return block_error(rec, block_id, fmt::format("{} index tuples found, {} announced", n, limit));
    return n;
}

// gistRedoPageUpdateRecord (PG15).
Result<RedoOutcome> redo_page_update(redo::RedoContext& ctx, const DecodedRecord& rec) {
    auto xl = redo::main_data_as<gistxlogPageUpdate>(rec, sizeof(gistxlogPageUpdate));
    if (!xl) return xl.error();
    storage::PageHandle page;
    auto action = ctx.read_buffer_for_redo(rec, 0, page);
    if (!action) return action.error();
    if (*action == XLogRedoAction::BLK_NEEDS_REDO) {
        std::span<const std::uint8_t> data = block_data(rec, 0);
        std::uint8_t* p = page.data();
        std::size_t pos = 0;
        if (xl->ntodelete == 1 && xl->ntoinsert == 1) {
            // One tuple replaced by another: PageIndexTupleOverwrite, as gistplacetopage does.
            if (data.size() < sizeof(std::uint16_t) + sizeof(IndexTupleData))
                return block_error(rec, 0, "block data too short for one replacement tuple");
            const storage::OffsetNumber offnum = load<std::uint16_t>(data.data());
            pos = sizeof(std::uint16_t);
            const std::size_t sz = index_tuple_size(data.data() + pos);
            if (sz > data.size() - pos) return block_error(rec, 0, "tuple runs past the block data");
            auto ok = storage::page_index_tuple_overwrite(p, offnum, data.subspan(pos, sz));
            if (!ok) return block_error(rec, 0, ok.message());
            if (!*ok)
                return block_error(rec, 0,
                                  fmt::format("failed to add item to GiST index page, size {} bytes", sz));
            pos += sz;
        } else if (xl->ntodelete > 0) {
            const std::size_t need = sizeof(std::uint16_t) * xl->ntodelete;
            if (data.size() < need) return block_error(rec, 0, "offsets run past the block data");
            auto todelete = redo::read_offsets(data.data(), xl->ntodelete);
            pos = need;
            auto del = storage::page_index_multi_delete(p, todelete);
            if (!del) return block_error(rec, 0, del.message());
            if (gp::is_leaf(p)) gp::mark_flag(p, gp::F_TUPLES_DELETED);
        }
        if (pos < data.size()) {
            const storage::OffsetNumber off = storage::page_is_empty(p)
                                                  ? storage::FirstOffsetNumber
                                                  : static_cast<storage::OffsetNumber>(
                                                        storage::page_get_max_offset_number(p) + 1);
            auto added = add_packed_tuples(rec, 0, p, data, pos, off, -1);
            if (!added) return added.error();
        }
        finish_page(page, rec);
    }
    // Fix the follow-right flag of the left child while the target page is held.
    if (rec.has_block_ref(1)) {
        auto cleared = clear_follow_right(ctx, rec, 1);
        if (!cleared) return cleared.error();
    }
    return RedoOutcome::applied;
}

// gistRedoDeleteRecord (PG15). Hot-standby conflicts are not ours to resolve.
Result<RedoOutcome> redo_delete(redo::RedoContext& ctx, const DecodedRecord& rec) {
    // 16 added isCatalogRel after the same leading fields, and deletes the offsets whether or
    // not any follow (15: only when the main data is longer than the struct).
    const GistRecordLayout& layout = for_major_version(kGistRecordLayouts, rec.format->major_version);
    const std::size_t offsets_at = layout.SizeOfGistxlogDelete;
    auto xl = redo::main_data_as<gistxlogDelete>(rec, SizeOfGistxlogDelete);
    if (!xl) return xl.error();
    if (rec.main_data.size() < offsets_at) return redo::main_data_too_short(rec, "gistxlogDelete", offsets_at);
    storage::PageHandle page;
    auto action = ctx.read_buffer_for_redo(rec, 0, page);
    if (!action) return action.error();
    if (*action == XLogRedoAction::BLK_NEEDS_REDO) {
        std::uint8_t* p = page.data();
        if (layout.v16_conflict_records || rec.main_data.size() > offsets_at) {
            if (rec.main_data.size() < offsets_at + sizeof(std::uint16_t) * xl->ntodelete)
                return block_error(rec, 0, "offsets run past the main data");
            auto todelete = redo::read_offsets(rec.main_data.data() + offsets_at, xl->ntodelete);
            auto del = storage::page_index_multi_delete(p, todelete);
            if (!del) return block_error(rec, 0, del.message());
        }
        gp::clear_flag(p, gp::F_HAS_GARBAGE);
        // PostgreSQL 15 sets F_TUPLES_DELETED here although the primary's gistprunepage (gist.c)
        // does not, and gist_mask does not mask it: the primary's consistency images lack the
        // bit. We mirror PG15's redo so our pages equal a PG15 standby's; --verify counts the
        // difference apart (gist_known_difference below), not as a mismatch.
        gp::mark_flag(p, gp::F_TUPLES_DELETED);
        finish_page(page, rec);
    }
    return RedoOutcome::applied;
}

// gistRedoPageSplitRecord (PG15): every page of the split is rebuilt from the record.
Result<RedoOutcome> redo_page_split(redo::RedoContext& ctx, const DecodedRecord& rec) {
    auto xl = redo::main_data_as<gistxlogPageSplit>(rec, sizeof(gistxlogPageSplit));
    if (!xl) return xl.error();
    bool isrootsplit = false;
    storage::PageHandle first;  // held until the left child is fixed, as PostgreSQL does
    for (int i = 0; i < xl->npage; ++i) {
        const int block_id = i + 1;
        if (!rec.has_block_ref(block_id))
            return block_error(rec, block_id, fmt::format("block {} of {} missing", block_id, xl->npage));
        const BlockNumber blkno = redo::block_number(rec, block_id);
        if (blkno == gp::GIST_ROOT_BLKNO) isrootsplit = true;

        auto buf = ctx.init_buffer_for_redo(rec, block_id);
        if (!buf) return buf.error();
        std::uint8_t* p = buf->data();
        std::span<const std::uint8_t> data = block_data(rec, block_id);
        if (data.size() < sizeof(std::int32_t))
            return block_error(rec, block_id, "block data too short for the tuple count");
        const std::int32_t num = load<std::int32_t>(data.data());

        gp::init_page(p, (xl->origleaf != 0 && blkno != gp::GIST_ROOT_BLKNO) ? gp::F_LEAF : 0);
        auto added = add_packed_tuples(rec, block_id, p, data, sizeof(std::int32_t), storage::FirstOffsetNumber, num);
        if (!added) return added.error();

        if (blkno == gp::GIST_ROOT_BLKNO) {
            gp::set_rightlink(p, InvalidBlockNumber);
            gp::set_nsn(p, xl->orignsn);
            gp::clear_flag(p, gp::F_FOLLOW_RIGHT);
        } else {
            if (i < xl->npage - 1)
                gp::set_rightlink(p, redo::block_number(rec, i + 2));
            else
                gp::set_rightlink(p, xl->origrlink);
            gp::set_nsn(p, xl->orignsn);
            if (i < xl->npage - 1 && !isrootsplit && xl->markfollowright != 0)
                gp::mark_flag(p, gp::F_FOLLOW_RIGHT);
            else
                gp::clear_flag(p, gp::F_FOLLOW_RIGHT);
        }
        finish_page(*buf, rec);
        if (i == 0) first = std::move(*buf);
    }
    if (rec.has_block_ref(0)) {
        auto cleared = clear_follow_right(ctx, rec, 0);
        if (!cleared) return cleared.error();
    }
    return RedoOutcome::applied;
}

// gistRedoPageDelete (PG15).
Result<RedoOutcome> redo_page_delete(redo::RedoContext& ctx, const DecodedRecord& rec) {
    auto xl = redo::main_data_as<gistxlogPageDelete>(rec, SizeOfGistxlogPageDelete);
    if (!xl) return xl.error();
    storage::PageHandle leaf;
    auto action = ctx.read_buffer_for_redo(rec, 0, leaf);
    if (!action) return action.error();
    if (*action == XLogRedoAction::BLK_NEEDS_REDO) {
        gp::set_deleted(leaf.data(), xl->deleteXid.value);
        finish_page(leaf, rec);
    }
    storage::PageHandle parent;
    action = ctx.read_buffer_for_redo(rec, 1, parent);
    if (!action) return action.error();
    if (*action == XLogRedoAction::BLK_NEEDS_REDO) {
        auto del = storage::page_index_tuple_delete(parent.data(), xl->downlinkOffset);
        if (!del) return block_error(rec, 1, del.message());
        finish_page(parent, rec);
    }
    return RedoOutcome::applied;
}

// gistRedoPageReuse (PG15): a conflict point for hot-standby queries only; checks the layout.
Result<RedoOutcome> redo_page_reuse(const DecodedRecord& rec) {
    auto xl = redo::main_data_as<gistxlogPageReuse>(rec, SizeOfGistxlogPageReuse);
    if (!xl) return xl.error();
    return RedoOutcome::applied;
}

}  // namespace

// gist_redo (gistxlog.c, PG15).
Result<redo::RedoOutcome> gist_redo(redo::RedoContext& ctx, const DecodedRecord& rec) {
    switch (rec.info()) {
        case XLOG_GIST_PAGE_UPDATE: return redo_page_update(ctx, rec);
        case XLOG_GIST_DELETE: return redo_delete(ctx, rec);
        case XLOG_GIST_PAGE_REUSE: return redo_page_reuse(rec);
        case XLOG_GIST_PAGE_SPLIT: return redo_page_split(ctx, rec);
        case XLOG_GIST_PAGE_DELETE: return redo_page_delete(ctx, rec);
        case XLOG_GIST_ASSIGN_LSN: return RedoOutcome::applied;  // nop, see gistGetFakeLSN()
        default:
            return redo::record_error(rec, fmt::format("unknown op code {:#x}", rec.info()));
    }
}

// gist_mask (gistxlog.c, PG15).
void gist_mask(std::uint8_t* page, BlockNumber /*blkno*/) {
    storage::mask_page_lsn_and_checksum(page);
    storage::mask_page_hint_bits(page);
    (void)storage::mask_unused_space(page);
    gp::set_nsn(page, storage::MASK_MARKER);  // the NSN is a special-purpose LSN
    gp::mark_flag(page, gp::F_FOLLOW_RIGHT);   // set on the left child after its WAL record
    if (gp::is_leaf(page)) storage::mask_lp_flags(page);  // gistkillitems changes them without WAL
    gp::clear_flag(page, gp::F_HAS_GARBAGE);   // redo never marks pages as garbage
}

// Not a PostgreSQL routine: the one difference a PG15 standby shows too. gistRedoDeleteRecord
// (gistxlog.c) sets F_TUPLES_DELETED on the page of an XLOG_GIST_DELETE record while the
// primary's gistprunepage (gist.c), which wrote the record and its image, does not; gist_mask
// leaves the bit unmasked, and nothing in PG15 clears it (GistClearTuplesDeleted is never
// called), so it stays on our page (and a PG15 standby's) for the later records of that page
// until the page is reinitialised (a split) or the primary's VACUUM sets it too. Allowed: that
// bit set on our page and clear in the image, every other byte (after gist_mask) equal, on the
// DELETE record or on a page that carries the difference from it.
const char* gist_known_difference(const DecodedRecord& rec, const std::uint8_t* replayed,
                                  const std::uint8_t* primary, bool carried) {
    if (rec.info() != XLOG_GIST_DELETE && !carried) return nullptr;
    constexpr std::size_t kSpecial = BLCKSZ - gp::SizeOfGISTPageOpaqueData;
    if (storage::pd_special(replayed) != kSpecial || storage::pd_special(primary) != kSpecial) return nullptr;
    alignas(8) std::array<std::uint8_t, BLCKSZ> ours{};
    std::memcpy(ours.data(), replayed, BLCKSZ);
    if ((gp::flags(ours.data()) & gp::F_TUPLES_DELETED) == 0) return nullptr;
    gp::clear_flag(ours.data(), gp::F_TUPLES_DELETED);
    if (std::memcmp(ours.data(), primary, BLCKSZ) != 0) return nullptr;
    // gistRedoDeleteRecord of 14, 15, 16, 17 and 18 alike calls GistMarkTuplesDeleted (read in
    // each version's gistxlog.c): the rule holds for each version replayed.
    return "Gist: F_TUPLES_DELETED set by gistRedoDeleteRecord (PostgreSQL 14 to 18; on a DELETE record's page, "
           "and kept there by later records), never by the primary's gistprunepage; that version's own standby differs "
           "the same way";
}

}  // namespace understudy
