// WAL record layouts of the BRIN index access method, PostgreSQL 15
// (src/include/access/brin_xlog.h). Shared by the describe and redo routines.
#pragma once

#include <cstddef>
#include <cstdint>

#include "wal/records/page_types.h"

namespace understudy {

// xl_info record types: the operation in bits 0x70, XLOG_BRIN_INIT_PAGE in 0x80.
inline constexpr std::uint8_t XLOG_BRIN_CREATE_INDEX = 0x00;
inline constexpr std::uint8_t XLOG_BRIN_INSERT = 0x10;
inline constexpr std::uint8_t XLOG_BRIN_UPDATE = 0x20;
inline constexpr std::uint8_t XLOG_BRIN_SAMEPAGE_UPDATE = 0x30;
inline constexpr std::uint8_t XLOG_BRIN_REVMAP_EXTEND = 0x40;
inline constexpr std::uint8_t XLOG_BRIN_DESUMMARIZE = 0x50;
inline constexpr std::uint8_t XLOG_BRIN_OPMASK = 0x70;
// The first item on a new page: redo re-initializes the whole page.
inline constexpr std::uint8_t XLOG_BRIN_INIT_PAGE = 0x80;

// XLOG_BRIN_CREATE_INDEX. Block 0: metapage.
struct xl_brin_createidx {
    BlockNumber pagesPerRange;
    std::uint16_t version;
};
inline constexpr std::size_t SizeOfBrinCreateIdx = offsetof(xl_brin_createidx, version) + sizeof(std::uint16_t);
static_assert(SizeOfBrinCreateIdx == 6);

// XLOG_BRIN_INSERT. Block 0: main page, its data the new BrinTuple; block 1: revmap page.
struct xl_brin_insert {
    BlockNumber heapBlk;
    BlockNumber pagesPerRange;  // needed to update the revmap
    OffsetNumber offnum;        // where the tuple goes on the main page
};
inline constexpr std::size_t SizeOfBrinInsert = offsetof(xl_brin_insert, offnum) + sizeof(OffsetNumber);
static_assert(SizeOfBrinInsert == 10);

// XLOG_BRIN_UPDATE: an insert plus the old tuple. Blocks 0 and 1 as for an insert; block 2:
// old page.
struct xl_brin_update {
    OffsetNumber oldOffnum;  // old tuple on the old page
    xl_brin_insert insert;
};
inline constexpr std::size_t SizeOfBrinUpdate = offsetof(xl_brin_update, insert) + SizeOfBrinInsert;
static_assert(offsetof(xl_brin_update, insert) == 4 && SizeOfBrinUpdate == 14);

// XLOG_BRIN_SAMEPAGE_UPDATE. Block 0: the page, its data the new BrinTuple.
struct xl_brin_samepage_update {
    OffsetNumber offnum;
};
inline constexpr std::size_t SizeOfBrinSamepageUpdate = sizeof(OffsetNumber);

// XLOG_BRIN_REVMAP_EXTEND. Blocks: 0 metapage, 1 new revmap page.
struct xl_brin_revmap_extend {
    BlockNumber targetBlk;  // redundant with block 1's block number
};
inline constexpr std::size_t SizeOfBrinRevmapExtend =
    offsetof(xl_brin_revmap_extend, targetBlk) + sizeof(BlockNumber);

// XLOG_BRIN_DESUMMARIZE. Blocks: 0 revmap page, 1 regular page.
struct xl_brin_desummarize {
    BlockNumber pagesPerRange;
    BlockNumber heapBlk;     // revmap entry to set invalid
    OffsetNumber regOffset;  // item to delete on the regular page
};
inline constexpr std::size_t SizeOfBrinDesummarize =
    offsetof(xl_brin_desummarize, regOffset) + sizeof(OffsetNumber);
static_assert(SizeOfBrinDesummarize == 10);

}  // namespace understudy
