// Heap / Heap2 redo routines and heap_mask on records built in memory (the layouts of
// redo/records/heap.h): tuple construction, idempotence, prefix/suffix reconstruction, the
// visibility map on a sparse start, and errors where PostgreSQL would PANIC. The comparison
// with PostgreSQL's own pages is tests/integration/replay_heap_test.cpp.
#include <doctest/doctest.h>

#include <array>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
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

// ---- PostgreSQL 17: XLOG_HEAP2_PRUNE_* (heap_xlog_prune_freeze) --------------------------------

namespace {

// Block 0's sub-records of an XLOG_HEAP2_PRUNE_* record (log_heap_prune_and_freeze's order):
// freeze plans, redirections, dead, now-unused, then the plans' offsets.
struct PruneFreezeData {
    struct Plan {
        TransactionId xmax;
        std::uint16_t infomask2;
        std::uint16_t infomask;
        std::uint8_t frzflags;
        std::vector<OffsetNumber> offsets;
    };
    std::vector<Plan> plans;
    std::vector<std::pair<OffsetNumber, OffsetNumber>> redirected;
    std::vector<OffsetNumber> dead;
    std::vector<OffsetNumber> unused;

    std::uint8_t flags() const {
        std::uint8_t f = 0;
        if (!plans.empty()) f |= pg17::XLHP_HAS_FREEZE_PLANS;
        if (!redirected.empty()) f |= pg17::XLHP_HAS_REDIRECTIONS;
        if (!dead.empty()) f |= pg17::XLHP_HAS_DEAD_ITEMS;
        if (!unused.empty()) f |= pg17::XLHP_HAS_NOW_UNUSED_ITEMS;
        return f;
    }
    std::vector<std::uint8_t> bytes() const {
        std::vector<std::uint8_t> d;
        if (!plans.empty()) {
            put<std::uint16_t>(d, static_cast<std::uint16_t>(plans.size()));
            put<std::uint16_t>(d, 0);  // padding up to plans[]
            for (const Plan& p : plans) {
                pg17::xlhp_freeze_plan x{};
                x.xmax = p.xmax;
                x.t_infomask2 = p.infomask2;
                x.t_infomask = p.infomask;
                x.frzflags = p.frzflags;
                x.ntuples = static_cast<std::uint16_t>(p.offsets.size());
                put(d, x);
            }
        }
        if (!redirected.empty()) {
            put<std::uint16_t>(d, static_cast<std::uint16_t>(redirected.size()));
            for (auto [from, to] : redirected) {
                put<OffsetNumber>(d, from);
                put<OffsetNumber>(d, to);
            }
        }
        for (const auto* items : {&dead, &unused}) {
            if (items->empty()) continue;
            put<std::uint16_t>(d, static_cast<std::uint16_t>(items->size()));
            for (OffsetNumber o : *items) put<OffsetNumber>(d, o);
        }
        for (const Plan& p : plans)
            for (OffsetNumber o : p.offsets) put<OffsetNumber>(d, o);
        return d;
    }
};

// An XLOG_HEAP2_PRUNE_* record of PostgreSQL 17 on block `blk`.
TestRecord prune17(std::uint8_t info, XLogRecPtr lsn, std::uint8_t flags, std::vector<std::uint8_t> data,
                   BlockNumber blk = 0, std::optional<TransactionId> conflict = 700) {
    TestRecord r(RM_HEAP2_ID, info, lsn);
    r.rec.format = &kWalFormatPg17;
    if (conflict) flags |= pg17::XLHP_HAS_CONFLICT_HORIZON;
    r.main.push_back(1);  // reason (PRUNE_VACUUM_SCAN; redo does not read it)
    r.main.push_back(flags);
    if (conflict) put<TransactionId>(r.main, *conflict);
    r.add_block(0, blk, std::move(data));
    return r;
}

// A page 0 of six tuples "t1" .. "t6" (xmin 700 .. 705).
void six_tuples(ImageOnlyContext& ctx) {
    insert_first(ctx, 0, "t1", 0x1000000);
    for (OffsetNumber off = 2; off <= 6; ++off) {
        TestRecord ins(RM_HEAP_ID, XLOG_HEAP_INSERT, 0x1000000 + off * 0x100, 700 + off - 1);
        ins.main = insert_main(off, 0);
        ins.add_block(0, 0, tuple_data("t" + std::to_string(off)));
        auto out = apply(ctx, ins.done());
        REQUIRE_MESSAGE(out, out.message());
    }
}

}  // namespace

