// The catch-up display: starts past 1 MB behind, rate and ETA from the applied position, a line
// redrawn in place on a terminal, plain lines every 5 s otherwise, a final "caught up".
#include <doctest/doctest.h>

#include "standby/progress.h"

using understudy::standby::bytes_text;
using understudy::standby::CatchUpProgress;

TEST_CASE("progress: nothing while less than 1 MB behind") {
    CatchUpProgress p(false);
    CHECK_FALSE(p.update(0, 512 * 1024, 0).has_value());
}

TEST_CASE("progress: plain lines with bytes behind, rate and ETA; then caught up") {
    constexpr std::uint64_t MB = 1 << 20;
    CatchUpProgress p(false);
    auto first = p.update(0, 100 * MB, 0);
    REQUIRE(first);
    CHECK(first->find("catching up: 100.0 MB behind") == 0);
    CHECK(first->find("ETA unknown") != std::string::npos);
    CHECK_FALSE(p.update(1, 90 * MB, 10 * MB));  // under 5 s since the last line
    auto later = p.update(5, 50 * MB, 50 * MB);
    REQUIRE(later);
    CHECK(later->find("applying 10.0 MB/s") != std::string::npos);
    CHECK(later->find("ETA 0:05") != std::string::npos);
    CHECK(later->find('\r') == std::string::npos);
    auto done = p.update(6, 0, 100 * MB);
    REQUIRE(done);
    CHECK(*done == "caught up: applied 100.0 MB in 6.0 s");
}

TEST_CASE("progress: a terminal line is redrawn in place and ends with a newline when caught up") {
    constexpr std::uint64_t MB = 1 << 20;
    CatchUpProgress p(true);
    auto first = p.update(0, 10 * MB, 0);
    REQUIRE(first);
    CHECK(first->rfind("\r\x1b[Kcatching up: ", 0) == 0);
    CHECK(first->find('\n') == std::string::npos);
    CHECK(p.update(0.6, 8 * MB, 2 * MB).has_value());
    auto done = p.update(1.0, 0, 10 * MB);
    REQUIRE(done);
    CHECK(done->rfind("\r\x1b[Kcaught up: ", 0) == 0);
    CHECK(done->back() == '\n');
}

TEST_CASE("progress: plain lines at a chosen interval (--progress-interval)") {
    constexpr std::uint64_t MB = 1 << 20;
    CatchUpProgress p(false, 1.0);
    REQUIRE(p.update(0, 100 * MB, 0));
    CHECK_FALSE(p.update(0.5, 95 * MB, 5 * MB));
    auto second = p.update(1.0, 90 * MB, 10 * MB);
    REQUIRE(second);
    CHECK(second->find("catching up: 90.0 MB behind, applying 10.0 MB/s") == 0);
    CHECK_FALSE(p.update(1.5, 85 * MB, 15 * MB));
    CHECK(p.update(2.0, 80 * MB, 20 * MB));
}

TEST_CASE("bytes_text as pg_size_pretty's units") {
    CHECK(bytes_text(512) == "512 bytes");
    CHECK(bytes_text(1536) == "1.5 kB");
    CHECK(bytes_text(3.0 * (1 << 30)) == "3.0 GB");
}
