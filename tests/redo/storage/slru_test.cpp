// SLRU files: layouts and rules of PG15 slru.c, clog.c, commit_ts.c, multixact.c (offsets and
// bit positions below are computed from their macros). Real PostgreSQL files are checked in
// slru_pg_test.cpp.
#include <doctest/doctest.h>

#include <filesystem>
#include <vector>

#include "common/bytes.h"
#include "redo/storage/slru.h"
#include "tests/redo/storage/scratch.h"

using namespace understudy;
using namespace understudy::storage;
using understudy::storage::test::file_size_or_minus1;
using understudy::storage::test::ScratchDir;

namespace {

std::vector<std::uint8_t> file_bytes(const std::string& path) {
    auto n = std::filesystem::file_size(path);
    std::vector<std::uint8_t> v(n);
    FILE* f = std::fopen(path.c_str(), "rb");
    REQUIRE(f);
    REQUIRE(std::fread(v.data(), 1, n, f) == n);
    std::fclose(f);
    return v;
}

}  // namespace

TEST_CASE("SLRU constants and segment names") {
    CHECK(slru_segment_name(0) == "0000");
    CHECK(slru_segment_name(0x1F) == "001F");
    CHECK(slru_segment_name(0x10000) == "10000");
    CHECK(CLOG_XACTS_PER_PAGE == 32768);
    CHECK(COMMIT_TS_XACTS_PER_PAGE == 819);
    CHECK(MULTIXACT_OFFSETS_PER_PAGE == 2048);
    CHECK(MULTIXACT_MEMBERGROUP_SIZE == 20);
    CHECK(MULTIXACT_MEMBERGROUPS_PER_PAGE == 409);
    CHECK(MULTIXACT_MEMBERS_PER_PAGE == 1636);
}

TEST_CASE("clog: two bits per xid, little end first; statuses round-trip through the file") {
    ScratchDir dir;
    {
        Clog clog(dir.path());
        const std::vector<TransactionId> none;
        REQUIRE(clog.set_tree_status(3, none, TRANSACTION_STATUS_COMMITTED));
        REQUIRE(clog.set_tree_status(4, none, TRANSACTION_STATUS_ABORTED));
        REQUIRE(clog.set_tree_status(7, none, TRANSACTION_STATUS_COMMITTED));
        REQUIRE(clog.set_tree_status(CLOG_XACTS_PER_PAGE * 32 + 1, none, TRANSACTION_STATUS_ABORTED));
        REQUIRE(clog.flush());
    }
    auto seg0 = file_bytes(dir / "pg_xact/0000");
    REQUIRE(seg0.size() == BLCKSZ);
    CHECK(seg0[0] == 0x40);           // xid 3: bits 6-7 = 01
    CHECK(seg0[1] == (0x02 | 0x40));  // xid 4: bits 0-1 = 10; xid 7: bits 6-7 = 01
    CHECK(file_size_or_minus1(dir / "pg_xact/0001") == BLCKSZ);
    Clog again(dir.path());
    CHECK(*again.get_status(3) == TRANSACTION_STATUS_COMMITTED);
    CHECK(*again.get_status(4) == TRANSACTION_STATUS_ABORTED);
    CHECK(*again.get_status(5) == TRANSACTION_STATUS_IN_PROGRESS);
    CHECK(*again.get_status(CLOG_XACTS_PER_PAGE * 32 + 1) == TRANSACTION_STATUS_ABORTED);
    CHECK(*again.get_status(CLOG_XACTS_PER_PAGE * 700) == TRANSACTION_STATUS_IN_PROGRESS);  // no file: zeroes
}

TEST_CASE("clog: TransactionIdSetTreeStatus over several pages; sub-committed never undoes a commit") {
    ScratchDir dir;
    Clog clog(dir.path());
    const TransactionId top = CLOG_XACTS_PER_PAGE - 2;  // last xids of page 0
    const std::vector<TransactionId> subs{top + 1, top + 2, top + 3, 2 * CLOG_XACTS_PER_PAGE + 5};
    REQUIRE(clog.set_tree_status(top, subs, TRANSACTION_STATUS_COMMITTED));
    CHECK(*clog.get_status(top) == TRANSACTION_STATUS_COMMITTED);
    for (auto s : subs) CHECK(*clog.get_status(s) == TRANSACTION_STATUS_COMMITTED);
    // Replaying the first phase again (as after a crash between phases) leaves commits alone.
    const std::vector<TransactionId> none;
    REQUIRE(clog.set_tree_status(top + 2, none, TRANSACTION_STATUS_SUB_COMMITTED));
    CHECK(*clog.get_status(top + 2) == TRANSACTION_STATUS_COMMITTED);
    REQUIRE(clog.set_tree_status(100, none, TRANSACTION_STATUS_SUB_COMMITTED));
    CHECK(*clog.get_status(100) == TRANSACTION_STATUS_SUB_COMMITTED);
    REQUIRE(clog.set_tree_status(100, none, TRANSACTION_STATUS_COMMITTED));
    CHECK(*clog.get_status(100) == TRANSACTION_STATUS_COMMITTED);
    // An aborted tree.
    const std::vector<TransactionId> asubs{201, 202, CLOG_XACTS_PER_PAGE + 9};
    REQUIRE(clog.set_tree_status(200, asubs, TRANSACTION_STATUS_ABORTED));
    CHECK(*clog.get_status(200) == TRANSACTION_STATUS_ABORTED);
    for (auto s : asubs) CHECK(*clog.get_status(s) == TRANSACTION_STATUS_ABORTED);
}

