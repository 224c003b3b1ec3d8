// ReplayOptions::on_caught_up (redo/replayer.h): a follower that has applied everything readable
// reports its apply position once before it waits, so the standby can reply with it at once
// (records that are not commits get no reply of their own otherwise).
#include <doctest/doctest.h>

#include <mutex>
#include <thread>
#include <vector>

#include "wal/records/xlog.h"
#include "redo/replayer.h"
#include "tests/redo/follow_dir.h"
#include "tests/wal/wal_builder.h"

using namespace understudy;
using understudy::testing::FollowDir;
using understudy::testing::wait_for;
using understudy::testing::WalBuilder;

TEST_CASE("replay --follow: on_caught_up gets each new apply position once, when the WAL runs out") {
    FollowDir d("understudy-replay-caught-up");
    WalBuilder b;
    const std::vector<std::uint8_t> body = WalBuilder::main_data(std::vector<std::uint8_t>(200, 0x22));
    const XLogRecPtr first = b.add(RM_XLOG_ID_VALUE, XLOG_NOOP, body);
    for (int i = 0; i < 4; ++i) b.add(RM_XLOG_ID_VALUE, XLOG_NOOP, body);
    const XLogRecPtr end1 = b.pos();
    for (int i = 0; i < 5; ++i) b.add(RM_XLOG_ID_VALUE, XLOG_NOOP, body);
    const XLogRecPtr end2 = b.pos();
    d.write_segment(b.bytes(), end1 - b.start());

    redo::Replayer r(d.follow_options(first));
    std::mutex mu;
    std::vector<XLogRecPtr> seen;
    r.set_caught_up_observer([&](XLogRecPtr apply) {
        std::lock_guard lock(mu);
        seen.push_back(apply);
    });
    auto seen_copy = [&] {
        std::lock_guard lock(mu);
        return seen;
    };
    Result<void> result{};
    std::thread t([&] { result = r.run(); });
    CHECK(wait_for([&] { return !seen_copy().empty(); }));
    std::this_thread::sleep_for(std::chrono::milliseconds(150));  // several safety-timeout wake-ups while idle
    CHECK(seen_copy() == std::vector<XLogRecPtr>{end1});          // once, not once per wake-up
    d.write_segment(b.bytes(), end2 - b.start());
    CHECK(wait_for([&] { return seen_copy().size() == 2; }));
    CHECK(seen_copy() == std::vector<XLogRecPtr>{end1, end2});
    CHECK(r.apply_lsn() == end2);
    r.stop();
    t.join();
    CHECK_MESSAGE(result, result.message());
}
