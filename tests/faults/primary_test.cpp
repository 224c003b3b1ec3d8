// Fault 2, the primary: under pgbench, its postmaster killed with SIGKILL (crash recovery on
// restart), an immediate and a fast shutdown, and a restart on another port (reached through a
// multi-host conninfo given up front, and by restarting understudy with the new --primary); and
// the slot dropped while understudy is stopped, so that the WAL it needs is gone (a clear error
// naming the missing segment, exit 1, nothing in DIR overwritten). Promotion of a cascaded
// upstream under load is tests/integration/standby_timeline_test.cpp (tools/faults.sh runs it).
#include <csignal>
#include <map>

#include "tests/faults/net_standby.h"

using namespace understudy;
using namespace understudy::testing;
using namespace understudy::testing::receive;
using namespace understudy::testing::standby;
using namespace understudy::testing::faults;

namespace {

std::vector<std::string> standby_at(const std::string& conninfo, const std::string& dir) {
    return {understudy_bin(), "standby",      "--primary",         conninfo, "--dir", dir, "--application-name",
            "understudy",     "--status-interval", "0.2", "-v"};
}

// Starts a server whose postmaster was killed: its children notice and exit, after which the
// shared memory is free and pg_ctl start succeeds (30 s at most).
void start_after_kill(PgCluster& pg) {
    for (int attempt = 0;; ++attempt) {
        try {
            pg.start();
            return;
        } catch (const std::exception& e) {
            if (attempt >= 30) throw;
            std::this_thread::sleep_for(1s);
        }
    }
}

}  // namespace

TEST_CASE("fault: primary kill -9, immediate and fast shutdown under pgbench, then a restart on another port") {
    PgCluster pg(PgOptions{.conf = {"wal_keep_size = 4GB"}});
    pg.pgbench_init(1);
    const int first_port = pg.port(), second_port = free_port();
    // libpq tries the hosts in order: the old port, then the new one.
    const std::string conninfo = "host=127.0.0.1,127.0.0.1 port=" + std::to_string(first_port) + "," +
                                 std::to_string(second_port) + " user=postgres dbname=postgres";
    TempDir dir("understudy-fault-primary");
    const std::string sdir = dir.path() + "/s";
    const std::string status_path = sdir + "/status.json";
    const std::string log_path = dir.path() + "/standby.log";
    HangReporter hang({log_path}, 500s);
    auto sb = Child::spawn(standby_at(conninfo, sdir), log_path);
    REQUIRE_MESSAGE(wait_streaming(pg), read_file(log_path));

    std::string reasons;
    std::string summary;
    for (const std::string mode : {"kill9", "immediate", "fast", "port"}) {
        auto bench = pgbench_for(pg, 8, dir.path() + "/pgbench-" + mode + ".log");
        std::this_thread::sleep_for(3s);
        const auto before = reconnects_total(status_path, &reasons);
        if (mode == "kill9") {
            const pid_t pid = postmaster_pid(pg);
            REQUIRE(pid > 0);
            REQUIRE(::kill(pid, SIGKILL) == 0);
            REQUIRE(wait_until([&] { return ::kill(pid, 0) != 0; }, 30s));
            start_after_kill(pg);
            CHECK_MESSAGE(pg.server_log().find("database system was interrupted") != std::string::npos,
                          "no crash recovery after kill -9:\n" << pg.server_log());
        } else if (mode == "port") {
            pg.stop("fast");
            pg.set_port(second_port);
            pg.start();
        } else {
            pg.stop(mode);
            pg.start();
        }
        const auto restarted = std::chrono::steady_clock::now();
        // WAL written after the restart: applying it needs a new connection.
        pg.sql("create table if not exists fault_after_restart (x int); insert into fault_after_restart values (1)");
        const XLogRecPtr target = current_lsn(pg);
        REQUIRE_MESSAGE(wait_until([&] { return status_lsn(status_path, "applied_lsn") >= target; }, 120s),
                        mode << ": not caught up with " << format_lsn(target) << "\n" << read_file(log_path));
        const double recovery = seconds_since(restarted);
        bench.wait(60s);  // pgbench fails when its server goes away: not checked
        CHECK_MESSAGE(reconnects_total(status_path, &reasons) > before, mode << ": no reconnect counted: " << reasons);
        CHECK(replication_field(pg, "state") == "streaming");
        summary += fmt::format(" {}: caught up {:.2f} s after the primary was back;", mode, recovery);
        report_figures("primary_" + mode, fmt::format("runs=1 recovery_s={:.2f}", recovery));
    }
    CHECK(pg.port() == second_port);

    // The other way to follow a primary that moved: restart understudy with the new --primary;
    // DIR keeps its position.
    sb.signal(SIGTERM);
    REQUIRE(sb.wait(30s) == 0);
    CHECK(pg.pgbench(2, 2).exit_code == 0);
    sb = Child::spawn(standby_at(pg.conninfo(), sdir), log_path);
    const XLogRecPtr end = current_lsn(pg);
    REQUIRE_MESSAGE(wait_until([&] { return status_lsn(status_path, "applied_lsn") >= end; }, 60s), read_file(log_path));
    CHECK(read_file(log_path).find("continuing replay at") != std::string::npos);
    sb.signal(SIGTERM);
    REQUIRE(sb.wait(30s) == 0);

    auto st = read_status(status_path);
    REQUIRE(st);
    const XLogRecPtr flushed = parse_lsn((*st)["flushed_lsn"].get<std::string>()).value_or(0);
    auto cmp = compare_with_server(sdir + "/pg_wal", pg.wal_dir(), flushed, 16u << 20);
    CHECK_MESSAGE(cmp.problems.empty(), problems_text(cmp));
    CHECK(cmp.complete + cmp.partial >= 1);
    MESSAGE(summary << " segments " << cmp.complete << " complete + " << cmp.partial << " partial, "
                    << cmp.problems.size() << " differing");
    report_figures("primary_restarts", fmt::format("segments_differing={}", cmp.problems.size()));
}

