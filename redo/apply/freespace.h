// The free space map as heap redo updates it (src/backend/storage/freespace/freespace.c
// XLogRecordPageWithFreeSpace, fsmpage.c fsm_set_avail; alike in PostgreSQL 14-18). The FSM is
// not WAL-logged: redo records a heap page's free space in the leaf of the FSM's bottom level
// that covers it (and that page's in-page tree) after the changes PostgreSQL names (an insert or
// a non-HOT update leaving less than 20% free, prune, vacuum, a page set all-visible), so that a
// server started on the directory finds free space where the primary's FSM would. The upper
// levels are left to the next FreeSpaceMapVacuum, as in PostgreSQL.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/result.h"
#include "redo/redo_context.h"
#include "wal/decoded_record.h"

namespace understudy::redo::freespace {

// fsm_internals.h for BLCKSZ 8192: the page's contents are fp_next_slot (int) and then the
// binary tree of one-byte nodes; the last LeafNodesPerPage nodes are the slots.
inline constexpr int kNodesPerPage = 8192 - 24 - 4;           // BLCKSZ - MAXALIGN(SizeOfPageHeaderData) - offsetof(fp_nodes)
inline constexpr int kNonLeafNodesPerPage = 8192 / 2 - 1;     // 4095
inline constexpr int kSlotsPerFSMPage = kNodesPerPage - kNonLeafNodesPerPage;  // 4069
inline constexpr int kFsmTreeDepth = kSlotsPerFSMPage >= 1626 ? 3 : 4;
inline constexpr std::size_t kFpNodesOffset = 24 + 4;  // from the page start

// fsm_space_avail_to_cat: 32-byte steps; 255 only for MaxFSMRequestSize (MaxHeapTupleSize, 8160)
// or more.
std::uint8_t space_avail_to_cat(std::size_t avail);

// fsm_logical_to_physical of the bottom-level page holding heap block `heap_blk`'s slot, and
// the slot (fsm_get_location).
BlockNumber leaf_block(BlockNumber heap_blk);
int leaf_slot(BlockNumber heap_blk);

// fsm_set_avail on an FSM page: sets the slot, propagates up the page's tree (rebuilding it,
// as fsm_rebuild_page, when the root ends below the value); false when nothing changed.
bool set_avail(std::uint8_t* page, int slot, std::uint8_t value);

// XLogRecordPageWithFreeSpace: records `space_avail` bytes free on heap block `heap_blk`.
// Nothing is written when the directory's server would not write it either: with data
// checksums or wal_log_hints (XLogHintBitIsNeeded) MarkBufferDirtyHint does not dirty a page
// during recovery (`ctx.smgr().xlog_hint_bit_is_needed()`).
Result<void> record_page_with_free_space(RedoContext& ctx, const RelFileNode& rnode, BlockNumber heap_blk,
                                        std::size_t space_avail);

}  // namespace understudy::redo::freespace
