// Decoding a WAL record's bytes into a DecodedRecord: PostgreSQL 15's DecodeXLogRecord
// (src/backend/access/transam/xlogreader.c). No copies: the spans of the result point into
// `bytes`, which the caller keeps alive.
#pragma once

#include <cstdint>
#include <span>

#include "common/bytes.h"
#include "common/result.h"
#include "common/wal_format.h"
#include "wal/decoded_record.h"

namespace understudy {

// Decodes one whole record (`bytes` = its xl_tot_len bytes, header included, already CRC-checked
// or not) read at `lsn`. `report_lsn` is the LSN PostgreSQL's messages name for a decoding
// error (its ReadRecPtr: the previous record's), so our messages read exactly like
// pg_waldump's; `lsn` is recorded in the result. On error, `out` is left partly filled.
Result<void> decode_record(const WalFormat& format, std::span<const std::uint8_t> bytes,
                           XLogRecPtr lsn, XLogRecPtr end_lsn, XLogRecPtr report_lsn,
                           DecodedRecord& out);

// XLogRecGetLen(): the record's total length minus its block images, and the images' length.
struct RecordLengths {
    std::uint32_t rec_len = 0;
    std::uint32_t fpi_len = 0;
};
RecordLengths record_lengths(const DecodedRecord& rec);

// XLogRecGetLen()'s image length, for pg_waldump --stats: walks the block headers of a record
// of `tot_len` bytes (the same walk and checks as DecodeXLogRecord, PG15) without building
// blocks, and sets `fpi_len` to the sum of the images' bimg_len (the record length is
// xl_tot_len - fpi_len). `head` is the record's first bytes, at least its headers (all of
// them, or a prefix). False when decode_record() would reject the record, or the headers run
// past `head`: decode the whole record then (which also names any error).
bool scan_record_fpi_len_general(const WalFormat& format, std::span<const std::uint8_t> head,
                                 std::uint32_t tot_len, std::uint32_t& fpi_len);
// The commonest shapes, inline (the scan runs once per record): main data only, or one block
// reference with its relation and no image, then short main data (commits; heap inserts,
// updates, prunes). Anything else, or a record that does not add up, takes the general walk.
// Sizes: XLogRecordBlockHeader (4), RelFileNode (12), BlockNumber (4).
inline bool scan_record_fpi_len(const WalFormat& format, std::span<const std::uint8_t> head,
                                std::uint32_t tot_len, std::uint32_t& fpi_len) {
    if (tot_len >= SizeOfXLogRecord && head.size() == tot_len) {
        const std::uint8_t* p = head.data() + SizeOfXLogRecord;
        const std::uint32_t rest = tot_len - SizeOfXLogRecord;  // bytes after the header
        if (rest >= 2 && p[0] == XLR_BLOCK_ID_DATA_SHORT && rest == 2u + p[1]) {
            fpi_len = 0;
            return true;
        }
        constexpr std::uint32_t kPlainBlock = 4 + 12 + 4;  // header, RelFileNode, BlockNumber
        if (rest >= kPlainBlock + 2 && p[0] == 0 &&
            (p[1] & (BKPBLOCK_HAS_IMAGE | BKPBLOCK_SAME_REL)) == 0 &&
            p[kPlainBlock] == XLR_BLOCK_ID_DATA_SHORT) {
            const std::uint32_t data_len = load<std::uint16_t>(p + 2);
            if (((p[1] & BKPBLOCK_HAS_DATA) != 0) == (data_len != 0) &&
                rest == kPlainBlock + 2 + data_len + p[kPlainBlock + 1]) {
                fpi_len = 0;
                return true;
            }
        }
    }
    return scan_record_fpi_len_general(format, head, tot_len, fpi_len);
}

}  // namespace understudy
