// SP-GiST redo and mask routines: spg_redo and spg_mask (src/backend/access/spgist/spgxlog.c,
// PostgreSQL 15), each record type with the same page operations in the same order.
#include <fmt/format.h>

#include "redo/apply/record_data.h"
#include "redo/apply/redo_block.h"
#include "redo/apply/spgist_page.h"
#include "wal/records/spgist.h"
#include "redo/rmgr.h"
#include "redo/storage/mask.h"

namespace understudy {

namespace {

using redo::RedoOutcome;
using redo::XLogRedoAction;
using redo::finish_page;
using redo::block_error;
namespace sp = redo::spgist;

// Cursor over the record's main data after the fixed struct.
struct Cursor {
    std::span<const std::uint8_t> data;
    std::size_t pos = 0;
    bool ok = true;
    std::vector<storage::OffsetNumber> offsets(std::size_t n) {
        if (data.size() - pos < n * 2) { ok = false; return {}; }
        auto v = redo::read_offsets(data.data() + pos, n);
        pos += n * 2;
        return v;
    }
    // An unaligned tuple whose size the callback reads from its header.
    template <typename SizeFn>
    std::span<const std::uint8_t> tuple(SizeFn size_of) {
        if (data.size() - pos < 8) { ok = false; return {}; }
        const std::size_t sz = size_of(data.data() + pos);
        if (sz < 8 || sz > data.size() - pos) { ok = false; return {}; }
        auto t = data.subspan(pos, sz);
        pos += sz;
        return t;
    }
};

std::span<const std::uint8_t> leaf_tuple(Cursor& c) { return c.tuple(sp::leaf_tuple_size); }
std::span<const std::uint8_t> inner_tuple(Cursor& c) { return c.tuple(sp::inner_tuple_size); }

Error short_record(const DecodedRecord& rec) {
    return redo::record_error(rec, "main data too short for the tuples and offsets it announces");
}

Result<void> wrap(const DecodedRecord& rec, int block_id, Result<void> r) {
    if (!r) return block_error(rec, block_id, r.message());
    return {};
}

// Updates the downlink of the inner tuple at `offnum` on `page` (spgUpdateNodeLink).
Result<void> update_parent_link(const DecodedRecord& rec, int block_id, std::uint8_t* page,
                                storage::OffsetNumber offnum, int node_n, BlockNumber blkno,
                                storage::OffsetNumber target) {
    if (offnum == 0 || offnum > storage::page_get_max_offset_number(page))
        return block_error(rec, block_id, fmt::format("SP-GiST parent offset {} not on the page", offnum));
    const storage::ItemIdData id = storage::page_get_item_id(page, offnum);
    return wrap(rec, block_id, sp::update_node_link(page + id.lp_off, BLCKSZ - id.lp_off, node_n, blkno, target));
}

// The buffer of a block that the record may initialise (XLogInitBufferForRedo +
// SpGistInitBuffer) or else reads (XLogReadBufferForRedo).
Result<XLogRedoAction> init_or_read(redo::RedoContext& ctx, const DecodedRecord& rec, int block_id, bool init,
                                    std::uint16_t flags, storage::PageHandle& page) {
    return redo::init_or_read_block(
        ctx, rec, block_id, init, [flags](std::uint8_t* p) { sp::init_page(p, flags); }, page);
}

// spgRedoAddLeaf (PG15).
Result<RedoOutcome> redo_add_leaf(redo::RedoContext& ctx, const DecodedRecord& rec) {
    auto xl = redo::main_data_as<spgxlogAddLeaf>(rec, sizeof(spgxlogAddLeaf));
    if (!xl) return xl.error();
    Cursor c{rec.main_data, sizeof(spgxlogAddLeaf)};
    auto leaf = leaf_tuple(c);
    if (!c.ok) return short_record(rec);
    {
        storage::PageHandle page;
        auto action = init_or_read(ctx, rec, 0, xl->newPage != 0,
                                   static_cast<std::uint16_t>(sp::SPGIST_LEAF | (xl->storesNulls ? sp::SPGIST_NULLS : 0)),
                                   page);
        auto changed = redo::apply_if_needs_redo(action, page, rec, [&](std::uint8_t* p) -> Result<void> {
            if (xl->offnumLeaf != xl->offnumHeadLeaf) {
                auto r = wrap(rec, 0, sp::add_or_replace_tuple(p, leaf, xl->offnumLeaf));
                if (!r) return r.error();
                if (xl->offnumHeadLeaf != storage::InvalidOffsetNumber) {
                    const storage::ItemIdData head = storage::page_get_item_id(p, xl->offnumHeadLeaf);
                    sp::set_next_offset(p + head.lp_off, xl->offnumLeaf);
                }
            } else {
                // Replacing a DEAD tuple.
                auto del = storage::page_index_tuple_delete(p, xl->offnumLeaf);
                if (!del) return block_error(rec, 0, del.message());
                auto r = redo::add_item_or_fail(rec, 0, p, leaf, xl->offnumLeaf, false,
                                                            "failed to add item to SPGiST index page");
                if (!r) return r.error();
            }
            return {};
        });
        if (!changed) return changed.error();
    }
    if (xl->offnumParent != storage::InvalidOffsetNumber) {
        storage::PageHandle parent;
        auto action = redo::redo_block(ctx, rec, 1, parent, [&](std::uint8_t* page) -> Result<void> {
            auto r = update_parent_link(rec, 1, page, xl->offnumParent, xl->nodeI,
                                        redo::block_number(rec, 0), xl->offnumLeaf);
            if (!r) return r.error();
            return {};
        });
        if (!action) return action.error();
    }
    return RedoOutcome::applied;
}

// spgRedoMoveLeafs (PG15).
Result<RedoOutcome> redo_move_leafs(redo::RedoContext& ctx, const DecodedRecord& rec) {
    auto xl = redo::main_data_as<spgxlogMoveLeafs>(rec, SizeOfSpgxlogMoveLeafs);
    if (!xl) return xl.error();
    const BlockNumber blkno_dst = redo::block_number(rec, 1);
    const std::size_t n_insert = xl->replaceDead ? 1 : std::size_t{xl->nMoves} + 1;
    Cursor c{rec.main_data, SizeOfSpgxlogMoveLeafs};
    auto to_delete = c.offsets(xl->nMoves);
    auto to_insert = c.offsets(n_insert);
    if (!c.ok) return short_record(rec);
    {
        storage::PageHandle page;
        auto action = init_or_read(ctx, rec, 1, xl->newPage != 0,
                                   static_cast<std::uint16_t>(sp::SPGIST_LEAF | (xl->storesNulls ? sp::SPGIST_NULLS : 0)),
                                   page);
        auto changed = redo::apply_if_needs_redo(action, page, rec, [&](std::uint8_t* p) -> Result<void> {
            for (std::size_t i = 0; i < n_insert; ++i) {
                auto t = leaf_tuple(c);
                if (!c.ok) return short_record(rec);
                auto r = wrap(rec, 1, sp::add_or_replace_tuple(p, t, to_insert[i]));
                if (!r) return r.error();
            }
            return {};
        });
        if (!changed) return changed.error();
    }
    {
        storage::PageHandle page;
        auto action = redo::redo_block(ctx, rec, 0, page, [&](std::uint8_t* p) -> Result<void> {
            auto r = wrap(rec, 0,
                          sp::page_index_multi_delete(p, to_delete,
                                                      xl->stateSrc.isBuild ? sp::SPGIST_PLACEHOLDER : sp::SPGIST_REDIRECT,
                                                      sp::SPGIST_PLACEHOLDER, blkno_dst, to_insert[n_insert - 1],
                                                      xl->stateSrc.myXid));
            if (!r) return r.error();
            return {};
        });
        if (!action) return action.error();
    }
    storage::PageHandle parent;
    auto action = redo::redo_block(ctx, rec, 2, parent, [&](std::uint8_t* page) -> Result<void> {
        auto r = update_parent_link(rec, 2, page, xl->offnumParent, xl->nodeI, blkno_dst,
                                    to_insert[n_insert - 1]);
        if (!r) return r.error();
        return {};
    });
    if (!action) return action.error();
    return RedoOutcome::applied;
}

// spgRedoAddNode (PG15).
Result<RedoOutcome> redo_add_node(redo::RedoContext& ctx, const DecodedRecord& rec) {
    auto xl = redo::main_data_as<spgxlogAddNode>(rec, sizeof(spgxlogAddNode));
    if (!xl) return xl.error();
    Cursor c{rec.main_data, sizeof(spgxlogAddNode)};
    auto inner = inner_tuple(c);
    if (!c.ok) return short_record(rec);
    if (!rec.has_block_ref(1)) {
        // Update in place.
        storage::PageHandle page;
        auto action = redo::redo_block(ctx, rec, 0, page, [&](std::uint8_t* p) -> Result<void> {
            auto del = storage::page_index_tuple_delete(p, xl->offnum);
            if (!del) return block_error(rec, 0, del.message());
            auto r = redo::add_item_or_fail(rec, 0, p, inner, xl->offnum, false,
                                                        "failed to add item to SPGiST index page");
            if (!r) return r.error();
            return {};
        });
        if (!action) return action.error();
        return RedoOutcome::applied;
    }
    const BlockNumber blkno_new = redo::block_number(rec, 1);
    {
        storage::PageHandle page;
        auto action = init_or_read(ctx, rec, 1, xl->newPage != 0, 0, page);
        auto changed = redo::apply_if_needs_redo(action, page, rec, [&](std::uint8_t* p) -> Result<void> {
            auto r = wrap(rec, 1, sp::add_or_replace_tuple(p, inner, xl->offnumNew));
            if (!r) return r.error();
            if (xl->parentBlk == 1) {
                r = update_parent_link(rec, 1, p, xl->offnumParent, xl->nodeI, blkno_new, xl->offnumNew);
                if (!r) return r.error();
            }
            return {};
        });
        if (!changed) return changed.error();
    }
    {
        storage::PageHandle page;
        auto action = redo::redo_block(ctx, rec, 0, page, [&](std::uint8_t* p) -> Result<void> {
            std::array<std::uint8_t, sp::SGDTSIZE> dt{};
            if (xl->stateSrc.isBuild)
                sp::form_dead_tuple(dt.data(), sp::SPGIST_PLACEHOLDER, InvalidBlockNumber,
                                    storage::InvalidOffsetNumber, xl->stateSrc.myXid);
            else
                sp::form_dead_tuple(dt.data(), sp::SPGIST_REDIRECT, blkno_new, xl->offnumNew, xl->stateSrc.myXid);
            auto del = storage::page_index_tuple_delete(p, xl->offnum);
            if (!del) return block_error(rec, 0, del.message());
            auto r = redo::add_item_or_fail(rec, 0, p, dt, xl->offnum, false,
                                                        "failed to add item to SPGiST index page");
            if (!r) return r.error();
            if (xl->stateSrc.isBuild)
                sp::set_n_placeholder(p, static_cast<std::uint16_t>(sp::n_placeholder(p) + 1));
            else
                sp::set_n_redirection(p, static_cast<std::uint16_t>(sp::n_redirection(p) + 1));
            if (xl->parentBlk == 0) {
                r = update_parent_link(rec, 0, p, xl->offnumParent, xl->nodeI, blkno_new, xl->offnumNew);
                if (!r) return r.error();
            }
            return {};
        });
        if (!action) return action.error();
    }
    if (xl->parentBlk == 2) {
        storage::PageHandle parent;
        auto action = redo::redo_block(ctx, rec, 2, parent, [&](std::uint8_t* page) -> Result<void> {
            auto r = update_parent_link(rec, 2, page, xl->offnumParent, xl->nodeI, blkno_new, xl->offnumNew);
            if (!r) return r.error();
            return {};
        });
        if (!action) return action.error();
    }
    return RedoOutcome::applied;
}

// spgRedoSplitTuple (PG15).
Result<RedoOutcome> redo_split_tuple(redo::RedoContext& ctx, const DecodedRecord& rec) {
    auto xl = redo::main_data_as<spgxlogSplitTuple>(rec, sizeof(spgxlogSplitTuple));
    if (!xl) return xl.error();
    Cursor c{rec.main_data, sizeof(spgxlogSplitTuple)};
    auto prefix = inner_tuple(c);
    auto postfix = inner_tuple(c);
    if (!c.ok) return short_record(rec);
    if (!xl->postfixBlkSame) {
        storage::PageHandle page;
        auto action = init_or_read(ctx, rec, 1, xl->newPage != 0, 0, page);
        auto changed = redo::apply_if_needs_redo(action, page, rec, [&](std::uint8_t* p) -> Result<void> {
            auto r = wrap(rec, 1, sp::add_or_replace_tuple(p, postfix, xl->offnumPostfix));
            if (!r) return r.error();
            return {};
        });
        if (!changed) return changed.error();
    }
    storage::PageHandle page;
    auto action = redo::redo_block(ctx, rec, 0, page, [&](std::uint8_t* p) -> Result<void> {
        auto del = storage::page_index_tuple_delete(p, xl->offnumPrefix);
        if (!del) return block_error(rec, 0, del.message());
        auto r = redo::add_item_or_fail(rec, 0, p, prefix, xl->offnumPrefix, false,
                                                    "failed to add item to SPGiST index page");
        if (!r) return r.error();
        if (xl->postfixBlkSame) {
            r = wrap(rec, 0, sp::add_or_replace_tuple(p, postfix, xl->offnumPostfix));
            if (!r) return r.error();
        }
        return {};
    });
    if (!action) return action.error();
    return RedoOutcome::applied;
}

// spgRedoPickSplit (PG15).
Result<RedoOutcome> redo_pick_split(redo::RedoContext& ctx, const DecodedRecord& rec) {
    auto xl = redo::main_data_as<spgxlogPickSplit>(rec, SizeOfSpgxlogPickSplit);
    if (!xl) return xl.error();
    const BlockNumber blkno_inner = redo::block_number(rec, 2);
    Cursor c{rec.main_data, SizeOfSpgxlogPickSplit};
    auto to_delete = c.offsets(xl->nDelete);
    auto to_insert = c.offsets(xl->nInsert);
    if (!c.ok || c.data.size() - c.pos < xl->nInsert) return short_record(rec);
    const std::uint8_t* leaf_page_select = c.data.data() + c.pos;
    c.pos += xl->nInsert;
    auto inner = inner_tuple(c);
    if (!c.ok) return short_record(rec);
    const std::uint16_t leaf_flags =
        static_cast<std::uint16_t>(sp::SPGIST_LEAF | (xl->storesNulls ? sp::SPGIST_NULLS : 0));

    storage::PageHandle src;
    std::uint8_t* src_page = nullptr;
    if (xl->isRootSplit) {
        // The root is touched only as the new inner page.
    } else if (xl->initSrc) {
        auto buf = ctx.init_buffer_for_redo(rec, 0);
        if (!buf) return buf.error();
        src = std::move(*buf);
        src_page = src.data();
        sp::init_page(src_page, leaf_flags);
    } else {
        auto action = ctx.read_buffer_for_redo(rec, 0, src);
        if (!action) return action.error();
        if (*action == XLogRedoAction::BLK_NEEDS_REDO) {
            src_page = src.data();
            Result<void> r = xl->stateSrc.isBuild
                                 ? sp::page_index_multi_delete(src_page, to_delete, sp::SPGIST_PLACEHOLDER,
                                                               sp::SPGIST_PLACEHOLDER, InvalidBlockNumber,
                                                               storage::InvalidOffsetNumber, xl->stateSrc.myXid)
                                 : sp::page_index_multi_delete(src_page, to_delete, sp::SPGIST_REDIRECT,
                                                               sp::SPGIST_PLACEHOLDER, blkno_inner, xl->offnumInner,
                                                               xl->stateSrc.myXid);
            if (!r) return block_error(rec, 0, r.message());
        }
    }

    storage::PageHandle dest;
    std::uint8_t* dest_page = nullptr;
    if (!rec.has_block_ref(1)) {
        // no destination page
    } else if (xl->initDest) {
        auto buf = ctx.init_buffer_for_redo(rec, 1);
        if (!buf) return buf.error();
        dest = std::move(*buf);
        dest_page = dest.data();
        sp::init_page(dest_page, leaf_flags);
    } else {
        auto action = ctx.read_buffer_for_redo(rec, 1, dest);
        if (!action) return action.error();
        if (*action == XLogRedoAction::BLK_NEEDS_REDO) dest_page = dest.data();
    }

    for (std::size_t i = 0; i < xl->nInsert; ++i) {
        auto t = leaf_tuple(c);
        if (!c.ok) return short_record(rec);
        std::uint8_t* page = leaf_page_select[i] ? dest_page : src_page;
        if (page == nullptr) continue;
        auto r = wrap(rec, leaf_page_select[i] ? 1 : 0, sp::add_or_replace_tuple(page, t, to_insert[i]));
        if (!r) return r.error();
    }
    if (src_page != nullptr) finish_page(src, rec);
    if (dest_page != nullptr) finish_page(dest, rec);

    {
        storage::PageHandle page;
        auto action = init_or_read(ctx, rec, 2, xl->initInner != 0,
                                   static_cast<std::uint16_t>(xl->storesNulls ? sp::SPGIST_NULLS : 0), page);
        auto changed = redo::apply_if_needs_redo(action, page, rec, [&](std::uint8_t* p) -> Result<void> {
            auto r = wrap(rec, 2, sp::add_or_replace_tuple(p, inner, xl->offnumInner));
            if (!r) return r.error();
            if (xl->innerIsParent) {
                r = update_parent_link(rec, 2, p, xl->offnumParent, xl->nodeI, blkno_inner,
                                       xl->offnumInner);
                if (!r) return r.error();
            }
            return {};
        });
        if (!changed) return changed.error();
    }
    if (rec.has_block_ref(3)) {
        storage::PageHandle parent;
        auto action = redo::redo_block(ctx, rec, 3, parent, [&](std::uint8_t* page) -> Result<void> {
            auto r = update_parent_link(rec, 3, page, xl->offnumParent, xl->nodeI, blkno_inner,
                                        xl->offnumInner);
            if (!r) return r.error();
            return {};
        });
        if (!action) return action.error();
    }
    return RedoOutcome::applied;
}

// spgRedoVacuumLeaf (PG15).
Result<RedoOutcome> redo_vacuum_leaf(redo::RedoContext& ctx, const DecodedRecord& rec) {
    auto xl = redo::main_data_as<spgxlogVacuumLeaf>(rec, SizeOfSpgxlogVacuumLeaf);
    if (!xl) return xl.error();
    Cursor c{rec.main_data, SizeOfSpgxlogVacuumLeaf};
    auto to_dead = c.offsets(xl->nDead);
    auto to_placeholder = c.offsets(xl->nPlaceholder);
    auto move_src = c.offsets(xl->nMove);
    auto move_dest = c.offsets(xl->nMove);
    auto chain_src = c.offsets(xl->nChain);
    auto chain_dest = c.offsets(xl->nChain);
    if (!c.ok) return short_record(rec);
    storage::PageHandle page;
    auto action = redo::redo_block(ctx, rec, 0, page, [&](std::uint8_t* p) -> Result<void> {
        const TransactionId xid = xl->stateSrc.myXid;
        auto r = wrap(rec, 0, sp::page_index_multi_delete(p, to_dead, sp::SPGIST_DEAD, sp::SPGIST_DEAD,
                                                          InvalidBlockNumber, storage::InvalidOffsetNumber, xid));
        if (!r) return r.error();
        r = wrap(rec, 0, sp::page_index_multi_delete(p, to_placeholder, sp::SPGIST_PLACEHOLDER, sp::SPGIST_PLACEHOLDER,
                                                     InvalidBlockNumber, storage::InvalidOffsetNumber, xid));
        if (!r) return r.error();
        // See vacuumLeafPage(): swap the line pointers of the moved tuples.
        for (std::size_t i = 0; i < move_src.size(); ++i) {
            const storage::ItemIdData a = storage::page_get_item_id(p, move_src[i]);
            const storage::ItemIdData b = storage::page_get_item_id(p, move_dest[i]);
            storage::page_set_item_id(p, move_src[i], b);
            storage::page_set_item_id(p, move_dest[i], a);
        }
        r = wrap(rec, 0, sp::page_index_multi_delete(p, move_src, sp::SPGIST_PLACEHOLDER, sp::SPGIST_PLACEHOLDER,
                                                     InvalidBlockNumber, storage::InvalidOffsetNumber, xid));
        if (!r) return r.error();
        for (std::size_t i = 0; i < chain_src.size(); ++i) {
            const storage::ItemIdData id = storage::page_get_item_id(p, chain_src[i]);
            sp::set_next_offset(p + id.lp_off, chain_dest[i]);
        }
        return {};
    });
    if (!action) return action.error();
    return RedoOutcome::applied;
}

// spgRedoVacuumRoot (PG15).
Result<RedoOutcome> redo_vacuum_root(redo::RedoContext& ctx, const DecodedRecord& rec) {
    auto xl = redo::main_data_as<spgxlogVacuumRoot>(rec, SizeOfSpgxlogVacuumRoot);
    if (!xl) return xl.error();
    Cursor c{rec.main_data, SizeOfSpgxlogVacuumRoot};
    auto to_delete = c.offsets(xl->nDelete);
    if (!c.ok) return short_record(rec);
    storage::PageHandle page;
    auto action = redo::redo_block(ctx, rec, 0, page, [&](std::uint8_t* p) -> Result<void> {
        auto del = storage::page_index_multi_delete(p, to_delete);
        if (!del) return block_error(rec, 0, del.message());
        return {};
    });
    if (!action) return action.error();
    return RedoOutcome::applied;
}

// spgRedoVacuumRedirect (PG15). Hot-standby conflicts are not ours to resolve.
Result<RedoOutcome> redo_vacuum_redirect(redo::RedoContext& ctx, const DecodedRecord& rec) {
    // 16 added isCatalogRel after the same leading fields: only where the offsets start differs.
    const SpgRecordLayout& layout = for_major_version(kSpgRecordLayouts, rec.format->major_version);
    auto xl = redo::main_data_as<spgxlogVacuumRedirect>(rec, SizeOfSpgxlogVacuumRedirect);
    if (!xl) return xl.error();
    if (rec.main_data.size() < layout.SizeOfSpgxlogVacuumRedirect)
        return redo::main_data_too_short(rec, "spgxlogVacuumRedirect", layout.SizeOfSpgxlogVacuumRedirect);
    Cursor c{rec.main_data, layout.SizeOfSpgxlogVacuumRedirect};
    auto to_placeholder = c.offsets(xl->nToPlaceholder);
    if (!c.ok) return short_record(rec);
    storage::PageHandle page;
    auto action = redo::redo_block(ctx, rec, 0, page, [&](std::uint8_t* p) -> Result<void> {
        for (storage::OffsetNumber off : to_placeholder) {
            std::uint8_t* dt = p + storage::page_get_item_id(p, off).lp_off;
            // tupstate := PLACEHOLDER; ItemPointerSetInvalid(&dt->pointer).
            store<std::uint32_t>(dt, (load<std::uint32_t>(dt) & ~0x3u) | sp::SPGIST_PLACEHOLDER);
            store<std::uint16_t>(dt + 6, 0xFFFF);
            store<std::uint16_t>(dt + 8, 0xFFFF);
            store<std::uint16_t>(dt + 10, 0);
        }
        sp::set_n_redirection(p, static_cast<std::uint16_t>(sp::n_redirection(p) - xl->nToPlaceholder));
        sp::set_n_placeholder(p, static_cast<std::uint16_t>(sp::n_placeholder(p) + xl->nToPlaceholder));
        if (xl->firstPlaceholder != storage::InvalidOffsetNumber) {
            const int max = storage::page_get_max_offset_number(p);
            std::vector<storage::OffsetNumber> to_delete;
            for (int i = xl->firstPlaceholder; i <= max; ++i) to_delete.push_back(static_cast<storage::OffsetNumber>(i));
            sp::set_n_placeholder(p, static_cast<std::uint16_t>(sp::n_placeholder(p) - to_delete.size()));
            auto del = storage::page_index_multi_delete(p, to_delete);
            if (!del) return block_error(rec, 0, del.message());
        }
        return {};
    });
    if (!action) return action.error();
    return RedoOutcome::applied;
}

}  // namespace

// spg_redo (spgxlog.c, PG15).
Result<redo::RedoOutcome> spg_redo(redo::RedoContext& ctx, const DecodedRecord& rec) {
    switch (rec.info()) {
        case XLOG_SPGIST_ADD_LEAF: return redo_add_leaf(ctx, rec);
        case XLOG_SPGIST_MOVE_LEAFS: return redo_move_leafs(ctx, rec);
        case XLOG_SPGIST_ADD_NODE: return redo_add_node(ctx, rec);
        case XLOG_SPGIST_SPLIT_TUPLE: return redo_split_tuple(ctx, rec);
        case XLOG_SPGIST_PICKSPLIT: return redo_pick_split(ctx, rec);
        case XLOG_SPGIST_VACUUM_LEAF: return redo_vacuum_leaf(ctx, rec);
        case XLOG_SPGIST_VACUUM_ROOT: return redo_vacuum_root(ctx, rec);
        case XLOG_SPGIST_VACUUM_REDIRECT: return redo_vacuum_redirect(ctx, rec);
        default:
            return redo::record_error(rec, fmt::format("unknown op code {:#x}", rec.info()));
    }
}

// spg_mask (spgxlog.c, PG15).
void spg_mask(std::uint8_t* page, BlockNumber /*blkno*/) {
    storage::mask_page_lsn_and_checksum(page);
    storage::mask_page_hint_bits(page);
    // Only when pd_lower looks set (the metapage's may not be).
    if (storage::pd_lower(page) >= storage::SizeOfPageHeaderData) (void)storage::mask_unused_space(page);
}

}  // namespace understudy
