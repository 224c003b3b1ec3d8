// Generic WAL records, PostgreSQL 15 (access/generic_xlog.h, access/generic_xlog.c). The main
// data is a sequence of page regions: OffsetNumber offset, OffsetNumber length, `length` bytes.
// (The block data of each block uses the same encoding; the main data is normally empty.)
#pragma once

#include <cstdint>

#include "wal/records/pg_types.h"

namespace understudy {

// Generic WAL has a single record type; xl_info carries no rmgr-specific bits.
inline constexpr std::uint8_t XLOG_GENERIC_INFO = 0x00;

}  // namespace understudy
