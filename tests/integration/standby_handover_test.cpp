// Hand-over from `understudy standby --base-backup` to a real PostgreSQL 15 (issue 14): a primary
// under pgbench load, our standby keeping a *full* data directory (the backup's files, pg_control
// rewritten at every restartpoint, backup_label renamed backup_label.old at the backup's end);
// after SIGTERM, `understudy lag --dir` says the directory is full and a server can start, and
// pg_controldata agrees with it; `pg_ctl start -D DIR/data` as postgres (the directory chowned
// to postgres, 0700) starts a hot standby that reaches consistency and streams from the primary
// (pg_stat_replication shows it); `pg_ctl promote` makes it writable; pgbench's row counts equal
// the primary's, pg_dump of every database equals the primary's at the same LSN, pg_amcheck
// --heapallindexed over every database is clean. The load runs with understudy as the
// synchronous standby under remote_apply. Three runs: plain; a --data-checksums primary
// (pg_checksums --check after the hand-over); understudy killed with SIGKILL during the backup
// and again mid-replay, restarted each time.
#include <csignal>
#include <filesystem>
#include <regex>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tests/integration/standby_helpers.h"
#include "tests/support/files.h"

using namespace understudy;
using namespace understudy::testing;
using namespace std::chrono_literals;

namespace {

// "Latest checkpoint location:           0/5000060" -> "0/5000060"
std::string controldata_field(const std::string& text, const std::string& name) {
    std::smatch m;
    if (!std::regex_search(text, m, std::regex(name + ":\\s+([^\\n]+)"))) return "";
    return m[1].str();
}

// The first line where two texts differ, with its number, for a failure message.
std::string first_difference(const std::string& a, const std::string& b) {
    std::size_t line = 1, start = 0;
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
        if (a[i] != b[i]) {
            const auto end_a = a.find('\n', start), end_b = b.find('\n', start);
            return fmt::format("first difference at line {}:\nprimary: {}\nstandby: {}", line,
                               a.substr(start, end_a - start), b.substr(start, end_b - start));
        }
        if (a[i] == '\n') {
            ++line;
            start = i + 1;
        }
    }
    return fmt::format("one is a prefix of the other ({} vs {} bytes)", a.size(), b.size());
}

