// Redo and mask routines of the index rmgrs (GiST, SP-GiST, BRIN, Hash, generic WAL) on pages
// and records built in memory (the layouts of redo/records/*.h), through the rmgr table as the
// replay engine calls them. Each case follows one PostgreSQL 15 redo routine's steps (named in
// the test) and checks the page it leaves, then that a rerun of the record is a no-op (the page
// LSN is past it), and the rmgr's mask. Byte-exactness against PostgreSQL's own pages is the
// job of the integration tests (replay_index_*, replay_standby_index).
#include <doctest/doctest.h>

#include <cstring>
#include <vector>

#include "common/bytes.h"
#include "redo/apply/gist_page.h"
#include "redo/apply/spgist_page.h"
#include "wal/records/brin.h"
#include "wal/records/gist.h"
#include "wal/records/hash.h"
#include "wal/records/spgist.h"
#include "redo/rmgr.h"
#include "redo/storage/mask.h"
#include "redo/storage/page.h"
#include "tests/redo/index_test_record.h"
#include "tests/redo/page_cache_context.h"
#include "tests/redo/storage/scratch.h"

using namespace understudy;
using namespace understudy::testing;
using understudy::storage::test::ScratchDir;
namespace gp = understudy::redo::gist;
namespace sp = understudy::redo::spgist;

