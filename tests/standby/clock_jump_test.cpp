// Fault 5, the clock (issue #15): this host's clock stepped forward by an hour and back while a
// primary streams, with a faked clock. LagTracker (standby/lag.h) and ClockSkewEstimator
// (standby/clock_skew.h) take every time as an argument, so the test drives both with a
// simulated primary clock and a simulated local clock that jumps: the lags are never negative
// nor beyond the step plus the real delay, they are the real delay again once the clock is
// back, and the skew estimate reports each step within a few round trips.
#include <doctest/doctest.h>

#include <cmath>
#include <optional>

#include "standby/clock_skew.h"
#include "standby/lag.h"

using understudy::standby::ClockSkewEstimator;
using understudy::standby::LagTracker;

namespace {

constexpr std::int64_t kMs = 1000;
constexpr std::int64_t kSec = 1000000;

// A primary writing 8 kB every 100 ms of real time, a standby receiving each message 5 ms later,
// flushing it 1 ms after that and applying it 2 ms after that; a reply with a clock round trip
// (the primary's clock read 1 ms after we ask, answered 1 ms later) every 10 s. The local clock
// reads real time + `offset(real time)`; the primary's reads real time.
struct Simulation {
    LagTracker lag{1 * kSec};
    ClockSkewEstimator skew;
    std::int64_t real = 1000 * kSec;  // real time, as the primary's clock shows it
    std::uint64_t lsn = 0x1000000;
    double max_lag = 0, min_lag = 0;

    template <typename Offset>
    void run_until(std::int64_t end, Offset offset) {
        for (; real < end; real += 100 * kMs) {
            lsn += 8192;
            const std::int64_t receipt = real + 5 * kMs + offset(real + 5 * kMs);
            lag.on_primary_message(lsn, lsn, real);
            skew.on_message(real, receipt);
            auto snap = lag.update(lsn, lsn, lsn - 8192, receipt);
            snap = lag.update(lsn, lsn, lsn, real + 8 * kMs + offset(real + 8 * kMs));
            for (double s : snap.seconds) {
                max_lag = std::max(max_lag, s);
                min_lag = std::min(min_lag, s);
                REQUIRE(std::isfinite(s));
            }
            if ((real / (100 * kMs)) % 100 == 0)  // every 10 s
                skew.on_round_trip(real + offset(real), real + 1 * kMs, real + 2 * kMs + offset(real + 2 * kMs));
        }
    }
    std::array<double, 3> lags_now(std::int64_t local_now) {
        return lag.update(lsn, lsn, lsn, local_now).seconds;
    }
};

}  // namespace

TEST_CASE("clock jump: an hour forward and back; lags never negative nor absurd, the skew estimate follows") {
    constexpr std::int64_t kHour = 3600 * kSec;
    Simulation sim;
    auto none = [](std::int64_t) { return std::int64_t{0}; };
    sim.run_until(1060 * kSec, none);
    auto start = sim.skew.estimate();
    REQUIRE(start.has_value());
    CHECK(std::fabs(start->seconds) < 0.002);
    CHECK(sim.max_lag < 0.02);

    // Forward by an hour: the lags (our clock minus the primary's send time, as documented) read
    // about an hour, never more than the step plus the real delay; within three round trips
    // (30 s) the skew estimate says our clock is an hour ahead, so lag minus skew is the real
    // delay.
    sim.max_lag = 0;
    auto ahead = [](std::int64_t) { return kHour; };
    sim.run_until(1090 * kSec, ahead);
    CHECK(sim.min_lag >= 0);
    CHECK(sim.max_lag <= 3600.02);
    auto fwd = sim.skew.estimate();
    REQUIRE(fwd.has_value());
    CHECK(fwd->seconds == doctest::Approx(3600).epsilon(0.0001));
    for (double s : sim.lags_now(sim.real + kHour + 8 * kMs)) CHECK(std::fabs(s - fwd->seconds) < 0.05);

    // Back to the right time: the lags are the real delay again at once (a few ms), never
    // negative; the estimate comes back within three round trips.
    sim.max_lag = 0;
    sim.run_until(1095 * kSec, none);
    CHECK(sim.min_lag >= 0);
    for (double s : sim.lags_now(sim.real + 8 * kMs)) CHECK(s < 0.02);
    sim.run_until(1130 * kSec, none);
    auto back = sim.skew.estimate();
    REQUIRE(back.has_value());
    CHECK(std::fabs(back->seconds) < 0.01);

    // An hour behind: every send time is in our future; the lags are not negative (a sample in
    // our future is not read, as walsender's LagTrackerRead skips them) and stay at most the real
    // delay; the estimate says an hour behind after the first message.
    sim.max_lag = 0;
    auto behind = [](std::int64_t) { return -kHour; };
    sim.run_until(1131 * kSec, behind);
    auto bwd = sim.skew.estimate();
    REQUIRE(bwd.has_value());
    CHECK(bwd->seconds == doctest::Approx(-3600).epsilon(0.0001));
    sim.run_until(1200 * kSec, behind);
    CHECK(sim.min_lag >= 0);
    CHECK(sim.max_lag < 0.02);
    bwd = sim.skew.estimate();
    REQUIRE(bwd.has_value());
    CHECK(bwd->seconds == doctest::Approx(-3600).epsilon(0.0001));
    CHECK(std::string(bwd->source) == "round trip");
}
