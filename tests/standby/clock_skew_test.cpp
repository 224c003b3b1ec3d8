// ClockSkewEstimator (standby/clock_skew.h): one-way bounds from send/receipt times, round trips,
// their combination, windows following a clock step, the warning once beyond 100 ms.
#include <doctest/doctest.h>

#include "standby/clock_skew.h"

using understudy::standby::ClockSkewEstimator;

namespace {
constexpr std::int64_t kMs = 1000;
constexpr std::int64_t kSec = 1000000;
}  // namespace

TEST_CASE("clock skew: nothing known without evidence; a positive one-way minimum is not skew") {
    ClockSkewEstimator e;
    CHECK_FALSE(e.estimate().has_value());
    // Messages arriving 2..5 ms after their send time: delay or skew, cannot tell.
    for (int i = 0; i < 10; ++i) e.on_message(100 * kSec + i * kSec, 100 * kSec + i * kSec + (2 + i % 4) * kMs);
    CHECK_FALSE(e.estimate().has_value());
    CHECK_FALSE(e.take_warning().has_value());
}

TEST_CASE("clock skew: a send time in our future bounds our clock as behind by at least that much") {
    ClockSkewEstimator e;
    // Our clock 300 ms behind, delays 1..4 ms: receipt - send = delay - 300 ms, minimum -299 ms.
    for (int i = 0; i < 20; ++i) {
        const std::int64_t send = 50 * kSec + i * 100 * kMs;
        e.on_message(send, send - 300 * kMs + (1 + i % 4) * kMs);
    }
    auto est = e.estimate();
    REQUIRE(est.has_value());
    CHECK(est->seconds == doctest::Approx(-0.299));
    CHECK(std::string(est->source) == "one-way bound");
    auto w = e.take_warning();
    REQUIRE(w.has_value());
    CHECK(w->find("0.299 s behind the primary's") != std::string::npos);
    CHECK(w->find("lag seconds") != std::string::npos);
    CHECK_FALSE(e.take_warning().has_value());  // once per run
}

TEST_CASE("clock skew: a round trip gives the midpoint, the tightest round trip wins") {
    ClockSkewEstimator e;
    // Ours 2 s ahead. Round trip of 40 ms, primary read 10 ms after we asked (not the middle).
    e.on_round_trip(1000 * kSec, 1000 * kSec - 2 * kSec + 10 * kMs, 1000 * kSec + 40 * kMs);
    auto a = e.estimate();
    REQUIRE(a.has_value());
    CHECK(a->seconds == doctest::Approx(2.010));  // (−0.010 + 0.030)/2 + 2: off by 10 ms, within +-20 ms
    CHECK(a->uncertainty == doctest::Approx(0.020));
    // A tighter one (4 ms) replaces it; a looser one (100 ms) later does not.
    e.on_round_trip(1001 * kSec, 1001 * kSec - 2 * kSec + 2 * kMs, 1001 * kSec + 4 * kMs);
    e.on_round_trip(1002 * kSec, 1002 * kSec - 2 * kSec + 90 * kMs, 1002 * kSec + 100 * kMs);
    auto b = e.estimate();
    REQUIRE(b.has_value());
    CHECK(b->seconds == doctest::Approx(2.000));
    CHECK(b->uncertainty == doctest::Approx(0.002));
    CHECK(std::string(b->source) == "round trip");
    auto w = e.take_warning();
    REQUIRE(w.has_value());
    CHECK(w->find("2.000 s ahead of the primary's") != std::string::npos);
    CHECK(w->find("+- 0.002 s") != std::string::npos);
    // Our clock stepping back during a round trip says nothing.
    ClockSkewEstimator f;
    f.on_round_trip(10 * kSec, 5 * kSec, 9 * kSec);
    CHECK_FALSE(f.estimate().has_value());
}

TEST_CASE("clock skew: within 100 ms, no warning; one-way messages agreeing with the round trip keep it") {
    ClockSkewEstimator e;
    e.on_round_trip(10 * kSec, 10 * kSec - 50 * kMs + 1 * kMs, 10 * kSec + 2 * kMs);  // 50 ms ahead
    for (int i = 0; i < 5; ++i) e.on_message(11 * kSec + i * kSec, 11 * kSec + i * kSec + 50 * kMs + 3 * kMs);
    auto est = e.estimate();
    REQUIRE(est.has_value());
    CHECK(est->seconds == doctest::Approx(0.050));
    CHECK_FALSE(e.take_warning().has_value());
}

TEST_CASE("clock skew: a clock step after the round trip is followed by the one-way bound, window by window") {
    ClockSkewEstimator e;
    e.on_round_trip(0, 0, 2 * kMs);  // no skew at start
    // Then our clock is stepped 1 s back: messages arrive "before" they were sent.
    std::int64_t t = 10 * kSec;
    for (int i = 0; i < 10; ++i, t += kSec) e.on_message(t, t - kSec + 2 * kMs);
    auto stepped = e.estimate();
    REQUIRE(stepped.has_value());
    CHECK(stepped->seconds == doctest::Approx(-0.998));
    CHECK(std::string(stepped->source) == "one-way bound");
    // The one-way minimum forgets old windows: after the clock is fixed (two windows of 30 s of
    // messages with a 1 ms delay), the bound is back above the round trip, which is used again.
    for (int i = 0; i < 70; ++i, t += kSec) e.on_message(t, t + 1 * kMs);
    auto fixed = e.estimate();
    REQUIRE(fixed.has_value());
    CHECK(fixed->seconds == doctest::Approx(0.001));
    CHECK(std::string(fixed->source) == "round trip");
}

TEST_CASE("clock skew: round trips are kept per 5 min window, so a drifted clock is followed") {
    ClockSkewEstimator e;
    std::int64_t t = 1000 * kSec;
    e.on_round_trip(t, t - 1 * kMs, t + 1 * kMs);  // skew 0, a very tight round trip
    CHECK(e.round_trips() == 1);
    // Our clock is then ~500 ms ahead; round trips every 10 s, looser (5 ms).
    for (int i = 1; i <= 65; ++i) {
        t += 10 * kSec;
        e.on_round_trip(t, t - 505 * kMs, t + 5 * kMs);  // skew in [505, 510] ms
    }
    CHECK(e.round_trips() == 66);
    // After two windows the old tight round trip is gone: the estimate is the drifted skew.
    auto est = e.estimate();
    REQUIRE(est.has_value());
    CHECK(est->seconds == doctest::Approx(0.5075));  // midpoint of [0.505, 0.510]
    CHECK(est->uncertainty == doctest::Approx(0.0025));
}
