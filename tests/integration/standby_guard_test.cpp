// `understudy standby` against hostile or careless surroundings, with a real PostgreSQL 15:
// the HTTP endpoint under 1000 concurrent and 50 half-request clients (SIGTERM exits within 2 s,
// bad requests get 400/405/413/431, RSS stays bounded); a password in --primary never shows in
// /proc/PID/cmdline, the log, status.json, /metrics, /status, `understudy lag` or an error, and
// .pgpass / PGPASSFILE work with scram-sha-256; one writer per directory (a second standby, a
// receive into its pg_wal, a replay into its data are refused naming the owner's pid; lag is let
// in; a kill -9 of the owner frees it); file modes 0600/0700; `understudy retire` drops the slot
// and removes the directory, refused while the standby runs.
#include <sys/stat.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "tests/integration/standby_helpers.h"
#include "tests/support/raw_http.h"

using namespace understudy;
using namespace understudy::testing;
using namespace understudy::testing::receive;
using namespace understudy::testing::standby;
using namespace understudy::testing::http;
namespace sfs = std::filesystem;

namespace {

long rss_kb(pid_t pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(f, line);)
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

std::string cmdline_of(pid_t pid) {
    std::string s = read_file("/proc/" + std::to_string(pid) + "/cmdline");
    for (char& c : s)
        if (c == '\0') c = ' ';
    return s;
}

// Every file and directory under `root` (itself included) whose mode gives group or others any
// access, as "path mode" lines.
std::vector<std::string> open_modes(const std::string& root) {
    std::vector<std::string> bad;
    auto check = [&](const sfs::path& p) {
        struct stat st {};
        if (::lstat(p.c_str(), &st) != 0) return;
        const unsigned mode = st.st_mode & 0777;
        const unsigned want = S_ISDIR(st.st_mode) ? 0700u : 0600u;
        if ((mode & 077) != 0 || (S_ISDIR(st.st_mode) && mode != want))
            bad.push_back(p.string() + " " + fmt::format("{:o}", mode));
    };
    check(root);
    for (auto& e : sfs::recursive_directory_iterator(root)) check(e.path());
    return bad;
}

}  // namespace