namespace {

constexpr XLogRecPtr kLsn = 0x3000000;
constexpr XLogRecPtr kOldLsn = 0x1000000;

// Runs the rmgr's redo routine from the table (as ApplyWalRecord does).
void run_redo(redo::RedoContext& ctx, const DecodedRecord& rec) {
    const RmgrInfo* rm = find_rmgr(rec.xl_rmid);
    REQUIRE(rm != nullptr);
    REQUIRE((rm->redo != nullptr));
    auto r = rm->redo(ctx, rec);
    REQUIRE_MESSAGE(r.ok(), r.message());
    CHECK(*r == redo::RedoOutcome::applied);
}

// Both pages after the rmgr's mask compare equal?
bool equal_after_mask(std::uint8_t rmid, PageBytes a, PageBytes b, BlockNumber blkno = 1) {
    const RmgrInfo* rm = find_rmgr(rmid);
    REQUIRE((rm->mask != nullptr));
    rm->mask(a.data(), blkno);
    rm->mask(b.data(), blkno);
    return std::memcmp(a.data(), b.data(), BLCKSZ) == 0;
}

std::vector<std::uint8_t> item_bytes(const PageBytes& page, storage::OffsetNumber off) {
    const storage::ItemIdData id = storage::page_get_item_id(page.data(), off);
    return std::vector<std::uint8_t>(page.begin() + id.lp_off, page.begin() + id.lp_off + id.lp_len);
}

std::vector<std::uint8_t> key(std::uint8_t v, std::size_t n = 16) { return std::vector<std::uint8_t>(n, v); }

// ---- GiST ----

PageBytes gist_page(std::uint16_t flags, int ntuples) {
    PageBytes p{};
    gp::init_page(p.data(), flags);
    for (int i = 1; i <= ntuples; ++i) {
        auto t = index_tuple(10, static_cast<std::uint16_t>(i), key(static_cast<std::uint8_t>(i)));
        REQUIRE(storage::page_add_item(p.data(), t, storage::InvalidOffsetNumber, false, false) == i);
    }
    storage::page_set_lsn(p.data(), kOldLsn);
    return p;
}

// ---- Hash (access/hash.h, PG15: HashPageOpaqueData at the special space; HashMetaPageData
// at PageGetContents with hashm_ntuples, a double, at byte 8) ----

constexpr std::uint16_t LH_BUCKET_PAGE = 1 << 1;
constexpr std::uint16_t LH_META_PAGE = 1 << 3;
constexpr std::uint16_t LH_PAGE_HAS_DEAD_TUPLES = 1 << 7;

PageBytes hash_page(std::uint16_t flag) {
    PageBytes p{};
    storage::page_init(p.data(), 16);
    std::uint8_t* op = storage::page_get_special_pointer(p.data());
    store<std::uint32_t>(op, InvalidBlockNumber);      // hasho_prevblkno
    store<std::uint32_t>(op + 4, InvalidBlockNumber);  // hasho_nextblkno
    store<std::uint32_t>(op + 8, 0);                   // hasho_bucket
    store<std::uint16_t>(op + 12, flag);               // hasho_flag
    store<std::uint16_t>(op + 14, 0xFF80);             // HASHO_PAGE_ID
    storage::page_set_lsn(p.data(), kOldLsn);
    return p;
}

double hashm_ntuples(const PageBytes& meta) { return load<double>(meta.data() + 24 + 8); }

// ---- BRIN (brin_page.h, PG15: BrinSpecialSpace uint16 vector[4], type in vector[3]) ----

constexpr std::uint16_t BRIN_PAGETYPE_REVMAP = 0xF092;
constexpr std::uint16_t BRIN_PAGETYPE_REGULAR = 0xF093;
constexpr std::uint16_t BRIN_EVACUATE_PAGE = 1;

PageBytes brin_page(std::uint16_t type) {
    PageBytes p{};
    storage::page_init(p.data(), 8);
    store<std::uint16_t>(storage::page_get_special_pointer(p.data()) + 6, type);
    storage::page_set_lsn(p.data(), kOldLsn);
    return p;
}

// The revmap's ItemPointerData for heap block `heap_blk` (brinSetHeapBlockItemptr): entry
// (heap_blk / pages_per_range) % REVMAP_PAGE_MAXITEMS at PageGetContents.
std::vector<std::uint8_t> revmap_entry(const PageBytes& revmap, BlockNumber heap_blk, BlockNumber pages_per_range) {
    const std::size_t at = 24 + 6 * (heap_blk / pages_per_range);
    return std::vector<std::uint8_t>(revmap.begin() + static_cast<std::ptrdiff_t>(at),
                                     revmap.begin() + static_cast<std::ptrdiff_t>(at + 6));
}

std::vector<std::uint8_t> item_pointer(BlockNumber blk, std::uint16_t off) {
    std::vector<std::uint8_t> v;
    put<std::uint16_t>(v, static_cast<std::uint16_t>(blk >> 16));
    put<std::uint16_t>(v, static_cast<std::uint16_t>(blk & 0xFFFF));
    put<std::uint16_t>(v, off);
    return v;
}

// A BrinTuple: bt_blkno, bt_info (data offset 8), then the summary bytes; MAXALIGNed.
std::vector<std::uint8_t> brin_tuple(BlockNumber heap_blk, std::uint8_t fill) {
    std::vector<std::uint8_t> t(24, fill);
    store<std::uint32_t>(t.data(), heap_blk);
    t[4] = 8;
    return t;
}

// ---- SP-GiST leaf tuples (SpGistLeafTupleData, PG15: tupstate:2 | size:30, t_info with the
// 14-bit nextOffset, heapPtr; then the leaf datum) ----

std::vector<std::uint8_t> spg_leaf(std::uint16_t heap_off, std::uint8_t fill) {
    std::vector<std::uint8_t> t(24, fill);
    store<std::uint32_t>(t.data(), (24u << 2) | sp::SPGIST_LIVE);
    store<std::uint16_t>(t.data() + 4, 0);  // nextOffset invalid
    auto ip = item_pointer(3, heap_off);
    std::copy(ip.begin(), ip.end(), t.begin() + 6);
    return t;
}

storage::OffsetNumber spg_next_offset(const PageBytes& page, storage::OffsetNumber off) {
    const storage::ItemIdData id = storage::page_get_item_id(page.data(), off);
    return load<std::uint16_t>(page.data() + id.lp_off + 4) & 0x3FFF;
}

std::vector<std::uint8_t> spg_add_leaf(std::uint8_t new_page, storage::OffsetNumber leaf, storage::OffsetNumber head,
                                       const std::vector<std::uint8_t>& tuple) {
    std::vector<std::uint8_t> m;
    m.push_back(new_page);             // newPage
    m.push_back(0);                    // storesNulls
    put<std::uint16_t>(m, leaf);       // offnumLeaf
    put<std::uint16_t>(m, head);       // offnumHeadLeaf
    put<std::uint16_t>(m, 0);          // offnumParent: none
    put<std::uint16_t>(m, 0);          // nodeI
    append(m, tuple);
    return m;
}

// ---- generic WAL: the delta GenericXLogFinish's computeDelta writes, {offset, length, bytes}
// for every run of changed bytes outside the hole [pd_lower, pd_upper) of the new page ----

std::vector<std::uint8_t> generic_delta(const PageBytes& before, const PageBytes& after) {
    std::vector<std::uint8_t> d;
    const std::size_t lower = storage::pd_lower(after.data()), upper = storage::pd_upper(after.data());
    std::size_t i = 0;
    while (i < BLCKSZ) {
        if ((i >= lower && i < upper) || before[i] == after[i]) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < BLCKSZ && !(j >= lower && j < upper) && before[j] != after[j]) ++j;
        put<std::uint16_t>(d, static_cast<std::uint16_t>(i));
        put<std::uint16_t>(d, static_cast<std::uint16_t>(j - i));
        d.insert(d.end(), after.begin() + static_cast<std::ptrdiff_t>(i), after.begin() + static_cast<std::ptrdiff_t>(j));
        i = j;
    }
    return d;
}

}  // namespace

