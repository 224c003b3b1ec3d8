// LagTracker follows walsender.c's LagTrackerWrite / LagTrackerRead (PG15): samples of the
// primary's WAL end per 'w' message, the lag when a position passes a sample, interpolation for
// a stuck position, no change when idle, cleared once fully applied for a while.
#include <doctest/doctest.h>

#include "standby/lag.h"

using understudy::standby::LagTracker;

namespace {
constexpr std::int64_t kSec = 1000000;
}

TEST_CASE("lag: a position passing a sample gets now minus that sample's send time") {
    LagTracker lag(kSec);
    lag.on_primary_message(1000, 1000, 10 * kSec);  // 'w': WAL up to 1000 sent at t=10 s
    auto s = lag.update(1000, 1000, 0, 10 * kSec + 300000);
    CHECK(s.seconds[0] == doctest::Approx(0.3));
    CHECK(s.seconds[1] == doctest::Approx(0.3));
    CHECK(s.primary_wal_end == 1000);
}

TEST_CASE("lag: a stuck apply position between two samples grows (interpolated), write stays") {
    LagTracker lag(kSec);
    lag.on_primary_message(1000, 1000, 10 * kSec);
    lag.on_primary_message(2000, 2000, 11 * kSec);
    auto s = lag.update(2000, 2000, 1000, 11 * kSec + 100000);
    CHECK(s.seconds[0] == doctest::Approx(0.1));
    CHECK(s.seconds[2] == doctest::Approx(1.1));
    // Apply stays at 1000 (half-way would be 1500): time interpolated at the sample it passed.
    s = lag.update(2000, 2000, 1000, 13 * kSec);
    CHECK(s.seconds[0] == doctest::Approx(0.1));  // nothing new for write: unchanged
    CHECK(s.seconds[2] == doctest::Approx(3.0));  // 13 - 10: grows while stuck
    s = lag.update(2000, 2000, 1500, 14 * kSec);
    CHECK(s.seconds[2] == doctest::Approx(3.5));  // 14 - 10.5
}

TEST_CASE("lag: an idle primary changes nothing; fully applied for clear_after clears to zero") {
    LagTracker lag(kSec);
    lag.on_primary_message(1000, 1000, 10 * kSec);
    auto s = lag.update(1000, 1000, 1000, 10 * kSec + 200000);
    CHECK(s.seconds[2] == doctest::Approx(0.2));
    lag.on_primary_message(0, 1000, 12 * kSec);  // keepalive, nothing new
    s = lag.update(1000, 1000, 1000, 10 * kSec + 900000);
    CHECK(s.seconds[2] == doctest::Approx(0.2));  // not growing
    s = lag.update(1000, 1000, 1000, 11 * kSec + 300000);
    CHECK(s.seconds == std::array<double, 3>{0, 0, 0});
    s = lag.update(1000, 1000, 1000, 60 * kSec);
    CHECK(s.seconds == std::array<double, 3>{0, 0, 0});
}

TEST_CASE("lag: a new burst after being caught up reports the future sample's age until reached") {
    LagTracker lag(kSec);
    lag.on_primary_message(1000, 1000, 10 * kSec);
    lag.update(1000, 1000, 1000, 10 * kSec);
    lag.on_primary_message(5000, 5000, 20 * kSec);
    auto s = lag.update(1000, 1000, 1000, 21 * kSec);
    CHECK(s.seconds[0] == doctest::Approx(1.0));
    CHECK(s.seconds[2] == doctest::Approx(1.0));
}

TEST_CASE("lag: samples come from walEnd, once per advance") {
    LagTracker lag(kSec);
    lag.on_primary_message(500, 3000, 10 * kSec);   // data up to 500, primary's WAL end 3000
    lag.on_primary_message(1000, 3000, 11 * kSec);  // same WAL end: no new sample
    auto s = lag.update(1000, 1000, 1000, 12 * kSec);
    CHECK(s.seconds[0] == doctest::Approx(2.0));  // only the future sample (3000 @ 10 s)
    s = lag.update(3000, 3000, 3000, 12 * kSec + 500000);
    CHECK(s.seconds[0] == doctest::Approx(2.5));
}
