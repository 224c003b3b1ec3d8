#include <doctest/doctest.h>

#include <chrono>

#include "common/log.h"

using namespace understudy;

TEST_CASE("log line formats: plain, timestamped (UTC, milliseconds), journal (syslog priority, no timestamp)") {
    // 2026-12-07 02:20:01.123 UTC
    const auto t = std::chrono::system_clock::time_point(std::chrono::milliseconds(1796610001123LL));
    CHECK(log::format_line(log::Format::plain, log::Level::Warning, "slot \"s\" is missing", t) ==
          "understudy: warning: slot \"s\" is missing\n");
    CHECK(log::format_line(log::Format::timestamped, log::Level::Info, "caught up", t) ==
          "2026-12-07 02:20:01.123 UTC understudy: caught up\n");
    CHECK(log::format_line(log::Format::timestamped, log::Level::Error, "x", t) ==
          "2026-12-07 02:20:01.123 UTC understudy: error: x\n");
    CHECK(log::format_line(log::Format::journal, log::Level::Error, "x", t) == "<3>error: x\n");
    CHECK(log::format_line(log::Format::journal, log::Level::Warning, "x", t) == "<4>warning: x\n");
    CHECK(log::format_line(log::Format::journal, log::Level::Info, "x", t) == "<6>x\n");
    CHECK(log::format_line(log::Format::journal, log::Level::Debug, "x", t) == "<7>debug: x\n");
}
