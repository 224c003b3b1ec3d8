// `understudy receive` survives kill -9 (restart resumes with no gap, byte-identical) and a
// primary restart (reconnects by itself and continues).
#include <signal.h>

#include <random>
#include <thread>

#include "tests/integration/receive_helpers.h"

using namespace understudy;
using namespace understudy::testing;
using namespace understudy::testing::receive;

TEST_CASE("kill -9 of the receiver at arbitrary moments during load, then restart: no gap, byte-identical") {
    PgCluster pg(one_mb_segments());
    pg.pgbench_init(1);
    TempDir dir("understudy-recv");
    const std::string wal = dir.path() + "/wal";
    const std::string log = dir.path() + "/receive.log";

    auto load = Child::spawn({pg_tool("pgbench"), "-h", "127.0.0.1", "-p", std::to_string(pg.port()), "-U", "postgres",
                              "-n", "-T", "10", "-c", "2", "postgres"},
                             dir.path() + "/pgbench.log");
    unsigned seed = std::random_device{}();
    INFO("random seed " << seed);
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> ms(150, 1500);
    int kills = 0;
    while (load.running() && kills < 6) {
        auto rcv = Child::spawn(receive_argv(pg, wal, {"-v"}), log);
        std::this_thread::sleep_for(std::chrono::milliseconds(ms(rng)));
        rcv.kill9();
        ++kills;
        if (kills % 2 == 0) pg.sql("select pg_switch_wal()");
    }
    CHECK(load.wait(60s) == 0);
    CHECK(kills >= 4);

    XLogRecPtr endpos = current_lsn(pg);
    auto last = run(receive_argv(pg, wal, {"--endpos", format_lsn(endpos), "-v"}));
    REQUIRE_MESSAGE(last.exit_code == 0, last.output << read_file(log));
    CHECK(last.output.find("resuming from the files in") != std::string::npos);

    auto cmp = compare_with_server(wal, pg.wal_dir(), endpos, 1u << 20);
    CHECK_MESSAGE(cmp.problems.empty(), problems_text(cmp) << read_file(log));
    CHECK(cmp.complete >= 3);
    // Later runs resumed from the files (a run killed before its first segment leaves none).
    std::string all = read_file(log);
    CHECK(all.find("resuming from the files") != std::string::npos);
}

TEST_CASE("primary restart while streaming: the receiver reconnects and continues") {
    PgCluster pg(one_mb_segments());
    pg.pgbench_init(1);
    TempDir dir("understudy-recv");
    const std::string wal = dir.path() + "/wal";
    const std::string status = dir.path() + "/status.json";
    const std::string log = dir.path() + "/receive.log";
    auto rcv = Child::spawn(receive_argv(pg, wal, {"--status-file", status, "--status-interval", "1", "-v"}), log);
    REQUIRE(walsender_connected(pg));
    REQUIRE(pg.pgbench(2, 2).exit_code == 0);
    XLogRecPtr before = current_lsn(pg);
    REQUIRE_MESSAGE(wait_flushed(status, before), read_file(log));

    pg.restart();
    REQUIRE(pg.pgbench(2, 2).exit_code == 0);
    pg.sql("select pg_switch_wal()");
    XLogRecPtr after = current_lsn(pg);
    REQUIRE_MESSAGE(wait_flushed(status, after), read_file(log));
    CHECK(rcv.running());
    auto st = read_status(status);
    REQUIRE(st);
    CHECK((*st)["reconnects"].get<int>() >= 1);
    // 'catchup' until the walsender has sent everything up to the primary's position.
    CHECK(wait_until([&] {
        return pg.sql("select application_name || ' ' || state from pg_stat_replication") == "understudy streaming";
    }, 30s));

    rcv.signal(SIGTERM);
    CHECK(rcv.wait(30s) == 0);
    auto cmp = compare_with_server(wal, pg.wal_dir(), status_flushed(status), 1u << 20);
    CHECK_MESSAGE(cmp.problems.empty(), problems_text(cmp));
    CHECK(cmp.complete >= 2);
    CHECK(read_file(log).find("reconnecting in") != std::string::npos);
}

TEST_CASE("--timeout: an idle primary is pinged at half the timeout; a silent one is dropped and reconnected") {
    PgCluster pg;
    TempDir dir("understudy-recv");
    const std::string wal = dir.path() + "/wal";
    const std::string status = dir.path() + "/status.json";
    const std::string log = dir.path() + "/receive.log";
    // Status interval longer than the timeout: only the half-timeout "reply requested" keeps the
    // primary talking (its keepalives would otherwise come every wal_sender_timeout/2 = 30 s).
    auto rcv = Child::spawn(receive_argv(pg, wal, {"--status-file", status, "--status-interval", "30", "--timeout", "2", "-vv"}), log);
    REQUIRE(walsender_connected(pg));
    std::string pid = pg.sql("select pid from pg_stat_replication");
    std::this_thread::sleep_for(5s);
    CHECK(pg.sql("select pid from pg_stat_replication") == pid);  // same connection: not timed out
    CHECK(read_file(log).find("(reply requested)") != std::string::npos);
    CHECK(read_file(log).find("no message from the primary") == std::string::npos);

    // Freeze the walsender: nothing arrives, the receiver drops it and connects again.
    ::kill(std::stoi(pid), SIGSTOP);
    bool reconnected = wait_until([&] {
        return pg.sql("select count(*) from pg_stat_replication where pid <> " + pid + " and state = 'streaming'") == "1";
    }, 20s);
    ::kill(std::stoi(pid), SIGCONT);
    CHECK_MESSAGE(reconnected, read_file(log));
    CHECK(read_file(log).find("no message from the primary for 2 s (--timeout)") != std::string::npos);
    rcv.signal(SIGINT);
    CHECK(rcv.wait(30s) == 0);
}