TEST_CASE("gist_redo PAGE_UPDATE (gistRedoPageUpdateRecord): delete, append, mark deleted, fix the left child") {
    ScratchDir dir;
    ImageOnlyContext ctx(dir.path());
    const PageBytes leaf = gist_page(gp::F_LEAF, 3);
    PageBytes child = gist_page(gp::F_LEAF | gp::F_FOLLOW_RIGHT, 1);
    put_page(ctx.pages(), 1, leaf);
    put_page(ctx.pages(), 2, child);

    IndexTestRecord r(RM_GIST_ID, XLOG_GIST_PAGE_UPDATE, kLsn);
    put<std::uint16_t>(r.main(), 1);  // ntodelete
    put<std::uint16_t>(r.main(), 2);  // ntoinsert
    std::vector<std::uint8_t> data;
    put<std::uint16_t>(data, 2);  // delete offset 2
    const auto n1 = index_tuple(20, 1, key(0xA1)), n2 = index_tuple(20, 2, key(0xA2, 24));
    append(data, n1);
    append(data, n2);
    r.add_block(0, 1, data);
    r.add_block(1, 2, {});
    const DecodedRecord& rec = r.done();
    run_redo(ctx, rec);

    PageBytes got = get_page(ctx.pages(), 1);
    REQUIRE(storage::page_get_max_offset_number(got.data()) == 4);
    CHECK(item_bytes(got, 1) == item_bytes(leaf, 1));
    CHECK(item_bytes(got, 2) == item_bytes(leaf, 3));  // PageIndexMultiDelete closes the gap
    CHECK(item_bytes(got, 3) == n1);                    // appended after the last item
    CHECK(item_bytes(got, 4) == n2);
    CHECK((gp::flags(got.data()) & gp::F_TUPLES_DELETED) != 0);  // a leaf
    CHECK(storage::page_get_lsn(got.data()) == rec.end_lsn);

    PageBytes left = get_page(ctx.pages(), 2);
    CHECK((gp::flags(left.data()) & gp::F_FOLLOW_RIGHT) == 0);
    CHECK(load<std::uint32_t>(gp::opaque(left.data())) == static_cast<std::uint32_t>(rec.end_lsn >> 32));
    CHECK(load<std::uint32_t>(gp::opaque(left.data()) + 4) == static_cast<std::uint32_t>(rec.end_lsn));

    // Rerun: the pages are past the record (BLK_DONE), nothing changes.
    run_redo(ctx, rec);
    CHECK(get_page(ctx.pages(), 1) == got);
    CHECK(get_page(ctx.pages(), 2) == left);
}

