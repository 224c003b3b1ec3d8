// What PostgreSQL 18's redo does differently from 17's, on records built in memory and read with
// 18's WalFormat (kHeapRedoVersions in redo/apply/heap.cpp, kBtreeRedoVersions in
// redo/apply/btree.cpp): XLOG_HEAP_INPLACE's xl_heap_inplace with invalidation messages (the
// relcache init files removed, malformed counts refused with the one error format), INSERT's
// XLH_INSERT_ALL_FROZEN_SET no longer setting PD_ALL_VISIBLE, Btree VACUUM clearing the vacuum
// cycle ID. Each case runs the same record as 15's WAL too, where the older behaviour must hold.
// Also: with 18, every version the reader has a WalFormat for is replayed, and a primary of a
// later version is refused with the versions named.
// The comparison with PostgreSQL 18's own pages is tests/integration/replay_pg18_test.cpp.
#include <doctest/doctest.h>

#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/wal_format.h"
#include "redo/apply/heap_tuple.h"
#include "redo/apply/nbtree_page.h"
#include "redo/replayer.h"
#include "redo/rmgr.h"
#include "redo/storage/page.h"
#include "tests/redo/index_test_record.h"
#include "tests/redo/page_cache_context.h"
#include "tests/redo/storage/scratch.h"
#include "wal/records/heap.h"
#include "wal/records/nbtree.h"
#include "wal/records/sinval.h"

using namespace understudy;
using namespace understudy::testing;
namespace ht = understudy::redo::heap_tuple;
namespace nb = understudy::redo::nbtree;
using understudy::storage::test::ScratchDir;

namespace {

const RelFileNode kHeapRel{1663, 5, 16384};

Result<redo::RedoOutcome> apply(redo::RedoContext& ctx, const DecodedRecord& rec) {
    return find_rmgr(rec.xl_rmid)->redo(ctx, rec);
}

// xl_heap_header + one attribute: t_hoff 24 (one padding byte after the 23-byte header), then
// `payload`.
std::vector<std::uint8_t> heap_tuple_data(const std::string& payload) {
    std::vector<std::uint8_t> d;
    put<std::uint16_t>(d, 1);
    put<std::uint16_t>(d, ht::HEAP_XMAX_INVALID);
    d.push_back(24);
    d.push_back(0);
    d.insert(d.end(), payload.begin(), payload.end());
    return d;
}

// INSERT (+INIT when `init`) of `payload` at offnum with `flags`, read as `format`'s WAL.
IndexTestRecord heap_insert(const WalFormat& format, XLogRecPtr lsn, OffsetNumber offnum, std::uint8_t flags,
                            bool init, const std::string& payload) {
    IndexTestRecord r(RM_HEAP_ID, XLOG_HEAP_INSERT | (init ? XLOG_HEAP_INIT_PAGE : 0), lsn);
    put<OffsetNumber>(r.main(), offnum);
    r.main().push_back(flags);
    r.add_block(0, 0, heap_tuple_data(payload), init, kHeapRel);
    r.set_format(format);
    return r;
}

// 18's xl_heap_inplace main data: offnum, dbId, tsId, relcacheInitFileInval, nmsgs, then
// `msgs_present` SharedInvalidationMessages (a relcache message each).
std::vector<std::uint8_t> inplace18_main(OffsetNumber offnum, Oid db, Oid ts, bool init_file_inval,
                                         std::int32_t nmsgs, int msgs_present) {
    std::vector<std::uint8_t> m(pg18::MinSizeOfHeapInplace, 0);
    store<OffsetNumber>(m.data() + offsetof(pg18::xl_heap_inplace, offnum), offnum);
    store<Oid>(m.data() + offsetof(pg18::xl_heap_inplace, dbId), db);
    store<Oid>(m.data() + offsetof(pg18::xl_heap_inplace, tsId), ts);
    m[offsetof(pg18::xl_heap_inplace, relcacheInitFileInval)] = init_file_inval ? 1 : 0;
    store<std::int32_t>(m.data() + offsetof(pg18::xl_heap_inplace, nmsgs), nmsgs);
    for (int i = 0; i < msgs_present; ++i) {
        std::array<std::uint8_t, sizeof(SharedInvalidationMessage)> msg{};
        msg[0] = static_cast<std::uint8_t>(-2);  // SHAREDINVALRELCACHE_ID
        store<Oid>(msg.data() + 4, db);
        store<Oid>(msg.data() + 8, 1259);
        m.insert(m.end(), msg.begin(), msg.end());
    }
    return m;
}

std::string payload_at(const PageBytes& page, OffsetNumber off) {
    const storage::ItemIdData lp = storage::page_get_item_id(page.data(), off);
    const std::uint8_t* t = page.data() + lp.lp_off;
    return std::string(reinterpret_cast<const char*>(t + t[22]), lp.lp_len - t[22]);
}

void touch(const std::string& path) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path) << "init file";
}

}  // namespace

