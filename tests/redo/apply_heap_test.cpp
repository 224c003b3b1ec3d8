// Heap / Heap2 redo routines and heap_mask on records built in memory (the layouts of
// redo/records/heap.h): tuple construction, idempotence, prefix/suffix reconstruction, the
// visibility map on a sparse start, and errors where PostgreSQL would PANIC. The comparison
// with PostgreSQL's own pages is tests/integration/replay_heap_test.cpp.
#include <doctest/doctest.h>

#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "redo/apply/freespace.h"
#include "redo/apply/heap_tuple.h"
#include "redo/apply/visibilitymap.h"
#include "wal/records/heap.h"
#include "redo/rmgr.h"
#include "redo/storage/page.h"
#include "tests/redo/page_cache_context.h"
#include "tests/redo/storage/scratch.h"

using namespace understudy;
using namespace understudy::storage;
namespace ht = understudy::redo::heap_tuple;
using understudy::storage::test::ScratchDir;
using understudy::testing::ImageOnlyContext;

namespace {

const RelFileNode kRel{1663, 5, 16384};

// A record under construction: byte buffers the DecodedRecord's spans point into.
struct TestRecord {
    DecodedRecord rec;
    std::vector<std::uint8_t> main;
    std::array<std::vector<std::uint8_t>, 2> data;

    TestRecord(std::uint8_t rmid, std::uint8_t info, XLogRecPtr lsn, TransactionId xid = 0) {
        rec.xl_rmid = rmid;
        rec.xl_info = info;
        rec.lsn = lsn;
        rec.end_lsn = lsn + 0x40;
        rec.xl_xid = xid;
    }
    void add_block(int id, BlockNumber blkno, std::vector<std::uint8_t> bytes, ForkNumber fork = MAIN_FORKNUM,
                   bool will_init = false) {
        data[static_cast<std::size_t>(id)] = std::move(bytes);
        auto& b = rec.blocks[static_cast<std::size_t>(id)];
        b.in_use = true;
        b.rnode = kRel;
        b.forknum = fork;
        b.blkno = blkno;
        b.flags = will_init ? BKPBLOCK_WILL_INIT : 0;
        rec.max_block_id = std::max(rec.max_block_id, id);
    }
    const DecodedRecord& done() {
        rec.main_data = main;
        rec.main_data_len = static_cast<std::uint32_t>(main.size());
        for (int id = 0; id <= rec.max_block_id; ++id) {
            auto& b = rec.blocks[static_cast<std::size_t>(id)];
            b.data = data[static_cast<std::size_t>(id)];
            b.data_len = static_cast<std::uint16_t>(b.data.size());
            b.has_data = !b.data.empty();
        }
        return rec;
    }
};

template <typename T>
void put(std::vector<std::uint8_t>& out, T v) {
    std::uint8_t b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    out.insert(out.end(), b, b + sizeof(T));
}

// xl_heap_header + a tuple body: a one-byte null bitmap slot (t_hoff 24) and `payload`.
std::vector<std::uint8_t> tuple_data(const std::string& payload, std::uint16_t infomask = ht::HEAP_XMAX_INVALID) {
    std::vector<std::uint8_t> d;
    put<std::uint16_t>(d, 1);  // t_infomask2: one attribute
    put<std::uint16_t>(d, infomask);
    d.push_back(24);           // t_hoff
    d.push_back(0);            // padding up to t_hoff
    d.insert(d.end(), payload.begin(), payload.end());
    return d;
}

std::vector<std::uint8_t> insert_main(OffsetNumber offnum, std::uint8_t flags) {
    std::vector<std::uint8_t> m;
    put<OffsetNumber>(m, offnum);
    m.push_back(flags);
    return m;
}

const std::uint8_t* tuple_at(const std::uint8_t* page, OffsetNumber off) {
    return page + page_get_item_id(page, off).lp_off;
}

std::string payload_of(const std::uint8_t* page, OffsetNumber off) {
    const ItemIdData lp = page_get_item_id(page, off);
    const std::uint8_t* t = page + lp.lp_off;
    return std::string(reinterpret_cast<const char*>(t + t[22]), lp.lp_len - t[22]);
}

Result<redo::RedoOutcome> apply(ImageOnlyContext& ctx, const DecodedRecord& rec) {
    return find_rmgr(rec.xl_rmid)->redo(ctx, rec);
}

PageHandle page_of(ImageOnlyContext& ctx, BlockNumber blk, ForkNumber fork = MAIN_FORKNUM) {
    auto r = ctx.pages().read_for_redo(PageKey{kRel, fork, blk}, ReadBufferMode::RBM_NORMAL);
    REQUIRE(r);
    REQUIRE(r->status == PageStatus::ok);
    return std::move(r->page);
}

// Inserts `payload` as the first tuple of a new page `blk` (INSERT+INIT) at `lsn`.
void insert_first(ImageOnlyContext& ctx, BlockNumber blk, const std::string& payload, XLogRecPtr lsn) {
    TestRecord r(RM_HEAP_ID, XLOG_HEAP_INSERT | XLOG_HEAP_INIT_PAGE, lsn, 700);
    r.main = insert_main(1, 0);
    r.add_block(0, blk, tuple_data(payload), MAIN_FORKNUM, true);
    auto out = apply(ctx, r.done());
    REQUIRE_MESSAGE(out, out.message());
}

}  // namespace