TEST_CASE("gist_redo DELETE (gistRedoDeleteRecord): tuples removed, F_HAS_GARBAGE cleared, F_TUPLES_DELETED set") {
    ScratchDir dir;
    ImageOnlyContext ctx(dir.path());
    const PageBytes leaf = gist_page(gp::F_LEAF | gp::F_HAS_GARBAGE, 4);
    put_page(ctx.pages(), 5, leaf);
    IndexTestRecord r(RM_GIST_ID, XLOG_GIST_DELETE, kLsn);
    put<std::uint32_t>(r.main(), 700);  // latestRemovedXid
    put<std::uint16_t>(r.main(), 2);    // ntodelete
    put<std::uint16_t>(r.main(), 1);
    put<std::uint16_t>(r.main(), 3);
    r.add_block(0, 5, {});
    run_redo(ctx, r.done());
    PageBytes got = get_page(ctx.pages(), 5);
    REQUIRE(storage::page_get_max_offset_number(got.data()) == 2);
    CHECK(item_bytes(got, 1) == item_bytes(leaf, 2));
    CHECK(item_bytes(got, 2) == item_bytes(leaf, 4));
    CHECK((gp::flags(got.data()) & gp::F_HAS_GARBAGE) == 0);
    CHECK((gp::flags(got.data()) & gp::F_TUPLES_DELETED) != 0);
}

TEST_CASE("gist_mask: NSN, F_FOLLOW_RIGHT, F_HAS_GARBAGE and leaf lp_flags are masked; F_TUPLES_DELETED is not") {
    const PageBytes a = gist_page(gp::F_LEAF, 3);
    PageBytes b = a;
    gp::set_nsn(b.data(), 0x12345678);
    gp::mark_flag(b.data(), gp::F_FOLLOW_RIGHT | gp::F_HAS_GARBAGE);
    storage::page_mark_item_dead(b.data(), 2);
    storage::page_set_lsn(b.data(), kLsn);
    CHECK(equal_after_mask(RM_GIST_ID, a, b));
    gp::mark_flag(b.data(), gp::F_TUPLES_DELETED);
    CHECK_FALSE(equal_after_mask(RM_GIST_ID, a, b));  // why --verify has a known-difference rule
}

TEST_CASE("spg_redo ADD_LEAF (spgRedoAddLeaf): a new leaf page, then a tuple chained to its head") {
    ScratchDir dir;
    ImageOnlyContext ctx(dir.path());
    const auto t1 = spg_leaf(1, 0x11), t2 = spg_leaf(2, 0x22);
    {
        IndexTestRecord r(RM_SPGIST_ID, XLOG_SPGIST_ADD_LEAF, kLsn);
        r.main() = spg_add_leaf(1, 1, storage::InvalidOffsetNumber, t1);
        r.add_block(0, 4, {}, true);  // newPage: XLogInitBufferForRedo + SpGistInitBuffer(SPGIST_LEAF)
        run_redo(ctx, r.done());
    }
    PageBytes page = get_page(ctx.pages(), 4);
    std::uint8_t* op = storage::page_get_special_pointer(page.data());
    CHECK(storage::pd_special(page.data()) == BLCKSZ - sp::SizeOfSpGistPageOpaqueData);
    CHECK(load<std::uint16_t>(op) == sp::SPGIST_LEAF);
    CHECK(load<std::uint16_t>(op + 6) == sp::SPGIST_PAGE_ID);
    REQUIRE(storage::page_get_max_offset_number(page.data()) == 1);
    CHECK(item_bytes(page, 1) == t1);
    {
        IndexTestRecord r(RM_SPGIST_ID, XLOG_SPGIST_ADD_LEAF, kLsn + 0x100);
        r.main() = spg_add_leaf(0, 2, 1, t2);  // into the chain headed at offset 1
        r.add_block(0, 4, {});
        run_redo(ctx, r.done());
    }
    page = get_page(ctx.pages(), 4);
    REQUIRE(storage::page_get_max_offset_number(page.data()) == 2);
    CHECK(item_bytes(page, 2) == t2);
    CHECK(spg_next_offset(page, 1) == 2);  // the head now links to the new tuple
    CHECK(spg_next_offset(page, 2) == 0);
    CHECK(storage::page_get_lsn(page.data()) == kLsn + 0x100 + 0x40);

    // spg_mask: LSN, pd_prune_xid and the unused space are masked; tuple bytes are not.
    PageBytes other = page;
    storage::page_set_lsn(other.data(), kOldLsn);
    storage::set_pd_prune_xid(other.data(), 555);
    other[storage::pd_lower(other.data()) + 8] = 0x77;
    CHECK(equal_after_mask(RM_SPGIST_ID, page, other));
    other[storage::page_get_item_id(other.data(), 2).lp_off + 20] ^= 0xFF;
    CHECK_FALSE(equal_after_mask(RM_SPGIST_ID, page, other));
}

