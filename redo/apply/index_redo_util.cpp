// Helpers shared by the GiST, SP-GiST and BRIN redo routines (see index_redo_util.h).
#include "redo/apply/index_redo_util.h"

#include "wal/relpath.h"

namespace understudy::redo::index_util {

std::string where(const DecodedRecord& rec, int block_id) {
    const DecodedBkpBlock* b = rec.block(block_id);
    if (b == nullptr) return fmt::format("at {}", format_lsn(rec.lsn));
    return fmt::format("at {}, rel {} fork {} block {}", format_lsn(rec.lsn), storage::format_relfilenode(b->rnode),
                       fork_name(b->forknum), b->blkno);
}

Error redo_error(const DecodedRecord& rec, int block_id, const std::string& what) {
    return make_error(fmt::format("{} (record {})", what, where(rec, block_id)));
}

std::vector<storage::OffsetNumber> read_offsets(const std::uint8_t* p, std::size_t count) {
    std::vector<storage::OffsetNumber> out(count);
    for (std::size_t i = 0; i < count; ++i) out[i] = load<std::uint16_t>(p + i * sizeof(std::uint16_t));
    return out;
}

Result<void> add_item_or_fail(const DecodedRecord& rec, int block_id, std::uint8_t* page,
                              std::span<const std::uint8_t> item, storage::OffsetNumber offnum, bool overwrite,
                              const char* what) {
    if (storage::page_add_item(page, item, offnum, overwrite, false) == storage::InvalidOffsetNumber)
        return redo_error(rec, block_id,
                          fmt::format("{}: failed to add item of size {} at offset {}", what, item.size(), offnum));
    return {};
}

}  // namespace understudy::redo::index_util