TEST_CASE("heap redo: INSERT+INIT and INSERT build the tuples; a record already applied is skipped") {
    ScratchDir dir;
    ImageOnlyContext ctx(dir.path());
    insert_first(ctx, 0, "first", 0x1000000);
    TestRecord second(RM_HEAP_ID, XLOG_HEAP_INSERT, 0x1000100, 701);
    second.main = insert_main(2, 0);
    second.add_block(0, 0, tuple_data("second"));
    const DecodedRecord& rec = second.done();
    REQUIRE(apply(ctx, rec));

    std::array<std::uint8_t, BLCKSZ> after{};
    {
        PageHandle p = page_of(ctx, 0);
        CHECK(page_get_max_offset_number(p.data()) == 2);
        CHECK(page_get_lsn(p.data()) == rec.end_lsn);
        CHECK(p.dirty());
        const std::uint8_t* t = tuple_at(p.data(), 2);
        CHECK(load<TransactionId>(t + ht::kXminOffset) == 701);
        CHECK(load<TransactionId>(t + ht::kXmaxOffset) == 0);
        CHECK(ht::ctid_offset(t) == 2);
        CHECK(page_get_item_id(p.data(), 2).lp_len == ht::SizeofHeapTupleHeader + 1 + 6);
        CHECK(payload_of(p.data(), 1) == "first");
        CHECK(payload_of(p.data(), 2) == "second");
        std::memcpy(after.data(), p.data(), BLCKSZ);
    }
    // Replaying the same record again finds the page LSN at its end: BLK_DONE, nothing changes.
    REQUIRE(apply(ctx, rec));
    PageHandle p = page_of(ctx, 0);
    CHECK(std::memcmp(p.data(), after.data(), BLCKSZ) == 0);
}

TEST_CASE("heap redo: HOT_UPDATE rebuilds the new tuple from the old one's prefix and suffix") {
    ScratchDir dir;
    ImageOnlyContext ctx(dir.path());
    insert_first(ctx, 0, "AAAABBBBCCCC", 0x1000000);

    TestRecord u(RM_HEAP_ID, XLOG_HEAP_HOT_UPDATE, 0x1000100, 702);
    put<TransactionId>(u.main, 702);  // old_xmax
    put<OffsetNumber>(u.main, 1);     // old_offnum
    u.main.push_back(0);              // old_infobits_set
    u.main.push_back(XLH_UPDATE_PREFIX_FROM_OLD | XLH_UPDATE_SUFFIX_FROM_OLD);
    put<TransactionId>(u.main, 0);    // new_xmax
    put<OffsetNumber>(u.main, 2);     // new_offnum
    std::vector<std::uint8_t> d;
    put<std::uint16_t>(d, 4);         // prefixlen
    put<std::uint16_t>(d, 4);         // suffixlen
    auto body = tuple_data("XXXX");
    d.insert(d.end(), body.begin(), body.end());
    u.add_block(0, 0, d);
    auto out = apply(ctx, u.done());
    REQUIRE_MESSAGE(out, out.message());

    PageHandle p = page_of(ctx, 0);
    CHECK(payload_of(p.data(), 2) == "AAAAXXXXCCCC");
    const std::uint8_t* old = tuple_at(p.data(), 1);
    CHECK(load<TransactionId>(old + ht::kXmaxOffset) == 702);
    CHECK((ht::infomask2(old) & ht::HEAP_HOT_UPDATED) != 0);
    CHECK((ht::infomask(old) & ht::HEAP_XMAX_INVALID) == 0);
    CHECK(ht::ctid_offset(old) == 2);
    CHECK(pd_prune_xid(p.data()) == 702);
}