TEST_CASE("PostgreSQL 18 heap INPLACE: the tuple is overwritten, then the relcache init files go when the record "
          "says so") {
    ScratchDir dir;
    ImageOnlyContext ctx(dir.path());
    auto ins = heap_insert(kWalFormatPg18, 0x1000000, 1, 0, true, "abcd");
    REQUIRE(apply(ctx, ins.done()));
    const std::string db_init = dir.path() + "/base/5/pg_internal.init";
    const std::string global_init = dir.path() + "/global/pg_internal.init";

    SUBCASE("messages without relcacheInitFileInval: the files stay") {
        touch(db_init);
        touch(global_init);
        IndexTestRecord r(RM_HEAP_ID, XLOG_HEAP_INPLACE, 0x1000100);
        r.main() = inplace18_main(1, 5, 1663, false, 2, 2);
        r.add_block(0, 0, {'w', 'x', 'y', 'z'}, false, kHeapRel);
        r.set_format(kWalFormatPg18);
        auto out = apply(ctx, r.done());
        REQUIRE_MESSAGE(out, out.message());
        CHECK(payload_at(get_page(ctx.pages(), 0, kHeapRel), 1) == "wxyz");
        CHECK(std::filesystem::exists(db_init));
        CHECK(std::filesystem::exists(global_init));
    }
    SUBCASE("relcacheInitFileInval with messages: the database's and global's init files are removed") {
        touch(db_init);
        touch(global_init);
        IndexTestRecord r(RM_HEAP_ID, XLOG_HEAP_INPLACE, 0x1000100);
        r.main() = inplace18_main(1, 5, 1663, true, 1, 1);
        r.add_block(0, 0, {'w', 'x', 'y', 'z'}, false, kHeapRel);
        r.set_format(kWalFormatPg18);
        auto out = apply(ctx, r.done());
        REQUIRE_MESSAGE(out, out.message());
        CHECK(payload_at(get_page(ctx.pages(), 0, kHeapRel), 1) == "wxyz");
        CHECK_FALSE(std::filesystem::exists(db_init));
        CHECK_FALSE(std::filesystem::exists(global_init));
        // Replayed again (the page is past it): still no error, files still absent.
        IndexTestRecord again(RM_HEAP_ID, XLOG_HEAP_INPLACE, 0x1000100);
        again.main() = inplace18_main(1, 5, 1663, true, 1, 1);
        again.add_block(0, 0, {'w', 'x', 'y', 'z'}, false, kHeapRel);
        again.set_format(kWalFormatPg18);
        CHECK(apply(ctx, again.done()));
    }
    SUBCASE("a shared catalog (dbId 0): only global's init file is removed") {
        touch(db_init);
        touch(global_init);
        IndexTestRecord r(RM_HEAP_ID, XLOG_HEAP_INPLACE, 0x1000100);
        r.main() = inplace18_main(1, 0, 0, true, 1, 1);
        r.add_block(0, 0, {'w', 'x', 'y', 'z'}, false, kHeapRel);
        r.set_format(kWalFormatPg18);
        REQUIRE(apply(ctx, r.done()));
        CHECK(std::filesystem::exists(db_init));
        CHECK_FALSE(std::filesystem::exists(global_init));
    }
    SUBCASE("relcacheInitFileInval without messages: nothing to process, the files stay") {
        touch(global_init);
        IndexTestRecord r(RM_HEAP_ID, XLOG_HEAP_INPLACE, 0x1000100);
        r.main() = inplace18_main(1, 5, 1663, true, 0, 0);
        r.add_block(0, 0, {'w', 'x', 'y', 'z'}, false, kHeapRel);
        r.set_format(kWalFormatPg18);
        REQUIRE(apply(ctx, r.done()));
        CHECK(std::filesystem::exists(global_init));
    }
}

