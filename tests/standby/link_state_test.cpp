// standby/link_state.h: the state and lags status.json shows while the primary is silent.
#include <doctest/doctest.h>

#include <array>
#include <chrono>

#include "standby/link_state.h"

using understudy::receiver::ReceiverActivity;
using understudy::standby::link_view;
using understudy::standby::silence_limit;

TEST_CASE("silence from the primary turns streaming into waiting and is counted into every lag") {
    using namespace std::chrono_literals;
    const auto limit = silence_limit(1000ms);
    CHECK(limit == 2000ms);
    CHECK(silence_limit(10000ms) == 20000ms);
    CHECK(silence_limit(100ms) == 2000ms);
    const std::int64_t t0 = 800'000'000'000'000;
    const std::array<double, 3> zero{0, 0, 0};

    auto healthy = link_view(ReceiverActivity::streaming, true, t0, t0 + 500'000, limit, zero);
    CHECK(healthy.state == "streaming");
    REQUIRE(healthy.seconds_since_last_message);
    CHECK(*healthy.seconds_since_last_message == doctest::Approx(0.5));
    CHECK(healthy.lag_seconds == zero);  // an idle, healthy link: no lag made up

    auto silent = link_view(ReceiverActivity::streaming, true, t0, t0 + 7'000'000, limit, {0.1, 0.2, 9.0});
    CHECK(silent.state == "waiting");
    CHECK(silent.lag_seconds[0] == doctest::Approx(7.0));
    CHECK(silent.lag_seconds[1] == doctest::Approx(7.0));
    CHECK(silent.lag_seconds[2] == doctest::Approx(9.0));  // already more than the silence

    auto later = link_view(ReceiverActivity::reconnecting, true, t0, t0 + 30'000'000, limit, zero);
    CHECK(later.state == "reconnecting");
    CHECK(later.lag_seconds[2] == doctest::Approx(30.0));
    CHECK(link_view(ReceiverActivity::connecting, true, t0, t0 + 31'000'000, limit, zero).lag_seconds[0] ==
          doctest::Approx(31.0));

    // Before the first message: no silence to count, the state says what happens.
    auto first = link_view(ReceiverActivity::connecting, false, 0, t0, limit, zero);
    CHECK(first.state == "connecting");
    CHECK(!first.seconds_since_last_message);
    CHECK(first.lag_seconds == zero);
    CHECK(link_view(ReceiverActivity::streaming, false, t0, t0, limit, zero).state == "starting");
    CHECK(link_view(ReceiverActivity::stopped, true, t0, t0 + 60'000'000, limit, zero).state == "stopped");
}
