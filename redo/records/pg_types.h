// Small PostgreSQL 15 on-disk types that WAL record layouts embed: OffsetNumber, CommandId,
// ItemPointerData (src/include/storage/itemptr.h, block.h), FullTransactionId
// (src/include/access/transam.h). Layouts match PostgreSQL's on x86-64 / aarch64 so that
// offsetof()-based SizeOf* constants come out the same; read them from WAL bytes with load<T>().
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <type_traits>

#include "redo/decoded_record.h"

namespace understudy {

using OffsetNumber = std::uint16_t;  // storage/off.h
using CommandId = std::uint32_t;     // c.h
using MultiXactId = std::uint32_t;   // c.h

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

// access/transam.h: a 64-bit xid, epoch in the high half.
struct FullTransactionId {
    std::uint64_t value;
};
static_assert(sizeof(FullTransactionId) == 8 && alignof(FullTransactionId) == 8);

// EpochFromFullTransactionId / XidFromFullTransactionId (PG15).
inline std::uint32_t epoch_from_full_xid(FullTransactionId x) {
    return static_cast<std::uint32_t>(x.value >> 32);
}
inline TransactionId xid_from_full_xid(FullTransactionId x) {
    return static_cast<TransactionId>(x.value);
}

static_assert(sizeof(RelFileNode) == 12, "RelFileNode must be laid out as PostgreSQL's");

// Reads the fixed part of a record struct from WAL bytes. PostgreSQL's SizeOf* constants are
// often smaller than sizeof(T) (no tail padding is logged), so this copies only the bytes that
// are there into a zeroed T. Returns nullopt when fewer than `size_of` bytes are present: the
// record is too short for its struct (PostgreSQL would read past the end; we must not).
template <typename T>
std::optional<T> read_record_struct(std::span<const std::uint8_t> bytes, std::size_t size_of) {
    static_assert(std::is_trivially_copyable_v<T> && std::is_default_constructible_v<T>);
    if (bytes.size() < size_of) return std::nullopt;
    T v{};
    std::memcpy(&v, bytes.data(), bytes.size() < sizeof(T) ? bytes.size() : sizeof(T));
    return v;
}

}  // namespace understudy
