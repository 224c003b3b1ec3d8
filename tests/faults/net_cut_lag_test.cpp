// Fault 1, network, the monitor's view: during a silent cut (iptables DROP inside the namespace)
// with the primary writing on, status.json's time lags must grow with the time since the last
// message from the primary, not stay at 0 or at their value from before the cut (issue #15: a
// monitor read "streaming" with every lag 0 for two minutes of cut).
#include <csignal>

#include "tests/faults/net_standby.h"

using namespace understudy;
using namespace understudy::testing;
using namespace understudy::testing::receive;
using namespace understudy::testing::standby;
using namespace understudy::testing::faults;

TEST_CASE("fault: the lag during a silent cut grows with the time since the primary's last message") {
    if (auto why = NetNamespace::unavailable()) skip_test(*why);
    NetNamespace ns;
    PgCluster pg(listening_on(ns.host_addr(), {"wal_sender_timeout = 60s"}));
    pg.pgbench_init(1);
    TempDir dir("understudy-fault-cutlag");
    const std::string sdir = dir.path() + "/s";
    const std::string status_path = sdir + "/status.json";
    const std::string log_path = dir.path() + "/standby.log";
    HangReporter hang({log_path}, 150s);
    auto sb = Child::spawn(standby_in_ns(ns, pg, sdir), log_path);
    REQUIRE_MESSAGE(wait_streaming(pg), read_file(log_path));

    auto bench = pgbench_for(pg, 16, dir.path() + "/pgbench.log");
    std::this_thread::sleep_for(2s);
    ns.cut();
    const auto cut_at = std::chrono::steady_clock::now();
    auto lags_at = [&](double seconds) {
        std::this_thread::sleep_until(cut_at + std::chrono::milliseconds(static_cast<int>(seconds * 1000)));
        auto st = read_status(status_path);
        REQUIRE(st);
        return std::pair{(*st)["lag"]["write_seconds"].get<double>(), (*st)["lag"]["apply_seconds"].get<double>()};
    };
    const auto early = lags_at(2), late = lags_at(9);
    const std::string state = read_status(status_path).value_or(nlohmann::json::object()).value("state", "");
    ns.heal();
    CHECK(bench.wait(60s) == 0);
    MESSAGE("during the cut: at 2 s write/apply lag " << early.first << "/" << early.second << " s, at 9 s "
                                                        << late.first << "/" << late.second << " s; state " << state);
    // At 9 s without a message, the lag is at least ~8 s (2 s of slack for the status interval
    // and messages in flight at the cut), and it grew by about the 7 s between the readings.
    CHECK(late.first >= 7);
    CHECK(late.second >= 7);
    CHECK(late.second - early.second >= 5);
    const XLogRecPtr end = current_lsn(pg);
    CHECK_MESSAGE(wait_until([&] { return status_lsn(status_path, "applied_lsn") >= end; }, 90s), read_file(log_path));
    sb.signal(SIGTERM);
    CHECK(sb.wait(30s) == 0);
    report_figures("net_cut_lag", fmt::format("runs=1 lag_at_2s={:.2f} lag_at_9s={:.2f}", early.second, late.second));
}
