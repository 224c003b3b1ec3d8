// Timeline history files (wal/timeline_history.h) and the directory source choosing, for each
// segment, the timeline the history says it belongs to (wal/wal_source.h): a switch point in
// the middle of a segment, the old timeline's rest of that segment ignored, and a standby's
// follow mode picking up a newer timeline when its history file appears.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "wal/timeline_history.h"
#include "wal/wal_reader.h"
#include "wal/wal_source.h"
#include "tests/wal/wal_builder.h"
#include "tests/support/files.h"

using namespace understudy;
using understudy::testing::WalBuilder;

namespace {

struct TempDirectory : understudy::testing::TempDirectory {
    TempDirectory() : understudy::testing::TempDirectory("understudy-tli") {}
};

std::vector<XLogRecPtr> read_all(WalReader& r, ReadStatus& last) {
    std::vector<XLogRecPtr> lsns;
    while ((last = r.read_record()) == ReadStatus::Record) lsns.push_back(r.record().lsn);
    return lsns;
}

// The WAL of a promotion in the middle of segment 2: timeline 1 fills segment 1 and part of
// segment 2, up to the switch point; from there on the new primary writes timeline 2 (the rest
// of the switch point's page keeps timeline 1's header, as PostgreSQL copies that page). The old
// timeline's own continuation (`diverged`, what the old primary wrote after the fork) is there
// too, as different records after the same prefix.
struct Promotion {
    static constexpr std::uint32_t kSeg = 1u << 20;
    WalBuilder tli2;      // timeline 1's prefix, then timeline 2
    WalBuilder diverged;  // the same prefix, then more of timeline 1
    std::vector<XLogRecPtr> prefix, after_switch, old_after;
    XLogRecPtr switchpoint = 0;

    Promotion() {
        for (WalBuilder* b : {&tli2, &diverged}) {
            std::vector<XLogRecPtr> lsns{b->add_data(50)};
            while (b->pos() < b->start() + kSeg + 10000) lsns.push_back(b->add_data(1500));
            prefix = lsns;
        }
        switchpoint = tli2.pos();
        REQUIRE(diverged.pos() == switchpoint);
        REQUIRE(switchpoint % XLOG_BLCKSZ != 0);
        tli2.set_tli(2);
        for (int i = 0; i < 20; ++i) after_switch.push_back(tli2.add_data(1000));
        for (int i = 0; i < 20; ++i) old_after.push_back(diverged.add_data(777));
        tli2.zero_fill_segment();
        diverged.zero_fill_segment();
    }
    std::span<const std::uint8_t> segment(WalBuilder& b, XLogSegNo segno) {
        return std::span<const std::uint8_t>(b.bytes()).subspan((segno - 1) * kSeg, kSeg);
    }
    // What a receiver streaming timeline 1 holds of segment 2: the prefix, zeros after it.
    std::vector<std::uint8_t> streamed_tli1_tail() {
        std::vector<std::uint8_t> out(kSeg, 0);
        const std::size_t n = segment_offset(switchpoint, kSeg);
        std::copy_n(segment(tli2, 2).begin(), n, out.begin());
        return out;
    }
    std::string history_text() const {
        return fmt::format("1\t{}\tno recovery target specified\n", format_lsn(switchpoint));
    }
    std::vector<XLogRecPtr> all_tli2() const {
        std::vector<XLogRecPtr> v = prefix;
        v.insert(v.end(), after_switch.begin(), after_switch.end());
        return v;
    }
};

}  // namespace

TEST_CASE("timeline history: parsed into ranges, newest first (readTimeLineHistory)") {
    auto h = parse_timeline_history("1\t0/3000000\tno recovery target specified\n\n# comment\n2\t0/5000158\tx\n", 3);
    REQUIRE(h);
    REQUIRE(h->size() == 3);
    CHECK((*h)[0] == TimelineHistoryEntry{3, 0x5000158, InvalidXLogRecPtr});
    CHECK((*h)[1] == TimelineHistoryEntry{2, 0x3000000, 0x5000158});
    CHECK((*h)[2] == TimelineHistoryEntry{1, InvalidXLogRecPtr, 0x3000000});
    CHECK_FALSE(parse_timeline_history("2\t0/1\tx\n1\t0/2\ty\n", 3));
    CHECK_FALSE(parse_timeline_history("garbage\n", 2));
    CHECK_FALSE(parse_timeline_history("1\n", 2));
    auto child = parse_timeline_history("1\t0/3000000\tx\n2\t0/5000000\ty\n", 2);
    REQUIRE_FALSE(child);
    CHECK(child.message().find("less than the child") != std::string::npos);
}

