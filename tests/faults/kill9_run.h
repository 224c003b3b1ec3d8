// The body of the kill -9 fault test (fault 3) for a primary of any supported major version:
// `understudy standby --verify`, the primary's synchronous standby under synchronous_commit =
// remote_apply, killed with SIGKILL `kills` times at random moments under pgbench plus client
// threads that record the xid of every commit the primary acknowledged; see
// process_kill9_test.cpp (15, the fault matrix's) and kill9_versions_test.cpp (14, 16, 17, 18).
#pragma once

#include <csignal>
#include <random>

#include "redo/replay_state.h"
#include "tests/faults/fault_helpers.h"

namespace understudy::testing::faults {

inline int env_int(const char* name, int fallback) {
    const char* v = std::getenv(name);
    return v != nullptr && *v != '\0' ? std::atoi(v) : fallback;
}

// `major` 15: Debian's server; others: tools/pg_versions.sh's (15's pgbench and libpq as clients).
inline void kill9_under_remote_apply(int major, int kills, const std::string& figures_name) {
    using namespace understudy::testing::receive;
    using namespace understudy::testing::standby;
    const unsigned seed = static_cast<unsigned>(env_int("UNDERSTUDY_FAULT_SEED", static_cast<int>(::time(nullptr))));
    MESSAGE(kills << " kills, seed " << seed);
    std::mt19937 rng(seed);
    REQUIRE(kills > 0);

    PgOptions opts{.conf = {"wal_consistency_checking = 'all'", "wal_keep_size = 4GB"}};
    if (major != 15) opts.bindir = pg_version_bindir(major);
    PgCluster pg(opts);
    REQUIRE(pg.sql("show server_version_num").substr(0, 2) == std::to_string(major));
    pg.pgbench_init(1);
    pg.sql(AckedCommits::kCreateTable);
    TempDir dir("understudy-fault-kill9-pg" + std::to_string(major));
    const std::string sdir = dir.path() + "/s";
    const std::string status_path = sdir + "/status.json";
    const std::string data_dir = sdir + "/data";
    const std::string log_path = dir.path() + "/standby.log";
    HangReporter hang({log_path}, std::chrono::seconds(60 + 20 * kills));

    auto sb = Child::spawn(standby_argv(pg, sdir, {"--verify"}), log_path);
    REQUIRE_MESSAGE(wait_streaming(pg), read_file(log_path));
    pg.sql("alter system set synchronous_standby_names = 'understudy'");
    pg.sql("alter system set synchronous_commit = 'remote_apply'");
    pg.sql("select pg_reload_conf()");
    REQUIRE(wait_until([&] { return replication_field(pg, "sync_state") == "sync"; }, 30s));

    // Load while the kills go on (pgbench's -T bounds it; it is stopped after the kills); the
    // recorder threads run until stopped below.
    const int load_seconds = 30 + 8 * kills;
    auto bench = Child::spawn({pg_tool("pgbench"), "-n", "-h", "127.0.0.1", "-p", std::to_string(pg.port()), "-U",
                               "postgres", "-T", std::to_string(load_seconds), "-c", "2", "postgres"},
                              dir.path() + "/pgbench.log");
    AckedCommits acked(pg.conninfo(), 2);

    std::uniform_int_distribution<int> run_ms(200, 3000), down_ms(0, 500);
    std::vector<double> recovery;
    int state_checks = 0;
    const auto started = std::chrono::steady_clock::now();
    for (int k = 1; k <= kills; ++k) {
        if (k % 4 == 0) pg.sql("checkpoint");  // restartpoints for the kills to fall around
        std::this_thread::sleep_for(std::chrono::milliseconds(run_ms(rng)));
        sb.kill9();
        const XLogRecPtr primary_at_kill = current_lsn(pg);
        // The replay state on disk (written at restartpoints): apply position never behind
        // the restartpoint it records.
        auto state = read_replay_state(data_dir);
        REQUIRE_MESSAGE(state.ok(), "kill " << k << ": " << state.error().message);
        XLogRecPtr restartpoint = InvalidXLogRecPtr;
        if (state.value()) {
            ++state_checks;
            restartpoint = state.value()->last_restartpoint_lsn;
            CHECK_MESSAGE(state.value()->apply_lsn >= restartpoint,
                          "kill " << k << ": replay state apply_lsn " << format_lsn(state.value()->apply_lsn)
                                  << " behind its last restartpoint " << format_lsn(restartpoint));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(down_ms(rng)));
        std::filesystem::remove(status_path);  // the restarted process writes a fresh one
        const auto restarted = std::chrono::steady_clock::now();
        sb = Child::spawn(standby_argv(pg, sdir, {"--verify"}), log_path);
        REQUIRE_MESSAGE(wait_until([&] { return status_lsn(status_path, "applied_lsn") != 0; }, 60s),
                        "kill " << k << ": no status after restart\n" << read_file(log_path));
        const XLogRecPtr first_applied = status_lsn(status_path, "applied_lsn");
        CHECK_MESSAGE(first_applied >= restartpoint, "kill " << k << ": restarted at applied "
                                                             << format_lsn(first_applied)
                                                             << ", behind the last restartpoint "
                                                             << format_lsn(restartpoint));
        REQUIRE_MESSAGE(wait_until([&] { return status_lsn(status_path, "applied_lsn") >= primary_at_kill; }, 120s),
                        "kill " << k << ": not caught up with " << format_lsn(primary_at_kill) << "\n"
                                << read_file(log_path));
        recovery.push_back(seconds_since(restarted));
        auto st = read_status(status_path);
        REQUIRE(st);
        CHECK_MESSAGE(verify_counts(*st).mismatched == 0, "kill " << k << ": " << st->dump());
        REQUIRE(sb.running());
    }
    const double kill_phase = seconds_since(started);

    // Stop the load, let the standby apply everything, stop it cleanly (its pages and SLRUs
    // written), then check. A transaction that took an xid and was rolled back (its session
    // ended: the backend writes the abort record) is the control: it must read as aborted.
    acked.stop();
    bench.signal(SIGINT);  // -T is only the bound; the load ends with the kills
    CHECK(bench.wait(60s) != -1);
    const std::uint64_t aborted_xid = std::stoull(pg.sql("begin; insert into fault_acked values (-1); select txid_current()"));
    REQUIRE(wait_until([&] { return pg.sql(fmt::format("select pg_xact_status('{}'::xid8)", aborted_xid)) == "aborted"; },
                       10s));
    const XLogRecPtr end = lsn_of(pg.sql("select pg_current_wal_insert_lsn()"));
    REQUIRE_MESSAGE(wait_until([&] { return status_lsn(status_path, "applied_lsn") >= end; }, 120s),
                    read_file(log_path));
    // Quiet: the primary sees our replay at its flush position (what remote_apply waits for),
    // and that is the position we applied.
    CHECK_MESSAGE(wait_until([&] {
                      return pg.sql("select replay_lsn = pg_current_wal_flush_lsn() from pg_stat_replication "
                                    "where application_name = 'understudy'") == "t";
                  }, 30s),
                  pg.sql("select write_lsn, flush_lsn, replay_lsn, pg_current_wal_flush_lsn() from pg_stat_replication"));
    CHECK(status_lsn(status_path, "applied_lsn") ==
          lsn_of(pg.sql("select replay_lsn from pg_stat_replication where application_name = 'understudy'")));
    sb.signal(SIGTERM);
    REQUIRE(sb.wait(60s) == 0);
    auto final_status = read_status(status_path);
    REQUIRE(final_status);
    const XLogRecPtr flushed = parse_lsn((*final_status)["flushed_lsn"].get<std::string>()).value_or(0);
    auto cmp = compare_with_server(sdir + "/pg_wal", pg.wal_dir(), flushed, 16u << 20);
    CHECK_MESSAGE(cmp.problems.empty(), problems_text(cmp));
    CHECK(cmp.complete + cmp.partial >= 1);

    const auto xids = acked.xids();
    std::uint64_t missing = 0;
    std::string first_missing;
    for (auto xid : xids) {
        const int s = xact_status(data_dir + "/pg_xact", xid);
        if (s != kXactCommitted) {
            if (missing++ < 5) first_missing += fmt::format(" xid {} status {}", xid, s);
        }
    }
    CHECK_MESSAGE(missing == 0, missing << " acknowledged commits not committed in pg_xact:" << first_missing);
    CHECK(xact_status(data_dir + "/pg_xact", aborted_xid) == 2);
    // The primary has every recorded row: the recorder did not invent any.
    CHECK(pg.sql("select count(*) from fault_acked") == std::to_string(xids.size()));
    CHECK(xids.size() > static_cast<std::size_t>(kills));
    CHECK(state_checks > 0);

    std::sort(recovery.begin(), recovery.end());
    const double median = recovery[recovery.size() / 2], worst = recovery.back();
    const auto verify = verify_counts(*final_status);
    // Over every run on this DIR (the replay state's totals, kept across the kills).
    std::uint64_t checked_all = 0, mismatched_all = 0;
    for (auto& [rmgr, c] : (*final_status)["rmgrs_total"].items()) {
        checked_all += c["verified"].get<std::uint64_t>();
        mismatched_all += c["mismatched"].get<std::uint64_t>();
    }
    CHECK(mismatched_all == 0);
    CHECK(checked_all > 1000);
    MESSAGE("PostgreSQL " << major << ": " << kills << " kills in " << kill_phase << " s; " << xids.size() << " acknowledged commits, " << missing
                  << " missing; segments " << cmp.complete << " complete + " << cmp.partial << " partial, "
                  << cmp.problems.size() << " differing; recovery median " << median << " s, max " << worst
                  << " s; last run verified " << verify.verified << " images; all runs " << checked_all
                  << " verified, " << mismatched_all << " mismatched");
    report_figures(figures_name,
                   fmt::format("kills={} acked={} missing={} segments_differing={} mismatched={} recovery_median_s={:.2f} "
                               "recovery_max_s={:.2f}",
                               kills, xids.size(), missing, cmp.problems.size(), mismatched_all, median, worst));
}

}  // namespace understudy::testing::faults
