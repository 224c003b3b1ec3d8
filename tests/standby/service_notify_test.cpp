#include <doctest/doctest.h>

#include <cstdlib>
#include <thread>

#include <unistd.h>

#include "standby/service_notify.h"
#include "tests/support/files.h"
#include "tests/support/notify_listener.h"

using namespace understudy;
using namespace understudy::standby;
using namespace std::chrono_literals;

TEST_CASE("ready_to_serve: replay running with an apply position, and everything the primary had is flushed") {
    ServiceTick t{.primary_wal_end = 0x3000100, .flushed = 0x3000100, .applied = 0x2000028, .replay_running = true};
    CHECK(ready_to_serve(t));
    t.flushed = 0x30000FF;  // the walsender still has WAL to send: it is in catchup, not streaming
    CHECK_FALSE(ready_to_serve(t));
    t.flushed = 0x3000200;
    CHECK(ready_to_serve(t));
    t.replay_running = false;
    CHECK_FALSE(ready_to_serve(t));
    t.replay_running = true;
    t.applied = InvalidXLogRecPtr;
    CHECK_FALSE(ready_to_serve(t));
    t.applied = 0x2000028;
    t.primary_wal_end = InvalidXLogRecPtr;  // nothing heard from the primary yet
    CHECK_FALSE(ready_to_serve(t));
}

TEST_CASE("service_status_text: state, applied position, apply lag in time and bytes, paused") {
    StandbyStatus st;
    st.state = "streaming";
    st.primary_wal_end_lsn = 0x3000000 + 2048;
    st.applied_lsn = 0x3000000;
    st.lag_seconds = {0.001, 0.002, 0.004};
    CHECK(service_status_text(st) == "streaming: applied 0/3000000, apply lag 0.004 s, 2048 bytes behind");
    st.replay_paused = true;
    CHECK(service_status_text(st) == "streaming: applied 0/3000000, apply lag 0.004 s, 2048 bytes behind, replay paused");
}

TEST_CASE("ServiceNotifier: READY=1 once, WATCHDOG=1 every half interval, STATUS=, STOPPING=1 once") {
    testing::TempDirectory dir("understudy-service-notify");
    testing::NotifyListener listener(dir.path + "/notify");
    ::setenv("NOTIFY_SOCKET", listener.path().c_str(), 1);
    ::setenv("WATCHDOG_USEC", "200000", 1);  // WATCHDOG=1 every 100 ms
    ::unsetenv("WATCHDOG_PID");
    auto n = ServiceNotifier::from_environment();
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    REQUIRE_MESSAGE(n.ok(), n.message());
    REQUIRE(n->active());

    ServiceTick catching_up{.primary_wal_end = 0x3000100, .flushed = 0x3000000, .applied = 0x2000028,
                            .replay_running = true};
    n->tick(catching_up);
    CHECK_FALSE(listener.receive(50ms).has_value());  // not ready, no watchdog due yet

    ServiceTick caught_up = catching_up;
    caught_up.flushed = 0x3000100;
    n->tick(caught_up);
    auto ready = listener.receive(1s);
    REQUIRE(ready.has_value());
    CHECK(*ready == "READY=1\nSTATUS=streaming: applied 0/2000028");
    n->tick(caught_up);  // ready only once
    CHECK_FALSE(listener.receive(50ms).has_value());

    std::this_thread::sleep_for(120ms);
    n->tick(caught_up);
    CHECK(listener.receive(1s) == std::optional<std::string>("WATCHDOG=1"));
    n->tick(caught_up);  // not due again yet
    CHECK_FALSE(listener.receive(20ms).has_value());

    StandbyStatus st;
    st.state = "streaming";
    n->status(st);
    CHECK(listener.receive(1s) == std::optional<std::string>("STATUS=" + service_status_text(st)));

    n->stopping("stop requested");
    CHECK(listener.receive(1s) == std::optional<std::string>("STOPPING=1\nSTATUS=stopping: stop requested"));
    n->stopping("stop requested");
    CHECK_FALSE(listener.receive(50ms).has_value());
}
