// The page cache over a scratch directory: XLogReadBufferExtended modes, write-back, bounded
// memory with eviction (PG15 semantics as described in page_cache.h).
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <vector>

#include "redo/storage/page.h"
#include "redo/storage/page_cache.h"
#include "tests/redo/storage/scratch.h"

using namespace understudy;
using namespace understudy::storage;
using understudy::storage::test::file_size_or_minus1;
using understudy::storage::test::ScratchDir;

namespace {

const RelFileNode kRel{DEFAULTTABLESPACE_OID, 5, 16384};

PageKey key(BlockNumber b, RelFileNode r = kRel, ForkNumber f = MAIN_FORKNUM) { return PageKey{r, f, b}; }

// An initialised page carrying a marker in its first item.
void init_marked(std::uint8_t* page, std::uint8_t marker) {
    page_init(page, 0);
    std::vector<std::uint8_t> it(16, marker);
    REQUIRE(page_add_item_extended(page, it, InvalidOffsetNumber, 0) == 1);
}

std::uint8_t marker_of(const std::uint8_t* page) { return page[page_get_item_id(page, 1).lp_off]; }

PageHandle zero_page(PageCache& cache, const PageKey& k) {
    auto r = cache.read_for_redo(k, ReadBufferMode::RBM_ZERO_AND_LOCK);
    REQUIRE(r);
    REQUIRE(r->status == PageStatus::ok);
    return std::move(r->page);
}

}  // namespace

TEST_CASE("page cache: RBM_ZERO_AND_LOCK hands out a zero page, write-back extends the file") {
    ScratchDir dir;
    Smgr smgr(dir.path());
    PageCache cache(smgr, 16);
    {
        PageHandle h = zero_page(cache, key(2));
        CHECK(page_is_new(h.data()));
        CHECK(std::all_of(h.data(), h.data() + BLCKSZ, [](std::uint8_t b) { return b == 0; }));
        init_marked(h.data(), 0x42);
        h.mark_dirty();
    }
    // The file exists at once (smgrcreate), empty until write-back.
    CHECK(file_size_or_minus1(dir / "base/5/16384") == 0);
    CHECK(*cache.nblocks(kRel, MAIN_FORKNUM) == 3);
    CHECK(cache.dirty_pages() == 1);
    REQUIRE(cache.flush_all());
    CHECK(cache.dirty_pages() == 0);
    CHECK(smgr.pending_syncs() == 0);
    CHECK(file_size_or_minus1(dir / "base/5/16384") == 3 * BLCKSZ);
    std::array<std::uint8_t, BLCKSZ> disk{};
    REQUIRE(*smgr.read(kRel, MAIN_FORKNUM, 2, disk) == ReadStatus::ok);
    CHECK(marker_of(disk.data()) == 0x42);
    REQUIRE(*smgr.read(kRel, MAIN_FORKNUM, 0, disk) == ReadStatus::ok);
    CHECK(page_is_new(disk.data()));
}

TEST_CASE("page cache: RBM_NORMAL reports missing file, missing block and new pages") {
    ScratchDir dir;
    Smgr smgr(dir.path());
    PageCache cache(smgr, 16);
    auto r = cache.read_for_redo(key(0), ReadBufferMode::RBM_NORMAL);
    REQUIRE(r);
    CHECK(r->status == PageStatus::missing_file);
    CHECK_FALSE(r->page.valid());
    CHECK(smgr.exists(kRel, MAIN_FORKNUM));  // created anyway, as smgrcreate(isRedo) does
    r = cache.read_for_redo(key(0), ReadBufferMode::RBM_NORMAL);
    REQUIRE(r);
    CHECK(r->status == PageStatus::missing_block);
    // A zero block on disk is "new".
    std::array<std::uint8_t, BLCKSZ> zero{};
    REQUIRE(smgr.write(kRel, MAIN_FORKNUM, 1, zero));
    r = cache.read_for_redo(key(0), ReadBufferMode::RBM_NORMAL);
    REQUIRE(r);
    CHECK(r->status == PageStatus::new_page);
    // RBM_ZERO_ON_ERROR gives a page either way.
    r = cache.read_for_redo(key(7), ReadBufferMode::RBM_ZERO_ON_ERROR);
    REQUIRE(r);
    REQUIRE(r->status == PageStatus::ok);
    CHECK(page_is_new(r->page.data()));
    // An initialised page on disk is read.
    std::array<std::uint8_t, BLCKSZ> p{};
    init_marked(p.data(), 0x77);
    REQUIRE(smgr.write(kRel, MAIN_FORKNUM, 3, p));
    r = cache.read_for_redo(key(3), ReadBufferMode::RBM_NORMAL);
    REQUIRE(r);
    REQUIRE(r->status == PageStatus::ok);
    CHECK(marker_of(r->page.data()) == 0x77);
    CHECK(cache.stats().reads == 2);
    CHECK(cache.stats().missing == 3);
}