TEST_CASE("heap redo: VISIBLE sets the VM bits and PD_ALL_VISIBLE; DELETE clears the VM bits even without the heap page") {
    ScratchDir dir;
    ImageOnlyContext ctx(dir.path());
    insert_first(ctx, 3, "row", 0x1000000);

    TestRecord v(RM_HEAP2_ID, XLOG_HEAP2_VISIBLE, 0x1000100);
    put<TransactionId>(v.main, 700);
    v.main.push_back(VISIBILITYMAP_ALL_VISIBLE | VISIBILITYMAP_ALL_FROZEN);
    v.add_block(0, 0, {}, VISIBILITYMAP_FORKNUM);
    v.add_block(1, 3, {});
    auto out = apply(ctx, v.done());
    REQUIRE_MESSAGE(out, out.message());
    {
        PageHandle vm = page_of(ctx, 0, VISIBILITYMAP_FORKNUM);
        CHECK(redo::visibilitymap::get_status(vm.data(), 3) == (VISIBILITYMAP_ALL_VISIBLE | VISIBILITYMAP_ALL_FROZEN));
        CHECK(redo::visibilitymap::get_status(vm.data(), 2) == 0);
        CHECK(page_get_lsn(vm.data()) == v.rec.end_lsn);
        PageHandle heap = page_of(ctx, 3);
        CHECK(page_is_all_visible(heap.data()));
        CHECK(page_get_lsn(heap.data()) == 0x1000040);  // the heap page's LSN is not bumped
    }

    // A DELETE on heap block 7 (not present: sparse start) with ALL_VISIBLE_CLEARED, after the
    // bits of block 7 were set: the VM is fixed although the heap page is skipped.
    TestRecord v7(RM_HEAP2_ID, XLOG_HEAP2_VISIBLE, 0x1000200);
    put<TransactionId>(v7.main, 700);
    v7.main.push_back(VISIBILITYMAP_ALL_VISIBLE);
    v7.add_block(0, 0, {}, VISIBILITYMAP_FORKNUM);
    v7.add_block(1, 7, {});
    REQUIRE(apply(ctx, v7.done()));
    CHECK(redo::visibilitymap::get_status(page_of(ctx, 0, VISIBILITYMAP_FORKNUM).data(), 7) == VISIBILITYMAP_ALL_VISIBLE);

    TestRecord del(RM_HEAP_ID, XLOG_HEAP_DELETE, 0x1000300, 703);
    put<TransactionId>(del.main, 703);
    put<OffsetNumber>(del.main, 1);
    del.main.push_back(0);
    del.main.push_back(XLH_DELETE_ALL_VISIBLE_CLEARED);
    del.add_block(0, 7, {});
    out = apply(ctx, del.done());
    REQUIRE_MESSAGE(out, out.message());
    CHECK(*out == redo::RedoOutcome::applied);
    CHECK(ctx.blocks_not_found >= 1);
    PageHandle vm = page_of(ctx, 0, VISIBILITYMAP_FORKNUM);
    CHECK(redo::visibilitymap::get_status(vm.data(), 7) == 0);
    CHECK(redo::visibilitymap::get_status(vm.data(), 3) == (VISIBILITYMAP_ALL_VISIBLE | VISIBILITYMAP_ALL_FROZEN));
}

