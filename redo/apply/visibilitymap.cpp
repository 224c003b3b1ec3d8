// Visibility map changes made by heap redo, PostgreSQL 15 (visibilitymap.c: vm_readbuf,
// vm_extend, visibilitymap_pin, visibilitymap_clear, visibilitymap_set).
#include "redo/apply/visibilitymap.h"

#include <fmt/format.h>

#include "redo/storage/page.h"
#include "wal/relpath.h"

namespace understudy::redo::visibilitymap {

namespace {

// ReadBufferExtended(VISIBILITYMAP_FORKNUM, blkno, RBM_ZERO_ON_ERROR) and the PageInit of a
// new page that vm_readbuf / vm_extend do. The initialised page is dirtied so that it reaches
// the file as vm_extend's smgrextend would write it (PostgreSQL's vm_readbuf leaves a zero page
// read from disk initialised but clean; both read back the same).
Result<storage::PageHandle> read_vm_page(redo::RedoContext& ctx, const RelFileNode& rnode, BlockNumber blkno) {
    auto cached = ctx.read_buffer_extended(rnode, VISIBILITYMAP_FORKNUM, blkno, storage::ReadBufferMode::RBM_ZERO_ON_ERROR);
    if (!cached) return cached.error();
    if (cached->status != storage::PageStatus::ok || !cached->page.valid())
        return make_error(fmt::format("visibility map page {} of relation {} could not be read", blkno,
                                      storage::format_relfilenode(rnode)));
    storage::PageHandle page = std::move(cached->page);
    if (storage::page_is_new(page.data())) {
        storage::page_init(page.data(), 0);
        page.mark_dirty();
    }
    return page;
}

}  // namespace

Result<bool> clear_for_redo(redo::RedoContext& ctx, const RelFileNode& rnode, BlockNumber heap_blk,
                            std::uint8_t flags) {
    const BlockNumber map_block = heapblk_to_mapblock(heap_blk);
    const std::uint32_t map_byte = heapblk_to_mapbyte(heap_blk);
    const std::uint32_t map_offset = heapblk_to_offset(heap_blk);

    // vm_readbuf(extend = true) -> vm_extend: every block below the map block that the fork does
    // not have yet becomes a PageInit'ed page.
    // (Only a map block past the first can leave a gap; tables under ~2 GB have one VM page.)
    if (map_block > 0) {
        auto nblocks = ctx.pages().nblocks(rnode, VISIBILITYMAP_FORKNUM);
        if (!nblocks) return nblocks.error();
        for (BlockNumber b = *nblocks; b < map_block; ++b) {
            auto filler = read_vm_page(ctx, rnode, b);
            if (!filler) return filler.error();
        }
    }
    auto vmbuf = read_vm_page(ctx, rnode, map_block);
    if (!vmbuf) return vmbuf.error();

    std::uint8_t* map = storage::page_get_contents(vmbuf->data());
    const auto mask = static_cast<std::uint8_t>(flags << map_offset);
    if (map[map_byte] & mask) {
        map[map_byte] = static_cast<std::uint8_t>(map[map_byte] & ~mask);
        vmbuf->mark_dirty();
        return true;
    }
    return false;
}

void set_for_redo(storage::PageHandle& vmbuf, BlockNumber heap_blk, XLogRecPtr recptr, std::uint8_t flags) {
    const std::uint32_t map_byte = heapblk_to_mapbyte(heap_blk);
    const std::uint32_t map_offset = heapblk_to_offset(heap_blk);
    std::uint8_t* map = storage::page_get_contents(vmbuf.data());
    if (flags != ((map[map_byte] >> map_offset) & VISIBILITYMAP_VALID_BITS_MASK)) {
        map[map_byte] = static_cast<std::uint8_t>(map[map_byte] | (flags << map_offset));
        vmbuf.mark_dirty();
        storage::page_set_lsn(vmbuf.data(), recptr);
    }
}

std::uint8_t get_status(const std::uint8_t* vmpage, BlockNumber heap_blk) {
    const std::uint8_t* map = vmpage + storage::MAXALIGN(storage::SizeOfPageHeaderData);
    return static_cast<std::uint8_t>((map[heapblk_to_mapbyte(heap_blk)] >> heapblk_to_offset(heap_blk)) &
                                     VISIBILITYMAP_VALID_BITS_MASK);
}

}  // namespace understudy::redo::visibilitymap
