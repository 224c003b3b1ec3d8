// Redo and mask routines of the hash index access method (RM_HASH_ID), mirroring PostgreSQL
// 15's src/backend/access/hash/hash_xlog.c (hash_redo, hash_xlog_*, hash_mask), with the page
// initialisers they call from hashpage.c / hashovfl.c (_hash_pageinit, _hash_initbuf,
// _hash_init_metabuffer, _hash_initbitmapbuffer) and hashutil.c (_hash_spareindex,
// _hash_get_totalbuckets).
//
// Page layout (access/hash.h, PG15): special space HashPageOpaqueData {hasho_prevblkno,
// hasho_nextblkno, hasho_bucket, uint16 hasho_flag, uint16 hasho_page_id} (16 bytes); the
// metapage's HashMetaPageData and the bitmap pages' uint32 words start at PageGetContents.
#include <bit>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "redo/apply/record_data.h"
#include "redo/apply/redo_block.h"
#include "wal/records/hash.h"
#include "wal/records/version_table.h"
#include "redo/rmgr.h"
#include "redo/storage/mask.h"
#include "redo/storage/page.h"

namespace understudy {
namespace {

using redo::XLogRedoAction;
using redo::block_data;
using redo::main_data_as;
using redo::redo_present_block;
using storage::PageHandle;
using storage::ReadBufferMode;
using storage::SizeOfIndexTupleData;

// access/hash.h constants (PG15).
constexpr std::uint16_t LH_UNUSED_PAGE = 0;
constexpr std::uint16_t LH_OVERFLOW_PAGE = 1 << 0;
constexpr std::uint16_t LH_BUCKET_PAGE = 1 << 1;
constexpr std::uint16_t LH_BITMAP_PAGE = 1 << 2;
constexpr std::uint16_t LH_META_PAGE = 1 << 3;
constexpr std::uint16_t LH_BUCKET_NEEDS_SPLIT_CLEANUP = 1 << 6;
constexpr std::uint16_t LH_PAGE_HAS_DEAD_TUPLES = 1 << 7;
constexpr std::uint16_t LH_PAGE_TYPE = LH_OVERFLOW_PAGE | LH_BUCKET_PAGE | LH_BITMAP_PAGE | LH_META_PAGE;
constexpr std::uint16_t HASHO_PAGE_ID = 0xFF80;
constexpr std::uint32_t InvalidBucket = 0xFFFFFFFF;
constexpr std::uint32_t HASH_MAGIC = 0x6440640;
constexpr std::uint32_t HASH_VERSION = 4;
constexpr std::uint32_t BYTE_TO_BIT = 3;
constexpr std::uint32_t BITS_PER_MAP = 32;
constexpr std::uint32_t HASH_SPLITPOINT_PHASE_BITS = 2;
constexpr std::uint32_t HASH_SPLITPOINT_PHASE_MASK = (1u << HASH_SPLITPOINT_PHASE_BITS) - 1;
constexpr std::uint32_t HASH_SPLITPOINT_GROUPS_WITH_ONE_PHASE = 10;
constexpr std::uint32_t HASH_MAX_SPLITPOINTS = 98;
constexpr std::uint32_t HASH_MAX_BITMAPS = 1024;  // Min(BLCKSZ / 8, 1024)
constexpr std::size_t SizeOfHashPageOpaqueData = 16;

// HashPageOpaqueData field offsets within the special space.
constexpr std::size_t kPrevBlkno = 0;
constexpr std::size_t kNextBlkno = 4;
constexpr std::size_t kBucket = 8;
constexpr std::size_t kFlag = 12;
constexpr std::size_t kPageId = 14;

// HashMetaPageData field offsets within PageGetContents (PG15 layout, x86-64).
constexpr std::size_t kMagic = 0;
constexpr std::size_t kVersion = 4;
constexpr std::size_t kNtuples = 8;
constexpr std::size_t kFfactor = 16;
constexpr std::size_t kBsize = 18;
constexpr std::size_t kBmsize = 20;
constexpr std::size_t kBmshift = 22;
constexpr std::size_t kMaxbucket = 24;
constexpr std::size_t kHighmask = 28;
constexpr std::size_t kLowmask = 32;
constexpr std::size_t kOvflpoint = 36;
constexpr std::size_t kFirstfree = 40;
constexpr std::size_t kNmaps = 44;
constexpr std::size_t kProcid = 48;
constexpr std::size_t kSpares = 52;
constexpr std::size_t kMapp = kSpares + 4 * HASH_MAX_SPLITPOINTS;
constexpr std::size_t SizeOfHashMetaPageData = MAXALIGN(kMapp + 4 * HASH_MAX_BITMAPS);  // 4544

std::uint8_t* opaque(std::uint8_t* page) { return storage::page_get_special_pointer(page); }
std::uint16_t hasho_flag(const std::uint8_t* page) {
    return load<std::uint16_t>(storage::page_get_special_pointer(page) + kFlag);
}
void set_hasho_flag(std::uint8_t* page, std::uint16_t v) { store<std::uint16_t>(opaque(page) + kFlag, v); }
void set_hasho_prevblkno(std::uint8_t* page, BlockNumber v) { store<std::uint32_t>(opaque(page) + kPrevBlkno, v); }
void set_hasho_nextblkno(std::uint8_t* page, BlockNumber v) { store<std::uint32_t>(opaque(page) + kNextBlkno, v); }

std::uint8_t* meta(std::uint8_t* page) { return storage::page_get_contents(page); }
std::uint32_t meta_u32(std::uint8_t* page, std::size_t off) { return load<std::uint32_t>(meta(page) + off); }
void set_meta_u32(std::uint8_t* page, std::size_t off, std::uint32_t v) { store<std::uint32_t>(meta(page) + off, v); }
std::size_t spares_off(std::uint32_t i) { return kSpares + 4 * std::size_t{i}; }
std::size_t mapp_off(std::uint32_t i) { return kMapp + 4 * std::size_t{i}; }

Result<std::uint32_t> block_u32(const DecodedRecord& rec, int block_id, std::size_t at = 0) {
    auto d = block_data(rec, block_id);
    if (d.size() < at + 4) return redo::block_error(rec, block_id, "block data too short for a uint32");
    return load<std::uint32_t>(d.data() + at);
}

// _hash_pageinit (hashpage.c, PG15).
void hash_pageinit(std::uint8_t* page) { storage::page_init(page, SizeOfHashPageOpaqueData); }

// _hash_initbuf (hashpage.c, PG15) with initpage = true.
void hash_initbuf(std::uint8_t* page, std::uint32_t max_bucket, std::uint32_t num_bucket, std::uint16_t flag) {
    hash_pageinit(page);
    std::uint8_t* op = opaque(page);
    store<std::uint32_t>(op + kPrevBlkno, max_bucket);
    store<std::uint32_t>(op + kNextBlkno, InvalidBlockNumber);
    store<std::uint32_t>(op + kBucket, num_bucket);
    store<std::uint16_t>(op + kFlag, flag);
    store<std::uint16_t>(op + kPageId, HASHO_PAGE_ID);
}

// pg_ceil_log2_32 (port/pg_bitutils.h).
std::uint32_t ceil_log2_32(std::uint32_t num) {
    return num < 2 ? 0 : static_cast<std::uint32_t>(std::bit_width(num - 1));
}

// _hash_spareindex (hashutil.c, PG15).
std::uint32_t hash_spareindex(std::uint32_t num_bucket) {
    std::uint32_t splitpoint_group = ceil_log2_32(num_bucket);
    if (splitpoint_group < HASH_SPLITPOINT_GROUPS_WITH_ONE_PHASE) return splitpoint_group;
    std::uint32_t phases = HASH_SPLITPOINT_GROUPS_WITH_ONE_PHASE;
    phases += (splitpoint_group - HASH_SPLITPOINT_GROUPS_WITH_ONE_PHASE) << HASH_SPLITPOINT_PHASE_BITS;
    phases += ((num_bucket - 1) >> (splitpoint_group - (HASH_SPLITPOINT_PHASE_BITS + 1))) & HASH_SPLITPOINT_PHASE_MASK;
    return phases;
}

// _hash_get_totalbuckets (hashutil.c, PG15).
std::uint32_t hash_get_totalbuckets(std::uint32_t splitpoint_phase) {
    if (splitpoint_phase < HASH_SPLITPOINT_GROUPS_WITH_ONE_PHASE) return 1u << splitpoint_phase;
    std::uint32_t group = HASH_SPLITPOINT_GROUPS_WITH_ONE_PHASE +
                          ((splitpoint_phase - HASH_SPLITPOINT_GROUPS_WITH_ONE_PHASE) >> HASH_SPLITPOINT_PHASE_BITS);
    std::uint32_t total = 1u << (group - 1);
    std::uint32_t phases_within =
        ((splitpoint_phase - HASH_SPLITPOINT_GROUPS_WITH_ONE_PHASE) & HASH_SPLITPOINT_PHASE_MASK) + 1;
    total += ((1u << (group - 1)) >> HASH_SPLITPOINT_PHASE_BITS) * phases_within;
    return total;
}

// _hash_init_metabuffer (hashpage.c, PG15) with initpage = true.
void hash_init_metabuffer(std::uint8_t* page, double num_tuples, Oid procid, std::uint16_t ffactor) {
    double dnumbuckets = num_tuples / ffactor;
    std::uint32_t num_buckets;
    if (dnumbuckets <= 2.0)
        num_buckets = 2;
    else if (dnumbuckets >= static_cast<double>(0x40000000))
        num_buckets = 0x40000000;
    else
        num_buckets = hash_get_totalbuckets(hash_spareindex(static_cast<std::uint32_t>(dnumbuckets)));
    std::uint32_t spare_index = hash_spareindex(num_buckets);

    hash_pageinit(page);
    std::uint8_t* op = opaque(page);
    store<std::uint32_t>(op + kPrevBlkno, InvalidBlockNumber);
    store<std::uint32_t>(op + kNextBlkno, InvalidBlockNumber);
    store<std::uint32_t>(op + kBucket, InvalidBucket);
    store<std::uint16_t>(op + kFlag, LH_META_PAGE);
    store<std::uint16_t>(op + kPageId, HASHO_PAGE_ID);

    std::uint8_t* m = meta(page);
    store<std::uint32_t>(m + kMagic, HASH_MAGIC);
    store<std::uint32_t>(m + kVersion, HASH_VERSION);
    store<double>(m + kNtuples, 0.0);
    store<std::uint32_t>(m + kNmaps, 0);
    store<std::uint16_t>(m + kFfactor, ffactor);
    // HashGetMaxBitmapSize: page size - (MAXALIGN(header) + MAXALIGN(opaque)).
    auto bsize = static_cast<std::uint16_t>(BLCKSZ - (MAXALIGN(storage::SizeOfPageHeaderData) +
                                                      MAXALIGN(SizeOfHashPageOpaqueData)));
    store<std::uint16_t>(m + kBsize, bsize);
    auto lshift = static_cast<std::uint16_t>(std::bit_width(bsize) - 1);  // pg_leftmost_one_pos32
    store<std::uint16_t>(m + kBmsize, static_cast<std::uint16_t>(1u << lshift));
    store<std::uint16_t>(m + kBmshift, static_cast<std::uint16_t>(lshift + BYTE_TO_BIT));
    store<std::uint32_t>(m + kProcid, procid);
    store<std::uint32_t>(m + kMaxbucket, num_buckets - 1);
    std::uint32_t highmask = std::bit_ceil(num_buckets + 1) - 1;  // pg_nextpower2_32(n + 1) - 1
    store<std::uint32_t>(m + kHighmask, highmask);
    store<std::uint32_t>(m + kLowmask, highmask >> 1);
    std::memset(m + kSpares, 0, 4 * HASH_MAX_SPLITPOINTS);
    std::memset(m + kMapp, 0, 4 * HASH_MAX_BITMAPS);
    store<std::uint32_t>(m + spares_off(spare_index), 1);
    store<std::uint32_t>(m + kOvflpoint, spare_index);
    store<std::uint32_t>(m + kFirstfree, 0);
    storage::set_pd_lower(page, static_cast<std::uint16_t>((m - page) + SizeOfHashMetaPageData));
}

// _hash_initbitmapbuffer (hashovfl.c, PG15) with initpage = true.
void hash_initbitmapbuffer(std::uint8_t* page, std::uint16_t bmsize) {
    hash_pageinit(page);
    std::uint8_t* op = opaque(page);
    store<std::uint32_t>(op + kPrevBlkno, InvalidBlockNumber);
    store<std::uint32_t>(op + kNextBlkno, InvalidBlockNumber);
    store<std::uint32_t>(op + kBucket, InvalidBucket);
    store<std::uint16_t>(op + kFlag, LH_BITMAP_PAGE);
    store<std::uint16_t>(op + kPageId, HASHO_PAGE_ID);
    std::uint8_t* freep = storage::page_get_contents(page);
    std::memset(freep, 0xFF, bmsize);
    storage::set_pd_lower(page, static_cast<std::uint16_t>((freep - page) + bmsize));
}

// SETBIT / CLRBIT on HashPageGetBitmap (access/hash.h, PG15).
void bitmap_set(std::uint8_t* page, std::uint32_t bit, bool on) {
    std::uint8_t* word = storage::page_get_contents(page) + 4 * std::size_t{bit / BITS_PER_MAP};
    auto w = load<std::uint32_t>(word);
    std::uint32_t mask = 1u << (bit % BITS_PER_MAP);
    store<std::uint32_t>(word, on ? (w | mask) : (w & ~mask));
}

// Offsets (uint16, possibly unaligned in WAL) from bytes.
std::vector<storage::OffsetNumber> offsets_from(std::span<const std::uint8_t> bytes, std::size_t n) {
    std::vector<storage::OffsetNumber> out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = load<std::uint16_t>(bytes.data() + 2 * i);
    return out;
}

Result<void> multi_delete(std::uint8_t* page, std::span<const std::uint8_t> bytes, const DecodedRecord& rec,
                          int block_id) {
    std::size_t n = bytes.size() / 2;
    if (n == 0) return {};
    auto offs = offsets_from(bytes, n);
    auto r = storage::page_index_multi_delete(page, offs);
    if (!r) return redo::block_error(rec, block_id, r.message());
    return {};
}

// The tuple-adding loop of hash_xlog_move_page_contents / hash_xlog_squeeze_page: ntups
// OffsetNumbers, then the MAXALIGNed index tuples.
Result<void> add_moved_tuples(std::uint8_t* page, const DecodedRecord& rec, int block_id, std::uint16_t ntups) {
    auto data = block_data(rec, block_id);
    if (ntups == 0) return {};
    std::size_t pos = 2 * std::size_t{ntups};
    if (data.size() < pos) return redo::block_error(rec, block_id, "block data too short for its offset array");
    auto towrite = offsets_from(data, ntups);
    std::uint16_t ninserted = 0;
    while (pos < data.size()) {
        if (data.size() - pos < SizeOfIndexTupleData || ninserted >= ntups)
            return redo::block_error(rec, block_id, "more tuple bytes than the record's ntups");
        std::size_t itemsz = MAXALIGN(load<std::uint16_t>(data.data() + pos + 6) & INDEX_SIZE_MASK);
        if (itemsz == 0 || data.size() - pos < itemsz) return redo::block_error(rec, block_id, "index tuple runs past the block data");
        auto l = storage::page_add_item(page, data.subspan(pos, itemsz), towrite[ninserted], false, false);
        if (l == storage::InvalidOffsetNumber)
            return redo::block_error(rec, block_id, fmt::format("failed to add item to hash index page, size {} bytes", itemsz));
        pos += itemsz;
        ++ninserted;
    }
    return {};
}
#define HASH_TRY(expr)                          \
    do {                                        \
        auto hash_try_r_ = (expr);              \
        if (!hash_try_r_) return hash_try_r_.error(); \
    } while (0)

// hash_xlog_init_meta_page (PG15).
Result<void> init_meta_page(redo::RedoContext& ctx, const DecodedRecord& rec) {
    auto xlrec = main_data_as<xl_hash_init_meta_page>(rec, SizeOfHashInitMetaPage);
    if (!xlrec) return xlrec.error();
    auto metabuf = ctx.init_buffer_for_redo(rec, 0);
    if (!metabuf) return metabuf.error();
    hash_init_metabuffer(metabuf->data(), xlrec->num_tuples, xlrec->procid, xlrec->ffactor);
    redo::finish_page(*metabuf, rec);
    return {};
}

// hash_xlog_init_bitmap_page (PG15).
Result<void> init_bitmap_page(redo::RedoContext& ctx, const DecodedRecord& rec) {
    auto xlrec = main_data_as<xl_hash_init_bitmap_page>(rec, SizeOfHashInitBitmapPage);
    if (!xlrec) return xlrec.error();
    {
        auto bitmapbuf = ctx.init_buffer_for_redo(rec, 0);
        if (!bitmapbuf) return bitmapbuf.error();
        hash_initbitmapbuffer(bitmapbuf->data(), xlrec->bmsize);
        redo::finish_page(*bitmapbuf, rec);
    }
    PageHandle metabuf;
    auto action = redo_present_block(ctx, rec, 1, metabuf, [&](std::uint8_t* page) -> Result<void> {
        std::uint32_t num_buckets = meta_u32(page, kMaxbucket) + 1;
        std::uint32_t nmaps = meta_u32(page, kNmaps);
        if (nmaps >= HASH_MAX_BITMAPS) return redo::block_error(rec, 1, "metapage already has HASH_MAX_BITMAPS bitmaps");
        set_meta_u32(page, mapp_off(nmaps), num_buckets + 1);
        set_meta_u32(page, kNmaps, nmaps + 1);
        return {};
    });
    if (!action) return action.error();
    return {};
}

// hash_xlog_insert (PG15).
Result<void> insert(redo::RedoContext& ctx, const DecodedRecord& rec) {
    auto xlrec = main_data_as<xl_hash_insert>(rec, SizeOfHashInsert);
    if (!xlrec) return xlrec.error();
    {
        PageHandle buf;
        auto action = redo_present_block(ctx, rec, 0, buf, [&](std::uint8_t* page) -> Result<void> {
            if (storage::page_add_item(page, block_data(rec, 0), xlrec->offnum, false, false) ==
                storage::InvalidOffsetNumber)
                return redo::block_error(rec, 0, "hash_xlog_insert: failed to add item");
            return {};
        });
        if (!action) return action.error();
    }
    PageHandle buf;
    auto action = redo_present_block(ctx, rec, 1, buf, [&](std::uint8_t* page) -> Result<void> {
        std::uint8_t* m = meta(page);
        store<double>(m + kNtuples, load<double>(m + kNtuples) + 1);
        return {};
    });
    if (!action) return action.error();
    return {};
}

// hash_xlog_add_ovfl_page (PG15).
Result<void> add_ovfl_page(redo::RedoContext& ctx, const DecodedRecord& rec) {
    auto xlrec = main_data_as<xl_hash_add_ovfl_page>(rec, SizeOfHashAddOvflPage);
    if (!xlrec) return xlrec.error();
    if (!rec.has_block_ref(0) || !rec.has_block_ref(1)) return redo::block_error(rec, 0, "blocks 0 and 1 are required");
    BlockNumber rightblk = rec.block(0)->blkno;
    BlockNumber leftblk = rec.block(1)->blkno;
    {
        auto num_bucket = block_u32(rec, 0);
        if (!num_bucket) return num_bucket.error();
        auto ovflbuf = ctx.init_buffer_for_redo(rec, 0);
        if (!ovflbuf) return ovflbuf.error();
        hash_initbuf(ovflbuf->data(), InvalidBlockNumber, *num_bucket, LH_OVERFLOW_PAGE);
        set_hasho_prevblkno(ovflbuf->data(), leftblk);
        redo::finish_page(*ovflbuf, rec);

        PageHandle leftbuf;
        auto action = redo_present_block(ctx, rec, 1, leftbuf, [&](std::uint8_t* page) -> Result<void> {
            set_hasho_nextblkno(page, rightblk);
            return {};
        });
        if (!action) return action.error();
    }
    if (rec.has_block_ref(2)) {
        PageHandle mapbuf;
        auto action = redo_present_block(ctx, rec, 2, mapbuf, [&](std::uint8_t* page) -> Result<void> {
            auto bit = block_u32(rec, 2);
            if (!bit) return bit.error();
            bitmap_set(page, *bit, true);
            return {};
        });
        if (!action) return action.error();
    }
    bool new_bmpage = false;
    BlockNumber newmapblk = InvalidBlockNumber;
    if (rec.has_block_ref(3)) {
        auto newmapbuf = ctx.init_buffer_for_redo(rec, 3);
        if (!newmapbuf) return newmapbuf.error();
        hash_initbitmapbuffer(newmapbuf->data(), xlrec->bmsize);
        new_bmpage = true;
        newmapblk = rec.block(3)->blkno;
        redo::finish_page(*newmapbuf, rec);
    }
    PageHandle metabuf;
    auto action = redo_present_block(ctx, rec, 4, metabuf, [&](std::uint8_t* page) -> Result<void> {
        auto firstfree = block_u32(rec, 4);
        if (!firstfree) return firstfree.error();
        set_meta_u32(page, kFirstfree, *firstfree);
        if (!xlrec->bmpage_found) {
            std::uint32_t ovflpoint = meta_u32(page, kOvflpoint);
            if (ovflpoint >= HASH_MAX_SPLITPOINTS) return redo::block_error(rec, 4, "metapage hashm_ovflpoint out of range");
            set_meta_u32(page, spares_off(ovflpoint), meta_u32(page, spares_off(ovflpoint)) + 1);
            if (new_bmpage) {
                std::uint32_t nmaps = meta_u32(page, kNmaps);
                if (nmaps >= HASH_MAX_BITMAPS) return redo::block_error(rec, 4, "metapage already has HASH_MAX_BITMAPS bitmaps");
                set_meta_u32(page, mapp_off(nmaps), newmapblk);
                set_meta_u32(page, kNmaps, nmaps + 1);
                set_meta_u32(page, spares_off(ovflpoint), meta_u32(page, spares_off(ovflpoint)) + 1);
            }
        }
        return {};
    });
    if (!action) return action.error();
    return {};
}

// hash_xlog_split_allocate_page (PG15). The old bucket page is updated even when its image was
// just restored (BLK_RESTORED), as PostgreSQL does.
Result<void> split_allocate_page(redo::RedoContext& ctx, const DecodedRecord& rec) {
    auto xlrec =
        main_data_as<xl_hash_split_allocate_page>(rec, SizeOfHashSplitAllocPage);
    if (!xlrec) return xlrec.error();
    {
        PageHandle oldbuf;
        auto action = redo::read_block(ctx, rec, 0, oldbuf, redo::with_cleanup_lock);
        if (!action) return action.error();
        if (*action == XLogRedoAction::BLK_NEEDS_REDO || *action == XLogRedoAction::BLK_RESTORED) {
            set_hasho_flag(oldbuf.data(), xlrec->old_bucket_flag);
            set_hasho_prevblkno(oldbuf.data(), xlrec->new_bucket);
            redo::finish_page(oldbuf, rec);
        }
        auto newbuf = ctx.init_buffer_for_redo(rec, 1);
        if (!newbuf) return newbuf.error();
        hash_initbuf(newbuf->data(), xlrec->new_bucket, xlrec->new_bucket, xlrec->new_bucket_flag);
        redo::finish_page(*newbuf, rec);
    }
    PageHandle metabuf;
    auto action = redo_present_block(ctx, rec, 2, metabuf, [&](std::uint8_t* page) -> Result<void> {
        set_meta_u32(page, kMaxbucket, xlrec->new_bucket);
        std::size_t at = 0;
        if (xlrec->flags & XLH_SPLIT_META_UPDATE_MASKS) {
            auto lowmask = block_u32(rec, 2, at);
            auto highmask = block_u32(rec, 2, at + 4);
            if (!lowmask || !highmask) return redo::block_error(rec, 2, "block data too short for the masks");
            set_meta_u32(page, kLowmask, *lowmask);
            set_meta_u32(page, kHighmask, *highmask);
            at += 8;
        }
        if (xlrec->flags & XLH_SPLIT_META_UPDATE_SPLITPOINT) {
            auto ovflpoint = block_u32(rec, 2, at);
            auto ovflpages = block_u32(rec, 2, at + 4);
            if (!ovflpoint || !ovflpages) return redo::block_error(rec, 2, "block data too short for the splitpoint");
            if (*ovflpoint >= HASH_MAX_SPLITPOINTS) return redo::block_error(rec, 2, "splitpoint out of range");
            set_meta_u32(page, spares_off(*ovflpoint), *ovflpages);
            set_meta_u32(page, kOvflpoint, *ovflpoint);
        }
        return {};
    });
    if (!action) return action.error();
    return {};
}

// hash_xlog_split_page (PG15): the record carries a full-page image that must be restored.
Result<void> split_page(redo::RedoContext& ctx, const DecodedRecord& rec) {
    PageHandle buf;
    auto action = redo::read_block(ctx, rec, 0, buf);
    if (!action) return action.error();
    // A sparse start may not have the page's relation yet only if there were no image at all;
    // an image flagged for apply always restores.
    if (*action != XLogRedoAction::BLK_RESTORED)
        return redo::block_error(rec, 0, "Hash split record did not contain a full-page image");
    return {};
}

// hash_xlog_split_complete (PG15).
Result<void> split_complete(redo::RedoContext& ctx, const DecodedRecord& rec) {
    auto xlrec = main_data_as<xl_hash_split_complete>(rec, SizeOfHashSplitComplete);
    if (!xlrec) return xlrec.error();
    for (int block_id = 0; block_id < 2; ++block_id) {
        PageHandle buf;
        auto action = redo::read_block(ctx, rec, block_id, buf);
        if (!action) return action.error();
        if (*action == XLogRedoAction::BLK_NEEDS_REDO || *action == XLogRedoAction::BLK_RESTORED) {
            set_hasho_flag(buf.data(), block_id == 0 ? xlrec->old_bucket_flag : xlrec->new_bucket_flag);
            redo::finish_page(buf, rec);
        }
    }
    return {};
}

// What hash redo does differently per major version (the row of the record's version).
struct HashRedoVersion {
    int since_major;
    // hash_xlog_squeeze_page: the write page is read only if tuples move onto it or it is the
    // bucket page or the page before the freed one, and gets the record's LSN only if tuples
    // moved or its nextblkno was set (17's hash_xlog.c; the primary's _hash_freeovflpage
    // registers it with REGBUF_NO_CHANGE, or not at all, when it does not change).
    bool squeeze_sets_lsn_only_if_changed;
};
inline constexpr HashRedoVersion kHashRedoVersions[] = {
    {/*since_major*/ 14, /*squeeze_sets_lsn_only_if_changed*/ false},
    {/*since_major*/ 17, /*squeeze_sets_lsn_only_if_changed*/ true},
};
static_assert(rows_ascending(kHashRedoVersions));

// The bucket / write page reads shared by move_page_contents, squeeze_page and delete: when the
// write page is the primary bucket page it is read with a cleanup lock, otherwise the bucket page
// (block 0) is read first (for its lock, and to restore its image).
Result<XLogRedoAction> read_bucket_and_target(redo::RedoContext& ctx, const DecodedRecord& rec, bool target_is_bucket,
                                              PageHandle& bucketbuf, PageHandle& writebuf) {
    if (target_is_bucket) return redo::read_block(ctx, rec, 1, writebuf, redo::with_cleanup_lock);
    auto b = redo::read_block(ctx, rec, 0, bucketbuf, redo::with_cleanup_lock);
    if (!b) return b.error();
    return redo::read_block(ctx, rec, 1, writebuf);
}

// hash_xlog_move_page_contents (PG15).
Result<void> move_page_contents(redo::RedoContext& ctx, const DecodedRecord& rec) {
    auto xldata =
        main_data_as<xl_hash_move_page_contents>(rec, SizeOfHashMovePageContents);
    if (!xldata) return xldata.error();
    PageHandle bucketbuf;
    PageHandle writebuf;
    auto action = read_bucket_and_target(ctx, rec, xldata->is_prim_bucket_same_wrt != 0, bucketbuf, writebuf);
    auto changed = redo::apply_if_needs_redo(action, writebuf, rec, [&](std::uint8_t* page) -> Result<void> {
        HASH_TRY(add_moved_tuples(page, rec, 1, xldata->ntups));
        return {};
    });
    if (!changed) return changed.error();
    PageHandle deletebuf;
    auto del = redo_present_block(ctx, rec, 2, deletebuf, [&](std::uint8_t* page) -> Result<void> {
        HASH_TRY(multi_delete(page, block_data(rec, 2), rec, 2));
        return {};
    });
    if (!del) return del.error();
    return {};
}

// hash_xlog_squeeze_page (PG15; 17 by kHashRedoVersions). Blocks: 0 bucket, 1 write page,
// 2 freed overflow page, 3 page before it (unless it is the write page), 4 page after it
// (optional), 5 bitmap page, 6 metapage (optional).
Result<void> squeeze_page(redo::RedoContext& ctx, const DecodedRecord& rec) {
    auto xldata = main_data_as<xl_hash_squeeze_page>(rec, SizeOfHashSqueezePage);
    if (!xldata) return xldata.error();
    const HashRedoVersion& v = row_for_version(kHashRedoVersions, *rec.format);
    {
        PageHandle bucketbuf;
        PageHandle writebuf;
        // 17: a write page that gets no tuples and is not the page before the freed one is not
        // read (the primary registers it only when it is the bucket page, for the cleanup lock).
        const bool write_page_unchanged = xldata->ntups == 0 && !xldata->is_prev_bucket_same_wrt;
        Result<XLogRedoAction> action = XLogRedoAction::BLK_NOTFOUND;
        if (v.squeeze_sets_lsn_only_if_changed && write_page_unchanged && !xldata->is_prim_bucket_same_wrt) {
            auto b = redo::read_block(ctx, rec, 0, bucketbuf, redo::with_cleanup_lock);
            if (!b) return b.error();
        } else {
            action = read_bucket_and_target(ctx, rec, xldata->is_prim_bucket_same_wrt != 0, bucketbuf, writebuf);
        }
        if (!action) return action.error();
        if (*action == XLogRedoAction::BLK_NEEDS_REDO) {
            std::uint8_t* page = writebuf.data();
            HASH_TRY(add_moved_tuples(page, rec, 1, xldata->ntups));
            if (xldata->is_prev_bucket_same_wrt) set_hasho_nextblkno(page, xldata->nextblkno);
            // 17: PageSetLSN + MarkBufferDirty only when tuples were added or nextblkno set.
            if (!(v.squeeze_sets_lsn_only_if_changed && write_page_unchanged)) redo::finish_page(writebuf, rec);
        }
        {
            PageHandle ovflbuf;
            auto ovfl = redo_present_block(ctx, rec, 2, ovflbuf, [&](std::uint8_t* page) -> Result<void> {
                hash_pageinit(page);
                std::uint8_t* op = opaque(page);
                store<std::uint32_t>(op + kPrevBlkno, InvalidBlockNumber);
                store<std::uint32_t>(op + kNextBlkno, InvalidBlockNumber);
                store<std::uint32_t>(op + kBucket, InvalidBucket);
                store<std::uint16_t>(op + kFlag, LH_UNUSED_PAGE);
                store<std::uint16_t>(op + kPageId, HASHO_PAGE_ID);
                return {};
            });
            if (!ovfl) return ovfl.error();
        }
        if (!xldata->is_prev_bucket_same_wrt) {
            PageHandle prevbuf;
            auto prev = redo_present_block(ctx, rec, 3, prevbuf, [&](std::uint8_t* page) -> Result<void> {
                set_hasho_nextblkno(page, xldata->nextblkno);
                return {};
            });
            if (!prev) return prev.error();
        }
        if (rec.has_block_ref(4)) {
            PageHandle nextbuf;
            auto next = redo_present_block(ctx, rec, 4, nextbuf, [&](std::uint8_t* page) -> Result<void> {
                set_hasho_prevblkno(page, xldata->prevblkno);
                return {};
            });
            if (!next) return next.error();
        }
    }
    {
        PageHandle mapbuf;
        auto map = redo_present_block(ctx, rec, 5, mapbuf, [&](std::uint8_t* page) -> Result<void> {
            auto bit = block_u32(rec, 5);
            if (!bit) return bit.error();
            bitmap_set(page, *bit, false);
            return {};
        });
        if (!map) return map.error();
    }
    if (rec.has_block_ref(6)) {
        PageHandle metabuf;
        auto m = redo_present_block(ctx, rec, 6, metabuf, [&](std::uint8_t* page) -> Result<void> {
            auto firstfree = block_u32(rec, 6);
            if (!firstfree) return firstfree.error();
            set_meta_u32(page, kFirstfree, *firstfree);
            return {};
        });
        if (!m) return m.error();
    }
    return {};
}

// hash_xlog_delete (PG15).
Result<void> delete_tuples(redo::RedoContext& ctx, const DecodedRecord& rec) {
    auto xldata = main_data_as<xl_hash_delete>(rec, SizeOfHashDelete);
    if (!xldata) return xldata.error();
    PageHandle bucketbuf;
    PageHandle deletebuf;
    auto action = read_bucket_and_target(ctx, rec, xldata->is_primary_bucket_page != 0, bucketbuf, deletebuf);
    auto changed = redo::apply_if_needs_redo(action, deletebuf, rec, [&](std::uint8_t* page) -> Result<void> {
        HASH_TRY(multi_delete(page, block_data(rec, 1), rec, 1));
        if (xldata->clear_dead_marking)
            set_hasho_flag(page, static_cast<std::uint16_t>(hasho_flag(page) & ~LH_PAGE_HAS_DEAD_TUPLES));
        return {};
    });
    if (!changed) return changed.error();
    return {};
}

// hash_xlog_split_cleanup (PG15).
Result<void> split_cleanup(redo::RedoContext& ctx, const DecodedRecord& rec) {
    PageHandle buf;
    auto action = redo_present_block(ctx, rec, 0, buf, [&](std::uint8_t* page) -> Result<void> {
        set_hasho_flag(page, static_cast<std::uint16_t>(hasho_flag(page) & ~LH_BUCKET_NEEDS_SPLIT_CLEANUP));
        return {};
    });
    if (!action) return action.error();
    return {};
}

// hash_xlog_update_meta_page (PG15).
Result<void> update_meta_page(redo::RedoContext& ctx, const DecodedRecord& rec) {
    auto xldata = main_data_as<xl_hash_update_meta_page>(rec, SizeOfHashUpdateMetaPage);
    if (!xldata) return xldata.error();
    PageHandle buf;
    auto action = redo_present_block(ctx, rec, 0, buf, [&](std::uint8_t* page) -> Result<void> {
        store<double>(meta(page) + kNtuples, xldata->ntuples);
        return {};
    });
    if (!action) return action.error();
    return {};
}

// hash_xlog_vacuum_one_page (PG15). No recovery conflicts to resolve: nothing queries the
// scratch directory while it replays.
Result<void> vacuum_one_page(redo::RedoContext& ctx, const DecodedRecord& rec) {
    // 16 shrank ntuples to uint16 with isCatalogRel after it, and deletes the offsets whether or
    // not any follow (15: only when the main data is longer than the struct).
    const HashRecordLayout& layout = for_major_version(kHashRecordLayouts, rec.format->major_version);
    std::int64_t ntuples = 0;
    if (layout.v16_vacuum_one_page) {
        auto v16 = main_data_as<xl_hash_vacuum_one_page_v16>(rec, layout.SizeOfHashVacuumOnePage);
        if (!v16) return v16.error();
        ntuples = v16->ntuples;
    } else {
        auto v15 = main_data_as<xl_hash_vacuum_one_page>(rec, layout.SizeOfHashVacuumOnePage);
        if (!v15) return v15.error();
        ntuples = v15->ntuples;
    }
    const std::size_t offsets_at = layout.SizeOfHashVacuumOnePage;
    {
        PageHandle buf;
        auto action = redo_present_block(ctx, rec, 0, buf, [&](std::uint8_t* page) -> Result<void> {
            if (layout.v16_vacuum_one_page || rec.main_data.size() > offsets_at) {
                auto rest = rec.main_data.subspan(offsets_at);
                if (ntuples < 0 || rest.size() < 2 * static_cast<std::size_t>(ntuples))
                    return redo::block_error(rec, 0, "main data too short for its offset array");
                HASH_TRY(multi_delete(page, rest.first(2 * static_cast<std::size_t>(ntuples)), rec, 0));
            }
            set_hasho_flag(page, static_cast<std::uint16_t>(hasho_flag(page) & ~LH_PAGE_HAS_DEAD_TUPLES));
            return {};
        }, redo::with_cleanup_lock);
        if (!action) return action.error();
    }
    PageHandle metabuf;
    auto action = redo_present_block(ctx, rec, 1, metabuf, [&](std::uint8_t* page) -> Result<void> {
        std::uint8_t* m = meta(page);
        store<double>(m + kNtuples, load<double>(m + kNtuples) - static_cast<double>(ntuples));
        return {};
    });
    if (!action) return action.error();
    return {};
}

}  // namespace

// hash_redo (hash_xlog.c, PG15).
Result<redo::RedoOutcome> hash_redo(redo::RedoContext& ctx, const DecodedRecord& rec) {
    Result<void> r;
    switch (rec.info()) {
        case XLOG_HASH_INIT_META_PAGE: r = init_meta_page(ctx, rec); break;
        case XLOG_HASH_INIT_BITMAP_PAGE: r = init_bitmap_page(ctx, rec); break;
        case XLOG_HASH_INSERT: r = insert(ctx, rec); break;
        case XLOG_HASH_ADD_OVFL_PAGE: r = add_ovfl_page(ctx, rec); break;
        case XLOG_HASH_SPLIT_ALLOCATE_PAGE: r = split_allocate_page(ctx, rec); break;
        case XLOG_HASH_SPLIT_PAGE: r = split_page(ctx, rec); break;
        case XLOG_HASH_SPLIT_COMPLETE: r = split_complete(ctx, rec); break;
        case XLOG_HASH_MOVE_PAGE_CONTENTS: r = move_page_contents(ctx, rec); break;
        case XLOG_HASH_SQUEEZE_PAGE: r = squeeze_page(ctx, rec); break;
        case XLOG_HASH_DELETE: r = delete_tuples(ctx, rec); break;
        case XLOG_HASH_SPLIT_CLEANUP: r = split_cleanup(ctx, rec); break;
        case XLOG_HASH_UPDATE_META_PAGE: r = update_meta_page(ctx, rec); break;
        case XLOG_HASH_VACUUM_ONE_PAGE: r = vacuum_one_page(ctx, rec); break;
        default:
            return redo::record_error(rec, fmt::format("unknown op code {:#x}", rec.info()));
    }
    if (!r) return r.error();
    return redo::RedoOutcome::applied;
}

// hash_mask (hash_xlog.c, PG15).
void hash_mask(std::uint8_t* page, BlockNumber /*blkno*/) {
    storage::mask_page_lsn_and_checksum(page);
    storage::mask_page_hint_bits(page);
    (void)storage::mask_unused_space(page);
    std::uint16_t pagetype = hasho_flag(page) & LH_PAGE_TYPE;
    if (pagetype == LH_UNUSED_PAGE)
        storage::mask_page_content(page);
    else if (pagetype == LH_BUCKET_PAGE || pagetype == LH_OVERFLOW_PAGE)
        storage::mask_lp_flags(page);
    set_hasho_flag(page, static_cast<std::uint16_t>(hasho_flag(page) & ~LH_PAGE_HAS_DEAD_TUPLES));
}

}  // namespace understudy
