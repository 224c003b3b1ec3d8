// CommitTs resource manager records, PostgreSQL 15 (access/commit_ts.h).
#pragma once

#include <cstddef>
#include <cstdint>

#include "wal/records/pg_types.h"

namespace understudy {

inline constexpr std::uint8_t COMMIT_TS_ZEROPAGE = 0x00;
inline constexpr std::uint8_t COMMIT_TS_TRUNCATE = 0x10;

// COMMIT_TS_ZEROPAGE carries only the page number (int).
struct xl_commit_ts_truncate {
    int pageno;
    TransactionId oldestXid;
};
inline constexpr std::size_t SizeOfCommitTsTruncate = 8;
static_assert(sizeof(xl_commit_ts_truncate) == SizeOfCommitTsTruncate);

}  // namespace understudy