TEST_CASE("free space map: PostgreSQL's addressing, categories and in-page tree") {
    namespace fsm = redo::freespace;
    // fsm_internals.h for 8 kB pages: 4069 slots a page, a tree of depth 3; the first leaf page
    // is physical block 2 (root, then the first page of level 1, then the leaf).
    CHECK(fsm::kSlotsPerFSMPage == 4069);
    CHECK(fsm::kFsmTreeDepth == 3);
    CHECK(fsm::leaf_block(0) == 2);
    CHECK(fsm::leaf_block(4068) == 2);
    CHECK(fsm::leaf_slot(4068) == 4068);
    CHECK(fsm::leaf_block(4069) == 3);
    CHECK(fsm::leaf_slot(4069) == 0);
    CHECK(fsm::leaf_block(4069u * 4069u) == 4069 + 3);  // the second level-1 page comes first
    // fsm_space_avail_to_cat: 32-byte steps, 255 reserved for MaxFSMRequestSize (8160) or more.
    CHECK(fsm::space_avail_to_cat(0) == 0);
    CHECK(fsm::space_avail_to_cat(31) == 0);
    CHECK(fsm::space_avail_to_cat(32) == 1);
    CHECK(fsm::space_avail_to_cat(1600) == 50);
    CHECK(fsm::space_avail_to_cat(8159) == 254);
    CHECK(fsm::space_avail_to_cat(8160) == 255);

    std::array<std::uint8_t, BLCKSZ> page{};
    page_init(page.data(), 0);
    std::uint8_t* nodes = page.data() + fsm::kFpNodesOffset;
    CHECK(fsm::set_avail(page.data(), 5, 100));
    CHECK(nodes[fsm::kNonLeafNodesPerPage + 5] == 100);
    CHECK(nodes[0] == 100);  // propagated to the root
    CHECK_FALSE(fsm::set_avail(page.data(), 5, 100));  // unchanged: not dirtied
    CHECK(fsm::set_avail(page.data(), 4000, 120));
    CHECK(nodes[0] == 120);
    CHECK(fsm::set_avail(page.data(), 4000, 10));
    CHECK(nodes[0] == 100);  // the root is the maximum of the slots again
    // Every non-leaf node is the maximum of its children.
    for (int n = 0; n < fsm::kNonLeafNodesPerPage; ++n) {
        const int l = 2 * n + 1, r = l + 1;
        std::uint8_t want = l < fsm::kNodesPerPage ? nodes[l] : 0;
        if (r < fsm::kNodesPerPage) want = std::max(want, nodes[r]);
        if (nodes[n] != want) FAIL_CHECK("node " << n << " is " << int(nodes[n]) << ", its children's max " << int(want));
    }
}

TEST_CASE("heap redo: the FSM records free space after VISIBLE and after an insert leaving less than 20% free; "
          "not when hint bits need WAL") {
    namespace fsm = redo::freespace;
    ScratchDir dir;
    ImageOnlyContext ctx(dir.path());
    auto fsm_slot = [&](BlockNumber heap_blk) {
        PageHandle p = page_of(ctx, fsm::leaf_block(heap_blk), FSM_FORKNUM);
        return p.data()[fsm::kFpNodesOffset + fsm::kNonLeafNodesPerPage + fsm::leaf_slot(heap_blk)];
    };
    insert_first(ctx, 3, "row", 0x1000000);
    // An insert leaving more than 20% free does not touch the FSM.
    CHECK_FALSE(ctx.smgr().exists(kRel, FSM_FORKNUM));
    CHECK(ctx.pages().read_for_redo(PageKey{kRel, FSM_FORKNUM, 2}, ReadBufferMode::RBM_NORMAL)->status != PageStatus::ok);

    TestRecord v(RM_HEAP2_ID, XLOG_HEAP2_VISIBLE, 0x1000100);
    put<TransactionId>(v.main, 700);
    v.main.push_back(VISIBILITYMAP_ALL_VISIBLE);
    v.add_block(0, 0, {}, VISIBILITYMAP_FORKNUM);
    v.add_block(1, 3, {});
    REQUIRE(apply(ctx, v.done()));
    const std::size_t free3 = page_get_free_space(page_of(ctx, 3).data());
    CHECK(free3 > 8000);
    CHECK(fsm_slot(3) == fsm::space_avail_to_cat(free3));
    CHECK(fsm_slot(2) == 0);

    // A tuple of 7,000 bytes leaves less than BLCKSZ / 5 free: recorded.
    insert_first(ctx, 9, std::string(7000, 'x'), 0x1000200);
    const std::size_t free9 = page_get_heap_free_space(page_of(ctx, 9).data());
    CHECK(free9 < BLCKSZ / 5);
    CHECK(fsm_slot(9) == fsm::space_avail_to_cat(free9));

    // With data checksums or wal_log_hints the server does not dirty FSM pages in recovery
    // (MarkBufferDirtyHint), and VISIBLE bumps the heap page's LSN.
    ctx.smgr().set_xlog_hint_bit_is_needed(true);
    insert_first(ctx, 11, "row", 0x1000300);
    TestRecord v11(RM_HEAP2_ID, XLOG_HEAP2_VISIBLE, 0x1000400);
    put<TransactionId>(v11.main, 700);
    v11.main.push_back(VISIBILITYMAP_ALL_VISIBLE);
    v11.add_block(0, 0, {}, VISIBILITYMAP_FORKNUM);
    v11.add_block(1, 11, {});
    REQUIRE(apply(ctx, v11.done()));
    CHECK(fsm_slot(11) == 0);
    CHECK(page_get_lsn(page_of(ctx, 11).data()) == v11.rec.end_lsn);
    insert_first(ctx, 12, std::string(7000, 'y'), 0x1000500);
    CHECK(fsm_slot(12) == 0);
}

