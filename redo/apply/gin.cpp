// Redo and mask routines of the GIN index access method (RM_GIN_ID), mirroring PostgreSQL 15's
// src/backend/access/gin/ginxlog.c: gin_redo (ginRedoCreatePTree, ginRedoInsert with
// ginRedoInsertEntry / ginRedoInsertData / ginRedoRecompress, ginRedoSplit, ginRedoVacuumPage,
// ginRedoVacuumDataLeafPage, ginRedoDeletePage, ginRedoUpdateMetapage, ginRedoInsertListPage,
// ginRedoDeleteListPages, ginRedoClearIncompleteSplit) and gin_mask. Page helpers are in
// gin_page.h.
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "redo/apply/gin_page.h"
#include "redo/apply/record_data.h"
#include "redo/apply/redo_block.h"
#include "wal/records/gin.h"
#include "redo/rmgr.h"
#include "redo/storage/mask.h"
#include "redo/storage/page.h"

namespace understudy {
namespace {

using redo::XLogRedoAction;
using redo::block_data;
using redo::block_error;
using redo::finish_page;
using redo::index_tuple_size;
using redo::redo_present_block;
using storage::PageHandle;
using storage::SizeOfIndexTupleData;

// ginRedoClearIncompleteSplit (PG15).
Result<void> clear_incomplete_split(redo::RedoContext& ctx, const DecodedRecord& rec, int block_id) {
    return redo_present_block(ctx, rec, block_id, [](std::uint8_t* page) {
        redo::gin::set_gin_flags(page, static_cast<std::uint16_t>(redo::gin::gin_flags(page) & ~redo::gin::GIN_INCOMPLETE_SPLIT));
    });
}

// ginRedoCreatePTree (PG15).
Result<void> create_ptree(redo::RedoContext& ctx, const DecodedRecord& rec) {
    if (rec.main_data.size() < 4) return redo::main_data_too_short(rec, "ginxlogCreatePostingTree", 4);
    std::uint32_t size = load<std::uint32_t>(rec.main_data.data());
    if (rec.main_data.size() - 4 < size) return redo::main_data_too_short(rec, "its posting list", 4 + std::size_t{size});
    auto buf = ctx.init_buffer_for_redo(rec, 0);
    if (!buf) return buf.error();
    std::uint8_t* page = buf->data();
    redo::gin::gin_init_page(page, redo::gin::GIN_DATA | redo::gin::GIN_LEAF | redo::gin::GIN_COMPRESSED);
    if (redo::gin::GinDataPageDataOffset + size > storage::pd_special(page))
        return block_error(rec, 0, "posting list larger than the page");
    std::memcpy(page + redo::gin::GinDataPageDataOffset, rec.main_data.data() + 4, size);
    redo::gin::gin_data_page_set_data_size(page, size);
    finish_page(*buf, rec);
    return {};
}

// ginRedoInsertEntry (PG15).
Result<void> insert_entry(std::uint8_t* page, BlockNumber rightblkno, std::span<const std::uint8_t> payload,
                          const DecodedRecord& rec) {
    if (payload.size() < SizeOfGinxlogInsertEntryHeader + SizeOfIndexTupleData)
        return block_error(rec, 0, "entry insert payload too short");
    OffsetNumber offset = load<std::uint16_t>(payload.data());
    std::uint8_t isDelete = payload[2];
    OffsetNumber maxoff = storage::page_get_max_offset_number(page);
    if (rightblkno != InvalidBlockNumber) {
        if (offset < FirstOffsetNumber || offset > maxoff) return block_error(rec, 0, "downlink offset out of range");
        std::uint8_t* itup = storage::page_get_item(page, storage::page_get_item_id(page, offset));
        // GinSetDownlink: ItemPointerSet(&itup->t_tid, rightblkno, InvalidOffsetNumber).
        store<std::uint16_t>(itup, static_cast<std::uint16_t>(rightblkno >> 16));
        store<std::uint16_t>(itup + 2, static_cast<std::uint16_t>(rightblkno & 0xFFFF));
        store<std::uint16_t>(itup + 4, 0);
    }
    if (isDelete) {
        if (offset < FirstOffsetNumber || offset > maxoff) return block_error(rec, 0, "deleted offset out of range");
        auto r = storage::page_index_tuple_delete(page, offset);
        if (!r) return block_error(rec, 0, r.message());
    }
    auto tuple = payload.subspan(SizeOfGinxlogInsertEntryHeader);
    std::size_t sz = index_tuple_size(tuple.data());
    if (sz > tuple.size()) return block_error(rec, 0, "index tuple runs past the block data");
    if (storage::page_add_item(page, tuple.first(sz), offset, false, false) == storage::InvalidOffsetNumber) {
        const DecodedBkpBlock* b = rec.block(0);
        return block_error(rec, 0, fmt::format("failed to add item to index page in {}/{}/{}", b->rnode.spcNode,
                                             b->rnode.dbNode, b->rnode.relNode));
    }
    return {};
}

// ginRedoRecompress (PG15): applies the segment actions of a posting tree leaf. The unprocessed
// tail of the old posting list is copied aside once the first change is made, as PostgreSQL
// does, so the written bytes are the same.
Result<void> redo_recompress(std::uint8_t* page, std::span<const std::uint8_t> payload, const DecodedRecord& rec) {
    if (payload.size() < 2) return block_error(rec, 0, "recompress payload too short");
    std::uint16_t nactions = load<std::uint16_t>(payload.data());
    std::uint8_t* const listStart = page + redo::gin::GinDataPageDataOffset;
    const std::size_t special = storage::pd_special(page);

    // A pre-9.4 (uncompressed) leaf is converted first.
    if (!(redo::gin::gin_flags(page) & redo::gin::GIN_COMPRESSED)) {
        int nuncompressed = redo::gin::gin_maxoff(page);
        std::size_t totalsize = 0;
        if (nuncompressed > 0) {
            std::vector<std::uint64_t> items;
            for (int i = 0; i < nuncompressed; ++i)
                items.push_back(redo::gin::itemptr_to_uint64(listStart + redo::gin::SizeOfItemPointerData * i));
            std::size_t npacked = 0;
            auto plist = redo::gin::gin_compress_posting_list(items, BLCKSZ, npacked);
            totalsize = plist.size();
            std::memcpy(listStart, plist.data(), totalsize);
        }
        redo::gin::gin_data_page_set_data_size(page, totalsize);
        redo::gin::set_gin_flags(page, static_cast<std::uint16_t>(redo::gin::gin_flags(page) | redo::gin::GIN_COMPRESSED));
        redo::gin::set_gin_maxoff(page, storage::InvalidOffsetNumber);
    }

    const std::uint8_t* oldseg = listStart;
    const std::uint8_t* segmentend = listStart + redo::gin::gin_data_leaf_page_posting_list_size(page);
    std::uint8_t* writePtr = listStart;
    std::vector<std::uint8_t> tailCopy;
    bool copied = false;
    int segno = 0;
    std::size_t walpos = 2;

    auto check_write = [&](std::size_t n) { return static_cast<std::size_t>(writePtr - page) + n <= special; };

    for (int actionno = 0; actionno < nactions; ++actionno) {
        if (payload.size() - walpos < 2) return block_error(rec, 0, "recompress action truncated");
        std::uint8_t a_segno = payload[walpos];
        std::uint8_t a_action = payload[walpos + 1];
        walpos += 2;
        std::vector<std::uint8_t> newseg;
        std::vector<std::uint64_t> items;

        if (a_action == GIN_SEGMENT_INSERT || a_action == GIN_SEGMENT_REPLACE) {
            if (payload.size() - walpos < GinPostingListHeaderSize) return block_error(rec, 0, "segment truncated");
            std::size_t segsize = redo::gin::size_of_posting_list(payload.data() + walpos);
            if (payload.size() - walpos < segsize) return block_error(rec, 0, "segment truncated");
            newseg.assign(payload.begin() + static_cast<std::ptrdiff_t>(walpos),
                          payload.begin() + static_cast<std::ptrdiff_t>(walpos + segsize));
            walpos += SHORTALIGN(segsize);
        }
        if (a_action == GIN_SEGMENT_ADDITEMS) {
            if (payload.size() - walpos < 2) return block_error(rec, 0, "ADDITEMS count truncated");
            std::uint16_t nitems = load<std::uint16_t>(payload.data() + walpos);
            walpos += 2;
            if (payload.size() - walpos < std::size_t{nitems} * redo::gin::SizeOfItemPointerData)
                return block_error(rec, 0, "ADDITEMS items truncated");
            for (std::uint16_t i = 0; i < nitems; ++i)
                items.push_back(redo::gin::itemptr_to_uint64(payload.data() + walpos + redo::gin::SizeOfItemPointerData * i));
            walpos += std::size_t{nitems} * redo::gin::SizeOfItemPointerData;
        }

        // Skip to the segment this action concerns.
        while (segno < a_segno) {
            if (oldseg >= segmentend) return block_error(rec, 0, fmt::format("action for segment {} past the list", a_segno));
            std::size_t segsize = redo::gin::size_of_posting_list(oldseg);
            if (copied) {
                if (!check_write(segsize)) return block_error(rec, 0, "recompressed list overflows the page");
                std::memmove(writePtr, oldseg, segsize);
            }
            writePtr += segsize;
            oldseg += segsize;
            ++segno;
        }

        if (a_action == GIN_SEGMENT_ADDITEMS) {
            if (oldseg >= segmentend) return block_error(rec, 0, "ADDITEMS for a segment that does not exist");
            std::vector<std::uint64_t> olditems;
            if (!redo::gin::gin_posting_list_decode({oldseg, static_cast<std::size_t>(segmentend - oldseg)}, olditems))
                return block_error(rec, 0, "corrupt posting list segment on the page");
            auto newitems = redo::gin::gin_merge_item_pointers(items, olditems);
            std::size_t npacked = 0;
            newseg = redo::gin::gin_compress_posting_list(newitems, BLCKSZ, npacked);
            a_action = GIN_SEGMENT_REPLACE;
        }

        const std::uint8_t* segptr = oldseg;
        std::size_t segsize = 0;
        if (segptr != segmentend) {
            segsize = redo::gin::size_of_posting_list(oldseg);
        } else if (a_action != GIN_SEGMENT_INSERT) {
            return block_error(rec, 0, fmt::format("GIN leaf action {} past the last segment", a_action));
        }

        if (!copied && segptr != segmentend) {
            tailCopy.assign(segptr, segmentend);
            copied = true;
            segptr = tailCopy.data();
            oldseg = segptr;
            segmentend = segptr + tailCopy.size();
        }

        switch (a_action) {
            case GIN_SEGMENT_DELETE:
                segptr += segsize;
                ++segno;
                break;
            case GIN_SEGMENT_INSERT:
                if (!check_write(newseg.size())) return block_error(rec, 0, "recompressed list overflows the page");
                std::memcpy(writePtr, newseg.data(), newseg.size());
                writePtr += newseg.size();
                break;
            case GIN_SEGMENT_REPLACE:
                if (!check_write(newseg.size())) return block_error(rec, 0, "recompressed list overflows the page");
                std::memcpy(writePtr, newseg.data(), newseg.size());
                writePtr += newseg.size();
                segptr += segsize;
                ++segno;
                break;
            default:
                return block_error(rec, 0, fmt::format("unexpected GIN leaf action: {}", a_action));
        }
        oldseg = segptr;
    }

    if (oldseg != segmentend && copied) {
        auto restSize = static_cast<std::size_t>(segmentend - oldseg);
        if (!check_write(restSize)) return block_error(rec, 0, "recompressed list overflows the page");
        std::memcpy(writePtr, oldseg, restSize);
        writePtr += restSize;
    }
    redo::gin::gin_data_page_set_data_size(page, static_cast<std::size_t>(writePtr - listStart));
    return {};
}

// ginRedoInsertData (PG15).
Result<void> insert_data(std::uint8_t* page, bool isLeaf, BlockNumber rightblkno, std::span<const std::uint8_t> payload,
                         const DecodedRecord& rec) {
    if (isLeaf) return redo_recompress(page, payload, rec);
    if (payload.size() < sizeof(ginxlogInsertDataInternal)) return block_error(rec, 0, "internal insert payload too short");
    OffsetNumber offset = load<std::uint16_t>(payload.data());
    if (offset < FirstOffsetNumber || offset > redo::gin::gin_maxoff(page))
        return block_error(rec, 0, "posting item offset out of range");
    // PostingItemSetBlockNumber(oldpitem, rightblkno).
    std::uint8_t* oldpitem = page + redo::gin::GinDataPageDataOffset + (std::size_t{offset} - 1) * redo::gin::SizeOfPostingItem;
    store<std::uint16_t>(oldpitem, static_cast<std::uint16_t>(rightblkno >> 16));
    store<std::uint16_t>(oldpitem + 2, static_cast<std::uint16_t>(rightblkno & 0xFFFF));
    if (!redo::gin::gin_data_page_add_posting_item(page, payload.subspan(2, redo::gin::SizeOfPostingItem), offset))
        return block_error(rec, 0, "no room for the posting item");
    return {};
}

// ginRedoInsert (PG15).
Result<void> redo_insert(redo::RedoContext& ctx, const DecodedRecord& rec) {
    if (rec.main_data.size() < 2) return redo::main_data_too_short(rec, "ginxlogInsert", 2);
    std::uint16_t flags = load<std::uint16_t>(rec.main_data.data());
    bool isLeaf = (flags & GIN_INSERT_ISLEAF) != 0;
    BlockNumber rightChildBlkno = InvalidBlockNumber;
    if (!isLeaf) {
        if (rec.main_data.size() < 10) return redo::main_data_too_short(rec, "ginxlogInsert with child blocks", 10);
        rightChildBlkno = (BlockNumber{load<std::uint16_t>(rec.main_data.data() + 6)} << 16) |
                          load<std::uint16_t>(rec.main_data.data() + 8);
        auto r = clear_incomplete_split(ctx, rec, 1);
        if (!r) return r.error();
    }
    return redo_present_block(ctx, rec, 0, [&](std::uint8_t* page) {
        auto payload = block_data(rec, 0);
        return (flags & GIN_INSERT_ISDATA) ? insert_data(page, isLeaf, rightChildBlkno, payload, rec)
                                           : insert_entry(page, rightChildBlkno, payload, rec);
    });
}

// Reads a block that must come with a full-page image (ginRedoSplit, ginRedoVacuumPage).
Result<void> expect_restored(redo::RedoContext& ctx, const DecodedRecord& rec, int block_id, const char* what) {
    PageHandle buf;
    auto action = redo::read_block(ctx, rec, block_id, buf);
    if (!action) return action.error();
    if (*action != XLogRedoAction::BLK_RESTORED) return block_error(rec, block_id, what);
    return {};
}

// ginRedoSplit (PG15).
Result<void> redo_split(redo::RedoContext& ctx, const DecodedRecord& rec) {
    auto data = read_record_struct<ginxlogSplit>(rec.main_data, sizeof(ginxlogSplit));
    if (!data) return redo::main_data_too_short(rec, "ginxlogSplit", sizeof(ginxlogSplit));
    bool isLeaf = (data->flags & GIN_INSERT_ISLEAF) != 0;
    bool isRoot = (data->flags & GIN_SPLIT_ROOT) != 0;
    if (!isLeaf) {
        auto r = clear_incomplete_split(ctx, rec, 3);
        if (!r) return r.error();
    }
    auto r = expect_restored(ctx, rec, 0, "GIN split record did not contain a full-page image of left page");
    if (!r) return r;
    r = expect_restored(ctx, rec, 1, "GIN split record did not contain a full-page image of right page");
    if (!r) return r;
    if (isRoot) {
        r = expect_restored(ctx, rec, 2, "GIN split record did not contain a full-page image of root page");
        if (!r) return r;
    }
    return {};
}

// ginRedoVacuumDataLeafPage (PG15).
Result<void> vacuum_data_leaf_page(redo::RedoContext& ctx, const DecodedRecord& rec) {
    return redo_present_block(ctx, rec, 0,
                              [&](std::uint8_t* page) { return redo_recompress(page, block_data(rec, 0), rec); });
}

// ginRedoDeletePage (PG15): left sibling first, then the deleted page, then the parent.
Result<void> delete_page(redo::RedoContext& ctx, const DecodedRecord& rec) {
    auto data = read_record_struct<ginxlogDeletePage>(rec.main_data, sizeof(ginxlogDeletePage));
    if (!data) return redo::main_data_too_short(rec, "ginxlogDeletePage", sizeof(ginxlogDeletePage));
    // The three pages stay pinned until all are done, as PostgreSQL keeps them locked.
    PageHandle lbuffer;
    auto l = redo_present_block(ctx, rec, 2, lbuffer,
                                [&](std::uint8_t* page) { redo::gin::set_gin_rightlink(page, data->rightLink); });
    if (!l) return l;
    PageHandle dbuffer;
    auto d = redo_present_block(ctx, rec, 0, dbuffer, [&](std::uint8_t* page) {
        redo::gin::set_gin_flags(page, static_cast<std::uint16_t>(redo::gin::gin_flags(page) | redo::gin::GIN_DELETED));
        storage::set_pd_prune_xid(page, data->deleteXid);  // GinPageSetDeleteXid
    });
    if (!d) return d;
    PageHandle pbuffer;
    return redo_present_block(ctx, rec, 1, pbuffer, [&](std::uint8_t* page) -> Result<void> {
        if (!redo::gin::gin_page_delete_posting_item(page, data->parentOffset))
            return block_error(rec, 1, fmt::format("parent offset {} out of range", data->parentOffset));
        return {};
    });
}

// Adds `ntuples` consecutive index tuples from `payload` at offsets from `off` on.
Result<void> add_tuples(std::uint8_t* page, std::span<const std::uint8_t> payload, std::int32_t ntuples,
                        OffsetNumber off, const DecodedRecord& rec, int block_id) {
    std::size_t pos = 0;
    for (std::int32_t i = 0; i < ntuples; ++i) {
        if (payload.size() - pos < SizeOfIndexTupleData) return block_error(rec, block_id, "tuples truncated");
        std::size_t tupsize = index_tuple_size(payload.data() + pos);
        if (tupsize == 0 || payload.size() - pos < tupsize) return block_error(rec, block_id, "tuple truncated");
        if (storage::page_add_item(page, payload.subspan(pos, tupsize), off, false, false) ==
            storage::InvalidOffsetNumber)
            return block_error(rec, block_id, "failed to add item to index page");
        pos += tupsize;
        ++off;
    }
    return {};
}

// ginRedoUpdateMetapage (PG15): the metapage is rebuilt unconditionally from the record.
Result<void> update_metapage(redo::RedoContext& ctx, const DecodedRecord& rec) {
    auto data = read_record_struct<ginxlogUpdateMeta>(rec.main_data, sizeof(ginxlogUpdateMeta));
    if (!data) return redo::main_data_too_short(rec, "ginxlogUpdateMeta", sizeof(ginxlogUpdateMeta));
    auto metabuf = ctx.init_buffer_for_redo(rec, 0);
    if (!metabuf) return metabuf.error();
    redo::gin::gin_init_metabuffer(metabuf->data());
    std::memcpy(storage::page_get_contents(metabuf->data()), rec.main_data.data() + offsetof(ginxlogUpdateMeta, metadata),
                redo::gin::SizeOfGinMetaPageData);
    finish_page(*metabuf, rec);

    if (data->ntuples > 0) {
        return redo_present_block(ctx, rec, 1, [&](std::uint8_t* page) -> Result<void> {
            OffsetNumber off = storage::page_is_empty(page)
                                   ? FirstOffsetNumber
                                   : static_cast<OffsetNumber>(storage::page_get_max_offset_number(page) + 1);
            auto r = add_tuples(page, block_data(rec, 1), data->ntuples, off, rec, 1);
            if (!r) return r;
            redo::gin::set_gin_maxoff(page, static_cast<std::uint16_t>(redo::gin::gin_maxoff(page) + 1));
            return {};
        });
    }
    if (data->prevTail != InvalidBlockNumber)
        return redo_present_block(ctx, rec, 1,
                                  [&](std::uint8_t* page) { redo::gin::set_gin_rightlink(page, data->newRightlink); });
    return {};
}

// ginRedoInsertListPage (PG15): the page is always re-initialised.
Result<void> insert_list_page(redo::RedoContext& ctx, const DecodedRecord& rec) {
    auto data = read_record_struct<ginxlogInsertListPage>(rec.main_data, sizeof(ginxlogInsertListPage));
    if (!data) return redo::main_data_too_short(rec, "ginxlogInsertListPage", sizeof(ginxlogInsertListPage));
    auto buf = ctx.init_buffer_for_redo(rec, 0);
    if (!buf) return buf.error();
    std::uint8_t* page = buf->data();
    redo::gin::gin_init_page(page, redo::gin::GIN_LIST);
    redo::gin::set_gin_rightlink(page, data->rightlink);
    if (data->rightlink == InvalidBlockNumber) {
        redo::gin::set_gin_flags(page, static_cast<std::uint16_t>(redo::gin::gin_flags(page) | redo::gin::GIN_LIST_FULLROW));
        redo::gin::set_gin_maxoff(page, 1);
    } else {
        redo::gin::set_gin_maxoff(page, 0);
    }
    auto r = add_tuples(page, block_data(rec, 0), data->ntuples, FirstOffsetNumber, rec, 0);
    if (!r) return r;
    finish_page(*buf, rec);
    return {};
}

// ginRedoDeleteListPages (PG15).
Result<void> delete_list_pages(redo::RedoContext& ctx, const DecodedRecord& rec) {
    auto data = read_record_struct<ginxlogDeleteListPages>(rec.main_data, sizeof(ginxlogDeleteListPages));
    if (!data) return redo::main_data_too_short(rec, "ginxlogDeleteListPages", sizeof(ginxlogDeleteListPages));
    auto metabuf = ctx.init_buffer_for_redo(rec, 0);
    if (!metabuf) return metabuf.error();
    redo::gin::gin_init_metabuffer(metabuf->data());
    std::memcpy(storage::page_get_contents(metabuf->data()), rec.main_data.data(), redo::gin::SizeOfGinMetaPageData);
    finish_page(*metabuf, rec);
    for (std::int32_t i = 0; i < data->ndeleted; ++i) {
        auto buf = ctx.init_buffer_for_redo(rec, i + 1);
        if (!buf) return buf.error();
        redo::gin::gin_init_page(buf->data(), redo::gin::GIN_DELETED);
        finish_page(*buf, rec);
    }
    return {};
}

}  // namespace

// gin_redo (ginxlog.c, PG15).
Result<redo::RedoOutcome> gin_redo(redo::RedoContext& ctx, const DecodedRecord& rec) {
    Result<void> r;
    switch (rec.info()) {
        case XLOG_GIN_CREATE_PTREE: r = create_ptree(ctx, rec); break;
        case XLOG_GIN_INSERT: r = redo_insert(ctx, rec); break;
        case XLOG_GIN_SPLIT: r = redo_split(ctx, rec); break;
        case XLOG_GIN_VACUUM_PAGE:
            r = expect_restored(ctx, rec, 0, "replay of gin entry tree page vacuum did not restore the page");
            break;
        case XLOG_GIN_VACUUM_DATA_LEAF_PAGE: r = vacuum_data_leaf_page(ctx, rec); break;
        case XLOG_GIN_DELETE_PAGE: r = delete_page(ctx, rec); break;
        case XLOG_GIN_UPDATE_META_PAGE: r = update_metapage(ctx, rec); break;
        case XLOG_GIN_INSERT_LISTPAGE: r = insert_list_page(ctx, rec); break;
        case XLOG_GIN_DELETE_LISTPAGE: r = delete_list_pages(ctx, rec); break;
        default:
            return redo::record_error(rec, fmt::format("unknown op code {:#x}", rec.info()));
    }
    if (!r) return r.error();
    return redo::RedoOutcome::applied;
}

// gin_mask (ginxlog.c, PG15).
void gin_mask(std::uint8_t* page, BlockNumber /*blkno*/) {
    storage::mask_page_lsn_and_checksum(page);
    storage::mask_page_hint_bits(page);
    if (redo::gin::gin_flags(page) & redo::gin::GIN_DELETED)
        storage::mask_page_content(page);
    else if (storage::pd_lower(page) > storage::SizeOfPageHeaderData)
        (void)storage::mask_unused_space(page);
}

}  // namespace understudy
