// Small helpers shared by the index access methods' redo routines (GiST, SP-GiST, BRIN),
// PostgreSQL 15: error messages naming the record's LSN and block, reading a block's data or
// the main data as a struct, IndexTupleSize (access/itup.h) on unaligned WAL bytes. The
// "read, act on BLK_NEEDS_REDO" pattern of XLogReadBufferForRedo is redo/apply/redo_block.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "common/bytes.h"
#include "common/result.h"
#include "redo/apply/redo_block.h"
#include "wal/decoded_record.h"
#include "wal/records/page_types.h"
#include "redo/redo_context.h"
#include "redo/storage/page.h"

namespace understudy::redo::index_util {

// "at 0/1234ABC, rel 1663/5/16384 block 7" (or just the LSN when the block is not referenced).
std::string where(const DecodedRecord& rec, int block_id);

// An error naming the record's rmgr-specific `what`, its LSN and the block.
Error redo_error(const DecodedRecord& rec, int block_id, const std::string& what);

// The record's main data read as T (its SizeOf* constant `need`), or an error naming the LSN.
template <typename T>
Result<T> main_data_as(const DecodedRecord& rec, std::size_t need, const char* record_name) {
    auto v = read_record_struct<T>(rec.main_data, need);
    if (!v)
        return make_error(fmt::format("{} record at {} is too short: {} bytes of main data, need {}", record_name,
                                      format_lsn(rec.lsn), rec.main_data.size(), need));
    return *v;
}

// XLogRecGetBlockData: the block's data (empty when it has none).
inline std::span<const std::uint8_t> block_data(const DecodedRecord& rec, int block_id) {
    const DecodedBkpBlock* b = rec.block(block_id);
    if (b == nullptr || !b->has_data) return {};
    return b->data;
}

// XLogRecGetBlockTag's block number.
inline BlockNumber block_number(const DecodedRecord& rec, int block_id) {
    const DecodedBkpBlock* b = rec.block(block_id);
    return b == nullptr ? InvalidBlockNumber : b->blkno;
}

// IndexTupleSize (access/itup.h, PG15) of an index tuple stored at `p` (unaligned).
inline std::size_t index_tuple_size(const std::uint8_t* p) { return load<std::uint16_t>(p + 6) & INDEX_SIZE_MASK; }

// Reads `count` OffsetNumbers stored unaligned at `p`.
std::vector<storage::OffsetNumber> read_offsets(const std::uint8_t* p, std::size_t count);

// PageSetLSN(page, rec.end_lsn) + MarkBufferDirty (redo/apply/redo_block.h).
using redo::finish_page;

// PageAddItem(page, item, size, offnum, overwrite, false) that must succeed: PostgreSQL raises
// an ERROR / PANIC when it does not; this returns an error naming `what`, the LSN and block.
Result<void> add_item_or_fail(const DecodedRecord& rec, int block_id, std::uint8_t* page,
                              std::span<const std::uint8_t> item, storage::OffsetNumber offnum, bool overwrite,
                              const char* what);

}  // namespace understudy::redo::index_util
