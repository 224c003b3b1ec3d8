// Scalar types of PostgreSQL 15 that WAL record layouts use (c.h, postgres_ext.h, transam.h,
// multixact.h, timestamp.h), beside those in redo/decoded_record.h (Oid, TransactionId,
// BlockNumber, RepOriginId, RelFileNode).
#pragma once

#include <cstddef>
#include <cstdint>

#include "redo/decoded_record.h"

namespace understudy {

using TimestampTz = std::int64_t;  // microseconds since 2000-01-01 00:00:00 UTC
using pg_time_t = std::int64_t;
using MultiXactId = std::uint32_t;
using MultiXactOffset = std::uint32_t;
using OffsetNumber = std::uint16_t;
using Size = std::uint64_t;
using CommandId = std::uint32_t;

// Fields PostgreSQL declares `bool` are std::uint8_t in our record structs: WAL bytes may hold
// any value, and a C++ bool must not.

// FullTransactionId: epoch in the high 32 bits, xid in the low 32 (access/transam.h).
struct FullTransactionId {
    std::uint64_t value;
};
inline constexpr std::uint32_t EpochFromFullTransactionId(FullTransactionId x) {
    return static_cast<std::uint32_t>(x.value >> 32);
}
inline constexpr TransactionId XidFromFullTransactionId(FullTransactionId x) {
    return static_cast<TransactionId>(x.value);
}

// MAXALIGN (c.h) for x86-64 and aarch64, where MAXIMUM_ALIGNOF is 8.
inline constexpr std::size_t MAXALIGN(std::size_t len) {
    return (len + 7) & ~std::size_t{7};
}

static_assert(sizeof(RelFileNode) == 12, "RelFileNode must be three Oids, as in PostgreSQL");

}  // namespace understudy