TEST_CASE("fault: the slot dropped while understudy is stopped and the WAL it needs removed: exit 1 naming the "
          "segment, nothing in DIR overwritten") {
    PgCluster pg(PgOptions{.conf = {"wal_keep_size = 0", "min_wal_size = 32MB", "max_wal_size = 64MB"}});
    pg.pgbench_init(1);
    TempDir dir("understudy-fault-slot");
    const std::string sdir = dir.path() + "/s";
    const std::string status_path = sdir + "/status.json";
    const std::string log1 = dir.path() + "/standby1.log", log2 = dir.path() + "/standby2.log";
    HangReporter hang({log1, log2}, 250s);
    auto sb = Child::spawn(standby_argv(pg, sdir), log1);
    REQUIRE_MESSAGE(wait_streaming(pg), read_file(log1));
    CHECK(pg.pgbench(2, 2).exit_code == 0);
    const XLogRecPtr end = current_lsn(pg);
    REQUIRE(wait_until([&] { return status_lsn(status_path, "applied_lsn") >= end; }, 60s));
    sb.signal(SIGTERM);
    REQUIRE(sb.wait(30s) == 0);
    const XLogRecPtr flushed = status_lsn(status_path, "flushed_lsn");

    std::map<std::string, std::string> before;
    for (const auto& e : std::filesystem::recursive_directory_iterator(sdir))
        if (e.is_regular_file() && e.path().filename() != "status.json" && !e.path().string().ends_with(".jsonl"))
            before[e.path().string()] = read_file(e.path().string());

    // Drop the slot, then move the primary on by several segments with checkpoints: without the
    // slot (and wal_keep_size = 0) it removes or recycles the segment understudy needs next.
    pg.sql("select pg_drop_replication_slot('understudy')");
    const std::string needed = segment_file_name(1, lsn_to_segno(flushed, 16u << 20), 16u << 20);
    for (int i = 0; i < 6; ++i) {
        pg.sql("create table if not exists fill (x int); insert into fill select generate_series(1, 1000)");
        pg.sql("select pg_switch_wal()");
        pg.sql("checkpoint");
    }
    REQUIRE_MESSAGE(!std::filesystem::exists(pg.wal_dir() + "/" + needed),
                    "the primary still has " << needed << "; the test cannot make the fault");

    sb = Child::spawn(standby_argv(pg, sdir), log2);
    const int rc = sb.wait(90s);
    const std::string text = read_file(log2);
    CHECK_MESSAGE(rc == 1, "exit " << rc << "\n" << text);
    CHECK_MESSAGE(text.find(needed) != std::string::npos, "the error does not name " << needed << ":\n" << text);
    int changed = 0;
    for (const auto& [path, bytes] : before) {
        const bool same = read_file(path) == bytes;
        if (!same) ++changed;
        CHECK_MESSAGE(same, path << " changed after the failed start");
    }
    MESSAGE("exit " << rc << "; " << before.size() << " files in DIR, " << changed << " changed; log:\n" << text);
    report_figures("primary_slot_dropped", fmt::format("runs=1 exit={} files_changed={}", rc, changed));
}
