// CLOG resource manager records, PostgreSQL 15 (access/clog.h).
#pragma once

#include <cstdint>

#include "wal/records/pg_types.h"

namespace understudy {

inline constexpr std::uint8_t CLOG_ZEROPAGE = 0x00;
inline constexpr std::uint8_t CLOG_TRUNCATE = 0x10;

// CLOG_ZEROPAGE carries only the page number (int; int64 from 17: redo/records/slru.h).
// 17+: pageno is int64 and the fields below follow it at offset 8 (xl_clog_truncate_fields).
struct xl_clog_truncate {
    int pageno;
    TransactionId oldestXact;
    Oid oldestXactDb;
};
static_assert(sizeof(xl_clog_truncate) == 12);
// The fields after pageno, at slru_pageno_size() in every version.
struct xl_clog_truncate_fields {
    TransactionId oldestXact;
    Oid oldestXactDb;
};

}  // namespace understudy
