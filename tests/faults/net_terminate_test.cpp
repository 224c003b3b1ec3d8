// Fault 1, network: the primary's walsender for `understudy standby` terminated
// (pg_terminate_backend) repeatedly under pgbench. Each time understudy reconnects (with its
// backoff) and the reconnect is counted by reason in status.json; it catches up, and the
// received segments are byte-identical to the primary's pg_wal at the end.
#include <csignal>

#include "tests/faults/net_standby.h"

using namespace understudy;
using namespace understudy::testing;
using namespace understudy::testing::receive;
using namespace understudy::testing::standby;
using namespace understudy::testing::faults;

TEST_CASE("fault: the walsender terminated 10 times under pgbench; a reconnect for each, no byte lost") {
    constexpr int kTerminations = 10;
    PgCluster pg(PgOptions{.conf = {"wal_keep_size = 4GB"}});
    pg.pgbench_init(1);
    TempDir dir("understudy-fault-term");
    const std::string sdir = dir.path() + "/s";
    const std::string status_path = sdir + "/status.json";
    const std::string log_path = dir.path() + "/standby.log";
    HangReporter hang({log_path}, 270s);
    auto sb = Child::spawn(standby_argv(pg, sdir), log_path);
    REQUIRE_MESSAGE(wait_streaming(pg), read_file(log_path));

    auto bench = pgbench_for(pg, 60, dir.path() + "/pgbench.log");
    std::string reasons;
    std::vector<double> recovery;
    for (int i = 1; i <= kTerminations; ++i) {
        REQUIRE_MESSAGE(wait_streaming(pg, 60s), "termination " << i << ": not streaming\n" << read_file(log_path));
        std::this_thread::sleep_for(1s);
        const auto before = reconnects_total(status_path, &reasons);
        const std::string pid = replication_field(pg, "pid");
        REQUIRE(!pid.empty());
        CHECK(pg.sql("select pg_terminate_backend(" + pid + ")") == "t");
        const XLogRecPtr at = current_lsn(pg);
        const auto t0 = std::chrono::steady_clock::now();
        CHECK_MESSAGE(wait_until([&] { return reconnects_total(status_path, &reasons) == before + 1; }, 30s),
                      "termination " << i << ": reconnects " << reasons);
        REQUIRE_MESSAGE(wait_until([&] { return status_lsn(status_path, "applied_lsn") >= at; }, 60s),
                        read_file(log_path));
        recovery.push_back(seconds_since(t0));
    }
    CHECK(bench.wait(90s) == 0);
    const XLogRecPtr end = current_lsn(pg);
    REQUIRE_MESSAGE(wait_until([&] { return status_lsn(status_path, "applied_lsn") >= end; }, 60s), read_file(log_path));
    const auto total = reconnects_total(status_path, &reasons);
    CHECK(total == kTerminations);
    sb.signal(SIGTERM);
    CHECK(sb.wait(30s) == 0);
    auto st = read_status(status_path);
    REQUIRE(st);
    const XLogRecPtr flushed = parse_lsn((*st)["flushed_lsn"].get<std::string>()).value_or(0);
    auto cmp = compare_with_server(sdir + "/pg_wal", pg.wal_dir(), flushed, 16u << 20);
    CHECK_MESSAGE(cmp.problems.empty(), problems_text(cmp));
    CHECK(cmp.complete + cmp.partial >= 1);
    std::sort(recovery.begin(), recovery.end());
    MESSAGE(kTerminations << " terminations: reconnects " << reasons << "; caught up after each in median "
                          << recovery[recovery.size() / 2] << " s, max " << recovery.back() << " s; segments "
                          << cmp.complete << " complete + " << cmp.partial << " partial, " << cmp.problems.size()
                          << " differing");
    report_figures("net_terminate", fmt::format("runs={} reconnects={} recovery_median_s={:.2f} recovery_max_s={:.2f} "
                                                "segments_differing={}",
                                                kTerminations, total, recovery[recovery.size() / 2], recovery.back(),
                                                cmp.problems.size()));
}