TEST_CASE("clog: zero page is written at once; truncate removes whole segments before the cutoff") {
    ScratchDir dir;
    Clog clog(dir.path());
    REQUIRE(clog.zero_page(2));
    CHECK(file_size_or_minus1(dir / "pg_xact/0000") == 3 * BLCKSZ);  // written at offset 2*8192
    for (int p : {32, 64, 96}) REQUIRE(clog.zero_page(p));
    CHECK(clog.slru().segments() == std::vector<int>{0, 1, 2, 3});

    clog.slru().set_latest_page_number(10);  // cutoff past the latest page: "apparent wraparound"
    auto t = clog.truncate(70);
    REQUIRE(t);
    CHECK_FALSE(*t);
    CHECK(clog.slru().segments() == std::vector<int>{0, 1, 2, 3});

    clog.slru().set_latest_page_number(96);
    t = clog.truncate(70);
    REQUIRE(t);
    CHECK(*t);
    // Segment 2 (pages 64..95) holds page 70 and later: kept.
    CHECK(clog.slru().segments() == std::vector<int>{2, 3});
    REQUIRE(clog.flush());
}

TEST_CASE("clog_page_precedes: modulo-2^32 xid comparison") {
    CHECK(clog_page_precedes(0, 1));
    CHECK_FALSE(clog_page_precedes(1, 0));
    CHECK_FALSE(clog_page_precedes(5, 5));
    // Pages span 2^32 / 32768 = 131072; half the space ahead counts as later.
    CHECK(clog_page_precedes(131000, 100));
    CHECK_FALSE(clog_page_precedes(100, 131000));
}

TEST_CASE("commit_ts: 10-byte entries, 819 per page") {
    ScratchDir dir;
    {
        CommitTs cts(dir.path());
        const std::vector<TransactionId> subs{6, 819 + 1};
        REQUIRE(cts.set_tree(5, subs, 0x0102030405060708LL, 7));
        REQUIRE(cts.flush());
    }
    auto seg = file_bytes(dir / "pg_commit_ts/0000");
    REQUIRE(seg.size() == 2 * BLCKSZ);
    CHECK(load<std::int64_t>(seg.data() + 50) == 0x0102030405060708LL);
    CHECK(load<std::uint16_t>(seg.data() + 58) == 7);
    CHECK(load<std::int64_t>(seg.data() + 60) == 0x0102030405060708LL);  // xid 6
    CHECK(load<std::int64_t>(seg.data() + BLCKSZ + 10) == 0x0102030405060708LL);  // xid 820
    CommitTs again(dir.path());
    CHECK(*again.get(5) == CommitTimestampEntry{0x0102030405060708LL, 7});
    CHECK(*again.get(820) == CommitTimestampEntry{0x0102030405060708LL, 7});
    CHECK(*again.get(9) == CommitTimestampEntry{});
}

TEST_CASE("multixact: offsets (this one's and the next one's) and member groups (flags word + 4 xids)") {
    ScratchDir dir;
    {
        MultiXactSlrus mx(dir.path());
        const std::vector<MultiXactMember> m1{{100, MultiXactStatusForKeyShare}, {101, MultiXactStatusUpdate},
                                              {102, MultiXactStatusForShare}, {103, MultiXactStatusNoKeyUpdate}};
        REQUIRE(mx.record_new_multixact(1, 1, m1));
        const std::vector<MultiXactMember> m2{{200, MultiXactStatusForUpdate}};
        REQUIRE(mx.record_new_multixact(2, 5, m2));
        REQUIRE(mx.flush());
    }
    auto off = file_bytes(dir / "pg_multixact/offsets/0000");
    CHECK(load<std::uint32_t>(off.data() + 4) == 1);
    CHECK(load<std::uint32_t>(off.data() + 8) == 5);
    CHECK(load<std::uint32_t>(off.data() + 12) == 6);  // the next multixact's start, set already
    auto mem = file_bytes(dir / "pg_multixact/members/0000");
    REQUIRE(mem.size() == BLCKSZ);
    // Offsets 1..3 are in group 0: flags at byte 0 (bytes 1..3), xids at 8, 12, 16.
    CHECK(load<std::uint32_t>(mem.data()) == (0x00u << 8 | 0x05u << 16 | 0x01u << 24));
    CHECK(load<std::uint32_t>(mem.data() + 8) == 100);
    CHECK(load<std::uint32_t>(mem.data() + 12) == 101);
    CHECK(load<std::uint32_t>(mem.data() + 16) == 102);
    // Offsets 4 and 5 are in group 1 at byte 20: flags bytes 0 and 1, xids at 24 and 28.
    CHECK(load<std::uint32_t>(mem.data() + 20) == (0x04u | 0x03u << 8));
    CHECK(load<std::uint32_t>(mem.data() + 24) == 103);
    CHECK(load<std::uint32_t>(mem.data() + 28) == 200);

    MultiXactSlrus again(dir.path());
    CHECK(*again.get_offset(2) == 5);
    CHECK(*again.get_member(2) == MultiXactMember{101, MultiXactStatusUpdate});
    CHECK(*again.get_member(5) == MultiXactMember{200, MultiXactStatusForUpdate});
}

