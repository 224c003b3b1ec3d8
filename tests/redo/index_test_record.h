// Test helper for the index redo unit tests: a DecodedRecord built in memory (the byte buffers
// its spans point into live here), block data and consistency-check images included, plus a
// few page helpers (put a page into the page cache, read it back, build index tuples).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <vector>

#include "common/bytes.h"
#include "common/wal_format.h"
#include "wal/decoded_record.h"
#include "redo/storage/page.h"
#include "redo/storage/page_cache.h"

namespace understudy::testing {

inline constexpr RelFileNode kIndexRel{1663, 5, 24576};

using PageBytes = std::array<std::uint8_t, BLCKSZ>;

class IndexTestRecord {
public:
    IndexTestRecord(std::uint8_t rmid, std::uint8_t info, XLogRecPtr lsn) {
        rec_.xl_rmid = rmid;
        rec_.xl_info = info;
        rec_.lsn = lsn;
        rec_.end_lsn = lsn + 0x40;
    }

    std::vector<std::uint8_t>& main() { return main_; }

    // The WAL format (major version) the record is read with (15's unless set).
    void set_format(const WalFormat& format) { rec_.format = &format; }

    // Block reference `id` with block data `bytes`.
    void add_block(int id, BlockNumber blkno, std::vector<std::uint8_t> bytes, bool will_init = false,
                   RelFileNode rnode = kIndexRel) {
        const auto i = static_cast<std::size_t>(id);
        data_[i] = std::move(bytes);
        auto& b = rec_.blocks[i];
        b.in_use = true;
        b.rnode = rnode;
        b.forknum = MAIN_FORKNUM;
        b.blkno = blkno;
        b.flags = will_init ? BKPBLOCK_WILL_INIT : 0;
        rec_.max_block_id = std::max(rec_.max_block_id, id);
    }
    // An uncompressed image without a hole for block `id`; `apply` false: kept only for
    // consistency checking (wal_consistency_checking), as --verify compares.
    void add_image(int id, const PageBytes& page, bool apply) {
        const auto i = static_cast<std::size_t>(id);
        images_[i].assign(page.begin(), page.end());
        auto& b = rec_.blocks[i];
        b.has_image = true;
        b.apply_image = apply;
        b.hole_offset = 0;
        b.hole_length = 0;
        b.bimg_len = static_cast<std::uint16_t>(BLCKSZ);
        b.compression = ImageCompression::None;
        rec_.xl_info |= XLR_CHECK_CONSISTENCY;
    }

    const DecodedRecord& done() {
        rec_.main_data = main_;
        rec_.main_data_len = static_cast<std::uint32_t>(main_.size());
        for (int id = 0; id <= rec_.max_block_id; ++id) {
            const auto i = static_cast<std::size_t>(id);
            auto& b = rec_.blocks[i];
            b.data = data_[i];
            b.data_len = static_cast<std::uint16_t>(b.data.size());
            b.has_data = !b.data.empty();
            if (b.has_image) b.bkp_image = images_[i];
        }
        return rec_;
    }

private:
    DecodedRecord rec_;
    std::vector<std::uint8_t> main_;
    std::array<std::vector<std::uint8_t>, 8> data_;
    std::array<std::vector<std::uint8_t>, 8> images_;
};

template <typename T>
void put(std::vector<std::uint8_t>& out, T v) {
    std::uint8_t b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    out.insert(out.end(), b, b + sizeof(T));
}

inline void append(std::vector<std::uint8_t>& out, const std::vector<std::uint8_t>& more) {
    out.insert(out.end(), more.begin(), more.end());
}

// Writes `page` into the cache as block `blkno` of kIndexRel (dirty), as if read from disk.
inline void put_page(storage::PageCache& pages, BlockNumber blkno, const PageBytes& page,
                     RelFileNode rnode = kIndexRel) {
    auto got = pages.read_for_redo(storage::PageKey{rnode, MAIN_FORKNUM, blkno},
                                   storage::ReadBufferMode::RBM_ZERO_AND_LOCK);
    if (!got || got->status != storage::PageStatus::ok) throw std::runtime_error("put_page: no page");
    std::memcpy(got->page.data(), page.data(), BLCKSZ);
    got->page.mark_dirty();
}

// The cached block `blkno` of kIndexRel.
inline PageBytes get_page(storage::PageCache& pages, BlockNumber blkno, RelFileNode rnode = kIndexRel) {
    auto got = pages.read_for_redo(storage::PageKey{rnode, MAIN_FORKNUM, blkno}, storage::ReadBufferMode::RBM_NORMAL);
    if (!got || got->status != storage::PageStatus::ok) throw std::runtime_error("get_page: no page");
    PageBytes out{};
    std::memcpy(out.data(), got->page.data(), BLCKSZ);
    return out;
}

// An IndexTupleData (t_tid, t_info with the size) followed by `payload`, MAXALIGNed as
// index_form_tuple makes it.
inline std::vector<std::uint8_t> index_tuple(BlockNumber heap_blk, std::uint16_t heap_off,
                                             const std::vector<std::uint8_t>& payload) {
    const std::size_t size = storage::MAXALIGN(8 + payload.size());
    std::vector<std::uint8_t> t(size, 0);
    store<std::uint16_t>(t.data(), static_cast<std::uint16_t>(heap_blk >> 16));
    store<std::uint16_t>(t.data() + 2, static_cast<std::uint16_t>(heap_blk & 0xFFFF));
    store<std::uint16_t>(t.data() + 4, heap_off);
    store<std::uint16_t>(t.data() + 6, static_cast<std::uint16_t>(size));
    std::copy(payload.begin(), payload.end(), t.begin() + 8);
    return t;
}

}  // namespace understudy::testing