TEST_CASE("HTTP: 1000 concurrent clients, bad requests answered 400/405/413/431, bounded RSS, SIGTERM exits within 2 s with 50 half requests open") {
    raise_fd_limit();
    PgCluster pg;
    TempDir dir("understudy-guard");
    const std::string sdir = dir.path() + "/s";
    const std::string log_path = dir.path() + "/standby.log";
    const int port = free_port();
    HangReporter hang({log_path}, 200s);
    auto sb = Child::spawn(standby_argv(pg, sdir, {"--http", std::to_string(port)}), log_path);
    REQUIRE_MESSAGE(wait_streaming(pg), read_file(log_path));
    REQUIRE(wait_until([&] { return http_status(http_exchange(port, "GET /status HTTP/1.0\r\n\r\n")) == 200; }, 20s));
    CHECK(read_file(log_path).find("serving /status and /metrics on http://127.0.0.1:" + std::to_string(port)) !=
          std::string::npos);
    const long rss_before = rss_kb(sb.pid());

    // 1000 at once: all connect, then all send, then all read.
    std::vector<int> fds;
    for (int i = 0; i < 1000; ++i) fds.push_back(connect_port(port));
    int connected = 0;
    for (int fd : fds) connected += fd >= 0;
    CHECK(connected == 1000);
    for (int fd : fds)
        if (fd >= 0) send_all(fd, "GET /metrics HTTP/1.0\r\n\r\n");
    int ok = 0;
    for (int fd : fds) {
        if (fd < 0) continue;
        const std::string r = read_until_eof(fd, 20s);
        if (http_status(r) == 200 && r.find("understudy_applied_lsn_bytes") != std::string::npos) ++ok;
        ::close(fd);
    }
    MESSAGE("1000 concurrent GET /metrics: " << ok << " answered 200");
    CHECK(ok == 1000);

    // Hostile requests, 50 of each oversized kind.
    int refused_431 = 0, refused_413 = 0;
    for (int i = 0; i < 50; ++i) {
        refused_431 += http_status(http_exchange(port, "GET /status HTTP/1.0\r\nX: " + std::string(1 << 20, 'a'))) == 431;
        refused_413 += http_status(http_exchange(port, "GET /status HTTP/1.0\r\nContent-Length: 99999999\r\n\r\n")) == 413;
    }
    CHECK(refused_431 == 50);
    CHECK(refused_413 == 50);
    const std::string post = http_exchange(port, "POST /status HTTP/1.0\r\nContent-Length: 2\r\n\r\n{}");
    CHECK(http_status(post) == 405);
    CHECK(post.find("Allow: GET, HEAD") != std::string::npos);
    CHECK(http_status(http_exchange(port, "DELETE /metrics HTTP/1.1\r\nHost: x\r\n\r\n")) == 405);
    CHECK(http_status(http_exchange(port, "\x16\x03\x01 binary junk\r\n\r\n")) == 400);
    CHECK(http_status(http_exchange(port, "GET\r\n\r\n")) == 400);
    CHECK(http_status(http_exchange(port, "GET /status HTTP/1.0\r\n\r\n")) == 200);  // still serving
    const long rss_after = rss_kb(sb.pid());
    MESSAGE("standby RSS before " << rss_before << " kB, after 1000 concurrent + 100 oversized: " << rss_after << " kB");
    CHECK(rss_after - rss_before < 64 * 1024);

    // 50 clients send half a request and wait; SIGTERM: the standby exits 0 within 2 s.
    std::vector<int> slow;
    for (int i = 0; i < 50; ++i) {
        slow.push_back(connect_port(port));
        send_all(slow.back(), "GET /sta");
    }
    std::this_thread::sleep_for(300ms);
    const auto t0 = std::chrono::steady_clock::now();
    sb.signal(SIGTERM);
    const int rc = sb.wait(10s);
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    MESSAGE("SIGTERM with 50 half requests open: exit " << rc << " after " << took << " s");
    CHECK(rc == 0);
    CHECK(took < 2.0);
    for (int fd : slow) ::close(fd);
}