TEST_CASE("multixact: members across a page, next offset across an offsets page, offset 0 skipped") {
    ScratchDir dir;
    MultiXactSlrus mx(dir.path());
    const std::vector<MultiXactMember> two{{300, MultiXactStatusForShare}, {301, MultiXactStatusUpdate}};
    const MultiXactId last_on_page0 = MULTIXACT_OFFSETS_PER_PAGE - 1;
    REQUIRE(mx.zero_offsets_page(0));
    REQUIRE(mx.record_new_multixact(last_on_page0, MULTIXACT_MEMBERS_PER_PAGE - 1, two));
    REQUIRE(mx.flush());
    // The latest offsets page was 0, so page 1 was zeroed and written ahead; the next multixact
    // starts at page 1 entry 0.
    auto off1 = file_bytes(dir / "pg_multixact/offsets/0000");
    REQUIRE(off1.size() == 2 * BLCKSZ);
    CHECK(load<std::uint32_t>(off1.data() + BLCKSZ) == MULTIXACT_MEMBERS_PER_PAGE + 1);
    // The ZERO_OFF_PAGE record that follows for page 1 does not wipe it.
    REQUIRE(mx.zero_offsets_page(1));
    CHECK(*mx.get_offset(last_on_page0 + 1) == MULTIXACT_MEMBERS_PER_PAGE + 1);
    // Members: the last slot of page 0, then the first of page 1.
    CHECK(*mx.get_member(MULTIXACT_MEMBERS_PER_PAGE - 1) == MultiXactMember{300, MultiXactStatusForShare});
    CHECK(*mx.get_member(MULTIXACT_MEMBERS_PER_PAGE) == MultiXactMember{301, MultiXactStatusUpdate});
    // Offsets wrapping to 0 store 1 for the next multixact.
    REQUIRE(mx.record_new_multixact(10, 0xFFFFFFFEu, two));
    CHECK(*mx.get_offset(11) == 1);
}

TEST_CASE("multixact truncation: member segments by range, offsets by PreviousMultiXactId's page") {
    ScratchDir dir;
    MultiXactSlrus mx(dir.path());
    for (int seg = 0; seg < 4; ++seg) REQUIRE(mx.zero_members_page(seg * SLRU_PAGES_PER_SEGMENT));
    // Members 0 .. start of segment 2: segments 0 and 1 go.
    REQUIRE(mx.truncate_members(0, static_cast<MultiXactOffset>(2 * SLRU_PAGES_PER_SEGMENT * MULTIXACT_MEMBERS_PER_PAGE + 5)));
    CHECK(mx.members().segments() == std::vector<int>{2, 3});

    for (int seg = 0; seg < 3; ++seg) REQUIRE(mx.zero_offsets_page(seg * SLRU_PAGES_PER_SEGMENT));
    // New oldest multi = first multi of segment 2: PreviousMultiXactId is on segment 1's last
    // page, so only segment 0 is wholly before the cutoff.
    const MultiXactId first_of_seg2 = 2 * SLRU_PAGES_PER_SEGMENT * MULTIXACT_OFFSETS_PER_PAGE;
    auto t = mx.truncate_offsets(1, first_of_seg2);
    REQUIRE(t);
    CHECK(*t);
    CHECK(mx.offsets().segments() == std::vector<int>{1, 2});
    CHECK(previous_multixact_id(FirstMultiXactId) == MaxMultiXactId);
}

TEST_CASE("Slru: a small page cache writes dirty pages out before dropping them") {
    ScratchDir dir;
    {
        Slru slru(dir.path(), "pg_xact", clog_page_precedes, 2);
        for (int page = 0; page < 5; ++page) {
            auto p = slru.read_page(page * 40);  // pages in segments 0, 1, 2, 3, 5
            REQUIRE(p);
            (*p)[7] = static_cast<std::uint8_t>(0x30 + page);
            slru.mark_dirty(page * 40);
        }
        REQUIRE(slru.flush());
    }
    Slru again(dir.path(), "pg_xact", clog_page_precedes, 2);
    for (int page = 0; page < 5; ++page) {
        auto p = again.read_page(page * 40);
        REQUIRE(p);
        CHECK((*p)[7] == 0x30 + page);
    }
    CHECK(again.segments() == std::vector<int>{0, 1, 2, 3, 5});
}