TEST_CASE("timeline history: the timeline of an LSN, the newest timeline in a directory") {
    TempDirectory dir;
    dir.write_text("00000002.history", "1\t0/3000000\tno recovery target specified\n");
    dir.write_text("00000003.history", "1\t0/3000000\tno recovery target specified\n2\t0/5000158\tx\n");
    CHECK(find_newest_timeline(dir.path, 1) == 3);
    CHECK(find_newest_timeline(dir.path, 3) == 3);
    dir.write_text("00000005.history", "1\t0/3000000\tx\n");  // 4 missing: not reached
    CHECK(find_newest_timeline(dir.path, 1) == 3);

    auto h = read_timeline_history(dir.path, 3);
    REQUIRE(h);
    CHECK(tli_of_point_in_history(0x1000000, *h) == 1);
    CHECK(tli_of_point_in_history(0x2FFFFFF, *h) == 1);
    CHECK(tli_of_point_in_history(0x3000000, *h) == 2);  // the switch point is the child's
    CHECK(tli_of_point_in_history(0x5000157, *h) == 2);
    CHECK(tli_of_point_in_history(0x5000158, *h) == 3);
    CHECK(tli_of_point_in_history(0xF00000000, *h) == 3);
    CHECK(tli_in_history(2, *h));
    CHECK_FALSE(tli_in_history(4, *h));
    // Timeline 1 and a timeline without a history file: no parents.
    auto one = read_timeline_history(dir.path, 1);
    REQUIRE(one);
    CHECK(one->size() == 1);
    auto four = read_timeline_history(dir.path, 4);
    REQUIRE(four);
    CHECK(*four == TimelineHistory{TimelineHistoryEntry{4, InvalidXLogRecPtr, InvalidXLogRecPtr}});
    dir.write_text("00000006.history", "garbage\n");
    CHECK_FALSE(read_timeline_history(dir.path, 6));
}

TEST_CASE("a switch in the middle of a segment: timeline 1 up to the switch point, then timeline 2") {
    Promotion p;
    TempDirectory dir;
    dir.write(segment_file_name(1, 1, p.kSeg), p.segment(p.tli2, 1));
    // The old timeline went on (another server's segment 2 of timeline 1, complete).
    dir.write(segment_file_name(1, 2, p.kSeg), p.segment(p.diverged, 2));

    SUBCASE("on timeline 1 alone the old timeline's records are read") {
        DirectorySource src(dir.path, 1, p.kSeg);
        REQUIRE(src.load_history());
        WalReader r(src);
        r.begin_read(p.prefix.front());
        ReadStatus st;
        auto got = read_all(r, st);
        REQUIRE(got.size() == p.prefix.size() + p.old_after.size());
        CHECK(got.back() == p.old_after.back());
    }
    SUBCASE("with timeline 2's history and segment, the rest of timeline 1's segment is ignored") {
        dir.write(segment_file_name(2, 2, p.kSeg), p.segment(p.tli2, 2));
        dir.write_text("00000002.history", p.history_text());
        DirectorySource src(dir.path, 2, p.kSeg);
        REQUIRE(src.load_history());
        CHECK(src.timeline_for(1) == 1);
        CHECK(src.timeline_for(2) == 2);
        WalReader r(src);
        r.begin_read(p.prefix.front());
        ReadStatus st;
        auto got = read_all(r, st);
        CHECK(st == ReadStatus::EndOfWal);
        CHECK(got == p.all_tli2());
        CHECK(r.latest_page_tli() == 2);
    }
    SUBCASE("timeline 2's segment missing: timeline 1's segment is read only up to the switch point") {
        dir.write_text("00000002.history", p.history_text());
        DirectorySource src(dir.path, 2, p.kSeg);
        REQUIRE(src.load_history());
        WalReader r(src);
        r.begin_read(p.prefix.front());
        ReadStatus st;
        auto got = read_all(r, st);
        CHECK(st == ReadStatus::EndOfWal);
        CHECK(got == p.prefix);
        // The file appears (the receiver starts it): the next read takes it.
        dir.write(segment_file_name(2, 2, p.kSeg), p.segment(p.tli2, 2));
        got = read_all(r, st);
        CHECK(got == p.after_switch);
    }
}

TEST_CASE("following: a newer timeline's history appearing at the end of the old timeline is taken") {
    Promotion p;
    TempDirectory dir;
    dir.write(segment_file_name(1, 1, p.kSeg), p.segment(p.tli2, 1));
    dir.write(segment_file_name(1, 2, p.kSeg) + ".partial", p.streamed_tli1_tail());
    DirectorySource src(dir.path, 1, p.kSeg);
    REQUIRE(src.load_history());
    WalReader r(src);
    r.begin_read(p.prefix.front());
    ReadStatus st;
    CHECK(read_all(r, st) == p.prefix);
    CHECK(st == ReadStatus::EndOfWal);
    auto none = src.rescan_latest_timeline(r.end_rec_ptr());
    REQUIRE(none);
    CHECK_FALSE(*none);

    // The receiver stores the history file first, then starts timeline 2's segment.
    dir.write_text("00000002.history", p.history_text());
    SUBCASE("a timeline that forked before the replay position is refused") {
        auto refused = src.rescan_latest_timeline(p.switchpoint + 8);
        REQUIRE(refused);
        CHECK_FALSE(*refused);
        CHECK(src.target_timeline() == 1);
    }
    SUBCASE("the new timeline is taken, its segment read once it is there") {
        auto taken = src.rescan_latest_timeline(r.end_rec_ptr());
        REQUIRE(taken);
        CHECK(*taken);
        CHECK(src.target_timeline() == 2);
        CHECK(src.history().size() == 2);
        CHECK(read_all(r, st).empty());
        CHECK(st == ReadStatus::EndOfWal);
        dir.write(segment_file_name(2, 2, p.kSeg) + ".partial", p.segment(p.tli2, 2));
        CHECK(read_all(r, st) == p.after_switch);
        CHECK(r.latest_page_tli() == 2);
    }
}