// With `checksums`, the primary is initialised with --data-checksums: every page understudy
// writes must carry the server's checksum (the hand-over server verifies each page it reads, and
// pg_checksums --check reads them all once it has shut down).
// With `kill9`, understudy is killed with SIGKILL during the base backup and again while it
// replays under pgbench, and started again on the same DIR each time: the hand-over afterwards
// must pass all the same.
void handover(bool checksums, bool kill9 = false) {
    PgOptions opts;
    if (checksums) opts.initdb_args = {"--data-checksums"};
    PgCluster pg(opts);
    pg.pgbench_init(1);
    pg.sql("create extension amcheck");  // for pg_amcheck on the hand-over server (it comes with the WAL)
    TempDir logs("understudy-handover-logs");
    TempDir holder("understudy-handover", true);  // DIR; DIR/data is the server's data directory later
    const std::string dir = holder.path();
    Child sb;
    if (kill9) {
        // Killed during the backup first: with a spread checkpoint the primary takes minutes to
        // start it (checkpoint_timeout 5 min, pgbench -i's dirty pages), so DIR/data.partial
        // exists and DIR/data does not when the SIGKILL comes; the restart removes the partial
        // backup and takes a new one.
        sb = Child::spawn(standby::standby_argv(pg, dir, {"--base-backup", "--checkpoint", "spread", "--progress", "plain"}),
                          logs.path() + "/standby.log");
        REQUIRE(wait_until([&] { return std::filesystem::exists(dir + "/data.partial"); }, 30s, 50ms));
        std::this_thread::sleep_for(300ms);
        sb.signal(SIGKILL);
        sb.wait(30s);
        CHECK(std::filesystem::exists(dir + "/data.partial"));
        CHECK(!std::filesystem::exists(dir + "/data"));
    }
    sb = Child::spawn(standby::standby_argv(pg, dir, {"--base-backup", "--checkpoint", "fast", "--progress", "plain"}),
                      logs.path() + "/standby.log");
    REQUIRE(standby::wait_streaming(pg));
    // understudy as the synchronous standby under remote_apply: every commit of the load waits
    // until understudy has applied it.
    pg.sql("alter system set synchronous_standby_names = 'understudy'");
    pg.sql("alter system set synchronous_commit = 'remote_apply'");
    pg.sql("select pg_reload_conf()");
    REQUIRE(wait_until([&] {
        return pg.sql("select count(*) from pg_stat_replication where application_name = 'understudy' and "
                      "sync_state = 'sync'") == "1";
    }, 30s, 100ms));
    auto load = pg.pgbench(8, 2);
    INFO(load.output);
    REQUIRE(load.exit_code == 0);
    // A restartpoint after the load (the primary's checkpoint), then more load past it.
    pg.sql("checkpoint");
    if (kill9) {
        // Killed mid-replay (1.5 s into 4 s of pgbench), restarted on the same DIR.
        std::vector<std::string> bench = {pg_tool("pgbench"), "-n", "-T", "4", "-c", "2", "-h", "127.0.0.1",
                                          "-p", std::to_string(pg.port()), "-U", "postgres", "postgres"};
        Child writer = Child::spawn(bench, logs.path() + "/pgbench.log");
        std::this_thread::sleep_for(1500ms);
        sb.signal(SIGKILL);
        sb.wait(30s);
        sb = Child::spawn(standby::standby_argv(pg, dir, {"--base-backup", "--checkpoint", "fast", "--progress", "plain"}),
                          logs.path() + "/standby.log");
        CHECK(writer.wait(60s) == 0);
        REQUIRE(standby::wait_streaming(pg));
    }
    auto more = pg.pgbench(2, 2);
    REQUIRE(more.exit_code == 0);
    // Back to asynchronous before understudy stops (the hand-over server takes its place).
    pg.sql("alter system reset synchronous_standby_names");
    pg.sql("alter system reset synchronous_commit");
    pg.sql("select pg_reload_conf()");
    const XLogRecPtr target = receive::current_lsn(pg);
    const bool caught_up = wait_until([&] { return standby::caught_up_on(dir + "/status.json", target, 1); }, 60s, 100ms);
    sb.signal(SIGTERM);
    const int rc = sb.wait(30s);
    const std::string log = read_file(logs.path() + "/standby.log");
    INFO(log);
    REQUIRE(caught_up);
    REQUIRE(rc == 0);
    CHECK(log.find("backup end reached at") != std::string::npos);
    if (kill9) {
        CHECK(log.find("the unfinished base backup of an interrupted run") != std::string::npos);
        CHECK(log.find("exists already (an earlier run's); continuing from it") != std::string::npos);
        CHECK(!std::filesystem::exists(dir + "/data.partial"));
    }
    CHECK(!std::filesystem::exists(dir + "/data/backup_label"));
    CHECK(std::filesystem::exists(dir + "/data/backup_label.old"));

    // Our view of the directory, and pg_controldata's.
    auto lag = run({understudy_bin(), "lag", "--dir", dir, "--json"});
    INFO(lag.output);
    REQUIRE(lag.exit_code == 0);
    const auto lj = nlohmann::json::parse(lag.output);
    REQUIRE(lj.contains("directory"));
    const auto& d = lj["directory"];
    CHECK(d["mode"] == "full");
    CHECK(d["server_can_start"] == true);
    auto cd = run({pg_tool("pg_controldata"), dir + "/data"});
    INFO(cd.output);
    REQUIRE(cd.exit_code == 0);
    CHECK(controldata_field(cd.output, "Database cluster state") == "in archive recovery");
    CHECK(controldata_field(cd.output, "Latest checkpoint location") == d["control_checkpoint"].get<std::string>());
    CHECK(controldata_field(cd.output, "Latest checkpoint location") == d["last_restartpoint_lsn"].get<std::string>());
    CHECK(controldata_field(cd.output, "Minimum recovery ending location") ==
          d["control_min_recovery_point"].get<std::string>());
    CHECK(d["last_restartpoint_lsn"].get<std::string>() != "0/0");
    // status.json (the final one, written after both threads stopped) says the same.
    auto st = standby::read_status(dir + "/status.json");
    REQUIRE(st);
    REQUIRE((*st)["directory"].is_object());
    CHECK((*st)["directory"]["mode"] == "full");
    CHECK((*st)["directory"]["server_can_start"] == true);
    CHECK((*st)["directory"]["last_restartpoint_lsn"] == d["last_restartpoint_lsn"]);
    CHECK((*st)["directory"]["control_checkpoint"] == d["control_checkpoint"]);
    const std::string text = run({understudy_bin(), "lag", "--dir", dir}).output;
    CHECK(text.find("directory: full") != std::string::npos);
    CHECK(text.find("server can start: yes") != std::string::npos);

    // The hand-over: a real PostgreSQL 15 on DIR/data.
    PgCluster hs = PgCluster::adopt(std::move(holder));
    hs.start();
    const bool consistent = wait_until([&] { return hs.sql("select pg_is_in_recovery()") == "t"; }, 30s, 200ms);
    INFO(hs.server_log());
    REQUIRE(consistent);
    CHECK(hs.server_log().find("consistent recovery state reached") != std::string::npos);
    pg.sql("insert into pgbench_history(tid, bid, aid, delta) values (1, 1, 1, 987654321)");
    const std::string primary_lsn = pg.sql("select pg_current_wal_lsn()");
    const bool streaming = wait_until(
        [&] {
            return pg.sql("select count(*) from pg_stat_replication where state = 'streaming' and replay_lsn >= '" +
                          primary_lsn + "'") != "0";
        },
        60s, 200ms);
    CHECK(streaming);
    CHECK(hs.sql("select count(*) from pgbench_history where delta = 987654321") == "1");
    for (const char* table : {"pgbench_accounts", "pgbench_branches", "pgbench_tellers", "pgbench_history"}) {
        const std::string q = fmt::format("select count(*) || ' ' || coalesce(sum(hashtext(t::text)), 0) from {} t", table);
        CHECK_MESSAGE(hs.sql(q) == pg.sql(q), table);
    }
    // pg_dump of every database of the hand-over server equals the primary's at the same LSN
    // (nothing written since).
    const std::string databases = pg.sql("select string_agg(datname, ' ' order by datname) from pg_database where datallowconn");
    CHECK(hs.sql("select string_agg(datname, ' ' order by datname) from pg_database where datallowconn") == databases);
    std::istringstream names(databases);
    int dumped = 0;
    for (std::string db; names >> db; ++dumped) {
        auto dump_primary = pg.client("pg_dump", {"-U", "postgres", "--restrict-key=understudy", db});
        auto dump_standby = hs.client("pg_dump", {"-U", "postgres", "--restrict-key=understudy", db});
        REQUIRE(dump_primary.exit_code == 0);
        REQUIRE(dump_standby.exit_code == 0);
        CHECK_MESSAGE(dump_standby.output == dump_primary.output,
                      db << ": " << first_difference(dump_primary.output, dump_standby.output));
    }
    CHECK(dumped >= 2);  // postgres (the load) and template1
    auto amcheck = hs.client("pg_amcheck", {"-U", "postgres", "--all", "--heapallindexed"});
    INFO(amcheck.output);
    CHECK(amcheck.exit_code == 0);
    hs.promote();
    CHECK(wait_until([&] { return hs.sql("select pg_is_in_recovery()") == "f"; }, 30s, 200ms));
    hs.sql("create table after_promote(i int); insert into after_promote values (1)");
    CHECK(hs.sql("select count(*) from after_promote") == "1");
    hs.stop();
    if (checksums) {
        CHECK(log.find("data checksums on") != std::string::npos);
        auto ck = run(as_postgres({pg_tool("pg_checksums"), "--check", "-D", dir + "/data"}));
        INFO(ck.output);
        CHECK(ck.exit_code == 0);
        CHECK(ck.output.find("Bad checksums:  0") != std::string::npos);
        MESSAGE("pg_checksums --check on the handed-over directory: " << ck.output);
    }
    pg.sql("select pg_drop_replication_slot('understudy')");
}

}  // namespace

TEST_CASE("standby --base-backup: a full directory a PostgreSQL 15 server starts on, streams, promotes") {
    handover(false);
}

TEST_CASE("standby --base-backup with data checksums: the pages understudy writes carry PostgreSQL's checksums") {
    handover(true);
}

TEST_CASE("standby --base-backup killed with SIGKILL during the backup and during replay, restarted each time: the "
          "hand-over still passes") {
    handover(false, true);
}
