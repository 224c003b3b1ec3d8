// Fault 1, network: 200 ms of delay and 1% packet loss between `understudy standby` (in a
// network namespace) and the primary, under pgbench. With netem: `tc qdisc ... netem delay
// 200ms loss 1%` on the namespace's end. Where the kernel has no netem (this test prints which
// it used): a relay on our end of the veth pair that holds every byte 100 ms each way (the same
// 200 ms round trip) and iptables' statistic match dropping 1% of the packets each way inside
// the namespace. Expected: streaming keeps up (caught up after the load), the lag figures are
// honest (at least the one-way delay while WAL flows, never absurd), and the received segments
// are byte-identical to the primary's pg_wal.
#include <csignal>

#include "tests/faults/delay_relay.h"
#include "tests/faults/net_standby.h"

using namespace understudy;
using namespace understudy::testing;
using namespace understudy::testing::receive;
using namespace understudy::testing::standby;
using namespace understudy::testing::faults;

TEST_CASE("fault: 200 ms delay and 1% loss under pgbench; streaming keeps up, lag honest, no byte lost") {
    if (auto why = NetNamespace::unavailable()) skip_test(*why);
    NetNamespace ns;
    PgCluster pg(listening_on(ns.host_addr(), {"wal_keep_size = 4GB"}));
    pg.pgbench_init(1);
    TempDir dir("understudy-fault-delay");
    const std::string sdir = dir.path() + "/s";
    const std::string status_path = sdir + "/status.json";
    const std::string log_path = dir.path() + "/standby.log";
    HangReporter hang({log_path}, 270s);

    std::unique_ptr<DelayRelay> relay;
    std::string conninfo, how;
    double one_way_delay = 0;
    if (auto no_netem = ns.netem_unavailable()) {
        relay = std::make_unique<DelayRelay>(ns.host_addr(), pg.port(), 100ms);
        ns.random_loss("0.01");
        conninfo = "host=" + ns.host_addr() + " port=" + std::to_string(relay->port()) + " user=postgres dbname=postgres";
        how = "relay 100 ms each way + iptables statistic 1% loss each way (" + *no_netem + ")";
        one_way_delay = 0.1;
    } else {
        ns.netem({"delay", "200ms", "loss", "1%"});
        conninfo = conninfo_via(ns, pg);
        how = "netem delay 200ms loss 1% on the namespace's end";
        one_way_delay = 0.2;  // on the path to the primary: replies; WAL itself is not delayed
    }
    MESSAGE("delay and loss by " << how);
    auto sb = Child::spawn(ns.in_ns({understudy_bin(), "standby", "--primary", conninfo, "--dir", sdir,
                                     "--application-name", "understudy", "--status-interval", "0.2", "-v"}),
                           log_path);
    REQUIRE_MESSAGE(wait_streaming(pg), read_file(log_path));

    auto bench = pgbench_for(pg, 20, dir.path() + "/pgbench.log");
    double max_apply_lag = 0, max_write_lag = 0;
    const auto t0 = std::chrono::steady_clock::now();
    while (seconds_since(t0) < 20) {
        std::this_thread::sleep_for(200ms);
        if (auto st = read_status(status_path)) {
            max_apply_lag = std::max(max_apply_lag, (*st)["lag"]["apply_seconds"].get<double>());
            max_write_lag = std::max(max_write_lag, (*st)["lag"]["write_seconds"].get<double>());
        }
    }
    CHECK(bench.wait(60s) == 0);
    const XLogRecPtr end = current_lsn(pg);
    const double catch_up = seconds_to_apply(status_path, end, 120s);
    REQUIRE_MESSAGE(catch_up >= 0, read_file(log_path));
    std::string reasons;
    const auto reconnects = reconnects_total(status_path, &reasons);
    // Honest: WAL flows under load, so some lag is at least the one-way delay of the data path
    // (the relay delays WAL; netem only the replies, whose delay is part of the reply's age).
    if (relay) CHECK_MESSAGE(max_write_lag >= one_way_delay * 0.9, "write lag max " << max_write_lag);
    CHECK_MESSAGE(max_apply_lag < 30, "apply lag max " << max_apply_lag);
    sb.signal(SIGTERM);
    CHECK(sb.wait(30s) == 0);
    auto st = read_status(status_path);
    REQUIRE(st);
    const XLogRecPtr flushed = parse_lsn((*st)["flushed_lsn"].get<std::string>()).value_or(0);
    auto cmp = compare_with_server(sdir + "/pg_wal", pg.wal_dir(), flushed, 16u << 20);
    CHECK_MESSAGE(cmp.problems.empty(), problems_text(cmp));
    CHECK(cmp.complete + cmp.partial >= 1);
    MESSAGE("under " << how << ": write lag max " << max_write_lag << " s, apply lag max " << max_apply_lag
                     << " s; caught up " << catch_up << " s after the load; reconnects " << reasons
                     << "; segments " << cmp.complete << " complete + " << cmp.partial << " partial, "
                     << cmp.problems.size() << " differing");
    report_figures("net_delay_loss", fmt::format("runs=1 netem={} reconnects={} apply_lag_max_s={:.2f} recovery_s={:.2f} "
                                                 "segments_differing={}",
                                                 relay ? 0 : 1, reconnects, max_apply_lag, catch_up, cmp.problems.size()));
}
