// SP-GiST page and tuple layout helpers, PostgreSQL 15 (src/include/access/spgist_private.h,
// spgutils.c, spgdoinsert.c): SpGistPageOpaqueData, SpGistInitPage, the tuple headers,
// spgFormDeadTuple, spgUpdateNodeLink, spgPageIndexMultiDelete, and spgxlog.c's
// addOrReplaceTuple.
#pragma once

#include <cstdint>
#include <span>

#include "common/result.h"
#include "wal/records/pg_types.h"
#include "redo/storage/page.h"

namespace understudy::redo::spgist {

// SpGistPageOpaqueData (PG15): flags, nRedirection, nPlaceholder, spgist_page_id; 8 bytes.
inline constexpr std::size_t SizeOfSpGistPageOpaqueData = 8;
inline constexpr std::uint16_t SPGIST_META = 1 << 0;
inline constexpr std::uint16_t SPGIST_LEAF = 1 << 2;
inline constexpr std::uint16_t SPGIST_NULLS = 1 << 3;
inline constexpr std::uint16_t SPGIST_PAGE_ID = 0xFF82;

// Tuple states (low two bits of every SP-GiST tuple's first word).
inline constexpr unsigned SPGIST_LIVE = 0;
inline constexpr unsigned SPGIST_REDIRECT = 1;
inline constexpr unsigned SPGIST_DEAD = 2;
inline constexpr unsigned SPGIST_PLACEHOLDER = 3;

// SGDTSIZE: MAXALIGN(sizeof(SpGistDeadTupleData)) = 16.
inline constexpr std::size_t SGDTSIZE = 16;
// SGITHDRSZ: MAXALIGN(sizeof(SpGistInnerTupleData)) = 8.
inline constexpr std::size_t SGITHDRSZ = 8;

// SpGistInitPage (spgutils.c, PG15).
void init_page(std::uint8_t* page, std::uint16_t flags);

// Opaque counters.
std::uint16_t n_redirection(std::uint8_t* page);
std::uint16_t n_placeholder(std::uint8_t* page);
void set_n_redirection(std::uint8_t* page, std::uint16_t v);
void set_n_placeholder(std::uint8_t* page, std::uint16_t v);

// The tupstate / size of the tuple stored unaligned at p (leaf and dead tuples: size:30;
// inner tuples: a uint16 size at byte 4).
inline unsigned tuple_state(const std::uint8_t* p) { return load<std::uint32_t>(p) & 0x3u; }
inline std::size_t leaf_tuple_size(const std::uint8_t* p) { return load<std::uint32_t>(p) >> 2; }
inline std::size_t inner_tuple_size(const std::uint8_t* p) { return load<std::uint16_t>(p + 4); }

// SGLT_SET_NEXTOFFSET on a leaf tuple in a page.
inline void set_next_offset(std::uint8_t* tuple, storage::OffsetNumber off) {
    const std::uint16_t t_info = load<std::uint16_t>(tuple + 4);
    store<std::uint16_t>(tuple + 4, static_cast<std::uint16_t>((t_info & 0xC000u) | (off & 0x3FFFu)));
}

// spgFormDeadTuple (spgutils.c, PG15) into `out` (SGDTSIZE bytes).
void form_dead_tuple(std::uint8_t* out, unsigned tupstate, BlockNumber blkno, storage::OffsetNumber offnum,
                     TransactionId my_xid);

// spgUpdateNodeLink (spgdoinsert.c, PG15) on the inner tuple at `tuple` (inside a page,
// `avail` bytes to the end of the page). Errors when the node is not there.
Result<void> update_node_link(std::uint8_t* tuple, std::size_t avail, int node_n, BlockNumber blkno,
                              storage::OffsetNumber offset);

// spgPageIndexMultiDelete (spgdoinsert.c, PG15).
Result<void> page_index_multi_delete(std::uint8_t* page, std::span<const storage::OffsetNumber> itemnos,
                                     unsigned firststate, unsigned reststate, BlockNumber blkno,
                                     storage::OffsetNumber offnum, TransactionId my_xid);

// addOrReplaceTuple (spgxlog.c, PG15): replaces a placeholder at `offset` or adds the tuple.
Result<void> add_or_replace_tuple(std::uint8_t* page, std::span<const std::uint8_t> tuple,
                                  storage::OffsetNumber offset);

}  // namespace understudy::redo::spgist