TEST_CASE("brin_redo INSERT+INIT then DESUMMARIZE (brin_xlog_insert_update, brin_xlog_desummarize_page)") {
    ScratchDir dir;
    ImageOnlyContext ctx(dir.path());
    put_page(ctx.pages(), 1, brin_page(BRIN_PAGETYPE_REVMAP));
    constexpr BlockNumber kPagesPerRange = 4, kHeapBlk = 8;
    const auto tuple = brin_tuple(kHeapBlk, 0x5C);
    {
        IndexTestRecord r(RM_BRIN_ID, XLOG_BRIN_INSERT | XLOG_BRIN_INIT_PAGE, kLsn);
        put<std::uint32_t>(r.main(), kHeapBlk);        // heapBlk
        put<std::uint32_t>(r.main(), kPagesPerRange);  // pagesPerRange
        put<std::uint16_t>(r.main(), 1);               // offnum
        r.add_block(0, 2, tuple, true);
        r.add_block(1, 1, {});
        run_redo(ctx, r.done());
    }
    PageBytes reg = get_page(ctx.pages(), 2);
    CHECK(load<std::uint16_t>(storage::page_get_special_pointer(reg.data()) + 6) == BRIN_PAGETYPE_REGULAR);
    REQUIRE(storage::page_get_max_offset_number(reg.data()) == 1);
    CHECK(item_bytes(reg, 1) == tuple);
    PageBytes revmap = get_page(ctx.pages(), 1);
    CHECK(revmap_entry(revmap, kHeapBlk, kPagesPerRange) == item_pointer(2, 1));  // block 0's page, offnum
    CHECK(revmap_entry(revmap, 0, kPagesPerRange) == item_pointer(0, 0));          // untouched
    {
        IndexTestRecord r(RM_BRIN_ID, XLOG_BRIN_DESUMMARIZE, kLsn + 0x100);
        put<std::uint32_t>(r.main(), kPagesPerRange);
        put<std::uint32_t>(r.main(), kHeapBlk);
        put<std::uint16_t>(r.main(), 1);  // regOffset
        r.add_block(0, 1, {});
        r.add_block(1, 2, {});
        run_redo(ctx, r.done());
    }
    revmap = get_page(ctx.pages(), 1);
    CHECK(revmap_entry(revmap, kHeapBlk, kPagesPerRange) == item_pointer(InvalidBlockNumber, 0));
    reg = get_page(ctx.pages(), 2);
    // PageIndexTupleDeleteNoCompact: the last item goes, with its line pointer.
    CHECK(storage::page_get_max_offset_number(reg.data()) == 0);

    // brin_mask: BRIN_EVACUATE_PAGE (not WAL-logged) is masked.
    PageBytes evac = reg;
    std::uint8_t* flags = storage::page_get_special_pointer(evac.data()) + 4;
    store<std::uint16_t>(flags, BRIN_EVACUATE_PAGE);
    CHECK(equal_after_mask(RM_BRIN_ID, reg, evac));
    store<std::uint16_t>(flags, 2);
    CHECK_FALSE(equal_after_mask(RM_BRIN_ID, reg, evac));
}

