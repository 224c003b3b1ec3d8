// nbtree page and index tuple helpers that the Btree redo routines need, PostgreSQL 15:
// BTPageOpaqueData and BTMetaPageData (access/nbtree.h), _bt_pageinit (nbtpage.c),
// BTPageSetDeleted, the posting list tuple accessors (BTreeTupleIsPosting, BTreeTupleGetNPosting,
// BTreeTupleSetPosting, BTreeTupleSetDownLink, BTreeTupleSetTopParent, ...), _bt_restore_page
// (nbtxlog.c), and from nbtdedup.c the deduplication state machine (_bt_dedup_start_pending,
// _bt_dedup_save_htid, _bt_dedup_finish_pending), _bt_form_posting, _bt_update_posting and
// _bt_swap_posting.
//
// Pages and tuples are byte arrays of any alignment: every field is read and written with
// load<T>/store<T> (memcpy), never through a cast. A tuple that nbtree builds in palloc'd memory
// is a std::vector<std::uint8_t> here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "common/result.h"
#include "wal/decoded_record.h"
#include "wal/records/nbtree.h"
#include "wal/records/page_types.h"

namespace understudy::redo::nbtree {

using Tuple = std::vector<std::uint8_t>;

// ---- BTPageOpaqueData (special space of every btree page, 16 bytes) -------------------------
struct BTPageOpaqueData {
    BlockNumber btpo_prev = 0;     // left sibling, or P_NONE if leftmost
    BlockNumber btpo_next = 0;     // right sibling, or P_NONE if rightmost
    std::uint32_t btpo_level = 0;  // tree level, zero for leaf pages
    std::uint16_t btpo_flags = 0;
    std::uint16_t btpo_cycleid = 0;  // vacuum cycle ID of the latest split
};
inline constexpr std::size_t SizeOfBTPageOpaqueData = 16;  // sizeof(BTPageOpaqueData)

inline constexpr std::uint16_t BTP_LEAF = 1 << 0;
inline constexpr std::uint16_t BTP_ROOT = 1 << 1;
inline constexpr std::uint16_t BTP_DELETED = 1 << 2;
inline constexpr std::uint16_t BTP_META = 1 << 3;
inline constexpr std::uint16_t BTP_HALF_DEAD = 1 << 4;
inline constexpr std::uint16_t BTP_SPLIT_END = 1 << 5;
inline constexpr std::uint16_t BTP_HAS_GARBAGE = 1 << 6;
inline constexpr std::uint16_t BTP_INCOMPLETE_SPLIT = 1 << 7;
inline constexpr std::uint16_t BTP_HAS_FULLXID = 1 << 8;

inline constexpr BlockNumber P_NONE = 0;
inline constexpr OffsetNumber P_HIKEY = 1;
inline constexpr OffsetNumber P_FIRSTKEY = 2;

// BTPageGetOpaque (PG15), as a value read from / written back to the page's special space.
BTPageOpaqueData bt_page_get_opaque(const std::uint8_t* page);
void bt_page_set_opaque(std::uint8_t* page, const BTPageOpaqueData& opaque);

inline bool P_RIGHTMOST(const BTPageOpaqueData& o) { return o.btpo_next == P_NONE; }
inline bool P_ISLEAF(const BTPageOpaqueData& o) { return (o.btpo_flags & BTP_LEAF) != 0; }
inline bool P_HAS_GARBAGE(const BTPageOpaqueData& o) { return (o.btpo_flags & BTP_HAS_GARBAGE) != 0; }
inline OffsetNumber P_FIRSTDATAKEY(const BTPageOpaqueData& o) { return P_RIGHTMOST(o) ? P_HIKEY : P_FIRSTKEY; }

// _bt_pageinit (nbtpage.c, PG15): PageInit with a BTPageOpaqueData special space.
void bt_pageinit(std::uint8_t* page);

// BTPageSetDeleted (nbtree.h, PG15): flags, pd_lower / pd_upper, and the BTDeletedPageData
// (safexid) at the start of the contents.
void bt_page_set_deleted(std::uint8_t* page, FullTransactionId safexid);

// BTMaxItemSize (nbtree.h, PG15) for an 8 kB page: 2704.
std::size_t bt_max_item_size();

// ---- BTMetaPageData ------------------------------------------------------------------------
inline constexpr BlockNumber BTREE_METAPAGE = 0;
inline constexpr std::uint32_t BTREE_MAGIC = 0x053162;
inline constexpr std::size_t SizeOfBTMetaPageData = 48;  // sizeof(BTMetaPageData), 8-aligned

// The metapage as _bt_restore_meta (nbtxlog.c, PG15) rebuilds it from xl_btree_metadata on a
// zeroed page: _bt_pageinit, the metadata (btm_last_cleanup_num_heap_tuples = -1.0), BTP_META,
// pd_lower just past the metadata.
void bt_write_meta(std::uint8_t* page, const xl_btree_metadata& xlrec);

// ---- IndexTuple fields (access/itup.h) and nbtree's tuple representations -------------------
inline constexpr std::uint16_t INDEX_ALT_TID_MASK = INDEX_AM_RESERVED_BIT;
inline constexpr std::uint16_t BT_OFFSET_MASK = 0x0FFF;
inline constexpr std::uint16_t BT_STATUS_OFFSET_MASK = 0xF000;
inline constexpr std::uint16_t BT_PIVOT_HEAP_TID_ATTR = 0x1000;
inline constexpr std::uint16_t BT_IS_POSTING = 0x2000;
inline constexpr std::size_t SizeOfItemPointerData = 6;
inline constexpr std::size_t SizeOfIndexTupleData = sizeof(IndexTupleData);  // 8

std::uint16_t index_tuple_t_info(const std::uint8_t* itup);
// IndexTupleSize: t_info & INDEX_SIZE_MASK.
std::size_t index_tuple_size(const std::uint8_t* itup);

// BTreeTupleIsPosting / BTreeTupleIsPivot.
bool bt_tuple_is_posting(const std::uint8_t* itup);
bool bt_tuple_is_pivot(const std::uint8_t* itup);
// BTreeTupleGetNPosting / BTreeTupleGetPostingOffset (posting tuples only).
std::uint16_t bt_tuple_get_n_posting(const std::uint8_t* itup);
std::uint32_t bt_tuple_get_posting_offset(const std::uint8_t* itup);
// BTreeTupleGetDownLink / BTreeTupleSetDownLink: t_tid's block number.
BlockNumber bt_tuple_get_downlink(const std::uint8_t* itup);
void bt_tuple_set_downlink(std::uint8_t* itup, BlockNumber blkno);

// The dummy high key of a half-dead leaf page (btree_xlog_mark_page_halfdead and
// btree_xlog_unlink_page): a zeroed IndexTupleData with t_info = 8 and BTreeTupleSetTopParent.
Tuple bt_half_dead_high_key(BlockNumber topparent);

// A copy of the index tuple at `src` (CopyIndexTuple), padded with zeros to MAXALIGN of its
// size. Error when `src` holds fewer bytes than the tuple's size.
Result<Tuple> copy_index_tuple(std::span<const std::uint8_t> src);

// ---- Posting lists (nbtdedup.c, PG15) ------------------------------------------------------
// _bt_form_posting: a tuple with base's key and the given heap TIDs (6 bytes each, ascending).
// One TID gives a plain non-pivot tuple.
Tuple bt_form_posting(const std::uint8_t* base, std::span<const std::uint8_t> htids, int nhtids);

// _bt_update_posting: `origtuple` (a posting list tuple) without the TIDs at the 0-based
// positions `deletetids` (ascending). Error when the positions do not leave 1 .. n-1 TIDs.
Result<Tuple> bt_update_posting(const std::uint8_t* origtuple, std::span<const std::uint16_t> deletetids);

// _bt_swap_posting: the new posting list replacing `oposting` (same size) when `newitem` (a
// mutable, plain tuple) goes into it at postingoff; newitem's TID becomes oposting's max TID.
// Error (as PostgreSQL's) when postingoff is not in 1 .. nposting - 1.
Result<Tuple> bt_swap_posting(Tuple& newitem, const std::uint8_t* oposting, int postingoff);

// BTDedupStateData (nbtree.h, PG15), the parts replay uses.
struct BTDedupState {
    std::size_t maxpostingsize = 0;
    const std::uint8_t* base = nullptr;  // base tuple (in the original page)
    OffsetNumber baseoff = InvalidOffsetNumber;
    std::size_t basetupsize = 0;
    std::vector<std::uint8_t> htids;  // nhtids * 6 bytes
    int nhtids = 0;
    int nitems = 0;
    std::size_t phystupsize = 0;
    int nintervals = 0;
    std::vector<BTDedupInterval> intervals;  // MaxIndexTuplesPerPage entries
};

// The state btree_xlog_dedup sets up: maxpostingsize = BTMaxItemSize, nothing pending.
BTDedupState bt_dedup_state_for_replay();
// _bt_dedup_start_pending.
void bt_dedup_start_pending(BTDedupState& state, const std::uint8_t* base, OffsetNumber baseoff);
// _bt_dedup_save_htid: false when itup's TIDs would make the posting list too big.
bool bt_dedup_save_htid(BTDedupState& state, const std::uint8_t* itup);
// _bt_dedup_finish_pending: adds the pending tuple (or the unchanged base) to newpage. Error
// when PageAddItem fails ("deduplication failed to add tuple to page").
Result<std::size_t> bt_dedup_finish_pending(std::uint8_t* newpage, BTDedupState& state);

// _bt_restore_page (nbtxlog.c, PG15): re-adds, in item number order, the tuples of `from` (a
// copy of a page's pd_upper .. pd_special, highest item number first) to a freshly initialised
// page. Error when a tuple runs past the data or does not fit.
Result<void> bt_restore_page(std::uint8_t* page, std::span<const std::uint8_t> from);

}  // namespace understudy::redo::nbtree
