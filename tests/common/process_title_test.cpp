// common/process_title.h: passwords leave the command line the kernel reports, the rest stays.
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "common/process_title.h"

using understudy::hide_passwords_in_argv;
using understudy::redact_argument;

TEST_CASE("redact_argument replaces conninfo and URI passwords and never grows the argument") {
    CHECK(redact_argument("host=db password=hunter2 user=rep") == "host=db password=*** user=rep");
    CHECK(redact_argument("postgresql://rep:hunter2@db:5432/x") == "postgresql://rep:***@db:5432/x");
    CHECK(redact_argument("--primary=host=db password='a b c'") == "--primary=host=db password=***");
    CHECK(redact_argument("host=db password=ab") == "host=db password=**");
    CHECK(redact_argument("postgres://u:x@h") == "postgres://u:*@h");
    CHECK(redact_argument("--dir") == "--dir");
}

TEST_CASE("hide_passwords_in_argv rewrites the contiguous argv area in place") {
    const std::vector<std::string> args = {"understudy", "standby", "--primary", "host=h password=hunter2 user=u",
                                           "--dir", "/tmp/x"};
    std::string area;
    for (const auto& a : args) area += a + '\0';
    std::vector<char> mem(area.begin(), area.end());
    std::vector<char*> argv;
    std::size_t off = 0;
    for (const auto& a : args) {
        argv.push_back(mem.data() + off);
        off += a.size() + 1;
    }
    REQUIRE(hide_passwords_in_argv(static_cast<int>(argv.size()), argv.data()));
    const std::string now(mem.begin(), mem.end());
    CHECK(now.find("hunter2") == std::string::npos);
    CHECK(std::string(argv[3]) == "host=h password=*** user=u");
    CHECK(std::string(argv[4]) == "--dir");
    CHECK(std::string(argv[5]) == "/tmp/x");
    CHECK(mem.back() == '\0');
    CHECK(!hide_passwords_in_argv(static_cast<int>(argv.size()), argv.data()));  // nothing left to hide
}
