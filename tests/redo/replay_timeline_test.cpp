// The replay engine across a timeline switch (redo/replayer.h): the replay timeline moves on at
// the END_OF_RECOVERY record naming the next timeline (ApplyWalRecord / checkTimeLineSwitch,
// PG15), records naming a timeline outside the history are refused, and following, a history
// file that appears at the end of the old timeline, while a first start waits for its start
// record, or before its first segment is there, is taken (rescanLatestTimeLine).
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "wal/records/xlog.h"
#include "redo/replay_state.h"
#include "redo/replayer.h"
#include "tests/wal/wal_builder.h"
#include "tests/support/files.h"

using namespace understudy;
using understudy::testing::WalBuilder;

namespace {

struct TempDirectory : understudy::testing::TempDirectory {
    TempDirectory() : understudy::testing::TempDirectory("understudy-replay-tli") {}
};

XLogRecPtr add_noop(WalBuilder& b) {
    return b.add(RM_XLOG_ID_VALUE, XLOG_NOOP, WalBuilder::main_data(std::vector<std::uint8_t>(300, 0x11)));
}

XLogRecPtr add_end_of_recovery(WalBuilder& b, TimeLineID this_tli, TimeLineID prev_tli) {
    std::vector<std::uint8_t> d(sizeof(xl_end_of_recovery), 0);
    store<std::uint32_t>(d.data() + offsetof(xl_end_of_recovery, ThisTimeLineID), this_tli);
    store<std::uint32_t>(d.data() + offsetof(xl_end_of_recovery, PrevTimeLineID), prev_tli);
    return b.add(RM_XLOG_ID_VALUE, XLOG_END_OF_RECOVERY, WalBuilder::main_data(d));
}

// Segment 1: records on timeline 1, an END_OF_RECOVERY(this_tli, prev_tli) at the switch point,
// records on the new timeline. Timeline 1's file holds the bytes up to the switch point.
struct SwitchWal {
    static constexpr std::uint32_t kSeg = 1u << 20;
    WalBuilder b;
    XLogRecPtr first = 0, switchpoint = 0, end = 0;
    std::vector<std::uint8_t> tli1_file, tli2_file;

    SwitchWal(TimeLineID this_tli, TimeLineID prev_tli) {
        first = add_noop(b);
        for (int i = 0; i < 49; ++i) add_noop(b);
        switchpoint = add_end_of_recovery(b, this_tli, prev_tli);
        b.set_tli(this_tli);
        for (int i = 0; i < 50; ++i) add_noop(b);
        end = b.pos();
        b.zero_fill_segment();
        tli2_file = b.bytes();
        tli1_file.assign(kSeg, 0);
        std::copy_n(b.bytes().begin(), switchpoint - b.start(), tli1_file.begin());
    }
    std::string history() const { return fmt::format("1\t{}\tno recovery target specified\n", format_lsn(switchpoint)); }
};

redo::ReplayOptions options(const TempDirectory& wal, const TempDirectory& data, XLogRecPtr start) {
    redo::ReplayOptions o;
    o.wal_dir = wal.path;
    o.data_dir = data.path + "/data";
    o.start = start;
    o.poll = std::chrono::milliseconds(20);
    return o;
}

}  // namespace

TEST_CASE("replay: the replay timeline moves on at END_OF_RECOVERY, and is kept in the replay state") {
    SwitchWal w(2, 1);
    TempDirectory wal, data;
    wal.write(segment_file_name(1, 1, w.kSeg) + ".partial", w.tli1_file);
    wal.write(segment_file_name(2, 1, w.kSeg), w.tli2_file);
    wal.write_text("00000002.history", w.history());
    redo::Replayer r(options(wal, data, w.first));
    auto result = r.run();
    REQUIRE_MESSAGE(result, result.message());
    CHECK(r.report().records == 101);
    CHECK(r.report().end_lsn == w.end);
    CHECK(r.replay_timeline() == 2);
    auto state = read_replay_state(data.path + "/data");
    REQUIRE(state);
    REQUIRE(*state);
    CHECK((*state)->timeline == 2);
}

TEST_CASE("replay: a switch record naming a timeline outside the history, or another previous one, is refused") {
    TempDirectory wal, data;
    SUBCASE("timeline 3 while following the history of timeline 2") {
        SwitchWal w(3, 1);
        wal.write(segment_file_name(2, 1, w.kSeg), w.tli2_file);
        wal.write_text("00000002.history", w.history());
        redo::Replayer r(options(wal, data, w.first));
        auto result = r.run();
        REQUIRE_FALSE(result);
        CHECK_MESSAGE(result.message().find("unexpected timeline ID 3 (after 1) in checkpoint record at " +
                                            format_lsn(w.switchpoint)) != std::string::npos,
                      result.message());
        CHECK(r.report().end_lsn == w.switchpoint);
        CHECK(r.replay_timeline() == 1);
    }
    SUBCASE("a previous timeline that is not the current one") {
        SwitchWal w(2, 5);
        wal.write(segment_file_name(2, 1, w.kSeg), w.tli2_file);
        wal.write_text("00000002.history", w.history());
        redo::Replayer r(options(wal, data, w.first));
        auto result = r.run();
        REQUIRE_FALSE(result);
        CHECK_MESSAGE(result.message().find("unexpected previous timeline ID 5 (current timeline ID 1)") !=
                          std::string::npos,
                      result.message());
    }
}

