// The Debian package, end to end: tools/build_deb.sh builds it from this tree
// (dpkg-buildpackage -us -uc -b in a temporary copy), `dpkg -x` installs it into a clean root,
// and the installed binary runs: --version, `waldump --help`, and `understudy standby` against a
// real PostgreSQL 15 primary under a service manager's NOTIFY_SOCKET (a datagram socket this test
// reads), with WATCHDOG_USEC and JOURNAL_STREAM set as systemd sets them:
//   - READY=1 arrives, and when it does the primary's pg_stat_replication already shows the
//     standby as streaming (a backlog is waiting, so READY=1 cannot come from the connect alone);
//   - WATCHDOG=1 keeps arriving, every half WATCHDOG_USEC; STATUS= lines carry the lag line;
//   - SIGTERM gives STOPPING=1 and exit 0;
//   - the log lines carry syslog priorities and no timestamps of their own (journal format).
// The package's Depends, its man pages, bash completion and unit file are checked too.
#include <sys/stat.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "tests/integration/standby_helpers.h"
#include "tests/support/notify_listener.h"

using namespace understudy;
using namespace understudy::testing;
using namespace understudy::testing::standby;
using namespace std::chrono_literals;

namespace {

std::string source_root() {
    const char* root = std::getenv("UNDERSTUDY_SOURCE_ROOT");
    REQUIRE_MESSAGE(root != nullptr, "UNDERSTUDY_SOURCE_ROOT is not set (meson test sets it)");
    return root;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string last_line(const std::string& text) {
    std::string t = text;
    while (!t.empty() && t.back() == '\n') t.pop_back();
    const auto nl = t.rfind('\n');
    return nl == std::string::npos ? t : t.substr(nl + 1);
}

}  // namespace

TEST_CASE("package: builds, installs into a clean root, and the installed standby speaks the notify protocol") {
    TempDir work("understudy-package");
    // The root the package is unpacked into and the socket are read by the standby, which runs as
    // the invoking user; the primary runs as postgres (PgCluster).
    const std::string out_dir = work.path() + "/deb";
    // The test proves the packaging (layout, Depends, the installed binary running), not the
    // optimiser: `noopt` (-O0, which also drops _FORTIFY_SOURCE) builds the package in a fraction
    // of the -O2 time on a cold CI machine. tools/build_deb.sh without the variable builds the
    // release package with Debian's default flags.
    ::setenv("DEB_BUILD_OPTIONS", "parallel=2 nocheck noopt", 1);
    const auto t0 = std::chrono::steady_clock::now();
    RunResult built = run({source_root() + "/tools/build_deb.sh", out_dir});
    const double build_seconds = seconds_since(t0);
    REQUIRE_MESSAGE(built.exit_code == 0, built.output);
    const std::string deb = last_line(built.output);
    REQUIRE_MESSAGE(std::filesystem::exists(deb), built.output);
    MESSAGE(fmt::format("package built in {:.1f} s: {}", build_seconds, deb));

    // Runtime dependencies from ${shlibs:Depends}: the libraries the binary links.
    RunResult depends = run({"dpkg-deb", "-f", deb, "Depends"});
    REQUIRE(depends.exit_code == 0);
    MESSAGE("Depends: " << depends.output);
    for (const char* lib : {"libpq5", "libuv1", "libc6", "libstdc++6", "adduser"})
        CHECK_MESSAGE(depends.output.find(lib) != std::string::npos, "Depends lacks " << lib << ": " << depends.output);

    const std::string root = work.path() + "/root";
    std::filesystem::create_directories(root);
    RunResult unpacked = run({"dpkg", "-x", deb, root});
    REQUIRE_MESSAGE(unpacked.exit_code == 0, unpacked.output);
    const std::string bin = root + "/usr/bin/understudy";
    REQUIRE(std::filesystem::exists(bin));
    for (const char* page : {"understudy", "understudy-standby", "understudy-receive", "understudy-replay",
                             "understudy-retire", "understudy-waldump", "understudy-lag",
                             "understudy-basebackup"}) {
        const std::string path = root + "/usr/share/man/man1/" + page + ".1.gz";
        CHECK_MESSAGE(std::filesystem::exists(path), path << " is not in the package");
    }
    const std::string completion = read_file(root + "/usr/share/bash-completion/completions/understudy");
    CHECK(completion.find("complete -o default -F _understudy understudy") != std::string::npos);
    const std::string unit = read_file(root + "/lib/systemd/system/understudy-standby@.service");
    CHECK(unit.find("Type=notify") != std::string::npos);
    CHECK(unit.find("ExecStart=/usr/bin/understudy standby ") != std::string::npos);
    CHECK(unit.find("ProtectSystem=strict") != std::string::npos);

    RunResult version = run({bin, "--version"});
    CHECK(version.exit_code == 0);
    CHECK(version.output == "understudy 0.1.0\n");
    RunResult waldump_help = run({bin, "waldump", "--help"});
    CHECK(waldump_help.exit_code == 0);
    CHECK(waldump_help.output.find("--rmgr") != std::string::npos);

    // A primary with a backlog the standby must stream before it is ready (~15 MB of WAL after
    // the latest checkpoint, where a new standby starts).
    PgCluster pg;
    pg.sql("checkpoint");
    pg.pgbench_init(1);
    pg.sql("create table backlog as select g, repeat('x', 200) as pad from generate_series(1, 50000) g");

    const std::string sdir = work.path() + "/standby";
    const std::string log_path = work.path() + "/standby.log";
    { std::ofstream touch(log_path); }
    struct stat log_st {};
    REQUIRE(::stat(log_path.c_str(), &log_st) == 0);
    NotifyListener listener(work.path() + "/notify");
    const std::vector<std::string> env = {
        "NOTIFY_SOCKET=" + listener.path(),
        "WATCHDOG_USEC=1000000",  // WATCHDOG=1 every 0.5 s
        // The log file stands for journald's stream: its device and inode, as systemd sets it.
        fmt::format("JOURNAL_STREAM={}:{}", log_st.st_dev, log_st.st_ino),
    };
    HangReporter hang({log_path}, 200s);
    auto sb = Child::spawn({bin, "standby", "--primary", pg.conninfo(), "--dir", sdir, "--application-name",
                            "understudy", "--status-interval", "0.2", "-v"},
                           log_path, env);

    std::string state_at_ready;
    int watchdogs_before_ready = 0, statuses = 0;
    bool ready = false;
    std::string last_status;
    const auto deadline = std::chrono::steady_clock::now() + 120s;
    while (!ready && std::chrono::steady_clock::now() < deadline) {
        auto msg = listener.receive(500ms);
        if (!msg) {
            REQUIRE_MESSAGE(sb.running(), read_file(log_path));
            continue;
        }
        if (msg->find("READY=1") != std::string::npos) {
            state_at_ready = replication_field(pg, "state");
            ready = true;
        }
        if (*msg == "WATCHDOG=1") ++watchdogs_before_ready;
        if (msg->rfind("STATUS=", 0) == 0) {
            ++statuses;
            last_status = *msg;
        }
    }
    REQUIRE_MESSAGE(ready, "no READY=1 within 120 s\n" << read_file(log_path));
    CHECK_MESSAGE(state_at_ready == "streaming", "at READY=1 the primary shows state \"" << state_at_ready << "\"");
    MESSAGE("before READY=1: " << watchdogs_before_ready << " WATCHDOG=1, " << statuses << " STATUS=; last: "
                               << last_status);

    // After READY: for 3 s, WATCHDOG=1 about every 0.5 s and STATUS= with the lag line.
    int watchdogs = 0;
    std::string status_after;
    const auto window_end = std::chrono::steady_clock::now() + 3s;
    while (std::chrono::steady_clock::now() < window_end) {
        auto msg = listener.receive(200ms);
        if (!msg) continue;
        if (*msg == "WATCHDOG=1") ++watchdogs;
        if (msg->rfind("STATUS=", 0) == 0) status_after = *msg;
        CHECK_MESSAGE(msg->find("READY=1") == std::string::npos, "READY=1 sent twice");
    }
    CHECK_MESSAGE(watchdogs >= 4, watchdogs << " WATCHDOG=1 in 3 s with WATCHDOG_USEC=1000000");
    CHECK_MESSAGE(std::regex_search(status_after, std::regex("^STATUS=streaming: applied [0-9A-F]+/[0-9A-F]+, apply "
                                                             "lag [0-9.]+ (s|min).*, [0-9.]+ (bytes|kB|MB|GB) behind$")),
                  status_after);
    MESSAGE("after READY=1: " << watchdogs << " WATCHDOG=1 in 3 s; " << status_after);

    sb.signal(SIGTERM);
    bool stopping = false;
    const auto stop_deadline = std::chrono::steady_clock::now() + 30s;
    while (!stopping && std::chrono::steady_clock::now() < stop_deadline) {
        auto msg = listener.receive(200ms);
        if (msg && msg->rfind("STOPPING=1", 0) == 0) stopping = true;
    }
    CHECK_MESSAGE(stopping, "no STOPPING=1 after SIGTERM\n" << read_file(log_path));
    CHECK(sb.wait(30s) == 0);

    // Journal format: "<6>..." (info) lines, no timestamps of our own.
    const std::string log = read_file(log_path);
    CHECK_MESSAGE(std::regex_search(log, std::regex("(^|\n)<6>told the service manager: ready")), log);
    CHECK_MESSAGE(!std::regex_search(log, std::regex("[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:.]+ UTC understudy:")), log);
}