TEST_CASE("hash_redo INSERT (hash_xlog_insert): the tuple at its offset, hashm_ntuples + 1 on the metapage") {
    ScratchDir dir;
    ImageOnlyContext ctx(dir.path());
    PageBytes bucket = hash_page(LH_BUCKET_PAGE);
    const auto t1 = index_tuple(1, 1, key(0x01, 4)), t2 = index_tuple(1, 2, key(0x02, 4));
    REQUIRE(storage::page_add_item(bucket.data(), t1, storage::InvalidOffsetNumber, false, false) == 1);
    PageBytes meta = hash_page(LH_META_PAGE);
    store<double>(meta.data() + 24 + 8, 41.0);
    put_page(ctx.pages(), 1, bucket);
    put_page(ctx.pages(), 0, meta);

    IndexTestRecord r(RM_HASH_ID, XLOG_HASH_INSERT, kLsn);
    put<std::uint16_t>(r.main(), 1);  // offnum: before the existing tuple (hash order)
    r.add_block(0, 1, t2);
    r.add_block(1, 0, {});
    const DecodedRecord& rec = r.done();
    run_redo(ctx, rec);
    PageBytes got = get_page(ctx.pages(), 1);
    REQUIRE(storage::page_get_max_offset_number(got.data()) == 2);
    CHECK(item_bytes(got, 1) == t2);
    CHECK(item_bytes(got, 2) == t1);
    CHECK(hashm_ntuples(get_page(ctx.pages(), 0)) == 42.0);
    run_redo(ctx, rec);  // rerun: done already
    CHECK(hashm_ntuples(get_page(ctx.pages(), 0)) == 42.0);
    CHECK(storage::page_get_max_offset_number(get_page(ctx.pages(), 1).data()) == 2);

    // hash_mask: LH_PAGE_HAS_DEAD_TUPLES and the bucket page's lp_flags are masked.
    PageBytes dead = got;
    std::uint8_t* op = storage::page_get_special_pointer(dead.data());
    store<std::uint16_t>(op + 12, LH_BUCKET_PAGE | LH_PAGE_HAS_DEAD_TUPLES);
    storage::page_mark_item_dead(dead.data(), 2);
    CHECK(equal_after_mask(RM_HASH_ID, got, dead));
    store<std::uint16_t>(op + 12, LH_META_PAGE);
    CHECK_FALSE(equal_after_mask(RM_HASH_ID, got, dead));
}

TEST_CASE("hash_redo SQUEEZE_PAGE without tuples to move: 17 reads the write page only when the record needs it "
          "and leaves its LSN (hash_xlog_squeeze_page, 17's mod_wbuf)") {
    constexpr std::uint16_t LH_OVERFLOW_PAGE = 1 << 0, LH_BITMAP_PAGE = 1 << 2, LH_UNUSED_PAGE = 0;
    auto squeeze = [](bool prim_is_write) {
        IndexTestRecord r(RM_HASH_ID, XLOG_HASH_SQUEEZE_PAGE, kLsn);
        put<std::uint32_t>(r.main(), 3);                   // prevblkno
        put<std::uint32_t>(r.main(), InvalidBlockNumber);  // nextblkno
        put<std::uint16_t>(r.main(), 0);                   // ntups
        r.main().push_back(prim_is_write ? 1 : 0);         // is_prim_bucket_same_wrt
        r.main().push_back(0);                             // is_prev_bucket_same_wrt
        if (!prim_is_write) r.add_block(0, 1, {});         // the bucket page, for its cleanup lock
        if (prim_is_write) r.add_block(1, 1, {});          // REGBUF_NO_CHANGE: no tuples, no nextblkno
        r.add_block(2, 2, {});                             // the freed overflow page
        r.add_block(3, 3, {});                             // the page before it
        std::vector<std::uint8_t> bit;
        put<std::uint32_t>(bit, 0);
        r.add_block(5, 4, bit);                            // the bitmap page and the bit to clear
        return r;
    };
    auto setup = [](ImageOnlyContext& ctx) {
        put_page(ctx.pages(), 1, hash_page(LH_BUCKET_PAGE));
        put_page(ctx.pages(), 2, hash_page(LH_OVERFLOW_PAGE));
        put_page(ctx.pages(), 3, hash_page(LH_OVERFLOW_PAGE));
        PageBytes bitmap = hash_page(LH_BITMAP_PAGE);
        store<std::uint32_t>(bitmap.data() + storage::SizeOfPageHeaderData, 1);  // bit 0 set
        put_page(ctx.pages(), 4, bitmap);
    };
    auto flag_of = [](const PageBytes& p) { return load<std::uint16_t>(p.data() + BLCKSZ - 16 + 12); };

    SUBCASE("the write page is neither the bucket page nor the freed page's predecessor: not registered") {
        ScratchDir dir;
        ImageOnlyContext ctx(dir.path());
        setup(ctx);
        IndexTestRecord r = squeeze(false);
        DecodedRecord rec = r.done();
        rec.format = &kWalFormatPg17;
        run_redo(ctx, rec);
        CHECK(flag_of(get_page(ctx.pages(), 2)) == LH_UNUSED_PAGE);  // the freed page, reinitialised
        CHECK(storage::page_get_lsn(get_page(ctx.pages(), 2).data()) == rec.end_lsn);
        CHECK(load<std::uint32_t>(get_page(ctx.pages(), 4).data() + storage::SizeOfPageHeaderData) == 0);
        CHECK(storage::page_get_lsn(get_page(ctx.pages(), 1).data()) == kOldLsn);
        // 16's redo reads block 1 whatever the record holds: such a record is damaged there.
        rec.format = &kWalFormatPg16;
        auto r16 = find_rmgr(RM_HASH_ID)->redo(ctx, rec);
        REQUIRE_FALSE(r16);
        CHECK(r16.message() == "Hash SQUEEZE_PAGE record at 0/3000000, block reference 1 (absent): the record has no "
                               "such block reference");
    }
    SUBCASE("the write page is the bucket page: read (cleanup lock), unchanged, its LSN left as it was in 17") {
        ScratchDir dir;
        ImageOnlyContext ctx(dir.path());
        setup(ctx);
        IndexTestRecord r = squeeze(true);
        DecodedRecord rec = r.done();
        rec.format = &kWalFormatPg17;
        run_redo(ctx, rec);
        CHECK(storage::page_get_lsn(get_page(ctx.pages(), 1).data()) == kOldLsn);
        CHECK(storage::page_get_lsn(get_page(ctx.pages(), 3).data()) == rec.end_lsn);
        // 16 sets the write page's LSN although nothing on it changed.
        ScratchDir dir16;
        ImageOnlyContext ctx16(dir16.path());
        setup(ctx16);
        rec.format = &kWalFormatPg16;
        run_redo(ctx16, rec);
        CHECK(storage::page_get_lsn(get_page(ctx16.pages(), 1).data()) == rec.end_lsn);
    }
}

