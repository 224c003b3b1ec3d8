// Storage-level types that WAL record layouts are built from, PostgreSQL 15:
// storage/off.h (OffsetNumber), storage/block.h (BlockIdData), storage/itemptr.h
// (ItemPointerData), access/transam.h (FullTransactionId), access/gist.h (GistNSN),
// c.h (SHORTALIGN), plus the bounds-checked copy of a record struct out of WAL bytes.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>

#include "common/lsn.h"
#include "redo/decoded_record.h"

namespace understudy {

using OffsetNumber = std::uint16_t;
inline constexpr OffsetNumber InvalidOffsetNumber = 0;
inline constexpr OffsetNumber FirstOffsetNumber = 1;

// storage/block.h: a block number stored as two 16-bit halves (only 2-byte aligned).
struct BlockIdData {
    std::uint16_t bi_hi;
    std::uint16_t bi_lo;
};
static_assert(sizeof(BlockIdData) == 4);

// BlockIdGetBlockNumber (PG15).
inline BlockNumber BlockIdGetBlockNumber(const BlockIdData& bid) {
    return (static_cast<BlockNumber>(bid.bi_hi) << 16) | static_cast<BlockNumber>(bid.bi_lo);
}

// storage/itemptr.h: a tuple identifier, 6 bytes, 2-byte aligned.
struct ItemPointerData {
    BlockIdData ip_blkid;
    OffsetNumber ip_posid;
};
static_assert(sizeof(ItemPointerData) == 6);

inline BlockNumber ItemPointerGetBlockNumber(const ItemPointerData& ip) {
    return BlockIdGetBlockNumber(ip.ip_blkid);
}
inline OffsetNumber ItemPointerGetOffsetNumber(const ItemPointerData& ip) { return ip.ip_posid; }

// access/itup.h: the fixed header of an index tuple (key data follows), 8 bytes.
struct IndexTupleData {
    ItemPointerData t_tid;
    std::uint16_t t_info;  // size in the low 13 bits, flags INDEX_NULL_MASK / INDEX_VAR_MASK
};
static_assert(sizeof(IndexTupleData) == 8);
inline constexpr std::uint16_t INDEX_SIZE_MASK = 0x1FFF;
inline constexpr std::uint16_t INDEX_AM_RESERVED_BIT = 0x2000;
inline constexpr std::uint16_t INDEX_VAR_MASK = 0x4000;
inline constexpr std::uint16_t INDEX_NULL_MASK = 0x8000;

// access/transam.h: a 64-bit transaction id (epoch in the high half).
struct FullTransactionId {
    std::uint64_t value;
};
static_assert(sizeof(FullTransactionId) == 8);

inline std::uint32_t EpochFromFullTransactionId(FullTransactionId x) {
    return static_cast<std::uint32_t>(x.value >> 32);
}
inline TransactionId XidFromFullTransactionId(FullTransactionId x) {
    return static_cast<TransactionId>(x.value);
}

// access/gist.h: GiST's node sequence number is an LSN.
using GistNSN = XLogRecPtr;

// c.h SHORTALIGN for lengths.
constexpr std::size_t SHORTALIGN(std::size_t len) { return (len + 1) & ~std::size_t{1}; }

// Copies a record struct out of WAL bytes. `size_of` is PostgreSQL's SizeOf* constant (the
// bytes the record actually carries, which can be less than sizeof(T) because of trailing
// padding). Bytes the span does not have stay zero. Returns true when the span held all
// `size_of` bytes, false when the struct is only partly filled.
template <typename T>
bool read_record_struct(std::span<const std::uint8_t> bytes, std::size_t size_of, T& out) {
    static_assert(std::is_trivially_copyable_v<T>);
    out = T{};
    const std::size_t n = std::min({bytes.size(), size_of, sizeof(T)});
    if (n > 0) std::memcpy(&out, bytes.data(), n);
    return bytes.size() >= size_of;
}

}  // namespace understudy