TEST_CASE("PostgreSQL 18 heap INPLACE: a record too short for xl_heap_inplace or its messages is an error in the "
          "one redo format") {
    ScratchDir dir;
    ImageOnlyContext ctx(dir.path());
    auto ins = heap_insert(kWalFormatPg18, 0x1000000, 1, 0, true, "abcd");
    REQUIRE(apply(ctx, ins.done()));

    // 15's main data (offnum only) read as 18's WAL: shorter than MinSizeOfHeapInplace.
    IndexTestRecord shortrec(RM_HEAP_ID, XLOG_HEAP_INPLACE, 0x1000100);
    put<OffsetNumber>(shortrec.main(), 1);
    shortrec.add_block(0, 0, {'w', 'x', 'y', 'z'}, false, kHeapRel);
    shortrec.set_format(kWalFormatPg18);
    auto out = apply(ctx, shortrec.done());
    REQUIRE_FALSE(out);
    CHECK_MESSAGE(out.message().starts_with("Heap INPLACE record at 0/1000100"), out.message());

    // nmsgs says 3, the record holds 1.
    IndexTestRecord missing(RM_HEAP_ID, XLOG_HEAP_INPLACE, 0x1000200);
    missing.main() = inplace18_main(1, 5, 1663, true, 3, 1);
    missing.add_block(0, 0, {'w', 'x', 'y', 'z'}, false, kHeapRel);
    missing.set_format(kWalFormatPg18);
    out = apply(ctx, missing.done());
    REQUIRE_FALSE(out);
    CHECK_MESSAGE(out.message() == "Heap INPLACE record at 0/1000200: main data of 36 bytes does not hold 3 "
                                   "invalidation messages",
                  out.message());

    // A negative count.
    IndexTestRecord negative(RM_HEAP_ID, XLOG_HEAP_INPLACE, 0x1000300);
    negative.main() = inplace18_main(1, 5, 1663, true, -1, 0);
    negative.add_block(0, 0, {'w', 'x', 'y', 'z'}, false, kHeapRel);
    negative.set_format(kWalFormatPg18);
    out = apply(ctx, negative.done());
    REQUIRE_FALSE(out);
    CHECK_MESSAGE(out.message().find("does not hold -1 invalidation messages") != std::string::npos, out.message());
    // None of them touched the page.
    CHECK(payload_at(get_page(ctx.pages(), 0, kHeapRel), 1) == "abcd");

    // The same two-byte main data is 15's whole record: applied.
    IndexTestRecord v15(RM_HEAP_ID, XLOG_HEAP_INPLACE, 0x1000400);
    put<OffsetNumber>(v15.main(), 1);
    v15.add_block(0, 0, {'w', 'x', 'y', 'z'}, false, kHeapRel);
    v15.set_format(kWalFormatPg15);
    out = apply(ctx, v15.done());
    REQUIRE_MESSAGE(out, out.message());
    CHECK(payload_at(get_page(ctx.pages(), 0, kHeapRel), 1) == "wxyz");
}

TEST_CASE("heap INSERT with XLH_INSERT_ALL_FROZEN_SET: PD_ALL_VISIBLE set up to 17, not by 18's redo") {
    for (const WalFormat* f : {&kWalFormatPg15, &kWalFormatPg17, &kWalFormatPg18}) {
        CAPTURE(f->major_version);
        ScratchDir dir;
        ImageOnlyContext ctx(dir.path());
        auto ins = heap_insert(*f, 0x1000000, 1, XLH_INSERT_ALL_FROZEN_SET, true, "frozen");
        auto out = apply(ctx, ins.done());
        REQUIRE_MESSAGE(out, out.message());
        const PageBytes page = get_page(ctx.pages(), 0, kHeapRel);
        CHECK(payload_at(page, 1) == "frozen");
        CHECK(storage::page_is_all_visible(page.data()) == (f->major_version < 18));
    }
}

