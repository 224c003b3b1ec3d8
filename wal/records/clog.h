// CLOG resource manager records, PostgreSQL 15 (access/clog.h).
#pragma once

#include <cstdint>

#include "wal/records/pg_types.h"

namespace understudy {

inline constexpr std::uint8_t CLOG_ZEROPAGE = 0x00;
inline constexpr std::uint8_t CLOG_TRUNCATE = 0x10;

// CLOG_ZEROPAGE carries only the page number (int).
struct xl_clog_truncate {
    int pageno;
    TransactionId oldestXact;
    Oid oldestXactDb;
};
static_assert(sizeof(xl_clog_truncate) == 12);

}  // namespace understudy