TEST_CASE("a password in --primary shows nowhere; .pgpass and PGPASSFILE work with scram-sha-256; retire drops the slot") {
    PgOptions o;
    o.hba = {"host all pwuser 127.0.0.1/32 scram-sha-256", "host replication pwuser 127.0.0.1/32 scram-sha-256"};
    PgCluster pg(o);
    pg.sql("create role pwuser superuser login replication password 'Sekr1t-pw9'");
    TempDir dir("understudy-guard");
    const std::string base = "host=127.0.0.1 port=" + std::to_string(pg.port()) + " user=pwuser dbname=postgres";
    const std::string sdir = dir.path() + "/s";
    const std::string log_path = dir.path() + "/standby.log";
    const int port = free_port();
    HangReporter hang({log_path}, 200s);
    std::vector<std::string> argv = {understudy_bin(), "standby", "--primary", base + " password=Sekr1t-pw9", "--dir",
                                     sdir, "--status-interval", "0.2", "--http", std::to_string(port), "-vv"};
    auto sb = Child::spawn(argv, log_path);
    REQUIRE_MESSAGE(wait_until([&] { return replication_field(pg, "state") == "streaming"; }, 90s, 200ms),
                    read_file(log_path));
    const std::string cmdline = cmdline_of(sb.pid());
    MESSAGE("/proc/PID/cmdline: " << cmdline);
    CHECK(cmdline.find("Sekr1t-pw9") == std::string::npos);
    CHECK(cmdline.find("password=***") != std::string::npos);
    CHECK(cmdline.find("--dir " + sdir) != std::string::npos);
    CHECK(cmdline.find("user=pwuser") != std::string::npos);
    const RunResult ps = run({"ps", "-o", "args=", "-p", std::to_string(sb.pid())});
    CHECK(ps.output.find("Sekr1t-pw9") == std::string::npos);
    CHECK(ps.output.find("password=***") != std::string::npos);

    // Refused while it runs, and nothing is dropped.
    const RunResult early = run({understudy_bin(), "retire", "--dir", sdir});
    CHECK(early.exit_code == 1);
    CHECK(early.output.find("is in use by pid " + std::to_string(sb.pid()) + " (understudy standby)") !=
          std::string::npos);
    CHECK(pg.sql("select count(*) from pg_replication_slots where slot_name = 'understudy'") == "1");

    REQUIRE(wait_until([&] { return status_lsn(sdir + "/status.json", "applied_lsn") != 0; }, 30s));
    std::vector<std::pair<std::string, std::string>> outputs = {
        {"status.json", read_file(sdir + "/status.json")},
        {"primary.json", read_file(sdir + "/primary.json")},
        {"/status", http_get(port, "/status")},
        {"/metrics", http_get(port, "/metrics")},
        {"lag.jsonl", read_file(sdir + "/lag.jsonl")},
        {"understudy lag", run({understudy_bin(), "lag", "--dir", sdir}).output},
        {"understudy lag --json", run({understudy_bin(), "lag", "--dir", sdir, "--json"}).output},
    };
    CHECK(!outputs[2].second.empty());
    CHECK(!outputs[3].second.empty());
    CHECK(read_file(sdir + "/primary.json").find("user='pwuser'") != std::string::npos);
    sb.signal(SIGTERM);
    CHECK(sb.wait(20s) == 0);
    outputs.emplace_back("standby log (-vv)", read_file(log_path));
    // Errors: a wrong password and an unreachable primary.
    outputs.emplace_back("wrong password", run({understudy_bin(), "standby", "--primary", base + " password=Wr0ng-pw9",
                                                "--dir", dir.path() + "/other"})
                                               .output);
    outputs.emplace_back("unreachable", run({understudy_bin(), "standby", "--primary",
                                             "postgresql://pwuser:Sekr1t-pw9@127.0.0.1:" +
                                                 std::to_string(free_port()) + "/postgres",
                                             "--dir", dir.path() + "/other"})
                                            .output);
    CHECK(outputs[outputs.size() - 2].second.find("password authentication failed") != std::string::npos);
    for (const auto& [what, text] : outputs) {
        CAPTURE(what);
        CHECK(text.find("Sekr1t-pw9") == std::string::npos);
        CHECK(text.find("Wr0ng-pw9") == std::string::npos);
    }

    // PGPASSFILE, then ~/.pgpass: the conninfo has no password at all.
    const std::string passfile = dir.path() + "/pgpass";
    {
        std::ofstream f(passfile);
        f << "127.0.0.1:" << pg.port() << ":*:pwuser:Sekr1t-pw9\n";
    }
    ::chmod(passfile.c_str(), 0600);
    const std::string log2 = dir.path() + "/standby2.log";
    auto sb2 = Child::spawn({understudy_bin(), "standby", "--primary", base, "--dir", sdir, "--status-interval", "0.2"},
                            log2, {"PGPASSFILE=" + passfile});
    CHECK_MESSAGE(wait_streaming(pg), read_file(log2));
    sb2.signal(SIGTERM);
    CHECK(sb2.wait(20s) == 0);
    const std::string home = dir.path() + "/home";
    sfs::create_directories(home);
    sfs::copy_file(passfile, home + "/.pgpass");
    ::chmod((home + "/.pgpass").c_str(), 0600);
    const std::string log3 = dir.path() + "/standby3.log";
    auto sb3 = Child::spawn({understudy_bin(), "standby", "--primary", base, "--dir", sdir, "--status-interval", "0.2"},
                            log3, {"HOME=" + home, "PGPASSFILE"});
    CHECK_MESSAGE(wait_streaming(pg), read_file(log3));
    sb3.signal(SIGTERM);
    CHECK(sb3.wait(20s) == 0);

    // Retire: the conninfo comes from DIR/primary.json (no password there), the password from
    // PGPASSFILE; the slot goes, then the directory.
    const RunResult retired = run({understudy_bin(), "retire", "--dir", sdir}, {"PGPASSFILE=" + passfile});
    MESSAGE("retire: " << retired.output);
    CHECK(retired.exit_code == 0);
    CHECK(retired.output.find("dropped replication slot \"understudy\"") != std::string::npos);
    CHECK(pg.sql("select count(*) from pg_replication_slots") == "0");
    CHECK(!sfs::exists(sdir));
    CHECK(retired.output.find("Sekr1t-pw9") == std::string::npos);
}