TEST_CASE("heap 17 prune/freeze sub-records: located by the flags; short data says how much it needs") {
    PruneFreezeData d;
    d.plans = {{0, 1, ht::HEAP_XMIN_FROZEN | ht::HEAP_XMAX_INVALID, 0, {5, 6}},
               {0, 1, ht::HEAP_XMAX_INVALID, XLH_INVALID_XVAC, {2}}};
    d.redirected = {{1, 2}};
    d.dead = {3};
    d.unused = {4, 7};
    const std::vector<std::uint8_t> bytes = d.bytes();
    // 4 + 2*12 plans, 2 + 4 redirections, 2 + 2 dead, 2 + 4 unused, 3 * 2 plan offsets.
    REQUIRE(bytes.size() == 28 + 6 + 4 + 6 + 6);

    auto pf = pg17::deserialize_prune_and_freeze(bytes, d.flags());
    CHECK(pf.need == 0);
    CHECK(pf.used == bytes.size());
    REQUIRE(pf.nplans == 2);
    CHECK(pf.plan(0).ntuples == 2);
    CHECK(pf.plan(1).frzflags == XLH_INVALID_XVAC);
    CHECK(pf.plan(1).t_infomask == ht::HEAP_XMAX_INVALID);
    REQUIRE(pf.nredirected() == 1);
    CHECK(pf.redirected[0] == 1);
    CHECK(pf.redirected[1] == 2);
    REQUIRE(pf.nowdead.size() == 1);
    CHECK(pf.nowdead[0] == 3);
    REQUIRE(pf.nowunused.size() == 2);
    CHECK(pf.nowunused[1] == 7);
    REQUIRE(pf.frz_offsets.size() == 3);
    CHECK(pf.frz_offsets[0] == 5);
    CHECK(pf.frz_offsets[2] == 2);

    // The same bytes under other flags are other sub-records: without HAS_FREEZE_PLANS the plans'
    // first bytes are read as the redirections' count.
    auto no_plans = pg17::deserialize_prune_and_freeze(bytes, pg17::XLHP_HAS_REDIRECTIONS);
    CHECK(no_plans.nplans == 0);
    CHECK(no_plans.nredirected() == 2);
    CHECK(no_plans.used == 2 + 8);

    // Cut anywhere: need names the length up to the first part that does not fit.
    for (std::size_t len = 0; len < bytes.size(); ++len) {
        INFO("length ", len);
        auto cut = pg17::deserialize_prune_and_freeze(std::span(bytes).first(len), d.flags());
        CHECK(cut.need > len);
        CHECK(cut.need <= bytes.size());
        CHECK(cut.used <= len);
    }
    CHECK(pg17::deserialize_prune_and_freeze(std::span(bytes).first(3), d.flags()).need == 4);
    CHECK(pg17::deserialize_prune_and_freeze(std::span(bytes).first(10), d.flags()).need == 28);
    CHECK(pg17::deserialize_prune_and_freeze(std::span(bytes).first(bytes.size() - 1), d.flags()).need ==
          bytes.size());

    // No flags: nothing is read.
    auto none = pg17::deserialize_prune_and_freeze(bytes, 0);
    CHECK(none.used == 0);
    CHECK(none.need == 0);
}

