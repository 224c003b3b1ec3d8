// Tablespace resource manager records, PostgreSQL 15 (commands/tablespace.h).
#pragma once

#include <cstddef>
#include <cstdint>

#include "wal/records/pg_types.h"

namespace understudy {

inline constexpr std::uint8_t XLOG_TBLSPC_CREATE = 0x00;
inline constexpr std::uint8_t XLOG_TBLSPC_DROP = 0x10;

// xl_tblspc_create_rec: ts_id, then the NUL-terminated ts_path.
struct xl_tblspc_create_rec {
    Oid ts_id;
};
inline constexpr std::size_t MinSizeOfTblspcCreateRec = 4;  // offsetof(xl_tblspc_create_rec, ts_path)

struct xl_tblspc_drop_rec {
    Oid ts_id;
};

}  // namespace understudy