TEST_CASE("heap redo: records PostgreSQL would PANIC on are errors naming the LSN and the block") {
    ScratchDir dir;
    ImageOnlyContext ctx(dir.path());
    insert_first(ctx, 0, "only", 0x1000000);

    TestRecord shortrec(RM_HEAP_ID, XLOG_HEAP_INSERT, 0x1000100, 701);
    shortrec.main = {1, 0};  // two bytes: SizeOfHeapInsert is 3
    shortrec.add_block(0, 0, tuple_data("x"));
    auto out = apply(ctx, shortrec.done());
    REQUIRE_FALSE(out);
    CHECK(out.message().find("0/1000100") != std::string::npos);

    TestRecord del(RM_HEAP_ID, XLOG_HEAP_DELETE, 0x1000200, 703);
    put<TransactionId>(del.main, 703);
    put<OffsetNumber>(del.main, 5);  // the page has one item
    del.main.push_back(0);
    del.main.push_back(0);
    del.add_block(0, 0, {});
    out = apply(ctx, del.done());
    REQUIRE_FALSE(out);
    CHECK(out.message().find("invalid lp") != std::string::npos);
    CHECK(out.message().find("1663/5/16384") != std::string::npos);
    CHECK(out.message().find("block 0") != std::string::npos);
}

TEST_CASE("heap_mask: hint bits, command id, prune xid, free space and padding are masked; xmax is not") {
    std::array<std::uint8_t, BLCKSZ> a{};
    page_init(a.data(), 0);
    std::vector<std::uint8_t> tup(ht::SizeofHeapTupleHeader + 1 + 5, 0);  // len 29: 3 padding bytes
    ht::set_xmin(tup.data(), 700);
    ht::set_hoff(tup.data(), 24);
    ht::set_infomask(tup.data(), ht::HEAP_XMAX_INVALID);
    REQUIRE(page_add_item_extended(a.data(), tup, 1, PAI_OVERWRITE | PAI_IS_HEAP) == 1);
    const std::size_t off = page_get_item_id(a.data(), 1).lp_off;

    auto b = a;
    page_set_lsn(b.data(), 0x5000000);
    set_pd_prune_xid(b.data(), 900);
    page_set_flag(b.data(), PD_ALL_VISIBLE);
    b[200] = 0x7F;                                           // free space
    b[off + 29] = 0xAB;                                      // padding after the tuple
    ht::set_infomask(b.data() + off, ht::HEAP_XMAX_INVALID | ht::HEAP_XMIN_COMMITTED);
    ht::set_raw_cid(b.data() + off, 17);
    auto ma = a, mb = b;
    heap_mask(ma.data(), 0);
    heap_mask(mb.data(), 0);
    CHECK(std::memcmp(ma.data(), mb.data(), BLCKSZ) == 0);

    auto c = a;
    ht::set_xmax(c.data() + off, 701);
    auto mc = c;
    heap_mask(mc.data(), 0);
    CHECK(std::memcmp(ma.data(), mc.data(), BLCKSZ) != 0);

    // With xmin frozen only the xmax hint bits are masked: HEAP_UPDATED then counts.
    auto f1 = a;
    ht::set_infomask(f1.data() + off, ht::HEAP_XMIN_FROZEN);
    auto f2 = f1;
    ht::set_infomask(f2.data() + off, ht::HEAP_XMIN_FROZEN | ht::HEAP_XMAX_INVALID);
    auto f3 = f1;
    ht::set_infomask(f3.data() + off, ht::HEAP_XMIN_FROZEN | 0x2000 /* HEAP_UPDATED */);
    heap_mask(f1.data(), 0);
    heap_mask(f2.data(), 0);
    heap_mask(f3.data(), 0);
    CHECK(std::memcmp(f1.data(), f2.data(), BLCKSZ) == 0);
    CHECK(std::memcmp(f1.data(), f3.data(), BLCKSZ) != 0);
}
