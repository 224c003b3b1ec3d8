// BRIN redo and mask routines: brin_redo and brin_mask (src/backend/access/brin/brin_xlog.c,
// PostgreSQL 15), with the page helpers they use from brin_pageops.c (brin_page_init,
// brin_metapage_init) and brin_revmap.c (brinSetHeapBlockItemptr).
#include <fmt/format.h>

#include "redo/apply/record_data.h"
#include "redo/apply/redo_block.h"
#include "wal/records/brin.h"
#include "redo/rmgr.h"
#include "redo/storage/mask.h"

namespace understudy {

namespace {

using redo::RedoOutcome;
using redo::XLogRedoAction;
using redo::block_data;
using redo::finish_page;
using redo::block_error;

// brin_page.h (PG15): BrinSpecialSpace is uint16 vector[4]; the page type is vector[3], the
// flags vector[2].
constexpr std::size_t SizeOfBrinSpecialSpace = 8;
constexpr std::uint16_t BRIN_PAGETYPE_META = 0xF091;
constexpr std::uint16_t BRIN_PAGETYPE_REVMAP = 0xF092;
constexpr std::uint16_t BRIN_PAGETYPE_REGULAR = 0xF093;
constexpr std::uint16_t BRIN_EVACUATE_PAGE = 1 << 0;
constexpr std::uint32_t BRIN_META_MAGIC = 0xA8109CFA;
constexpr std::size_t SizeOfBrinMetaPageData = 16;
// REVMAP_PAGE_MAXITEMS: (BLCKSZ - MAXALIGN(header) - MAXALIGN(special)) / sizeof(ItemPointerData).
constexpr std::size_t REVMAP_PAGE_MAXITEMS =
    (BLCKSZ - storage::MAXALIGN(storage::SizeOfPageHeaderData) - SizeOfBrinSpecialSpace) / 6;

std::uint16_t brin_page_type(const std::uint8_t* page) { return load<std::uint16_t>(page + storage::pd_special(page) + 6); }

// brin_page_init (brin_pageops.c, PG15).
void brin_page_init(std::uint8_t* page, std::uint16_t type) {
    storage::page_init(page, SizeOfBrinSpecialSpace);
    store<std::uint16_t>(storage::page_get_special_pointer(page) + 6, type);
}

// brin_metapage_init (brin_pageops.c, PG15).
void brin_metapage_init(std::uint8_t* page, BlockNumber pages_per_range, std::uint16_t version) {
    brin_page_init(page, BRIN_PAGETYPE_META);
    std::uint8_t* meta = storage::page_get_contents(page);
    store<std::uint32_t>(meta, BRIN_META_MAGIC);
    store<std::uint32_t>(meta + 4, version);
    store<std::uint32_t>(meta + 8, pages_per_range);
    store<std::uint32_t>(meta + 12, 0);  // lastRevmapPage
    storage::set_pd_lower(page, static_cast<storage::LocationIndex>(meta + SizeOfBrinMetaPageData - page));
}

// brinSetHeapBlockItemptr (brin_revmap.c, PG15); offnum 0 sets the pointer invalid.
void set_heap_block_itemptr(std::uint8_t* page, BlockNumber pages_per_range, BlockNumber heap_blk, BlockNumber blkno,
                            storage::OffsetNumber offnum) {
    std::uint8_t* iptr =
        storage::page_get_contents(page) + 6 * ((heap_blk / pages_per_range) % REVMAP_PAGE_MAXITEMS);
    if (offnum == storage::InvalidOffsetNumber) blkno = InvalidBlockNumber;  // ItemPointerSetInvalid
    store<std::uint16_t>(iptr, static_cast<std::uint16_t>(blkno >> 16));
    store<std::uint16_t>(iptr + 2, static_cast<std::uint16_t>(blkno & 0xFFFF));
    store<std::uint16_t>(iptr + 4, offnum);
}

// brin_xlog_createidx (PG15).
Result<RedoOutcome> redo_createidx(redo::RedoContext& ctx, const DecodedRecord& rec) {
    auto xl = redo::main_data_as<xl_brin_createidx>(rec, SizeOfBrinCreateIdx);
    if (!xl) return xl.error();
    auto buf = ctx.init_buffer_for_redo(rec, 0);
    if (!buf) return buf.error();
    brin_metapage_init(buf->data(), xl->pagesPerRange, xl->version);
    finish_page(*buf, rec);
    return RedoOutcome::applied;
}

// brin_xlog_insert_update (PG15).
Result<RedoOutcome> redo_insert_update(redo::RedoContext& ctx, const DecodedRecord& rec, const xl_brin_insert& xl) {
    const BlockNumber regpgno = redo::block_number(rec, 0);
    {
        storage::PageHandle page;
        auto action = redo::init_or_read_block(
            ctx, rec, 0, (rec.info() & XLOG_BRIN_INIT_PAGE) != 0,
            [](std::uint8_t* p) { brin_page_init(p, BRIN_PAGETYPE_REGULAR); }, page);
        auto changed = redo::apply_if_needs_redo(action, page, rec, [&](std::uint8_t* p) -> Result<void> {
            if (storage::page_get_max_offset_number(p) + 1 < xl.offnum)
                return block_error(rec, 0, "brin_xlog_insert_update: invalid max offset number");
            if (storage::page_add_item(p, block_data(rec, 0), xl.offnum, true, false) == storage::InvalidOffsetNumber)
                return block_error(rec, 0, "brin_xlog_insert_update: failed to add tuple");
            return {};
        });
        if (!changed) return changed.error();
    }
    storage::PageHandle revmap;
    auto action = redo::redo_block(ctx, rec, 1, revmap, [&](std::uint8_t* page) -> Result<void> {
        if (xl.pagesPerRange == 0) return block_error(rec, 1, "pagesPerRange is 0");
        set_heap_block_itemptr(page, xl.pagesPerRange, xl.heapBlk, regpgno, xl.offnum);
        return {};
    });
    if (!action) return action.error();
    return RedoOutcome::applied;
}

// brin_xlog_insert (PG15).
Result<RedoOutcome> redo_insert(redo::RedoContext& ctx, const DecodedRecord& rec) {
    auto xl = redo::main_data_as<xl_brin_insert>(rec, SizeOfBrinInsert);
    if (!xl) return xl.error();
    return redo_insert_update(ctx, rec, *xl);
}

// brin_xlog_update (PG15): the old tuple's line pointer becomes unused, then as an insert.
Result<RedoOutcome> redo_update(redo::RedoContext& ctx, const DecodedRecord& rec) {
    auto xl = redo::main_data_as<xl_brin_update>(rec, SizeOfBrinUpdate);
    if (!xl) return xl.error();
    storage::PageHandle old_page;  // held across the insert, as PostgreSQL does
    auto action = redo::redo_block(ctx, rec, 2, old_page, [&](std::uint8_t* page) -> Result<void> {
        auto del = storage::page_index_tuple_delete_no_compact(page, xl->oldOffnum);
        if (!del) return block_error(rec, 2, del.message());
        return {};
    });
    if (!action) return action.error();
    return redo_insert_update(ctx, rec, xl->insert);
}

// brin_xlog_samepage_update (PG15).
Result<RedoOutcome> redo_samepage_update(redo::RedoContext& ctx, const DecodedRecord& rec) {
    auto xl = redo::main_data_as<xl_brin_samepage_update>(rec, SizeOfBrinSamepageUpdate);
    if (!xl) return xl.error();
    storage::PageHandle page;
    auto action = redo::redo_block(ctx, rec, 0, page, [&](std::uint8_t* p) -> Result<void> {
        auto ok = storage::page_index_tuple_overwrite(p, xl->offnum, block_data(rec, 0));
        if (!ok) return block_error(rec, 0, ok.message());
        if (!*ok) return block_error(rec, 0, "brin_xlog_samepage_update: failed to replace tuple");
        return {};
    });
    if (!action) return action.error();
    return RedoOutcome::applied;
}

// brin_xlog_revmap_extend (PG15).
Result<RedoOutcome> redo_revmap_extend(redo::RedoContext& ctx, const DecodedRecord& rec) {
    auto xl = redo::main_data_as<xl_brin_revmap_extend>(rec, SizeOfBrinRevmapExtend);
    if (!xl) return xl.error();
    storage::PageHandle meta;
    auto action = redo::redo_block(ctx, rec, 0, meta, [&](std::uint8_t* p) {
        std::uint8_t* metadata = storage::page_get_contents(p);
        store<std::uint32_t>(metadata + 12, xl->targetBlk);  // lastRevmapPage
        storage::set_pd_lower(p, static_cast<storage::LocationIndex>(metadata + SizeOfBrinMetaPageData - p));
    });
    if (!action) return action.error();
    // Re-init the target block as a revmap page (never a full-page image here).
    auto buf = ctx.init_buffer_for_redo(rec, 1);
    if (!buf) return buf.error();
    brin_page_init(buf->data(), BRIN_PAGETYPE_REVMAP);
    finish_page(*buf, rec);
    return RedoOutcome::applied;
}

// brin_xlog_desummarize_page (PG15).
Result<RedoOutcome> redo_desummarize(redo::RedoContext& ctx, const DecodedRecord& rec) {
    auto xl = redo::main_data_as<xl_brin_desummarize>(rec, SizeOfBrinDesummarize);
    if (!xl) return xl.error();
    {
        storage::PageHandle revmap;
        auto action = redo::redo_block(ctx, rec, 0, revmap, [&](std::uint8_t* page) -> Result<void> {
            if (xl->pagesPerRange == 0) return block_error(rec, 0, "pagesPerRange is 0");
            set_heap_block_itemptr(page, xl->pagesPerRange, xl->heapBlk, InvalidBlockNumber,
                                   storage::InvalidOffsetNumber);
            return {};
        });
        if (!action) return action.error();
    }
    storage::PageHandle reg;
    auto action = redo::redo_block(ctx, rec, 1, reg, [&](std::uint8_t* page) -> Result<void> {
        auto del = storage::page_index_tuple_delete_no_compact(page, xl->regOffset);
        if (!del) return block_error(rec, 1, del.message());
        return {};
    });
    if (!action) return action.error();
    return RedoOutcome::applied;
}

}  // namespace

// brin_redo (brin_xlog.c, PG15).
Result<redo::RedoOutcome> brin_redo(redo::RedoContext& ctx, const DecodedRecord& rec) {
    switch (rec.info() & XLOG_BRIN_OPMASK) {
        case XLOG_BRIN_CREATE_INDEX: return redo_createidx(ctx, rec);
        case XLOG_BRIN_INSERT: return redo_insert(ctx, rec);
        case XLOG_BRIN_UPDATE: return redo_update(ctx, rec);
        case XLOG_BRIN_SAMEPAGE_UPDATE: return redo_samepage_update(ctx, rec);
        case XLOG_BRIN_REVMAP_EXTEND: return redo_revmap_extend(ctx, rec);
        case XLOG_BRIN_DESUMMARIZE: return redo_desummarize(ctx, rec);
        default:
            return redo::record_error(rec, fmt::format("unknown op code {:#x}", rec.info()));
    }
}

// brin_mask (brin_xlog.c, PG15).
void brin_mask(std::uint8_t* page, BlockNumber /*blkno*/) {
    storage::mask_page_lsn_and_checksum(page);
    storage::mask_page_hint_bits(page);
    const std::uint16_t type = brin_page_type(page);
    if (type == BRIN_PAGETYPE_REGULAR ||
        (type == BRIN_PAGETYPE_META && storage::pd_lower(page) > storage::SizeOfPageHeaderData))
        (void)storage::mask_unused_space(page);
    // BRIN_EVACUATE_PAGE is not WAL-logged.
    std::uint8_t* flags = storage::page_get_special_pointer(page) + 4;
    store<std::uint16_t>(flags, static_cast<std::uint16_t>(load<std::uint16_t>(flags) & ~BRIN_EVACUATE_PAGE));
}

}  // namespace understudy
