// The network fault tests' setup: a primary listening on our end of a veth pair and
// `understudy standby` running inside the namespace, connected to it over the pair, so the
// namespace's iptables rules and qdiscs sit on its only path to the primary.
#pragma once

#include "tests/faults/fault_helpers.h"

namespace understudy::testing::faults {

inline std::string conninfo_via(const NetNamespace& ns, const PgCluster& pg) {
    return "host=" + ns.host_addr() + " port=" + std::to_string(pg.port()) + " user=postgres dbname=postgres";
}

// `understudy standby` inside the namespace; replies every second so that a healed link is
// noticed without waiting for the default 10 s reply interval.
inline std::vector<std::string> standby_in_ns(const NetNamespace& ns, const PgCluster& pg, const std::string& dir,
                                              std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {understudy_bin(), "standby", "--primary", conninfo_via(ns, pg), "--dir", dir,
                                     "--application-name", "understudy", "--status-interval", "0.2",
                                     "--reply-interval", "1", "-v"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return ns.in_ns(argv);
}

// pgbench against the primary (over loopback, outside the namespace) for `seconds`.
inline Child pgbench_for(const PgCluster& pg, int seconds, const std::string& log, int clients = 2) {
    return Child::spawn({pg_tool("pgbench"), "-n", "-h", "127.0.0.1", "-p", std::to_string(pg.port()), "-U",
                         "postgres", "-T", std::to_string(seconds), "-c", std::to_string(clients), "postgres"},
                        log);
}

// Caught up: applied at or past `lsn` within `timeout`; returns the seconds it took or -1.
inline double seconds_to_apply(const std::string& status_path, XLogRecPtr lsn, std::chrono::seconds timeout) {
    const auto t0 = std::chrono::steady_clock::now();
    if (!wait_until([&] { return standby::status_lsn(status_path, "applied_lsn") >= lsn; }, timeout,
                    std::chrono::milliseconds(20)))
        return -1;
    return seconds_since(t0);
}

}  // namespace understudy::testing::faults
