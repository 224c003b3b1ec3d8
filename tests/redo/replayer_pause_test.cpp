// Replayer::pause() (redo/replayer.h): the pause is checked between reading a record and
// applying it (recoveryPausesHere in PerformWalRecovery, PG15), so a follower idle at the end of
// the WAL when it is paused reads the next record when it arrives but does not apply it until
// resume().
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "redo/records/xlog.h"
#include "redo/replayer.h"
#include "tests/redo/wal_builder.h"

using namespace understudy;
using understudy::testing::WalBuilder;

TEST_CASE("replay --follow: a record arriving while paused is applied only after resume") {
    constexpr std::uint32_t kSeg = 1u << 20;
    char tmpl[] = "/tmp/understudy-replay-pause-XXXXXX";
    const std::string dir = ::mkdtemp(tmpl);
    const std::string seg_path = dir + "/" + segment_file_name(1, 1, kSeg) + ".partial";
    auto write_segment = [&](const std::vector<std::uint8_t>& bytes, std::size_t len) {
        std::vector<std::uint8_t> file(kSeg, 0);
        std::copy_n(bytes.begin(), len, file.begin());
        std::ofstream f(seg_path, std::ios::binary | std::ios::trunc);
        f.write(reinterpret_cast<const char*>(file.data()), static_cast<std::streamsize>(file.size()));
    };
    WalBuilder b;
    const std::vector<std::uint8_t> noop_body = WalBuilder::main_data(std::vector<std::uint8_t>(300, 0x11));
    const XLogRecPtr first = b.add(RM_XLOG_ID_VALUE, XLOG_NOOP, noop_body);
    for (int i = 0; i < 9; ++i) b.add(RM_XLOG_ID_VALUE, XLOG_NOOP, noop_body);
    const XLogRecPtr end1 = b.pos();
    for (int i = 0; i < 10; ++i) b.add(RM_XLOG_ID_VALUE, XLOG_NOOP, noop_body);
    const XLogRecPtr end2 = b.pos();
    write_segment(b.bytes(), end1 - b.start());

    redo::ReplayOptions o;
    o.wal_dir = dir;
    o.data_dir = dir + "/data";
    o.start = first;
    o.follow = true;
    o.poll = std::chrono::milliseconds(20);
    redo::Replayer r(o);
    Result<void> result{};
    std::thread t([&] { result = r.run(); });
    auto wait_for = [&](auto pred) {
        for (int i = 0; i < 500 && !pred(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        return pred();
    };
    CHECK(wait_for([&] { return r.apply_lsn() == end1; }));
    std::this_thread::sleep_for(std::chrono::milliseconds(60));  // idle at the end of the WAL
    r.pause();
    write_segment(b.bytes(), end2 - b.start());
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // several polls: the records are there
    CHECK(r.apply_lsn() == end1);
    r.resume();
    CHECK(wait_for([&] { return r.apply_lsn() == end2; }));
    r.stop();
    t.join();
    CHECK_MESSAGE(result, result.message());
    CHECK(r.report().records == 20);
    std::filesystem::remove_all(dir);
}
