// The free space map as heap redo updates it (freespace.c, fsmpage.c): see freespace.h.
#include "redo/apply/freespace.h"

#include <algorithm>

#include <fmt/format.h>

#include "redo/storage/page.h"
#include "wal/relpath.h"

namespace understudy::redo::freespace {

namespace {

inline constexpr std::size_t kCatStep = 8192 / 256;      // FSM_CAT_STEP
inline constexpr std::size_t kMaxFSMRequestSize = 8160;  // MaxHeapTupleSize: BLCKSZ - MAXALIGN(24 + 4)

constexpr int parent_of(int n) { return (n - 1) / 2; }
constexpr int left_child(int n) { return 2 * n + 1; }

// fsm_rebuild_page: every non-leaf node from the last up to the root.
void rebuild_page(std::uint8_t* nodes) {
    for (int n = kNonLeafNodesPerPage - 1; n >= 0; --n) {
        const int l = left_child(n), r = l + 1;
        std::uint8_t v = 0;
        if (l < kNodesPerPage) v = nodes[l];
        if (r < kNodesPerPage) v = std::max(v, nodes[r]);
        nodes[n] = v;
    }
}

}  // namespace

std::uint8_t space_avail_to_cat(std::size_t avail) {
    if (avail >= kMaxFSMRequestSize) return 255;
    return static_cast<std::uint8_t>(std::min<std::size_t>(avail / kCatStep, 254));
}

BlockNumber leaf_block(BlockNumber heap_blk) {
    // fsm_logical_to_physical({level 0, logpageno}): the upper-level pages before this leaf
    // (one per level and per SlotsPerFSMPage leaves below), then the leaf.
    std::uint64_t leafno = heap_blk / kSlotsPerFSMPage;
    std::uint64_t pages = 0;
    for (int l = 0; l < kFsmTreeDepth; ++l) {
        pages += leafno + 1;
        leafno /= kSlotsPerFSMPage;
    }
    return static_cast<BlockNumber>(pages - 1);
}

int leaf_slot(BlockNumber heap_blk) { return static_cast<int>(heap_blk % kSlotsPerFSMPage); }

bool set_avail(std::uint8_t* page, int slot, std::uint8_t value) {
    std::uint8_t* nodes = page + kFpNodesOffset;
    int n = kNonLeafNodesPerPage + slot;
    if (nodes[n] == value && value <= nodes[0]) return false;
    nodes[n] = value;
    do {
        n = parent_of(n);
        const int l = left_child(n), r = l + 1;
        std::uint8_t v = nodes[l];
        if (r < kNodesPerPage) v = std::max(v, nodes[r]);
        if (nodes[n] == v) break;
        nodes[n] = v;
    } while (n > 0);
    if (value > nodes[0]) rebuild_page(nodes);
    return true;
}

Result<void> record_page_with_free_space(RedoContext& ctx, const RelFileNode& rnode, BlockNumber heap_blk,
                                        std::size_t space_avail) {
    if (ctx.smgr().xlog_hint_bit_is_needed()) return {};
    const std::uint8_t cat = space_avail_to_cat(space_avail);
    const BlockNumber blkno = leaf_block(heap_blk);
    auto cached = ctx.read_buffer_extended(rnode, FSM_FORKNUM, blkno, storage::ReadBufferMode::RBM_ZERO_ON_ERROR);
    if (!cached) return cached.error();
    if (cached->status != storage::PageStatus::ok || !cached->page.valid())
        return make_error(fmt::format("free space map page {} of relation {} could not be read", blkno,
                                      storage::format_relfilenode(rnode)));
    storage::PageHandle page = std::move(cached->page);
    // PageInit of a new page, dirtied only with the slot's change (MarkBufferDirtyHint).
    if (storage::page_is_new(page.data())) storage::page_init(page.data(), 0);
    if (set_avail(page.data(), leaf_slot(heap_blk), cat)) page.mark_dirty();
    return {};
}

}  // namespace understudy::redo::freespace
