// Replayer::pause() (redo/replayer.h): the pause is checked between reading a record and
// applying it (recoveryPausesHere in PerformWalRecovery, PG15), so a follower idle at the end of
// the WAL when it is paused reads the next record when it arrives but does not apply it until
// resume().
#include <doctest/doctest.h>

#include <thread>

#include "wal/records/xlog.h"
#include "redo/replayer.h"
#include "tests/redo/follow_dir.h"
#include "tests/wal/wal_builder.h"

using namespace understudy;
using understudy::testing::FollowDir;
using understudy::testing::wait_for;
using understudy::testing::WalBuilder;

TEST_CASE("replay --follow: a record arriving while paused is applied only after resume") {
    FollowDir d("understudy-replay-pause");
    WalBuilder b;
    const std::vector<std::uint8_t> noop_body = WalBuilder::main_data(std::vector<std::uint8_t>(300, 0x11));
    const XLogRecPtr first = b.add(RM_XLOG_ID_VALUE, XLOG_NOOP, noop_body);
    for (int i = 0; i < 9; ++i) b.add(RM_XLOG_ID_VALUE, XLOG_NOOP, noop_body);
    const XLogRecPtr end1 = b.pos();
    for (int i = 0; i < 10; ++i) b.add(RM_XLOG_ID_VALUE, XLOG_NOOP, noop_body);
    const XLogRecPtr end2 = b.pos();
    d.write_segment(b.bytes(), end1 - b.start());

    redo::Replayer r(d.follow_options(first));
    Result<void> result{};
    std::thread t([&] { result = r.run(); });
    CHECK(wait_for([&] { return r.apply_lsn() == end1; }));
    std::this_thread::sleep_for(std::chrono::milliseconds(60));  // idle at the end of the WAL
    r.pause();
    d.write_segment(b.bytes(), end2 - b.start());
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // several polls: the records are there
    CHECK(r.apply_lsn() == end1);
    r.resume();
    CHECK(wait_for([&] { return r.apply_lsn() == end2; }));
    r.stop();
    t.join();
    CHECK_MESSAGE(result, result.message());
    CHECK(r.report().records == 20);
}