TEST_CASE("heap 17 PRUNE_VACUUM_SCAN: redirect, dead, unused and freeze; PageRepairFragmentation under the "
          "cleanup lock") {
    ScratchDir dir;
    ImageOnlyContext ctx(dir.path());
    six_tuples(ctx);
    LocationIndex upper_before = 0;
    {
        PageHandle p = page_of(ctx, 0);
        REQUIRE(page_get_max_offset_number(p.data()) == 6);
        upper_before = pd_upper(p.data());
    }

    PruneFreezeData d;
    d.plans = {{0, 1, static_cast<std::uint16_t>(ht::HEAP_XMIN_FROZEN | ht::HEAP_XMAX_INVALID), 0, {5}}};
    d.redirected = {{1, 2}};
    d.dead = {3, 6};
    d.unused = {4};
    TestRecord r = prune17(pg17::XLOG_HEAP2_PRUNE_VACUUM_SCAN, 0x1001000, d.flags() | pg17::XLHP_CLEANUP_LOCK,
                           d.bytes());
    auto out = apply(ctx, r.done());
    REQUIRE_MESSAGE(out, out.message());
    CHECK(*out == redo::RedoOutcome::applied);
    {
        PageHandle p = page_of(ctx, 0);
        const std::uint8_t* page = p.data();
        CHECK(page_get_lsn(page) == r.rec.end_lsn);
        CHECK(page_get_max_offset_number(page) == 6);
        CHECK(page_get_item_id(page, 1) == ItemIdData::redirect(2));
        CHECK(page_get_item_id(page, 3).is_dead());
        CHECK(page_get_item_id(page, 6).is_dead());
        CHECK_FALSE(page_get_item_id(page, 4).is_used());
        // The storage of items 1, 3, 4 and 6 is gone: the three tuples left were compacted.
        CHECK(pd_upper(page) > upper_before);
        CHECK(payload_of(page, 2) == "t2");
        CHECK(payload_of(page, 5) == "t5");
        // Item 5 was frozen by the plan: xmax and the infomask as the plan says.
        const std::uint8_t* t5 = tuple_at(page, 5);
        CHECK(ht::infomask(t5) == (ht::HEAP_XMIN_FROZEN | ht::HEAP_XMAX_INVALID));
        CHECK(load<TransactionId>(t5 + ht::kXmaxOffset) == 0);
        CHECK(ht::infomask(tuple_at(page, 2)) == ht::HEAP_XMAX_INVALID);
    }

    // PRUNE_VACUUM_CLEANUP without XLHP_CLEANUP_LOCK: LP_DEAD items become LP_UNUSED and the line
    // pointer array is truncated (PageTruncateLinePointerArray), no tuple moves.
    LocationIndex upper_pruned = 0;
    {
        PageHandle p = page_of(ctx, 0);
        upper_pruned = pd_upper(p.data());
    }
    PruneFreezeData c;
    c.unused = {3, 6};
    TestRecord cleanup = prune17(pg17::XLOG_HEAP2_PRUNE_VACUUM_CLEANUP, 0x1002000, c.flags(), c.bytes(), 0,
                                 std::nullopt);
    out = apply(ctx, cleanup.done());
    REQUIRE_MESSAGE(out, out.message());
    {
        PageHandle p = page_of(ctx, 0);
        CHECK(page_get_max_offset_number(p.data()) == 5);  // item 6 was the last: truncated
        CHECK_FALSE(page_get_item_id(p.data(), 3).is_used());
        CHECK(pd_upper(p.data()) == upper_pruned);
        CHECK(page_get_lsn(p.data()) == cleanup.rec.end_lsn);
    }

    // PRUNE_ON_ACCESS that only freezes: the line pointers and tuple storage stay as they are.
    PruneFreezeData f;
    f.plans = {{0, 1, static_cast<std::uint16_t>(ht::HEAP_XMIN_FROZEN | ht::HEAP_XMAX_INVALID), 0, {2}}};
    TestRecord freeze = prune17(pg17::XLOG_HEAP2_PRUNE_ON_ACCESS, 0x1003000, f.flags(), f.bytes());
    out = apply(ctx, freeze.done());
    REQUIRE_MESSAGE(out, out.message());
    {
        PageHandle p = page_of(ctx, 0);
        CHECK(pd_upper(p.data()) == upper_pruned);
        CHECK(page_get_max_offset_number(p.data()) == 5);
        CHECK(ht::xmin_frozen(tuple_at(p.data(), 2)));
    }
}

