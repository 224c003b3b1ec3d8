// Restoring a full-page image from a decoded block reference: PostgreSQL 15's RestoreBlockImage
// (src/backend/access/transam/xlogreader.c). Decompresses pglz / lz4 / zstd and zero-fills the
// hole.
#pragma once

#include <cstdint>
#include <span>

#include "common/result.h"
#include "common/wal_format.h"
#include "wal/decoded_record.h"

namespace understudy {

// Writes the BLCKSZ-byte page of block reference `block_id` of `rec` into `page`. Errors name
// the record's LSN and the block, in RestoreBlockImage's words.
Result<void> restore_block_image(const DecodedRecord& rec, int block_id,
                                 std::span<std::uint8_t, BLCKSZ> page);

}  // namespace understudy