TEST_CASE("page cache: hits see earlier changes; RBM_ZERO_AND_LOCK on a cached page keeps it") {
    ScratchDir dir;
    Smgr smgr(dir.path());
    PageCache cache(smgr, 16);
    {
        PageHandle h = zero_page(cache, key(0));
        init_marked(h.data(), 0x10);
        h.mark_dirty();
    }
    auto r = cache.read_for_redo(key(0), ReadBufferMode::RBM_NORMAL);
    REQUIRE(r);
    REQUIRE(r->status == PageStatus::ok);
    CHECK(marker_of(r->page.data()) == 0x10);
    CHECK(r->page.dirty());
    r->page.release();
    PageHandle again = zero_page(cache, key(0));
    CHECK(marker_of(again.data()) == 0x10);
    CHECK(cache.stats().hits == 2);
}

TEST_CASE("page cache: memory bound, clean pages evicted first, dirty ones written out") {
    ScratchDir dir;
    Smgr smgr(dir.path());
    PageCache cache(smgr, 4);
    for (BlockNumber b = 0; b < 10; ++b) {
        PageHandle h = zero_page(cache, key(b));
        init_marked(h.data(), static_cast<std::uint8_t>(0x20 + b));
        h.mark_dirty();
        CHECK(cache.size() <= 4);
    }
    CHECK(cache.stats().dirty_evictions == 6);
    CHECK(cache.dirty_pages() == 4);
    // Every page, cached or written out, has its content.
    for (BlockNumber b = 0; b < 10; ++b) {
        auto r = cache.read_for_redo(key(b), ReadBufferMode::RBM_NORMAL);
        REQUIRE(r);
        REQUIRE(r->status == PageStatus::ok);
        CHECK(marker_of(r->page.data()) == 0x20 + b);
    }
    REQUIRE(cache.flush_all());
    CHECK(cache.dirty_pages() == 0);

    // Two dirty + two clean pages: the next miss evicts a clean one and writes nothing.
    ScratchDir dir2;
    Smgr smgr2(dir2.path());
    PageCache c2(smgr2, 4);
    for (BlockNumber b = 0; b < 4; ++b) {
        PageHandle h = zero_page(c2, key(b));
        init_marked(h.data(), 1);
        if (b < 2) h.mark_dirty();  // 0 and 1 dirty, 2 and 3 clean (and most recently used)
    }
    const auto writes = c2.stats().writes;
    zero_page(c2, key(9)).release();
    CHECK(c2.stats().writes == writes);
    CHECK(c2.stats().evictions == 1);
    CHECK(c2.dirty_pages() == 2);
}

TEST_CASE("page cache: pinned pages stay; a cache full of pins is an error") {
    ScratchDir dir;
    Smgr smgr(dir.path());
    PageCache cache(smgr, 2);
    PageHandle a = zero_page(cache, key(0));
    PageHandle b = zero_page(cache, key(1));
    std::uint8_t* a_addr = a.data();
    auto r = cache.read_for_redo(key(2), ReadBufferMode::RBM_ZERO_AND_LOCK);
    REQUIRE_FALSE(r);
    CHECK(r.message().find("full of pages in use") != std::string::npos);
    b.release();
    r = cache.read_for_redo(key(2), ReadBufferMode::RBM_ZERO_AND_LOCK);
    REQUIRE(r);
    CHECK(a.data() == a_addr);  // not moved
    CHECK(a.key() == key(0));
    // Dropping a pinned page is refused.
    CHECK_FALSE(cache.drop_relation(kRel));
}

TEST_CASE("page cache: truncation and drops forget pages without writing them") {
    ScratchDir dir;
    Smgr smgr(dir.path());
    PageCache cache(smgr, 32);
    const RelFileNode other{DEFAULTTABLESPACE_OID, 6, 20000};
    for (BlockNumber b = 0; b < 5; ++b) {
        for (auto f : {MAIN_FORKNUM, FSM_FORKNUM}) {
            PageHandle h = zero_page(cache, key(b, kRel, f));
            init_marked(h.data(), 9);
            h.mark_dirty();
        }
        PageHandle h = zero_page(cache, key(b, other));
        init_marked(h.data(), 8);
        h.mark_dirty();
    }
    REQUIRE(cache.drop_relation_pages(kRel, MAIN_FORKNUM, 2));
    CHECK(cache.size() == 12);
    CHECK(*cache.nblocks(kRel, MAIN_FORKNUM) == 2);
    CHECK(*cache.nblocks(kRel, FSM_FORKNUM) == 5);
    // FlushDatabaseBuffers writes one database only.
    REQUIRE(cache.flush_database(6));
    CHECK(file_size_or_minus1(dir / "base/6/20000") == 5 * BLCKSZ);
    CHECK(file_size_or_minus1(dir / "base/5/16384") == 0);
    CHECK(cache.dirty_pages() == 7);
    REQUIRE(cache.drop_database(6));
    REQUIRE(cache.drop_relation(kRel));
    CHECK(cache.size() == 0);
    REQUIRE(cache.flush_all());
    CHECK(file_size_or_minus1(dir / "base/5/16384") == 0);
    CHECK(file_size_or_minus1(dir / "base/5/16384_fsm") == 0);
}

