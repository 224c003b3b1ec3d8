// GiST page layout helpers, PostgreSQL 15 (src/include/access/gist.h, gistutil.c):
// GISTPageOpaqueData in the special space, its flag bits, GistPageSetNSN, gistinitpage,
// GistPageSetDeleted.
#pragma once

#include <cstdint>

#include "common/bytes.h"
#include "common/lsn.h"
#include "wal/records/pg_types.h"
#include "redo/storage/page.h"

namespace understudy::redo::gist {

// GISTPageOpaqueData (PG15): nsn {xlogid, xrecoff} at 0, rightlink at 8, flags at 12,
// gist_page_id at 14; 16 bytes.
inline constexpr std::size_t SizeOfGISTPageOpaqueData = 16;
inline constexpr std::uint16_t F_LEAF = 1 << 0;
inline constexpr std::uint16_t F_DELETED = 1 << 1;
inline constexpr std::uint16_t F_TUPLES_DELETED = 1 << 2;
inline constexpr std::uint16_t F_FOLLOW_RIGHT = 1 << 3;
inline constexpr std::uint16_t F_HAS_GARBAGE = 1 << 4;
inline constexpr std::uint16_t GIST_PAGE_ID = 0xFF81;
inline constexpr BlockNumber GIST_ROOT_BLKNO = 0;

inline std::uint8_t* opaque(std::uint8_t* page) { return storage::page_get_special_pointer(page); }
inline std::uint16_t flags(std::uint8_t* page) { return load<std::uint16_t>(opaque(page) + 12); }
inline void set_flags(std::uint8_t* page, std::uint16_t f) { store<std::uint16_t>(opaque(page) + 12, f); }
inline void mark_flag(std::uint8_t* page, std::uint16_t f) { set_flags(page, static_cast<std::uint16_t>(flags(page) | f)); }
inline void clear_flag(std::uint8_t* page, std::uint16_t f) {
    set_flags(page, static_cast<std::uint16_t>(flags(page) & ~f));
}
inline bool is_leaf(std::uint8_t* page) { return (flags(page) & F_LEAF) != 0; }
inline void set_rightlink(std::uint8_t* page, BlockNumber b) { store<std::uint32_t>(opaque(page) + 8, b); }

// GistPageSetNSN (PageXLogRecPtrSet: high half then low half).
inline void set_nsn(std::uint8_t* page, XLogRecPtr nsn) {
    store<std::uint32_t>(opaque(page), static_cast<std::uint32_t>(nsn >> 32));
    store<std::uint32_t>(opaque(page) + 4, static_cast<std::uint32_t>(nsn));
}

// gistinitpage (gistutil.c, PG15).
inline void init_page(std::uint8_t* page, std::uint16_t f) {
    storage::page_init(page, SizeOfGISTPageOpaqueData);
    set_rightlink(page, InvalidBlockNumber);
    set_flags(page, f);
    store<std::uint16_t>(opaque(page) + 14, GIST_PAGE_ID);
}

// GistPageSetDeleted (gist.h, PG15): F_DELETED, pd_lower past a GISTDeletedPageContents
// holding deleteXid.
inline void set_deleted(std::uint8_t* page, std::uint64_t delete_full_xid) {
    mark_flag(page, F_DELETED);
    storage::set_pd_lower(page, static_cast<storage::LocationIndex>(storage::MAXALIGN(storage::SizeOfPageHeaderData) +
                                                                     sizeof(std::uint64_t)));
    store<std::uint64_t>(storage::page_get_contents(page), delete_full_xid);
}

}  // namespace understudy::redo::gist
