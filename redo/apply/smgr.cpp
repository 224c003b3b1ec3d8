// Redo routine of the Storage resource manager: smgr_redo (src/backend/catalog/storage.c,
// PostgreSQL 15), with the parts of the visibility map and free space map it calls:
// visibilitymap_prepare_truncate (access/heap/visibilitymap.c) and
// FreeSpaceMapPrepareTruncateRel / FreeSpaceMapVacuumRange (storage/freespace/freespace.c,
// fsmpage.c).
//
// XLOG_SMGR_CREATE: smgrcreate(isRedo). XLOG_SMGR_TRUNCATE: the main fork is created if missing,
// then the last kept VM page has the bits of removed heap blocks cleared and the last kept FSM
// leaf page its removed slots zeroed (page changes, no LSN), the forks' cached pages past the
// new ends are dropped and the files truncated (smgrtruncate), and the upper FSM levels are
// recomputed for the removed range (FreeSpaceMapVacuumRange).
#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "redo/apply/record_data.h"
#include "common/bytes.h"
#include "wal/records/pg_types.h"
#include "wal/records/smgr.h"
#include "redo/rmgr.h"
#include "redo/storage/page.h"
#include "wal/relpath.h"

namespace understudy {

namespace {

using redo::RedoContext;
using redo::RedoOutcome;
using storage::PageHandle;
using storage::ReadBufferMode;

Error smgr_error(const DecodedRecord& rec, const RelFileNode& rnode, const std::string& detail) {
    return redo::record_error(rec, fmt::format("rel {}: {}", storage::format_relfilenode(rnode), detail));
}

// ---- visibility map (visibilitymap.c, PG15) ----------------------------------------------------

constexpr std::size_t MAPSIZE = BLCKSZ - storage::MAXALIGN(storage::SizeOfPageHeaderData);
constexpr std::uint32_t HEAPBLOCKS_PER_BYTE = 4;  // BITS_PER_BYTE / BITS_PER_HEAPBLOCK
constexpr std::uint32_t BITS_PER_HEAPBLOCK = 2;
constexpr std::uint32_t HEAPBLOCKS_PER_PAGE = MAPSIZE * HEAPBLOCKS_PER_BYTE;

// A page of an auxiliary fork as vm_readbuf / fsm_readbuf(extend=false) read it: nothing past
// the fork's end, a zeroed (new) page initialised with PageInit(page, BLCKSZ, 0).
Result<PageHandle> read_map_page(RedoContext& ctx, const RelFileNode& rnode, ForkNumber fork, BlockNumber blkno) {
    auto nblocks = ctx.pages().nblocks(rnode, fork);
    if (!nblocks) return nblocks.error();
    if (blkno >= *nblocks) return PageHandle{};
    auto cached = ctx.read_buffer_extended(rnode, fork, blkno, ReadBufferMode::RBM_ZERO_ON_ERROR);
    if (!cached) return cached.error();
    if (!cached->page.valid()) return PageHandle{};
    if (storage::page_is_new(cached->page.data())) storage::page_init(cached->page.data(), 0);
    return std::move(cached->page);
}

// visibilitymap_prepare_truncate (PG15): the new VM size in blocks, or InvalidBlockNumber when
// nothing is to be truncated.
Result<BlockNumber> visibilitymap_prepare_truncate(RedoContext& ctx, const RelFileNode& rnode,
                                                   BlockNumber nheapblocks) {
    const BlockNumber truncBlock = nheapblocks / HEAPBLOCKS_PER_PAGE;
    const std::uint32_t truncByte = (nheapblocks % HEAPBLOCKS_PER_PAGE) / HEAPBLOCKS_PER_BYTE;
    const std::uint32_t truncOffset = (nheapblocks % HEAPBLOCKS_PER_BYTE) * BITS_PER_HEAPBLOCK;
    BlockNumber newnblocks = truncBlock;
    if (truncByte != 0 || truncOffset != 0) {
        newnblocks = truncBlock + 1;
        auto page = read_map_page(ctx, rnode, VISIBILITYMAP_FORKNUM, truncBlock);
        if (!page) return page.error();
        if (!page->valid()) return InvalidBlockNumber;  // the map is already smaller
        std::uint8_t* map = storage::page_get_contents(page->data());
        std::memset(map + truncByte + 1, 0, MAPSIZE - (truncByte + 1));
        map[truncByte] &= static_cast<std::uint8_t>((1u << truncOffset) - 1);
        page->mark_dirty();
    }
    auto nblocks = ctx.pages().nblocks(rnode, VISIBILITYMAP_FORKNUM);
    if (!nblocks) return nblocks.error();
    if (*nblocks <= newnblocks) return InvalidBlockNumber;
    return newnblocks;
}

// ---- free space map (freespace.c, fsmpage.c, PG15) ---------------------------------------------

constexpr int NodesPerPage = static_cast<int>(BLCKSZ - storage::MAXALIGN(storage::SizeOfPageHeaderData) - 4);
constexpr int NonLeafNodesPerPage = BLCKSZ / 2 - 1;
constexpr int LeafNodesPerPage = NodesPerPage - NonLeafNodesPerPage;
constexpr int SlotsPerFSMPage = LeafNodesPerPage;
constexpr int FSM_TREE_DEPTH = SlotsPerFSMPage >= 1626 ? 3 : 4;
constexpr int FSM_ROOT_LEVEL = FSM_TREE_DEPTH - 1;
constexpr int FSM_BOTTOM_LEVEL = 0;

struct FSMAddress {
    int level = 0;
    BlockNumber logpageno = 0;
};

// FSMPageData: fp_next_slot (int), then fp_nodes[].
std::uint8_t* fp_nodes(std::uint8_t* page) { return storage::page_get_contents(page) + 4; }
void set_fp_next_slot(std::uint8_t* page, int v) { store<std::int32_t>(storage::page_get_contents(page), v); }

FSMAddress fsm_get_location(BlockNumber heapblk, int& slot) {
    slot = static_cast<int>(heapblk % SlotsPerFSMPage);
    return {FSM_BOTTOM_LEVEL, heapblk / SlotsPerFSMPage};
}

FSMAddress fsm_get_parent(FSMAddress child, int& slot) {
    slot = static_cast<int>(child.logpageno % SlotsPerFSMPage);
    return {child.level + 1, child.logpageno / SlotsPerFSMPage};
}

FSMAddress fsm_get_child(FSMAddress parent, int slot) {
    return {parent.level - 1, parent.logpageno * SlotsPerFSMPage + static_cast<BlockNumber>(slot)};
}

BlockNumber fsm_logical_to_physical(FSMAddress addr) {
    BlockNumber leafno = addr.logpageno;
    for (int l = 0; l < addr.level; ++l) leafno *= SlotsPerFSMPage;
    BlockNumber pages = 0;
    for (int l = 0; l < FSM_TREE_DEPTH; ++l) {
        pages += leafno + 1;
        leafno /= SlotsPerFSMPage;
    }
    pages -= static_cast<BlockNumber>(addr.level);
    return pages - 1;
}

// fsm_rebuild_page (fsmpage.c, PG15).
bool fsm_rebuild_page(std::uint8_t* page) {
    std::uint8_t* nodes = fp_nodes(page);
    bool changed = false;
    for (int nodeno = NonLeafNodesPerPage - 1; nodeno >= 0; --nodeno) {
        const int lchild = 2 * nodeno + 1;
        const int rchild = lchild + 1;
        std::uint8_t newvalue = 0;
        if (lchild < NodesPerPage) newvalue = nodes[lchild];
        if (rchild < NodesPerPage) newvalue = std::max(newvalue, nodes[rchild]);
        if (nodes[nodeno] != newvalue) {
            nodes[nodeno] = newvalue;
            changed = true;
        }
    }
    return changed;
}

// fsm_truncate_avail (fsmpage.c, PG15).
bool fsm_truncate_avail(std::uint8_t* page, int nslots) {
    std::uint8_t* ptr = fp_nodes(page) + NonLeafNodesPerPage + nslots;
    const int len = LeafNodesPerPage - nslots;
    bool changed = false;
    for (int i = 0; i < len; ++i)
        if (ptr[i] != 0) changed = true;
    std::memset(ptr, 0, static_cast<std::size_t>(len));
    if (changed) fsm_rebuild_page(page);
    return changed;
}

// fsm_set_avail (fsmpage.c, PG15): the leaf, then its ancestors up to the root.
void fsm_set_avail(std::uint8_t* page, int slot, std::uint8_t value) {
    std::uint8_t* nodes = fp_nodes(page);
    int nodeno = NonLeafNodesPerPage + slot;
    if (nodes[nodeno] == value) return;
    nodes[nodeno] = value;
    while (nodeno > 0) {
        nodeno = (nodeno - 1) / 2;
        const int lchild = 2 * nodeno + 1;
        const int rchild = lchild + 1;
        std::uint8_t newvalue = nodes[lchild];
        if (rchild < NodesPerPage) newvalue = std::max(newvalue, nodes[rchild]);
        if (nodes[nodeno] == newvalue) break;
        nodes[nodeno] = newvalue;
    }
    // fsm_set_avail also repairs a corrupt root (max below the new value) with fsm_rebuild_page.
    if (value > nodes[0]) fsm_rebuild_page(page);
}

// FreeSpaceMapPrepareTruncateRel (freespace.c, PG15).
Result<BlockNumber> fsm_prepare_truncate(RedoContext& ctx, const RelFileNode& rnode, BlockNumber nblocks) {
    int first_removed_slot = 0;
    const FSMAddress first_removed_address = fsm_get_location(nblocks, first_removed_slot);
    if (first_removed_slot > 0) {
        auto page = read_map_page(ctx, rnode, FSM_FORKNUM, fsm_logical_to_physical(first_removed_address));
        if (!page) return page.error();
        if (!page->valid()) return InvalidBlockNumber;  // the FSM is already smaller
        fsm_truncate_avail(page->data(), first_removed_slot);
        page->mark_dirty();
        return fsm_logical_to_physical(first_removed_address) + 1;
    }
    const BlockNumber new_nfsmblocks = fsm_logical_to_physical(first_removed_address);
    auto fsm_nblocks = ctx.pages().nblocks(rnode, FSM_FORKNUM);
    if (!fsm_nblocks) return fsm_nblocks.error();
    if (*fsm_nblocks <= new_nfsmblocks) return InvalidBlockNumber;
    return new_nfsmblocks;
}

// fsm_vacuum_page (freespace.c, PG15). The slot updates are hint-only in PostgreSQL
// (MarkBufferDirtyHint); the page is marked dirty as a server without data checksums and
// wal_log_hints does.
Result<std::uint8_t> fsm_vacuum_page(RedoContext& ctx, const RelFileNode& rnode, FSMAddress addr, BlockNumber start,
                                     BlockNumber end, bool& eof) {
    auto page = read_map_page(ctx, rnode, FSM_FORKNUM, fsm_logical_to_physical(addr));
    if (!page) return page.error();
    if (!page->valid()) {
        eof = true;
        return std::uint8_t{0};
    }
    eof = false;
    if (addr.level > FSM_BOTTOM_LEVEL) {
        int start_slot_in = 0;
        int end_slot_in = 0;
        FSMAddress fsm_start = fsm_get_location(start, start_slot_in);
        FSMAddress fsm_end = fsm_get_location(end - 1, end_slot_in);
        while (fsm_start.level < addr.level) {
            fsm_start = fsm_get_parent(fsm_start, start_slot_in);
            fsm_end = fsm_get_parent(fsm_end, end_slot_in);
        }
        int start_slot = 0;
        if (fsm_start.logpageno == addr.logpageno)
            start_slot = start_slot_in;
        else if (fsm_start.logpageno > addr.logpageno)
            start_slot = SlotsPerFSMPage;
        int end_slot = -1;
        if (fsm_end.logpageno == addr.logpageno)
            end_slot = end_slot_in;
        else if (fsm_end.logpageno > addr.logpageno)
            end_slot = SlotsPerFSMPage - 1;
        bool child_eof = false;
        for (int slot = start_slot; slot <= end_slot; ++slot) {
            std::uint8_t child_avail = 0;
            if (!child_eof) {
                auto avail = fsm_vacuum_page(ctx, rnode, fsm_get_child(addr, slot), start, end, child_eof);
                if (!avail) return avail.error();
                child_avail = *avail;
            }
            if (fp_nodes(page->data())[NonLeafNodesPerPage + slot] != child_avail) {
                fsm_set_avail(page->data(), slot, child_avail);
                page->mark_dirty();
            }
        }
    }
    const std::uint8_t max_avail = fp_nodes(page->data())[0];  // fsm_get_max_avail
    set_fp_next_slot(page->data(), 0);
    return max_avail;
}

// FreeSpaceMapVacuumRange(rel, start, InvalidBlockNumber) (freespace.c, PG15).
Result<void> fsm_vacuum_range(RedoContext& ctx, const RelFileNode& rnode, BlockNumber start, BlockNumber end) {
    if (end <= start) return {};
    bool eof = false;
    auto r = fsm_vacuum_page(ctx, rnode, FSMAddress{FSM_ROOT_LEVEL, 0}, start, end, eof);
    if (!r) return r.error();
    return {};
}

// ---- smgr_redo ----------------------------------------------------------------------------------

// smgrexists, counting a fork whose pages so far exist only in the page cache (restored from
// full-page images, not yet written back).
bool fork_exists(RedoContext& ctx, const RelFileNode& rnode, ForkNumber fork) {
    if (ctx.smgr().exists(rnode, fork)) return true;
    auto n = ctx.pages().nblocks(rnode, fork);
    return n && *n > 0;
}

// smgrtruncate (smgr.c, PG15): drop the cached pages past the new end, then truncate the file.
Result<void> truncate_fork(RedoContext& ctx, const RelFileNode& rnode, ForkNumber fork, BlockNumber nblocks) {
    if (auto r = ctx.pages().drop_relation_pages(rnode, fork, nblocks); !r) return r;
    return ctx.smgr().truncate(rnode, fork, nblocks);
}

// XLOG_SMGR_TRUNCATE (smgr_redo, PG15).
Result<RedoOutcome> redo_truncate(RedoContext& ctx, const DecodedRecord& rec) {
    auto xlrec = read_record_struct<xl_smgr_truncate>(rec.main_data, sizeof(xl_smgr_truncate));
    if (!xlrec) return redo::main_data_too_short(rec, "xl_smgr_truncate", sizeof(xl_smgr_truncate));
    const RelFileNode rnode = xlrec->rnode;
    // Forcibly create the relation if it does not exist (dropped later in the WAL).
    if (auto r = ctx.smgr().create(rnode, MAIN_FORKNUM); !r) return smgr_error(rec, rnode, r.error().message);

    BlockNumber fsm_blocks = InvalidBlockNumber;
    BlockNumber vm_blocks = InvalidBlockNumber;
    if ((xlrec->flags & SMGR_TRUNCATE_FSM) != 0 && fork_exists(ctx, rnode, FSM_FORKNUM)) {
        auto n = fsm_prepare_truncate(ctx, rnode, xlrec->blkno);
        if (!n) return smgr_error(rec, rnode, n.error().message);
        fsm_blocks = *n;
    }
    if ((xlrec->flags & SMGR_TRUNCATE_VM) != 0 && fork_exists(ctx, rnode, VISIBILITYMAP_FORKNUM)) {
        auto n = visibilitymap_prepare_truncate(ctx, rnode, xlrec->blkno);
        if (!n) return smgr_error(rec, rnode, n.error().message);
        vm_blocks = *n;
    }
    if ((xlrec->flags & SMGR_TRUNCATE_HEAP) != 0)
        if (auto r = truncate_fork(ctx, rnode, MAIN_FORKNUM, xlrec->blkno); !r)
            return smgr_error(rec, rnode, r.error().message);
    if (fsm_blocks != InvalidBlockNumber)
        if (auto r = truncate_fork(ctx, rnode, FSM_FORKNUM, fsm_blocks); !r)
            return smgr_error(rec, rnode, r.error().message);
    if (vm_blocks != InvalidBlockNumber)
        if (auto r = truncate_fork(ctx, rnode, VISIBILITYMAP_FORKNUM, vm_blocks); !r)
            return smgr_error(rec, rnode, r.error().message);

    // Update upper-level FSM pages to account for the truncation.
    if ((xlrec->flags & SMGR_TRUNCATE_FSM) != 0)
        if (auto r = fsm_vacuum_range(ctx, rnode, xlrec->blkno, InvalidBlockNumber); !r)
            return smgr_error(rec, rnode, r.error().message);
    return RedoOutcome::applied;
}

}  // namespace

// smgr_redo (storage.c, PG15).
Result<redo::RedoOutcome> smgr_redo(redo::RedoContext& ctx, const DecodedRecord& rec) {
    switch (rec.info()) {
        case XLOG_SMGR_CREATE: {
            auto xlrec = read_record_struct<xl_smgr_create>(rec.main_data, sizeof(xl_smgr_create));
            if (!xlrec)
                return redo::main_data_too_short(rec, "xl_smgr_create", sizeof(xl_smgr_create));
            if (xlrec->forkNum < 0 || xlrec->forkNum > MAX_FORKNUM)
                return smgr_error(rec, xlrec->rnode, fmt::format("invalid fork number {}", xlrec->forkNum));
            if (auto r = ctx.smgr().create(xlrec->rnode, static_cast<ForkNumber>(xlrec->forkNum)); !r)
                return smgr_error(rec, xlrec->rnode, r.error().message);
            return RedoOutcome::applied;
        }
        case XLOG_SMGR_TRUNCATE:
            return redo_truncate(ctx, rec);
        default:
            return redo::record_error(rec, fmt::format("unknown op code {:#x}", rec.info()));
    }
}

}  // namespace understudy
