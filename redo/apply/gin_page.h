// GIN page layout and posting-list helpers used by gin_redo, mirroring PostgreSQL 15's
// access/ginblock.h macros, ginutil.c (GinInitPage, GinInitMetabuffer), gindatapage.c
// (GinDataPageAddPostingItem, GinPageDeletePostingItem) and ginpostinglist.c
// (ginCompressPostingList, ginPostingListDecode, ginMergeItemPointers).
//
// Item pointers are handled as PostgreSQL's ginpostinglist.c encodes them: a uint64
// (block << 11 | offset), which orders exactly as ginCompareItemPointers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "wal/decoded_record.h"

namespace understudy::redo::gin {

// GinPageOpaqueData flags (ginblock.h, PG15).
inline constexpr std::uint16_t GIN_DATA = 1 << 0;
inline constexpr std::uint16_t GIN_LEAF = 1 << 1;
inline constexpr std::uint16_t GIN_DELETED = 1 << 2;
inline constexpr std::uint16_t GIN_META = 1 << 3;
inline constexpr std::uint16_t GIN_LIST = 1 << 4;
inline constexpr std::uint16_t GIN_LIST_FULLROW = 1 << 5;
inline constexpr std::uint16_t GIN_INCOMPLETE_SPLIT = 1 << 6;
inline constexpr std::uint16_t GIN_COMPRESSED = 1 << 7;

inline constexpr std::size_t SizeOfGinPageOpaqueData = 8;  // rightlink, maxoff, flags
inline constexpr std::size_t SizeOfGinMetaPageData = 56;
inline constexpr std::size_t SizeOfPostingItem = 10;
inline constexpr std::size_t SizeOfItemPointerData = 6;
// MAXALIGN(SizeOfPageHeaderData) + MAXALIGN(sizeof(ItemPointerData)): where a data page's
// posting items / posting list start (GinDataPageGetData, GinDataLeafPageGetPostingList).
inline constexpr std::size_t GinDataPageDataOffset = 32;

// GinPageGetOpaque fields.
BlockNumber gin_rightlink(const std::uint8_t* page);
void set_gin_rightlink(std::uint8_t* page, BlockNumber v);
std::uint16_t gin_maxoff(const std::uint8_t* page);
void set_gin_maxoff(std::uint8_t* page, std::uint16_t v);
std::uint16_t gin_flags(const std::uint8_t* page);
void set_gin_flags(std::uint8_t* page, std::uint16_t v);

// GinInitPage (ginutil.c, PG15).
void gin_init_page(std::uint8_t* page, std::uint16_t flags);
// GinInitMetabuffer (ginutil.c, PG15).
void gin_init_metabuffer(std::uint8_t* page);

// GinDataPageSetDataSize / GinDataLeafPageGetPostingListSize (ginblock.h, PG15).
void gin_data_page_set_data_size(std::uint8_t* page, std::size_t size);
std::size_t gin_data_leaf_page_posting_list_size(const std::uint8_t* page);

// GinDataPageAddPostingItem (gindatapage.c, PG15); `item` is a PostingItem's 10 bytes.
// False when the page has no room for it (PostgreSQL would write past pd_upper).
bool gin_data_page_add_posting_item(std::uint8_t* page, std::span<const std::uint8_t> item, std::uint16_t offset);
// GinPageDeletePostingItem (gindatapage.c, PG15). False when offset is out of range.
bool gin_page_delete_posting_item(std::uint8_t* page, std::uint16_t offset);

// itemptr_to_uint64 / uint64_to_itemptr (ginpostinglist.c, PG15) on 6 raw bytes.
std::uint64_t itemptr_to_uint64(const std::uint8_t* iptr);
void uint64_to_itemptr(std::uint64_t val, std::uint8_t* iptr);

// SizeOfGinPostingList of the segment at `seg` (header + SHORTALIGN(nbytes)).
std::size_t size_of_posting_list(const std::uint8_t* seg);

// ginPostingListDecode (ginpostinglist.c, PG15) of one segment; nullopt-like empty result
// with ok=false when the encoded bytes run past `seg_len`.
bool gin_posting_list_decode(std::span<const std::uint8_t> seg, std::vector<std::uint64_t>& out);

// ginMergeItemPointers (ginpostinglist.c, PG15).
std::vector<std::uint64_t> gin_merge_item_pointers(const std::vector<std::uint64_t>& a,
                                                   const std::vector<std::uint64_t>& b);

// ginCompressPostingList (ginpostinglist.c, PG15): the segment's bytes (header, varbyte deltas,
// a zero padding byte when nbytes is odd); `npacked` items fit in maxsize bytes.
std::vector<std::uint8_t> gin_compress_posting_list(const std::vector<std::uint64_t>& items, std::size_t maxsize,
                                                    std::size_t& npacked);

}  // namespace understudy::redo::gin