TEST_CASE("replay --follow: at the end of timeline 1 a new history file and segment are taken") {
    SwitchWal w(2, 1);
    TempDirectory wal, data;
    wal.write(segment_file_name(1, 1, w.kSeg) + ".partial", w.tli1_file);
    redo::ReplayOptions o = options(wal, data, w.first);
    o.follow = true;
    redo::Replayer r(o);
    Result<void> result{};
    std::thread t([&] { result = r.run(); });
    auto wait_for = [&](auto pred) {
        for (int i = 0; i < 500 && !pred(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        return pred();
    };
    CHECK(wait_for([&] { return r.apply_lsn() == w.switchpoint; }));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // several polls at the end
    CHECK(r.apply_lsn() == w.switchpoint);
    CHECK(r.replay_timeline() == 1);
    // The receiver's order: the history file, then the new timeline's segment.
    wal.write_text("00000002.history", w.history());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    CHECK(r.apply_lsn() == w.switchpoint);
    wal.write(segment_file_name(2, 1, w.kSeg) + ".partial", w.tli2_file);
    CHECK(wait_for([&] { return r.apply_lsn() == w.end; }));
    CHECK(r.replay_timeline() == 2);
    r.stop();
    t.join();
    CHECK_MESSAGE(result, result.message());
    CHECK(r.report().records == 101);
}

// The upstream is promoted before the start record has arrived: timeline 1's file stops short
// of it (a receiver that reconnected after the promotion streams the rest on timeline 2 from the
// segment's start). While waiting for its first record the engine looks for a newer timeline
// too, like the startup process in WaitForWALToBecomeAvailable (PG15), and starts on the new
// timeline's file; without that it would wait for timeline 1's file forever.
TEST_CASE("replay --follow: waiting for the start record, a new history file and segment are taken") {
    SwitchWal w(2, 1);
    // The start record: the 21st of timeline 1 (before the switch point, so on both timelines).
    WalBuilder probe;
    XLogRecPtr start = 0, short_end = 0;
    for (int i = 0; i < 21; ++i) {
        const XLogRecPtr at = add_noop(probe);
        if (i == 10) short_end = at;
        start = at;
    }
    REQUIRE(start < w.switchpoint);
    TempDirectory wal, data;
    std::vector<std::uint8_t> tli1_short(w.kSeg, 0);
    std::copy_n(w.tli1_file.begin(), short_end - w.b.start(), tli1_short.begin());
    wal.write(segment_file_name(1, 1, w.kSeg) + ".partial", tli1_short);
    redo::ReplayOptions o = options(wal, data, start);
    o.follow = true;
    redo::Replayer r(o);
    Result<void> result{};
    std::thread t([&] { result = r.run(); });
    auto wait_for = [&](auto pred) {
        for (int i = 0; i < 500 && !pred(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        return pred();
    };
    std::this_thread::sleep_for(std::chrono::milliseconds(150));  // several polls without the record
    CHECK(r.apply_lsn() == InvalidXLogRecPtr);  // set once the start record is found
    wal.write_text("00000002.history", w.history());
    wal.write(segment_file_name(2, 1, w.kSeg) + ".partial", w.tli2_file);
    CHECK(wait_for([&] { return r.apply_lsn() == w.end; }));
    CHECK(r.replay_timeline() == 2);
    r.stop();
    t.join();
    CHECK_MESSAGE(result, result.message());
    CHECK(r.report().start_lsn == start);
    CHECK(r.report().records == 30 + 1 + 50);
    auto state = read_replay_state(data.path + "/data");
    REQUIRE(state);
    REQUIRE(*state);
    CHECK((*state)->timeline == 2);
}

// The same promotion seen by the wait for the first segment: the WAL directory is empty when
// replay starts, then the receiver stores the new timeline's history file and its segment (it
// streamed the switch segment on timeline 2 from the segment's start). The timeline is chosen
// once a segment is there, so replay starts on timeline 1's records in timeline 2's file.
TEST_CASE("replay --follow: waiting for the first segment, a promotion before it is followed") {
    SwitchWal w(2, 1);
    TempDirectory wal, data;
    redo::ReplayOptions o = options(wal, data, w.first);
    o.follow = true;
    redo::Replayer r(o);
    Result<void> result{};
    std::thread t([&] { result = r.run(); });
    auto wait_for = [&](auto pred) {
        for (int i = 0; i < 500 && !pred(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        return pred();
    };
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // several polls of the empty directory
    CHECK(r.apply_lsn() == InvalidXLogRecPtr);
    wal.write_text("00000002.history", w.history());
    wal.write(segment_file_name(2, 1, w.kSeg) + ".partial", w.tli2_file);
    CHECK(wait_for([&] { return r.apply_lsn() == w.end; }));
    CHECK(r.replay_timeline() == 2);
    r.stop();
    t.join();
    CHECK_MESSAGE(result, result.message());
    CHECK(r.report().start_lsn == w.first);
    CHECK(r.report().records == 101);
}
