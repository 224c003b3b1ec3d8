// A primary with synchronous_standby_names = 'understudy' counts the receiver as its
// synchronous standby, and commits keep flowing.
#include <signal.h>

#include <regex>

#include "tests/integration/receive_helpers.h"

using namespace understudy;
using namespace understudy::testing;
using namespace understudy::testing::receive;

TEST_CASE("synchronous replication with understudy as the sync standby: pgbench commits") {
    PgOptions o;
    o.conf = {"synchronous_standby_names = 'understudy'", "synchronous_commit = on"};
    PgCluster pg(o);
    TempDir dir("understudy-recv");
    const std::string wal = dir.path() + "/wal";
    auto rcv = Child::spawn(receive_argv(pg, wal, {"-v"}), dir.path() + "/receive.log");
    REQUIRE_MESSAGE(wait_until([&] {
                        return pg.sql("select count(*) from pg_stat_replication where sync_state = 'sync'") == "1";
                    }, 30s),
                    read_file(dir.path() + "/receive.log"));
    CHECK(pg.sql("select application_name || ' ' || sync_state from pg_stat_replication") == "understudy sync");

    pg.pgbench_init(1);  // itself a stream of synchronous commits
    auto bench = pg.pgbench(3, 4);
    REQUIRE_MESSAGE(bench.exit_code == 0, bench.output);
    std::smatch m;
    REQUIRE(std::regex_search(bench.output, m, std::regex(R"(number of transactions actually processed: (\d+))")));
    long tx = std::stol(m[1]);
    MESSAGE("pgbench committed " << tx << " transactions in 3 s with understudy as the synchronous standby");
    CHECK(tx > 50);
    // Every commit waited for our flush: the primary's flush_lsn for us covers the last commit.
    XLogRecPtr lsn = current_lsn(pg);
    CHECK(wait_until([&] {
        return pg.sql("select flush_lsn >= '" + format_lsn(lsn) + "'::pg_lsn from pg_stat_replication") == "t";
    }, 10s));
    rcv.signal(SIGINT);
    CHECK(rcv.wait(30s) == 0);
}