TEST_CASE("generic_redo (generic_redo / applyPageRedo): the delta rebuilds the page, the hole is zeroed") {
    ScratchDir dir;
    ImageOnlyContext ctx(dir.path());
    PageBytes before{};
    storage::page_init(before.data(), 8);
    REQUIRE(storage::page_add_item(before.data(), key(0x31, 40), storage::InvalidOffsetNumber, false, false) == 1);
    storage::page_set_lsn(before.data(), kOldLsn);
    PageBytes after = before;
    REQUIRE(storage::page_add_item(after.data(), key(0x32, 64), storage::InvalidOffsetNumber, false, false) == 2);
    store<std::uint32_t>(storage::page_get_special_pointer(after.data()), 0xC0FFEE);
    // Stale bytes in the old page's hole: GenericXLogFinish's page has zeros there.
    before[200] = 0xEE;
    put_page(ctx.pages(), 7, before);

    IndexTestRecord r(RM_GENERIC_ID, 0, kLsn);
    r.add_block(0, 7, generic_delta(before, after));
    const DecodedRecord& rec = r.done();
    run_redo(ctx, rec);
    PageBytes got = get_page(ctx.pages(), 7);
    PageBytes want = after;
    storage::page_set_lsn(want.data(), rec.end_lsn);
    CHECK(got == want);
    CHECK(got[200] == 0);

    // generic_mask: LSN, checksum and the unused space only.
    PageBytes other = got;
    other[storage::pd_lower(other.data()) + 16] = 0x99;
    storage::page_set_lsn(other.data(), kOldLsn);
    CHECK(equal_after_mask(RM_GENERIC_ID, got, other));
    storage::set_pd_prune_xid(other.data(), 9);  // not a hint generic_mask knows
    CHECK_FALSE(equal_after_mask(RM_GENERIC_ID, got, other));
}

TEST_CASE("index redo of a truncated record is an error naming the record, not a crash") {
    ScratchDir dir;
    ImageOnlyContext ctx(dir.path());
    put_page(ctx.pages(), 1, gist_page(gp::F_LEAF, 1));
    IndexTestRecord r(RM_GIST_ID, XLOG_GIST_DELETE, kLsn);
    put<std::uint32_t>(r.main(), 700);
    put<std::uint16_t>(r.main(), 3);  // three offsets announced
    put<std::uint16_t>(r.main(), 1);  // one given
    r.add_block(0, 1, {});
    auto res = find_rmgr(RM_GIST_ID)->redo(ctx, r.done());
    REQUIRE_FALSE(res.ok());
    CHECK(res.message().find("0/3000000") != std::string::npos);
}
