// RelMap resource manager records, PostgreSQL 15 (utils/relmapper.h).
#pragma once

#include <cstddef>
#include <cstdint>

#include "wal/records/pg_types.h"

namespace understudy {

inline constexpr std::uint8_t XLOG_RELMAP_UPDATE = 0x00;

// xl_relmap_update: dbid, tsid, nbytes, then nbytes of relmap file contents.
struct xl_relmap_update {
    Oid dbid;
    Oid tsid;
    std::int32_t nbytes;
};
inline constexpr std::size_t MinSizeOfRelmapUpdate = 12;  // offsetof(xl_relmap_update, data)

}  // namespace understudy
