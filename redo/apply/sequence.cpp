// Redo and mask routines of the Sequence resource manager: seq_redo and seq_mask
// (src/backend/commands/sequence.c, PostgreSQL 15).
//
// XLOG_SEQ_LOG carries the sequence's whole tuple: redo always reinitialises block 0
// (XLogInitBufferForRedo), builds the page in local workspace (PageInit with the
// sequence_magic special space, SEQ_MAGIC, the tuple at FirstOffsetNumber, page LSN = record
// end) and copies it over the buffer.
#include <array>
#include <cstring>

#include <fmt/format.h>

#include "redo/apply/record_data.h"
#include "common/bytes.h"
#include "wal/records/pg_types.h"
#include "wal/records/sequence.h"
#include "redo/rmgr.h"
#include "redo/storage/mask.h"
#include "redo/storage/page.h"
#include "wal/relpath.h"

namespace understudy {

namespace {

inline constexpr std::uint32_t SEQ_MAGIC = 0x1717;
inline constexpr std::size_t SizeOfSequenceMagic = sizeof(std::uint32_t);  // sizeof(sequence_magic)

Error seq_error(const DecodedRecord& rec, const std::string& detail) { return redo::block_error(rec, 0, detail); }

}  // namespace

// seq_redo (sequence.c, PG15).
Result<redo::RedoOutcome> seq_redo(redo::RedoContext& ctx, const DecodedRecord& rec) {
    if (rec.info() != XLOG_SEQ_LOG)
        return redo::record_error(rec, fmt::format("unknown op code {:#x}", rec.info()));
    if (!rec.has_block_ref(0)) return seq_error(rec, "the record has no block reference 0");
    if (rec.main_data.size() < sizeof(xl_seq_rec)) return seq_error(rec, "main data shorter than xl_seq_rec");
    auto buffer = ctx.init_buffer_for_redo(rec, 0);
    if (!buffer) return seq_error(rec, buffer.error().message);

    std::array<std::uint8_t, BLCKSZ> localpage{};
    storage::page_init(localpage.data(), SizeOfSequenceMagic);
    store<std::uint32_t>(storage::page_get_special_pointer(localpage.data()), SEQ_MAGIC);
    const auto item = rec.main_data.subspan(sizeof(xl_seq_rec));
    if (storage::page_add_item(localpage.data(), item, storage::FirstOffsetNumber, /*overwrite=*/false, /*is_heap=*/false) ==
        storage::InvalidOffsetNumber)
        return seq_error(rec, fmt::format("failed to add item of {} bytes to the page", item.size()));
    storage::page_set_lsn(localpage.data(), rec.end_lsn);

    std::memcpy(buffer->data(), localpage.data(), BLCKSZ);
    buffer->mark_dirty();
    return redo::RedoOutcome::applied;
}

// seq_mask (sequence.c, PG15).
void seq_mask(std::uint8_t* page, BlockNumber /*blkno*/) {
    storage::mask_page_lsn_and_checksum(page);
    // PostgreSQL ERRORs on insane pointers; the page is left as is and will not compare equal.
    (void)storage::mask_unused_space(page);
}

}  // namespace understudy