TEST_CASE("one writer per directory: a second standby, a receive into its pg_wal and a replay into its data are refused; lag is let in; kill -9 frees it; modes 0600/0700") {
    PgCluster pg;
    TempDir dir("understudy-guard");
    const std::string sdir = dir.path() + "/s";
    const std::string log_path = dir.path() + "/standby.log";
    HangReporter hang({log_path}, 200s);
    auto a = Child::spawn(standby_argv(pg, sdir), log_path);
    REQUIRE_MESSAGE(wait_streaming(pg), read_file(log_path));
    REQUIRE(wait_until([&] { return status_lsn(sdir + "/status.json", "applied_lsn") != 0; }, 30s));
    const std::string owner = "is in use by pid " + std::to_string(a.pid()) + " (understudy standby)";
    CHECK(read_file(sdir + "/understudy.lock").rfind(std::to_string(a.pid()) + "\n", 0) == 0);
    const std::string slot_log = read_file(log_path);
    CHECK(slot_log.find("using new physical replication slot \"understudy\" on the primary: it holds back") !=
          std::string::npos);
    CHECK(slot_log.find("`understudy retire --dir " + sdir + "` drops it") != std::string::npos);

    const RunResult second = run(standby_argv(pg, dir.path() + "/s"));
    CHECK(second.exit_code == 1);
    CHECK_MESSAGE(second.output.find("--dir \"" + sdir + "\" " + owner) != std::string::npos, second.output);
    const RunResult recv = run({understudy_bin(), "receive", "--primary", pg.conninfo(), "--wal-dir", sdir + "/pg_wal"});
    CHECK(recv.exit_code == 1);
    CHECK_MESSAGE(recv.output.find("--wal-dir \"" + sdir + "/pg_wal\" " + owner) != std::string::npos, recv.output);
    const RunResult replay =
        run({understudy_bin(), "replay", "--wal-dir", sdir + "/pg_wal", "--data-dir", sdir + "/data"});
    CHECK(replay.exit_code == 1);
    CHECK_MESSAGE(replay.output.find("--data-dir \"" + sdir + "/data\" " + owner) != std::string::npos, replay.output);
    const RunResult lag = run({understudy_bin(), "lag", "--dir", sdir});
    CHECK_MESSAGE(lag.exit_code == 0, lag.output);
    CHECK(a.running());

    // Modes: every directory 0700, every file 0600 (segments, state, status, lag, lock).
    pg.sql("create table t(x int); insert into t select generate_series(1, 1000)");
    std::this_thread::sleep_for(1s);
    const auto bad = open_modes(sdir);
    for (const auto& b : bad) MESSAGE("open mode: " << b);
    CHECK(bad.empty());
    CHECK(sfs::exists(sdir + "/pg_wal"));
    CHECK(sfs::exists(sdir + "/status.json"));

    // kill -9: the lock does not outlive the owner (its file stays, unlocked).
    a.kill9();
    CHECK(sfs::exists(sdir + "/understudy.lock"));
    const std::string log_b = dir.path() + "/standby-b.log";
    auto b = Child::spawn(standby_argv(pg, sdir), log_b);
    CHECK_MESSAGE(wait_until([&] { return read_file(sdir + "/understudy.lock").rfind(std::to_string(b.pid()) + "\n", 0) == 0; }, 60s),
                  read_file(log_b));
    CHECK_MESSAGE(wait_streaming(pg), read_file(log_b));
    b.signal(SIGTERM);
    CHECK(b.wait(20s) == 0);
    CHECK(!sfs::exists(sdir + "/understudy.lock"));  // a clean stop takes it away
}
