#include <doctest/doctest.h>

#include <cstdlib>
#include <sys/stat.h>
#include <unistd.h>

#include <optional>
#include <string>

#include <fmt/format.h>

#include "common/sd_notify.h"
#include "tests/support/files.h"
#include "tests/support/notify_listener.h"

using namespace understudy;
using namespace std::chrono_literals;

namespace {

// Sets an environment variable for one scope, restoring the old value after.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const char* value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        if (value) ::setenv(name, value, 1);
        else ::unsetenv(name);
    }
    ~ScopedEnv() {
        if (old_) ::setenv(name_, old_->c_str(), 1);
        else ::unsetenv(name_);
    }

private:
    const char* name_;
    std::optional<std::string> old_;
};

}  // namespace

TEST_CASE("NotifySocket: a datagram to a socket path arrives whole, newlines and all") {
    testing::TempDirectory dir("understudy-sd-notify");
    testing::NotifyListener listener(dir.path + "/notify");
    auto s = service::NotifySocket::open(listener.path());
    REQUIRE_MESSAGE(s.ok(), s.message());
    CHECK(s->active());
    REQUIRE(s->send("READY=1\nSTATUS=streaming").ok());
    CHECK(listener.receive(2s) == std::optional<std::string>("READY=1\nSTATUS=streaming"));
    REQUIRE(s->send("WATCHDOG=1").ok());
    CHECK(listener.receive(2s) == std::optional<std::string>("WATCHDOG=1"));
}

TEST_CASE("NotifySocket: '@name' is the abstract namespace") {
    const std::string name = fmt::format("@understudy-sd-notify-test-{}", ::getpid());
    testing::NotifyListener listener(name);
    ScopedEnv env("NOTIFY_SOCKET", name.c_str());
    auto s = service::NotifySocket::from_environment();
    REQUIRE_MESSAGE(s.ok(), s.message());
    REQUIRE(s->send("STOPPING=1").ok());
    CHECK(listener.receive(2s) == std::optional<std::string>("STOPPING=1"));
}

TEST_CASE("NotifySocket: without NOTIFY_SOCKET it is inactive and sending does nothing") {
    ScopedEnv env("NOTIFY_SOCKET", nullptr);
    auto s = service::NotifySocket::from_environment();
    REQUIRE(s.ok());
    CHECK_FALSE(s->active());
    CHECK(s->send("READY=1").ok());
}

TEST_CASE("NotifySocket: a relative path is refused and named; a socket nobody listens on fails the send") {
    auto bad = service::NotifySocket::open("run/notify");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.message().find("NOTIFY_SOCKET \"run/notify\"") != std::string::npos);
    CHECK(bad.message().find("absolute path") != std::string::npos);

    testing::TempDirectory dir("understudy-sd-notify");
    auto s = service::NotifySocket::open(dir.path + "/nobody");
    REQUIRE(s.ok());
    auto r = s->send("READY=1");
    REQUIRE_FALSE(r.ok());
    CHECK(r.message().find(dir.path + "/nobody") != std::string::npos);
    CHECK(r.message().find("READY=1") != std::string::npos);
}

TEST_CASE("watchdog interval: WATCHDOG_USEC, only for this process's WATCHDOG_PID") {
    ScopedEnv usec("WATCHDOG_USEC", "3000000");
    {
        ScopedEnv pid("WATCHDOG_PID", nullptr);
        CHECK(service::watchdog_interval_from_environment() == std::chrono::microseconds(3000000));
    }
    {
        ScopedEnv pid("WATCHDOG_PID", std::to_string(::getpid()).c_str());
        CHECK(service::watchdog_interval_from_environment() == std::chrono::microseconds(3000000));
    }
    {
        ScopedEnv pid("WATCHDOG_PID", std::to_string(::getpid() + 1).c_str());
        CHECK_FALSE(service::watchdog_interval_from_environment().has_value());
    }
    ScopedEnv bad("WATCHDOG_USEC", "3s");
    CHECK_FALSE(service::watchdog_interval_from_environment().has_value());
}

TEST_CASE("stderr_is_journal: JOURNAL_STREAM must name stderr's device and inode") {
    struct stat st {};
    REQUIRE(::fstat(STDERR_FILENO, &st) == 0);
    {
        ScopedEnv js("JOURNAL_STREAM", fmt::format("{}:{}", st.st_dev, st.st_ino).c_str());
        CHECK(service::stderr_is_journal());
    }
    {
        ScopedEnv js("JOURNAL_STREAM", fmt::format("{}:{}", st.st_dev, st.st_ino + 1).c_str());
        CHECK_FALSE(service::stderr_is_journal());
    }
    ScopedEnv js("JOURNAL_STREAM", nullptr);
    CHECK_FALSE(service::stderr_is_journal());
}