namespace {

// Block 1: a btree leaf with BTP_HAS_GARBAGE, vacuum cycle ID `cycleid` and `ntuples` tuples,
// its LSN 0/1000000.
void put_leaf_with_garbage(ImageOnlyContext& ctx, std::uint16_t cycleid, std::uint16_t ntuples) {
    PageBytes leaf{};
    nb::bt_pageinit(leaf.data());
    nb::BTPageOpaqueData o = nb::bt_page_get_opaque(leaf.data());
    o.btpo_flags = nb::BTP_LEAF | nb::BTP_HAS_GARBAGE;
    o.btpo_cycleid = cycleid;
    nb::bt_page_set_opaque(leaf.data(), o);
    for (std::uint16_t i = 1; i <= ntuples; ++i)
        REQUIRE(storage::page_add_item(leaf.data(), index_tuple(10, i, {static_cast<std::uint8_t>(i)}),
                                       InvalidOffsetNumber, false, false) == i);
    storage::page_set_lsn(leaf.data(), 0x1000000);
    put_page(ctx.pages(), 1, leaf);
}

}  // namespace

TEST_CASE("Btree VACUUM: 18 clears the page's vacuum cycle ID, 15 keeps it; both clear BTP_HAS_GARBAGE") {
    for (const WalFormat* f : {&kWalFormatPg15, &kWalFormatPg17, &kWalFormatPg18}) {
        CAPTURE(f->major_version);
        ScratchDir dir;
        ImageOnlyContext ctx(dir.path());
        put_leaf_with_garbage(ctx, 7, 3);

        IndexTestRecord r(RM_BTREE_ID, XLOG_BTREE_VACUUM, 0x2000000);
        put<std::uint16_t>(r.main(), 1);  // ndeleted
        put<std::uint16_t>(r.main(), 0);  // nupdated
        std::vector<std::uint8_t> offsets;
        put<OffsetNumber>(offsets, 2);
        r.add_block(0, 1, offsets);
        r.set_format(*f);
        auto out = apply(ctx, r.done());
        REQUIRE_MESSAGE(out, out.message());

        const PageBytes after = get_page(ctx.pages(), 1);
        CHECK(storage::page_get_max_offset_number(after.data()) == 2);
        const nb::BTPageOpaqueData a = nb::bt_page_get_opaque(after.data());
        CHECK((a.btpo_flags & nb::BTP_HAS_GARBAGE) == 0);
        CHECK(a.btpo_cycleid == (f->major_version >= 18 ? 0 : 7));
    }
}

TEST_CASE("Btree DELETE keeps the vacuum cycle ID in 18 too") {
    ScratchDir dir;
    ImageOnlyContext ctx(dir.path());
    put_leaf_with_garbage(ctx, 9, 2);

    // 16+'s xl_btree_delete: snapshotConflictHorizon, ndeleted, nupdated, isCatalogRel.
    IndexTestRecord r(RM_BTREE_ID, XLOG_BTREE_DELETE, 0x2000000);
    put<TransactionId>(r.main(), 700);
    put<std::uint16_t>(r.main(), 1);
    put<std::uint16_t>(r.main(), 0);
    r.main().push_back(0);
    std::vector<std::uint8_t> offsets;
    put<OffsetNumber>(offsets, 1);
    r.add_block(0, 1, offsets);
    r.set_format(kWalFormatPg18);
    auto out = apply(ctx, r.done());
    REQUIRE_MESSAGE(out, out.message());
    const nb::BTPageOpaqueData a = nb::bt_page_get_opaque(get_page(ctx.pages(), 1).data());
    CHECK((a.btpo_flags & nb::BTP_HAS_GARBAGE) == 0);
    CHECK(a.btpo_cycleid == 9);
}

TEST_CASE("replay applies every version the reader reads (14 to 18); a later primary is refused naming them") {
    for (const WalFormat* f : kWalFormats) {
        CAPTURE(f->major_version);
        CHECK(redo::replayable_major(f->major_version));
    }
    CHECK_FALSE(redo::replayable_major(13));
    CHECK_FALSE(redo::replayable_major(19));
    CHECK(redo::replayable_majors_text() == "14, 15, 16, 17 and 18");
    const std::string msg =
        unsupported_primary_version_message("understudy standby", "19.1", 19, redo::replayable_majors_text());
    CHECK_MESSAGE(msg.starts_with("the primary runs PostgreSQL 19.1, but understudy standby replays only PostgreSQL "
                                  "14, 15, 16, 17 and 18 WAL"),
                  msg);
    CHECK_MESSAGE(msg.find("understudy receive") != std::string::npos, msg);
}