TEST_CASE("file order: tablespace, database, relation, fork, block") {
    std::vector<PageKey> keys{
        key(3, {1663, 5, 2}), key(1, {1663, 5, 2}, FSM_FORKNUM), key(0, {1663, 5, 1}),
        key(9, {1664, 0, 1}), key(2, {1663, 4, 9}), key(1, {1663, 5, 2}),
    };
    std::sort(keys.begin(), keys.end(), file_order_less);
    CHECK(keys[0] == key(2, {1663, 4, 9}));
    CHECK(keys[1] == key(0, {1663, 5, 1}));
    CHECK(keys[2] == key(1, {1663, 5, 2}));
    CHECK(keys[3] == key(3, {1663, 5, 2}));
    CHECK(keys[4] == key(1, {1663, 5, 2}, FSM_FORKNUM));
    CHECK(keys[5] == key(9, {1664, 0, 1}));
}

TEST_CASE("XLogReadBufferForRedoExtended: restore, done, needs redo, not found") {
    ScratchDir dir;
    Smgr smgr(dir.path());
    PageCache cache(smgr, 16);
    const XLogRecPtr end = 0x0000000100000200ull;

    // WILL_INIT and the zeroing mode must agree.
    CHECK_FALSE(cache.read_buffer_for_redo(key(0), end, ReadBufferMode::RBM_NORMAL, true));
    auto bad = cache.read_buffer_for_redo(key(0), end, ReadBufferMode::RBM_ZERO_AND_LOCK, false);
    REQUIRE_FALSE(bad);
    CHECK(bad.message().find("WILL_INIT") != std::string::npos);

    // Not there.
    auto r = cache.read_buffer_for_redo(key(0), end, ReadBufferMode::RBM_NORMAL, false);
    REQUIRE(r);
    CHECK(r->action == XLogRedoAction::BLK_NOTFOUND);
    CHECK(r->missing == PageStatus::missing_file);

    // A full-page image: restored, LSN set to the record's end, dirty.
    std::array<std::uint8_t, BLCKSZ> image{};
    init_marked(image.data(), 0x61);
    page_set_lsn(image.data(), 0x10);
    r = cache.read_buffer_for_redo(key(0), end, ReadBufferMode::RBM_NORMAL, false, image);
    REQUIRE(r);
    CHECK(r->action == XLogRedoAction::BLK_RESTORED);
    CHECK(page_get_lsn(r->page.data()) == end);
    CHECK(marker_of(r->page.data()) == 0x61);
    CHECK(r->page.dirty());
    r->page.release();

    // The same record again: done. An older record: done. A later one: needs redo.
    for (XLogRecPtr lsn : {end, end - 8}) {
        r = cache.read_buffer_for_redo(key(0), lsn, ReadBufferMode::RBM_NORMAL, false);
        REQUIRE(r);
        CHECK(r->action == XLogRedoAction::BLK_DONE);
    }
    r = cache.read_buffer_for_redo(key(0), end + 8, ReadBufferMode::RBM_NORMAL, false);
    REQUIRE(r);
    CHECK(r->action == XLogRedoAction::BLK_NEEDS_REDO);
    r->page.release();

    // An all-zero image keeps LSN 0 (setting it would corrupt an uninitialised page).
    std::array<std::uint8_t, BLCKSZ> zero{};
    r = cache.read_buffer_for_redo(key(1), end, ReadBufferMode::RBM_NORMAL, false, zero);
    REQUIRE(r);
    CHECK(r->action == XLogRedoAction::BLK_RESTORED);
    CHECK(page_is_new(r->page.data()));
    CHECK(page_get_lsn(r->page.data()) == 0);
    r->page.release();

    // A zeroed block for an initialising record needs redo.
    r = cache.read_buffer_for_redo(key(5), end, ReadBufferMode::RBM_ZERO_AND_LOCK, true);
    REQUIRE(r);
    CHECK(r->action == XLogRedoAction::BLK_NEEDS_REDO);
    r->page.release();

    // Init fork images are written through at once.
    r = cache.read_buffer_for_redo(key(0, kRel, INIT_FORKNUM), end, ReadBufferMode::RBM_NORMAL, false, image);
    REQUIRE(r);
    CHECK_FALSE(r->page.dirty());
    std::array<std::uint8_t, BLCKSZ> disk{};
    REQUIRE(*smgr.read(kRel, INIT_FORKNUM, 0, disk) == ReadStatus::ok);
    CHECK(page_get_lsn(disk.data()) == end);
    CHECK(marker_of(disk.data()) == 0x61);

    // A wrongly sized image is an error.
    std::vector<std::uint8_t> small(100);
    CHECK_FALSE(cache.read_buffer_for_redo(key(2), end, ReadBufferMode::RBM_NORMAL, false, small));
}
