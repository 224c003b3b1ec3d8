// `understudy standby` as THE synchronous standby with synchronous_commit = remote_apply:
// pgbench commits go through (each returns only once understudy has replayed it), and while
// replay is paused (SIGUSR1) a commit waits on the primary (wait event SyncRep), returning
// only after replay resumes (SIGUSR2).
#include <csignal>
#include <thread>

#include "tests/integration/standby_helpers.h"

using namespace understudy;
using namespace understudy::testing;
using namespace understudy::testing::receive;
using namespace understudy::testing::standby;

TEST_CASE("standby: remote_apply under pgbench; a commit waits while replay is paused") {
    PgCluster pg;
    pg.pgbench_init(1);
    TempDir dir("understudy-standby-sync");
    const std::string sdir = dir.path() + "/s";
    const std::string log_path = dir.path() + "/standby.log";
    const std::string status_path = sdir + "/status.json";
    HangReporter hang({log_path}, 240s);
    auto sb = Child::spawn(standby_argv(pg, sdir), log_path);
    REQUIRE_MESSAGE(wait_streaming(pg), read_file(log_path));

    pg.sql("alter system set synchronous_standby_names = 'understudy'");
    pg.sql("alter system set synchronous_commit = 'remote_apply'");
    pg.sql("select pg_reload_conf()");
    REQUIRE(wait_until([&] { return replication_field(pg, "sync_state") == "sync"; }, 30s));

    // pgbench as a child with a deadline: if commits never came back it would wait forever.
    const std::string pgbench_log = dir.path() + "/pgbench.log";
    auto bench = Child::spawn({pg_tool("pgbench"), "-n", "-h", "127.0.0.1", "-p", std::to_string(pg.port()), "-U",
                               "postgres", "-T", "5", "-c", "2", "postgres"},
                              pgbench_log);
    const int bench_rc = bench.wait(60s);
    RunResult load{bench_rc, read_file(pgbench_log)};
    REQUIRE_MESSAGE(load.exit_code == 0, load.output << read_file(log_path));
    std::smatch m;
    REQUIRE(std::regex_search(load.output, m, std::regex(R"(number of transactions actually processed: (\d+))")));
    const long txns = std::stol(m[1]);
    REQUIRE(std::regex_search(load.output, m, std::regex(R"(latency average = ([0-9.]+) ms)")));
    MESSAGE("remote_apply pgbench 5 s, 2 clients: " << txns << " transactions, latency average " << m[1] << " ms");
    CHECK(txns > 50);
    // remote_apply: the commit that just returned is replayed (the primary's replay_lsn is past it).
    pg.sql("create table after_load(x int)");
    const XLogRecPtr commit_end = current_lsn(pg);
    CHECK(lsn_of(replication_field(pg, "replay_lsn")) >= commit_end);

    // Paused replay: a commit does not return.
    sb.signal(SIGUSR1);
    REQUIRE(wait_until([&] {
        auto j = read_status(status_path);
        return j && (*j)["replay_paused"].get<bool>();
    }, 10s));
    const auto t0 = std::chrono::steady_clock::now();
    auto waiter = Child::spawn({pg_tool("psql"), "-X", "-h", "127.0.0.1", "-p", std::to_string(pg.port()), "-U",
                                "postgres", "-c", "insert into after_load values (1)", "postgres"},
                               dir.path() + "/waiter.log");
    std::this_thread::sleep_for(4s);
    CHECK_MESSAGE(waiter.running(), "the commit returned while replay was paused: " << read_file(dir.path() + "/waiter.log"));
    CHECK(pg.sql("select count(*) from pg_stat_activity where wait_event = 'SyncRep'") == "1");
    // Its commit record is received and flushed, but not applied.
    CHECK(wait_until([&] {
        return lsn_of(replication_field(pg, "flush_lsn")) > lsn_of(replication_field(pg, "replay_lsn"));
    }, 5s));

    sb.signal(SIGUSR2);
    const auto resumed = std::chrono::steady_clock::now();
    CHECK(waiter.wait(20s) == 0);
    const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double after_resume = std::chrono::duration<double>(std::chrono::steady_clock::now() - resumed).count();
    MESSAGE("commit issued while paused returned after " << waited << " s, " << after_resume << " s after resume");
    CHECK(waited >= 4.0);
    CHECK(after_resume < 5.0);
    CHECK(pg.sql("select count(*) from after_load") == "1");

    pg.sql("alter system reset synchronous_standby_names");
    pg.sql("alter system reset synchronous_commit");
    pg.sql("select pg_reload_conf()");
    sb.signal(SIGINT);  // like SIGTERM: final status, exit 0
    CHECK(sb.wait(30s) == 0);
    auto final_status = read_status(status_path);
    REQUIRE(final_status);
    CHECK((*final_status)["state"] == "stopped");
    CHECK((*final_status)["replay_paused"] == false);
}
