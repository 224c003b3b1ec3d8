// The redo helpers shared by every rmgr (see record_data.h).
#include "redo/apply/record_data.h"

#include <limits>

#include "wal/records/slru.h"
#include "wal/relpath.h"
#include "wal/rmgr_desc.h"

namespace understudy::redo {

std::string record_label(const DecodedRecord& rec) {
    const RmgrDesc* rm = find_rmgr_desc(rec.xl_rmid);
    const char* type = rm != nullptr && rm->identify != nullptr ? rm->identify(rec.xl_info, *rec.format) : nullptr;
    std::string out = rm != nullptr ? std::string{rm->name} : fmt::format("rmgr {}", rec.xl_rmid);
    if (type != nullptr) return fmt::format("{} {}", out, type);
    return fmt::format("{} UNKNOWN ({:#x})", out, rec.info());
}

std::string where(const DecodedRecord& rec) {
    return fmt::format("{} record at {}", record_label(rec), format_lsn(rec.lsn));
}

std::string where(const DecodedRecord& rec, int block_id) {
    const DecodedBkpBlock* b = rec.block(block_id);
    if (b == nullptr) return fmt::format("{}, block reference {} (absent)", where(rec), block_id);
    return fmt::format("{}, rel {} fork {} block {}", where(rec), storage::format_relfilenode(b->rnode),
                       fork_name(b->forknum), b->blkno);
}

Error record_error(const DecodedRecord& rec, std::string_view what) {
    return make_error(fmt::format("{}: {}", where(rec), what));
}

Error block_error(const DecodedRecord& rec, int block_id, std::string_view what) {
    return make_error(fmt::format("{}: {}", where(rec, block_id), what));
}

Error main_data_too_short(const DecodedRecord& rec, std::string_view what, std::size_t need) {
    return record_error(rec, fmt::format("main data has {} bytes, {} needs {}; the WAL is damaged",
                                         rec.main_data.size(), what, need));
}

Result<const DecodedBkpBlock*> required_block(const DecodedRecord& rec, int block_id) {
    const DecodedBkpBlock* b = rec.block(block_id);
    if (b == nullptr) return block_error(rec, block_id, "the record has no such block reference");
    return b;
}

Result<XLogRedoAction> read_block(RedoContext& ctx, const DecodedRecord& rec, int block_id, storage::PageHandle& buf,
                                  BlockReadOptions opts) {
    if (!rec.has_block_ref(block_id)) return block_error(rec, block_id, "the record has no such block reference");
    return ctx.read_buffer_for_redo(rec, block_id, buf, opts.mode, opts.get_cleanup_lock);
}

Result<int> slru_page_number(const DecodedRecord& rec, std::string_view what, std::size_t fields_after) {
    const std::size_t size = slru_pageno_size(*rec.format);
    if (rec.main_data.size() < size + fields_after)
        return main_data_too_short(rec, fmt::format("{} of PostgreSQL {}", what, rec.format->major_version),
                                   size + fields_after);
    const std::int64_t pageno = *read_slru_pageno(rec.main_data, *rec.format);
    if (pageno < 0 || pageno > std::numeric_limits<int>::max())
        return record_error(rec, fmt::format("page number {} is outside this SLRU's pages", pageno));
    return static_cast<int>(pageno);
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
        return block_error(rec, block_id,
                           fmt::format("{}: failed to add item of size {} at offset {}", what, item.size(), offnum));
    return {};
}

}  // namespace understudy::redo
