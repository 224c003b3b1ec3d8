// The one set of helpers every redo routine in redo/apply uses to read its record and report
// what is wrong with it, as XLogRecGetData / XLogRecGetBlockData / XLogRecGetBlockTag
// (access/xlogreader.h) serve every *xlog.c of PostgreSQL: the main data read as a struct, a
// block's data, a block reference the record must carry, reading such a block for redo, and
// errors in one format:
//
//     <rmgr> <record type> record at <LSN>[, rel <spc>/<db>/<rel> fork <fork> block <n>]: <what>
//
// e.g. "Heap2 PRUNE record at 0/1A2B3C8, rel 1663/5/16384 fork main block 7: invalid lp: ...".
// The record type is named as the record's own major version names it (rm_identify). The
// "read, act on BLK_NEEDS_REDO" pattern of XLogReadBufferForRedo is redo/apply/redo_block.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "common/bytes.h"
#include "common/result.h"
#include "redo/apply/redo_block.h"
#include "redo/redo_context.h"
#include "redo/storage/page.h"
#include "wal/decoded_record.h"
#include "wal/records/page_types.h"

namespace understudy::redo {

// "Heap2 PRUNE" (pg_waldump's rmgr name and rm_identify of the record's major version), or
// "Heap2 UNKNOWN (0x70)" / "rmgr 200 UNKNOWN (0x10)" when either is not known.
std::string record_label(const DecodedRecord& rec);

// "Heap2 PRUNE record at 0/1A2B3C8", plus ", rel 1663/5/16384 fork main block 7" for a block
// the record references, or ", block reference 2 (absent)" for one it does not.
std::string where(const DecodedRecord& rec);
std::string where(const DecodedRecord& rec, int block_id);

// An error about the record as a whole: "<where(rec)>: <what>".
Error record_error(const DecodedRecord& rec, std::string_view what);
// An error about one of its blocks: "<where(rec, block_id)>: <what>".
Error block_error(const DecodedRecord& rec, int block_id, std::string_view what);

// The record's main data is shorter than the `need` bytes `what` takes.
Error main_data_too_short(const DecodedRecord& rec, std::string_view what, std::size_t need);

// XLogRecGetData read as T (its SizeOf* constant `need`), or an error naming the record.
template <typename T>
Result<T> main_data_as(const DecodedRecord& rec, std::size_t need) {
    auto v = read_record_struct<T>(rec.main_data, need);
    if (!v)
        return main_data_too_short(rec, "its struct", need);
    return *v;
}

// XLogRecGetBlockData: the block's data, empty when the block is absent or has none
// (BKPBLOCK_HAS_DATA unset).
inline std::span<const std::uint8_t> block_data(const DecodedRecord& rec, int block_id) {
    const DecodedBkpBlock* b = rec.block(block_id);
    if (b == nullptr || !b->has_data) return {};
    return b->data;
}

// XLogRecGetBlockTag's block number, InvalidBlockNumber when the block is absent.
inline BlockNumber block_number(const DecodedRecord& rec, int block_id) {
    const DecodedBkpBlock* b = rec.block(block_id);
    return b == nullptr ? InvalidBlockNumber : b->blkno;
}

// A block reference the record must carry (XLogRecGetBlockTag elog(ERROR)s without it).
Result<const DecodedBkpBlock*> required_block(const DecodedRecord& rec, int block_id);

// XLogReadBufferForRedoExtended of a block reference the record must carry (an error naming it
// when absent).
Result<XLogRedoAction> read_block(RedoContext& ctx, const DecodedRecord& rec, int block_id, storage::PageHandle& buf,
                                  BlockReadOptions opts = {});

// redo_block (redo_block.h) for a block reference the record must carry; `buf` stays pinned
// with the caller.
template <typename Change>
Result<void> redo_present_block(RedoContext& ctx, const DecodedRecord& rec, int block_id, storage::PageHandle& buf,
                                Change&& change, BlockReadOptions opts = {}) {
    if (!rec.has_block_ref(block_id)) return block_error(rec, block_id, "the record has no such block reference");
    return redo_block(ctx, rec, block_id, buf, std::forward<Change>(change), opts);
}

// The same, the page released on return.
template <typename Change>
Result<void> redo_present_block(RedoContext& ctx, const DecodedRecord& rec, int block_id, Change&& change,
                                BlockReadOptions opts = {}) {
    storage::PageHandle buf;
    return redo_present_block(ctx, rec, block_id, buf, std::forward<Change>(change), opts);
}

// The SLRU page number a CLOG, CommitTs or MultiXact record's main data starts with: an int up
// to PostgreSQL 16, an int64 from 17 (kSlruPageNumberVersions, wal/records/slru.h), followed
// by `fields_after` more bytes of the record's struct (`what`, for the error). The page numbers
// of these four SLRUs (32-bit xids, multixacts and offsets) fit an int in every version; one
// that does not is an error, as is main data too short for the number and the fields.
Result<int> slru_page_number(const DecodedRecord& rec, std::string_view what = "the page number",
                             std::size_t fields_after = 0);

// IndexTupleSize (access/itup.h) of an index tuple stored at `p` (unaligned).
inline std::size_t index_tuple_size(const std::uint8_t* p) { return load<std::uint16_t>(p + 6) & INDEX_SIZE_MASK; }

// Reads `count` OffsetNumbers stored unaligned at `p`.
std::vector<storage::OffsetNumber> read_offsets(const std::uint8_t* p, std::size_t count);

// PageAddItem(page, item, size, offnum, overwrite, false) that must succeed: PostgreSQL raises
// an ERROR / PANIC when it does not; this returns an error naming `what`, the record and block.
Result<void> add_item_or_fail(const DecodedRecord& rec, int block_id, std::uint8_t* page,
                              std::span<const std::uint8_t> item, storage::OffsetNumber offnum, bool overwrite,
                              const char* what);

}  // namespace understudy::redo