TEST_CASE("heap 17 PRUNE_*: malformed records are errors in the one format, naming the record type, LSN and "
          "block") {
    ScratchDir dir;
    ImageOnlyContext ctx(dir.path());
    six_tuples(ctx);
    const std::string block0 = "rel 1663/5/16384 fork main block 0: ";

    // Three dead items announced, one present.
    std::vector<std::uint8_t> short_dead;
    put<std::uint16_t>(short_dead, 3);
    put<OffsetNumber>(short_dead, 2);
    TestRecord r1 = prune17(pg17::XLOG_HEAP2_PRUNE_VACUUM_SCAN, 0x1001000,
                            pg17::XLHP_CLEANUP_LOCK | pg17::XLHP_HAS_DEAD_ITEMS, short_dead);
    auto out = apply(ctx, r1.done());
    REQUIRE_FALSE(out);
    CHECK(out.message() == "Heap2 PRUNE_VACUUM_SCAN record at 0/1001000, " + block0 +
                               "block data of 4 bytes ends before the sub-records flags 0x4C announce (8 bytes "
                               "needed)");

    // Bytes left after the sub-records.
    PruneFreezeData d;
    d.unused = {2};
    std::vector<std::uint8_t> extra = d.bytes();
    extra.push_back(0);
    extra.push_back(0);
    TestRecord r2 = prune17(pg17::XLOG_HEAP2_PRUNE_ON_ACCESS, 0x1001100, d.flags() | pg17::XLHP_CLEANUP_LOCK, extra);
    out = apply(ctx, r2.done());
    REQUIRE_FALSE(out);
    CHECK(out.message() == "Heap2 PRUNE_ON_ACCESS record at 0/1001100, " + block0 +
                               "block data of 6 bytes holds 2 bytes after the sub-records flags 0x8C announce");

    // Redirections without the cleanup lock (PostgreSQL asserts against it).
    PruneFreezeData red;
    red.redirected = {{1, 2}};
    TestRecord r3 = prune17(pg17::XLOG_HEAP2_PRUNE_VACUUM_CLEANUP, 0x1001200, red.flags(), red.bytes());
    out = apply(ctx, r3.done());
    REQUIRE_FALSE(out);
    CHECK(out.message() == "Heap2 PRUNE_VACUUM_CLEANUP record at 0/1001200: flags 0x28: redirections or dead items "
                           "without XLHP_CLEANUP_LOCK");

    // XLHP_HAS_CONFLICT_HORIZON, but the main data ends after the flags.
    TestRecord r4 = prune17(pg17::XLOG_HEAP2_PRUNE_ON_ACCESS, 0x1001300, 0, {}, 0, std::nullopt);
    r4.main[1] = pg17::XLHP_HAS_CONFLICT_HORIZON;
    out = apply(ctx, r4.done());
    REQUIRE_FALSE(out);
    CHECK(out.message() == "Heap2 PRUNE_ON_ACCESS record at 0/1001300: main data has 2 bytes, xl_heap_prune and its "
                           "conflict horizon needs 6; the WAL is damaged");

    // A freeze plan's offset beyond the page's items.
    PruneFreezeData f;
    f.plans = {{0, 1, ht::HEAP_XMAX_INVALID, 0, {9}}};
    TestRecord r5 = prune17(pg17::XLOG_HEAP2_PRUNE_VACUUM_SCAN, 0x1001400, f.flags(), f.bytes());
    out = apply(ctx, r5.done());
    REQUIRE_FALSE(out);
    CHECK(out.message() == "Heap2 PRUNE_VACUUM_SCAN record at 0/1001400, " + block0 +
                               "offset 9 beyond the page's 6 items");

    // None of these changed the page.
    PageHandle p = page_of(ctx, 0);
    CHECK(page_get_lsn(p.data()) == 0x1000640);
    CHECK(page_get_max_offset_number(p.data()) == 6);
    CHECK(page_get_item_id(p.data(), 2).is_normal());

    // The same opcode in PostgreSQL 16 WAL is 16's PRUNE (redo reads its first 8 bytes, 15's struct).
    TestRecord r16 = prune17(pg17::XLOG_HEAP2_PRUNE_ON_ACCESS, 0x1001500, 0, {}, 0, std::nullopt);
    r16.rec.format = &kWalFormatPg16;
    out = apply(ctx, r16.done());
    REQUIRE_FALSE(out);
    CHECK(out.message() == "Heap2 PRUNE record at 0/1001500: main data has 2 bytes, its struct needs 8; the WAL is "
                           "damaged");
}
