// The visibility map fork as heap redo changes it, PostgreSQL 15
// (src/backend/access/heap/visibilitymap.c): two bits per heap block (all-visible,
// all-frozen) in the contents of PageInit'ed pages of the VM fork.
#pragma once

#include <cstdint>

#include "common/lsn.h"
#include "common/result.h"
#include "wal/decoded_record.h"
#include "redo/redo_context.h"
#include "redo/storage/page_cache.h"

namespace understudy::redo::visibilitymap {

// visibilitymap.c: MAPSIZE = BLCKSZ - MAXALIGN(SizeOfPageHeaderData), two bits per heap block.
inline constexpr std::uint32_t MAPSIZE = 8192 - 24;
inline constexpr std::uint32_t BITS_PER_HEAPBLOCK = 2;
inline constexpr std::uint32_t HEAPBLOCKS_PER_BYTE = 8 / BITS_PER_HEAPBLOCK;
inline constexpr std::uint32_t HEAPBLOCKS_PER_PAGE = MAPSIZE * HEAPBLOCKS_PER_BYTE;
// VISIBILITYMAP_VALID_BITS (visibilitymapdefs.h), also in wal/records/heap.h.
inline constexpr std::uint8_t VISIBILITYMAP_VALID_BITS_MASK = 0x03;

// HEAPBLK_TO_MAPBLOCK / HEAPBLK_TO_MAPBYTE / HEAPBLK_TO_OFFSET.
constexpr BlockNumber heapblk_to_mapblock(BlockNumber heap_blk) { return heap_blk / HEAPBLOCKS_PER_PAGE; }
constexpr std::uint32_t heapblk_to_mapbyte(BlockNumber heap_blk) {
    return (heap_blk % HEAPBLOCKS_PER_PAGE) / HEAPBLOCKS_PER_BYTE;
}
constexpr std::uint32_t heapblk_to_offset(BlockNumber heap_blk) {
    return (heap_blk % HEAPBLOCKS_PER_BYTE) * BITS_PER_HEAPBLOCK;
}

// visibilitymap_pin + visibilitymap_clear + ReleaseBuffer as the heap redo routines call them
// (PG15): vm_readbuf(extend = true) extends the VM fork with PageInit'ed pages up to the map
// block (creating the fork if needed), reads it with RBM_ZERO_ON_ERROR and PageInit's a new
// page; then `flags` of heap block `heap_blk` are cleared. The page is dirtied only when a bit
// was actually cleared; its LSN is not changed (PostgreSQL does not either). Returns whether
// a bit was cleared.
Result<bool> clear_for_redo(redo::RedoContext& ctx, const RelFileNode& rnode, BlockNumber heap_blk,
                            std::uint8_t flags);

// visibilitymap_set (PG15) in recovery on an already pinned VM page (heap_xlog_visible): if
// the block's bits differ from `flags`, OR them in, dirty the page and set its LSN to recptr.
void set_for_redo(storage::PageHandle& vmbuf, BlockNumber heap_blk, XLogRecPtr recptr, std::uint8_t flags);

// The two bits of heap_blk on a VM page (visibilitymap_get_status on a page in hand).
std::uint8_t get_status(const std::uint8_t* vmpage, BlockNumber heap_blk);

}  // namespace understudy::redo::visibilitymap
