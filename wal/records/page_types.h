// Storage-level pieces the index access methods' WAL records embed, PostgreSQL 15, on top of
// wal/records/pg_types.h (OffsetNumber, BlockIdData, ItemPointerData, FullTransactionId,
// read_record_struct): storage/off.h FirstOffsetNumber, storage/block.h BlockIdGetBlockNumber,
// access/itup.h IndexTupleData, c.h SHORTALIGN.
#pragma once

#include <cstddef>
#include <cstdint>

#include "wal/records/pg_types.h"

namespace understudy {

inline constexpr OffsetNumber FirstOffsetNumber = 1;

// BlockIdGetBlockNumber (storage/block.h, PG15).
inline BlockNumber BlockIdGetBlockNumber(const BlockIdData& bid) {
    return (BlockNumber{bid.bi_hi} << 16) | BlockNumber{bid.bi_lo};
}

// access/itup.h: the fixed header of an index tuple (the key data follows), 8 bytes, 2-aligned.
struct IndexTupleData {
    ItemPointerData t_tid;
    std::uint16_t t_info;  // size in the low 13 bits, then the flags below
};
static_assert(sizeof(IndexTupleData) == 8);
inline constexpr std::uint16_t INDEX_SIZE_MASK = 0x1FFF;
inline constexpr std::uint16_t INDEX_AM_RESERVED_BIT = 0x2000;
inline constexpr std::uint16_t INDEX_VAR_MASK = 0x4000;
inline constexpr std::uint16_t INDEX_NULL_MASK = 0x8000;

// c.h SHORTALIGN for lengths.
constexpr std::size_t SHORTALIGN(std::size_t len) { return (len + 1) & ~std::size_t{1}; }

}  // namespace understudy
