// Scalar types of PostgreSQL 15 that WAL record layouts use (c.h, postgres_ext.h, transam.h,
// multixact.h, timestamp.h), beside those in redo/decoded_record.h (Oid, TransactionId,
// BlockNumber, RepOriginId, RelFileNode).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <type_traits>

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

// MAXALIGN (c.h): the one spelling for page and record layouts, on common/wal_format.h's
// maxalign (MAXIMUM_ALIGNOF 8 on x86-64 and aarch64).
inline constexpr std::size_t MAXALIGN(std::size_t len) { return maxalign(len); }

static_assert(sizeof(RelFileNode) == 12, "RelFileNode must be three Oids, as in PostgreSQL");

inline constexpr OffsetNumber InvalidOffsetNumber = 0;
inline constexpr CommandId InvalidCommandId = 0xFFFFFFFF;

// storage/block.h: a BlockNumber stored as two uint16 halves (so the struct is 2-aligned).
struct BlockIdData {
    std::uint16_t bi_hi;
    std::uint16_t bi_lo;
};

// storage/itemptr.h: a tuple's block and line pointer, 6 bytes.
struct ItemPointerData {
    BlockIdData ip_blkid;
    OffsetNumber ip_posid;
};
static_assert(sizeof(ItemPointerData) == 6);

// ItemPointerGetBlockNumber / ItemPointerGetOffsetNumber (PG15).
inline BlockNumber item_pointer_block(const ItemPointerData& tid) {
    return (BlockNumber{tid.ip_blkid.bi_hi} << 16) | BlockNumber{tid.ip_blkid.bi_lo};
}
inline OffsetNumber item_pointer_offset(const ItemPointerData& tid) { return tid.ip_posid; }

// Lower-case spellings of EpochFromFullTransactionId / XidFromFullTransactionId.
inline std::uint32_t epoch_from_full_xid(FullTransactionId x) { return EpochFromFullTransactionId(x); }
inline TransactionId xid_from_full_xid(FullTransactionId x) { return XidFromFullTransactionId(x); }

// Reads the fixed part of a record struct from WAL bytes. PostgreSQL's SizeOf* constants are
// often smaller than sizeof(T) (no tail padding is logged), so this copies only the bytes that
// are there into a zeroed T. Returns nullopt when fewer than `size_of` bytes are present: the
// record is too short for its struct (PostgreSQL would read past the end; we must not).
template <typename T>
std::optional<T> read_record_struct(std::span<const std::uint8_t> bytes, std::size_t size_of) {
    static_assert(std::is_trivially_copyable_v<T> && std::is_default_constructible_v<T>);
    if (bytes.size() < size_of) return std::nullopt;
    T v{};
    const std::size_t n = bytes.size() < sizeof(T) ? bytes.size() : sizeof(T);
    if (n > 0) std::memcpy(&v, bytes.data(), n);  // never memcpy from the null data() of an empty span
    return v;
}

}  // namespace understudy
