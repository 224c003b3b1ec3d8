#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "common/latency_trace.h"

using namespace understudy;
using namespace std::chrono_literals;
using P = LatencyTrace::Point;

namespace {
std::int64_t at(const LatencyTrace::CommitPath& c, P p) { return c.ns[static_cast<std::size_t>(p)]; }
}  // namespace

TEST_CASE("LatencyTrace: a commit's path takes the first mark of each point that covers its LSN") {
    LatencyTrace t(16);
    t.mark(P::received, 0x50);  // an earlier drain: does not reach the commit
    t.mark(P::received, 0x100);
    t.mark(P::written, 0x100);
    t.mark(P::flushed, 0x100);
    t.mark(P::woken, 0x100);
    t.mark(P::applied, 0x80);
    t.mark(P::reply, 0x50);  // a reply before the commit's: not it
    std::this_thread::sleep_for(2ms);
    t.mark(P::reply, 0x100);
    t.mark(P::applied, 0x100);  // applied, never replied: left out

    const auto paths = t.analyze();
    REQUIRE(paths.size() == 1);
    const auto& c = paths[0];
    CHECK(c.lsn == 0x80);
    CHECK(at(c, P::received) <= at(c, P::written));
    CHECK(at(c, P::written) <= at(c, P::flushed));
    CHECK(at(c, P::flushed) <= at(c, P::woken));
    CHECK(at(c, P::woken) <= at(c, P::applied));
    // The second reply, sent after the 2 ms sleep.
    CHECK(at(c, P::reply) - at(c, P::applied) >= 2'000'000);

    const std::string s = LatencyTrace::summary(paths);
    CHECK(s.find("1 commits") != std::string::npos);
    CHECK(s.find("applied -> reply sent") != std::string::npos);
}

TEST_CASE("LatencyTrace: no wake-up when the replayer did not wait; marks past the capacity are dropped") {
    LatencyTrace t(2);
    t.mark(P::woken, 0x10);  // a wake-up for older WAL, before the commit was flushed
    t.mark(P::received, 0x100);
    t.mark(P::written, 0x100);
    t.mark(P::flushed, 0x100);
    t.mark(P::applied, 0x100);
    t.mark(P::reply, 0x100);
    t.mark(P::applied, 0x200);
    t.mark(P::applied, 0x300);  // dropped: capacity 2
    const auto paths = t.analyze();
    REQUIRE(paths.size() == 1);  // 0x200 was never received, flushed or replied
    CHECK(at(paths[0], P::woken) == -1);
    CHECK(at(paths[0], P::flushed) >= 0);
}
