// Heap tuple header fields as the redo routines of Heap / Heap2 touch them, PostgreSQL 15
// (src/include/access/htup_details.h, storage/itemptr.h). A tuple header lives on a page at
// any alignment, so fields are read and written with load/store at PostgreSQL's offsets of
// HeapTupleHeaderData, never through a cast:
//   t_xmin 0, t_xmax 4, t_field3 (t_cid / t_xvac) 8, t_ctid 12 (bi_hi 12, bi_lo 14,
//   ip_posid 16), t_infomask2 18, t_infomask 20, t_hoff 22, t_bits 23.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/bytes.h"
#include "wal/decoded_record.h"
#include "wal/records/pg_types.h"

namespace understudy::redo::heap_tuple {

// Byte offsets within HeapTupleHeaderData.
inline constexpr std::size_t kXminOffset = 0;
inline constexpr std::size_t kXmaxOffset = 4;
inline constexpr std::size_t kField3Offset = 8;
inline constexpr std::size_t kCtidOffset = 12;
inline constexpr std::size_t kInfomask2Offset = 18;
inline constexpr std::size_t kInfomaskOffset = 20;
inline constexpr std::size_t kHoffOffset = 22;

// htup_details.h: SizeofHeapTupleHeader (offsetof t_bits) and MaxHeapTupleSize
// (BLCKSZ - MAXALIGN(SizeOfPageHeaderData + sizeof(ItemIdData))).
inline constexpr std::size_t SizeofHeapTupleHeader = 23;
inline constexpr std::size_t MaxHeapTupleSize = 8192 - 32;

// t_infomask bits.
inline constexpr std::uint16_t HEAP_XMAX_KEYSHR_LOCK = 0x0010;
inline constexpr std::uint16_t HEAP_COMBOCID = 0x0020;
inline constexpr std::uint16_t HEAP_XMAX_EXCL_LOCK = 0x0040;
inline constexpr std::uint16_t HEAP_XMAX_LOCK_ONLY = 0x0080;
inline constexpr std::uint16_t HEAP_XMAX_SHR_LOCK = HEAP_XMAX_EXCL_LOCK | HEAP_XMAX_KEYSHR_LOCK;
inline constexpr std::uint16_t HEAP_LOCK_MASK = HEAP_XMAX_SHR_LOCK | HEAP_XMAX_EXCL_LOCK | HEAP_XMAX_KEYSHR_LOCK;
inline constexpr std::uint16_t HEAP_XMIN_COMMITTED = 0x0100;
inline constexpr std::uint16_t HEAP_XMIN_INVALID = 0x0200;
inline constexpr std::uint16_t HEAP_XMIN_FROZEN = HEAP_XMIN_COMMITTED | HEAP_XMIN_INVALID;
inline constexpr std::uint16_t HEAP_XMAX_COMMITTED = 0x0400;
inline constexpr std::uint16_t HEAP_XMAX_INVALID = 0x0800;
inline constexpr std::uint16_t HEAP_XMAX_IS_MULTI = 0x1000;
inline constexpr std::uint16_t HEAP_MOVED_OFF = 0x4000;
inline constexpr std::uint16_t HEAP_MOVED_IN = 0x8000;
inline constexpr std::uint16_t HEAP_MOVED = HEAP_MOVED_OFF | HEAP_MOVED_IN;
inline constexpr std::uint16_t HEAP_XACT_MASK = 0xFFF0;
inline constexpr std::uint16_t HEAP_XMAX_BITS = HEAP_XMAX_COMMITTED | HEAP_XMAX_INVALID | HEAP_XMAX_IS_MULTI |
                                                HEAP_LOCK_MASK | HEAP_XMAX_LOCK_ONLY;

// t_infomask2 bits.
inline constexpr std::uint16_t HEAP_KEYS_UPDATED = 0x2000;
inline constexpr std::uint16_t HEAP_HOT_UPDATED = 0x4000;

// storage/itemptr.h special t_ctid values.
inline constexpr OffsetNumber SpecTokenOffsetNumber = 0xfffe;
inline constexpr OffsetNumber MovedPartitionsOffsetNumber = 0xfffd;
inline constexpr BlockNumber MovedPartitionsBlockNumber = InvalidBlockNumber;

// access/transam.h, access/xact.h.
inline constexpr TransactionId FrozenTransactionId = 2;
inline constexpr CommandId FirstCommandId = 0;

inline std::uint16_t infomask(const std::uint8_t* htup) { return load<std::uint16_t>(htup + kInfomaskOffset); }
inline std::uint16_t infomask2(const std::uint8_t* htup) { return load<std::uint16_t>(htup + kInfomask2Offset); }
inline std::uint8_t hoff(const std::uint8_t* htup) { return htup[kHoffOffset]; }
inline void set_infomask(std::uint8_t* htup, std::uint16_t v) { store<std::uint16_t>(htup + kInfomaskOffset, v); }
inline void set_infomask2(std::uint8_t* htup, std::uint16_t v) { store<std::uint16_t>(htup + kInfomask2Offset, v); }
inline void set_hoff(std::uint8_t* htup, std::uint8_t v) { htup[kHoffOffset] = v; }

// HeapTupleHeaderSetXmin / HeapTupleHeaderSetXmax / HeapTupleHeaderSetXvac (the raw field).
inline void set_xmin(std::uint8_t* htup, TransactionId xid) { store<TransactionId>(htup + kXminOffset, xid); }
inline void set_xmax(std::uint8_t* htup, TransactionId xid) { store<TransactionId>(htup + kXmaxOffset, xid); }
inline void set_xvac(std::uint8_t* htup, TransactionId xid) { store<TransactionId>(htup + kField3Offset, xid); }
// The raw t_cid field (t_field3), as heap_mask masks it.
inline void set_raw_cid(std::uint8_t* htup, CommandId cid) { store<CommandId>(htup + kField3Offset, cid); }

// HeapTupleHeaderSetCmin (PG15): t_cid := cid, HEAP_COMBOCID cleared.
inline void set_cmin(std::uint8_t* htup, CommandId cid) {
    set_raw_cid(htup, cid);
    set_infomask(htup, static_cast<std::uint16_t>(infomask(htup) & ~HEAP_COMBOCID));
}

// HeapTupleHeaderSetCmax (PG15): t_cid := cid, HEAP_COMBOCID set or cleared per iscombo.
inline void set_cmax(std::uint8_t* htup, CommandId cid, bool iscombo) {
    set_raw_cid(htup, cid);
    const std::uint16_t m = infomask(htup);
    set_infomask(htup, static_cast<std::uint16_t>(iscombo ? (m | HEAP_COMBOCID) : (m & ~HEAP_COMBOCID)));
}

// ItemPointerSet on t_ctid.
inline void set_ctid(std::uint8_t* htup, BlockNumber blkno, OffsetNumber offnum) {
    store<std::uint16_t>(htup + kCtidOffset, static_cast<std::uint16_t>(blkno >> 16));
    store<std::uint16_t>(htup + kCtidOffset + 2, static_cast<std::uint16_t>(blkno & 0xFFFF));
    store<OffsetNumber>(htup + kCtidOffset + 4, offnum);
}
inline OffsetNumber ctid_offset(const std::uint8_t* htup) { return load<OffsetNumber>(htup + kCtidOffset + 4); }

// HeapTupleHeaderSetHotUpdated / HeapTupleHeaderClearHotUpdated.
inline void set_hot_updated(std::uint8_t* htup) {
    set_infomask2(htup, static_cast<std::uint16_t>(infomask2(htup) | HEAP_HOT_UPDATED));
}
inline void clear_hot_updated(std::uint8_t* htup) {
    set_infomask2(htup, static_cast<std::uint16_t>(infomask2(htup) & ~HEAP_HOT_UPDATED));
}

// HeapTupleHeaderXminFrozen.
inline bool xmin_frozen(const std::uint8_t* htup) { return (infomask(htup) & HEAP_XMIN_FROZEN) == HEAP_XMIN_FROZEN; }

// HeapTupleHeaderIsSpeculative.
inline bool is_speculative(const std::uint8_t* htup) { return ctid_offset(htup) == SpecTokenOffsetNumber; }

// HEAP_XMAX_IS_LOCKED_ONLY(infomask).
inline bool xmax_is_locked_only(std::uint16_t mask) {
    return (mask & HEAP_XMAX_LOCK_ONLY) || ((mask & (HEAP_XMAX_IS_MULTI | HEAP_LOCK_MASK)) == HEAP_XMAX_EXCL_LOCK);
}

// HeapTupleHeaderSetMovedPartitions (ItemPointerSetMovedPartitions on t_ctid).
inline void set_moved_partitions(std::uint8_t* htup) {
    set_ctid(htup, MovedPartitionsBlockNumber, MovedPartitionsOffsetNumber);
}

}  // namespace understudy::redo::heap_tuple
