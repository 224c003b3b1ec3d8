// Scalar types of PostgreSQL 15 that WAL record layouts use (c.h, postgres_ext.h, transam.h,
// multixact.h, timestamp.h), beside those in wal/decoded_record.h (Oid, TransactionId,
// BlockNumber, RepOriginId, RelFileNode).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <type_traits>

#include "common/bytes.h"
#include "wal/decoded_record.h"

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

// Copies a record struct out of WAL bytes, as PostgreSQL's memcpy(&xlrec, rec, sizeof(xlrec)):
// read_record_struct (wal/records/pg_types.h) into a local. `need` is how many bytes the
// record must have (the SizeOf* constant); bytes beyond the data stay zero. Returns false (and
// `out` is T{}) when data has fewer than `need` bytes.
template <typename T>
bool load_record(std::span<const std::uint8_t> data, T& out, std::size_t need = sizeof(T)) {
    auto v = read_record_struct<T>(data, need);
    out = v.value_or(T{});
    return v.has_value();
}

// An array of T stored unaligned in WAL bytes (a FLEXIBLE_ARRAY_MEMBER), read element by element.
template <typename T>
class PackedArray {
public:
    static_assert(std::is_trivially_copyable_v<T>);
    PackedArray() = default;
    PackedArray(const std::uint8_t* data, std::size_t count) : data_(data), count_(count) {}

    std::size_t size() const { return count_; }
    bool empty() const { return count_ == 0; }
    T operator[](std::size_t i) const { return load<T>(data_ + i * sizeof(T)); }

private:
    const std::uint8_t* data_ = nullptr;
    std::size_t count_ = 0;
};

// Takes `count` elements of T from the reader; on a short record takes as many as there are and
// sets `truncated`.
template <typename T>
PackedArray<T> take_array(ByteReader& reader, std::int64_t count, bool& truncated) {
    if (count <= 0) return {};
    std::size_t n = static_cast<std::size_t>(count);
    std::size_t fit = reader.remaining() / sizeof(T);
    if (n > fit) {
        truncated = true;
        n = fit;
    }
    const std::uint8_t* p = reader.current();
    reader.skip(n * sizeof(T));
    return PackedArray<T>(p, n);
}

// A NUL-terminated string of at most max_len bytes (without the NUL) starting at `data`; stops at
// the end of the span when there is no NUL.
inline std::string c_string(std::span<const std::uint8_t> data, std::size_t max_len = SIZE_MAX) {
    std::size_t n = 0;
    while (n < data.size() && n < max_len && data[n] != 0) ++n;
    return std::string(reinterpret_cast<const char*>(data.data()), n);
}

// TransactionIdPrecedes (transam.c): modulo-2^32 comparison for normal xids.
inline bool transaction_id_precedes(TransactionId id1, TransactionId id2) {
    constexpr TransactionId FirstNormalTransactionId = 3;
    if (id1 < FirstNormalTransactionId || id2 < FirstNormalTransactionId) return id1 < id2;
    return static_cast<std::int32_t>(id1 - id2) < 0;
}

}  // namespace understudy
