// Fault 1, network: the link between `understudy standby` (in a network namespace) and the
// primary cut silently (iptables DROP inside the namespace: no RST, no ICMP) under pgbench, once
// for less than wal_sender_timeout (the connection survives: no reconnect) and once for more
// (the primary's walsender gives up; after the link heals understudy reconnects, counted in
// status.json's reconnects by reason). Both times it catches up, and at the end the received
// segments are byte-identical to the primary's pg_wal: no byte lost or duplicated.
#include <csignal>

#include "tests/faults/net_standby.h"

using namespace understudy;
using namespace understudy::testing;
using namespace understudy::testing::receive;
using namespace understudy::testing::standby;
using namespace understudy::testing::faults;

TEST_CASE("fault: silent network cuts shorter and longer than wal_sender_timeout under pgbench") {
    if (auto why = NetNamespace::unavailable()) skip_test(*why);
    NetNamespace ns;
    PgCluster pg(listening_on(ns.host_addr(), {"wal_sender_timeout = 20s", "wal_keep_size = 4GB"}));
    pg.pgbench_init(1);
    TempDir dir("understudy-fault-cut");
    const std::string sdir = dir.path() + "/s";
    const std::string status_path = sdir + "/status.json";
    const std::string log_path = dir.path() + "/standby.log";
    HangReporter hang({log_path}, 270s);
    auto sb = Child::spawn(standby_in_ns(ns, pg, sdir), log_path);
    REQUIRE_MESSAGE(wait_streaming(pg), read_file(log_path));
    REQUIRE(wait_until([&] { return status_lsn(status_path, "applied_lsn") >= current_lsn(pg); }, 60s));

    // Short cut: 4 s, wal_sender_timeout 20 s. TCP retransmits what was dropped once it heals.
    auto bench = pgbench_for(pg, 12, dir.path() + "/pgbench1.log");
    std::this_thread::sleep_for(2s);
    std::string reasons;
    const auto before_short = reconnects_total(status_path, &reasons);
    ns.cut();
    std::this_thread::sleep_for(4s);
    const XLogRecPtr during_short = current_lsn(pg);
    ns.heal();
    const double short_recovery = seconds_to_apply(status_path, during_short, 60s);
    CHECK_MESSAGE(short_recovery >= 0, read_file(log_path));
    CHECK(bench.wait(60s) == 0);
    const auto after_short = reconnects_total(status_path, &reasons);
    CHECK_MESSAGE(after_short == before_short, "a 4 s cut made understudy reconnect: " << reasons);

    // Long cut: 10 s, wal_sender_timeout 3 s: the walsender terminates during the cut; the FIN
    // and anything after it are dropped until the link heals.
    pg.sql("alter system set wal_sender_timeout = '3s'");
    pg.sql("select pg_reload_conf()");
    bench = pgbench_for(pg, 16, dir.path() + "/pgbench2.log");
    std::this_thread::sleep_for(2s);
    ns.cut();
    std::this_thread::sleep_for(10s);
    const XLogRecPtr during_long = current_lsn(pg);
    ns.heal();
    const double long_recovery = seconds_to_apply(status_path, during_long, 90s);
    CHECK_MESSAGE(long_recovery >= 0, read_file(log_path));
    CHECK(bench.wait(60s) == 0);
    CHECK_MESSAGE(pg.server_log().find("terminating walsender process due to replication timeout") != std::string::npos,
                  pg.server_log());
    CHECK_MESSAGE(wait_until([&] { return reconnects_total(status_path, &reasons) > after_short; }, 30s),
                  "no reconnect counted after the walsender timed out: " << reasons << "\n" << read_file(log_path));
    const auto after_long = reconnects_total(status_path, &reasons);

    const XLogRecPtr end = current_lsn(pg);
    REQUIRE_MESSAGE(wait_until([&] { return status_lsn(status_path, "applied_lsn") >= end; }, 60s), read_file(log_path));
    sb.signal(SIGTERM);
    CHECK(sb.wait(30s) == 0);
    auto st = read_status(status_path);
    REQUIRE(st);
    const XLogRecPtr flushed = parse_lsn((*st)["flushed_lsn"].get<std::string>()).value_or(0);
    auto cmp = compare_with_server(sdir + "/pg_wal", pg.wal_dir(), flushed, 16u << 20);
    CHECK_MESSAGE(cmp.problems.empty(), problems_text(cmp));
    CHECK(cmp.complete + cmp.partial >= 1);
    MESSAGE("short cut (4 s): " << (after_short - before_short) << " reconnects, caught up " << short_recovery
                                << " s after healing; long cut (10 s, walsender timeout 3 s): "
                                << (after_long - after_short) << " reconnects " << reasons << ", caught up "
                                << long_recovery << " s after healing; segments " << cmp.complete << " complete + "
                                << cmp.partial << " partial, " << cmp.problems.size() << " differing");
    report_figures("net_cut_short", fmt::format("runs=1 reconnects={} recovery_s={:.2f} segments_differing={}",
                                                after_short - before_short, short_recovery, cmp.problems.size()));
    report_figures("net_cut_long", fmt::format("runs=1 reconnects={} recovery_s={:.2f} segments_differing={}",
                                               after_long - after_short, long_recovery, cmp.problems.size()));
}
