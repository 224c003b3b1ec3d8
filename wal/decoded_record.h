// A WAL record after decoding: the header, its block references and its main data, in the
// shape of PostgreSQL's DecodedXLogRecord / DecodedBkpBlock (src/include/access/xlogreader.h,
// PG15). The describe, redo and mask routines of every rmgr take this, and nothing else.
//
// Spans point into a buffer owned by the reader (valid until the next record is read).
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "common/lsn.h"
#include "common/wal_format.h"

namespace understudy {

using TransactionId = std::uint32_t;
using Oid = std::uint32_t;
using BlockNumber = std::uint32_t;
using RepOriginId = std::uint16_t;

inline constexpr TransactionId InvalidTransactionId = 0;
inline constexpr RepOriginId InvalidRepOriginId = 0;
inline constexpr BlockNumber InvalidBlockNumber = 0xFFFFFFFF;

// PostgreSQL 15: RelFileNode {spcNode, dbNode, relNode}.
struct RelFileNode {
    Oid spcNode = 0;
    Oid dbNode = 0;
    Oid relNode = 0;
    friend bool operator==(const RelFileNode&, const RelFileNode&) = default;
};

enum ForkNumber : std::uint8_t {
    MAIN_FORKNUM = 0,
    FSM_FORKNUM = 1,
    VISIBILITYMAP_FORKNUM = 2,
    INIT_FORKNUM = 3,
};
inline constexpr int MAX_FORKNUM = INIT_FORKNUM;

// "main", "fsm", "vm", "init" (forkNames[] in common/relpath.c).
const char* fork_name(std::uint8_t forknum);

struct DecodedBkpBlock {
    bool in_use = false;

    RelFileNode rnode;
    std::uint8_t forknum = MAIN_FORKNUM;
    BlockNumber blkno = 0;
    std::uint8_t flags = 0;  // fork_flags of XLogRecordBlockHeader

    // Full-page image, if any (also one kept only for consistency checking).
    bool has_image = false;
    bool apply_image = false;               // BKPIMAGE_APPLY
    std::span<const std::uint8_t> bkp_image;  // as stored: possibly compressed, hole removed
    std::uint16_t hole_offset = 0;
    std::uint16_t hole_length = 0;
    std::uint16_t bimg_len = 0;
    std::uint8_t bimg_info = 0;
    ImageCompression compression = ImageCompression::None;  // from bimg_info, per WalFormat

    bool has_data = false;
    std::span<const std::uint8_t> data;  // rmgr-specific data for this block
    std::uint16_t data_len = 0;          // data.size(), PostgreSQL's name
};

inline constexpr int XLR_MAX_BLOCK_ID = 32;

struct DecodedRecord {
    XLogRecPtr lsn = 0;      // start of the record (ReadRecPtr)
    XLogRecPtr end_lsn = 0;  // end of the record (EndRecPtr): where the next record starts

    // XLogRecord header fields, PostgreSQL's names.
    std::uint32_t xl_tot_len = 0;
    TransactionId xl_xid = 0;
    XLogRecPtr xl_prev = 0;
    std::uint8_t xl_info = 0;
    std::uint8_t xl_rmid = 0;
    std::uint32_t xl_crc = 0;

    RepOriginId record_origin = InvalidRepOriginId;
    TransactionId toplevel_xid = InvalidTransactionId;

    std::span<const std::uint8_t> main_data;
    std::uint32_t main_data_len = 0;  // main_data.size(), PostgreSQL's name

    // The WAL format (major version) the record was read with; never null once decoded.
    const WalFormat* format = &kWalFormatPg15;

    int max_block_id = -1;
    std::array<DecodedBkpBlock, XLR_MAX_BLOCK_ID + 1> blocks{};

    // xl_info without the flag bits XLR_INFO_MASK (0x0F): the rmgr's record type.
    std::uint8_t info() const { return xl_info & 0xF0; }
    bool has_block_ref(int block_id) const {
        return block_id <= max_block_id && blocks[static_cast<std::size_t>(block_id)].in_use;
    }
    const DecodedBkpBlock* block(int block_id) const {
        return has_block_ref(block_id) ? &blocks[static_cast<std::size_t>(block_id)] : nullptr;
    }
};

// What pg_waldump --stats and its header filters need of a record: the header and
// XLogRecGetLen()'s two lengths (record without its block images, and the images). The reader
// fills it for every record; with WalReaderOptions::decode_blocks off, it is all it fills.
struct RecordSummary {
    XLogRecPtr lsn = 0;
    XLogRecPtr end_lsn = 0;
    std::uint32_t xl_tot_len = 0;
    TransactionId xl_xid = 0;
    XLogRecPtr xl_prev = 0;
    std::uint8_t xl_info = 0;
    std::uint8_t xl_rmid = 0;
    std::uint32_t rec_len = 0;  // xl_tot_len minus fpi_len
    std::uint32_t fpi_len = 0;  // sum of the block images' bimg_len
};

}  // namespace understudy

