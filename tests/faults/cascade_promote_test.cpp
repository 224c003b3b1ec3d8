// The promotion of a cascaded upstream under load: `understudy standby --verify` follows a real
// PostgreSQL 15 standby S of a primary P; pgbench writes on P, and while it runs P stops
// (immediate shutdown, as a crash would) and S is promoted; pgbench then writes on S from the
// moment it accepts writes. understudy must follow onto timeline 2 without a restart.
// Checked: the log says it follows timeline 2; the apply position reaches S's position taken
// right after the promotion (the recovery time: from the promotion's request to that moment) and
// then S's WAL end after the load; page images verified, 0 mismatched; every segment received
// on both timelines byte-identical to S's, and the history file S's.
// (tests/integration/standby_timeline_test.cpp is the same switch with the load stopped first,
// plus a kill -9 on the new timeline.)
#include <csignal>
#include <thread>

#include "tests/faults/fault_helpers.h"

using namespace understudy;
using namespace understudy::testing;
using namespace understudy::testing::receive;
using namespace understudy::testing::standby;
using namespace understudy::testing::faults;

TEST_CASE("promotion of a cascaded upstream while pgbench writes: understudy follows onto timeline 2, no byte lost, verification clean") {
    PgOptions opts = one_mb_segments();
    opts.conf = {"wal_consistency_checking = 'all'", "wal_keep_size = 2GB"};  // S keeps every segment to compare
    PgCluster p(opts);
    p.pgbench_init(1);
    auto s = PgCluster::standby_of(p);
    TempDir dir("understudy-fault-promote");
    const std::string sdir = dir.path() + "/u";
    const std::string status_path = sdir + "/status.json";
    const std::string log = dir.path() + "/standby.log";
    HangReporter hang({log}, 200s);

    auto sb = Child::spawn(standby_argv(s, sdir, {"--verify"}), log);
    REQUIRE_MESSAGE(wait_streaming(s), read_file(log));
    auto pgbench_on = [&](const PgCluster& c, const std::string& out) {
        return Child::spawn({pg_tool("pgbench"), "-n", "-h", "127.0.0.1", "-p", std::to_string(c.port()), "-U",
                             "postgres", "-T", "6", "-c", "2", "postgres"},
                            out);
    };
    auto load_p = pgbench_on(p, dir.path() + "/pgbench-p.log");
    std::this_thread::sleep_for(3s);

    // Mid-load: P goes away, S is promoted, the load moves to S.
    REQUIRE(load_p.running());
    p.stop("immediate");
    load_p.wait(30s);  // fails: its server went away
    const auto promoted_at = std::chrono::steady_clock::now();
    s.promote();
    REQUIRE(wait_until([&] { return s.sql("select pg_is_in_recovery()") == "f"; }, 30s));
    auto load_s = pgbench_on(s, dir.path() + "/pgbench-s.log");
    const XLogRecPtr at_promotion = current_lsn(s);
    REQUIRE_MESSAGE(wait_until([&] { return caught_up_on(status_path, at_promotion, 2); }, 90s), read_file(log));
    const double recovery = std::chrono::duration<double>(std::chrono::steady_clock::now() - promoted_at).count();
    CHECK(load_s.wait(60s) == 0);
    const XLogRecPtr target = current_lsn(s);
    REQUIRE_MESSAGE(wait_until([&] { return caught_up_on(status_path, target, 2); }, 90s), read_file(log));
    CHECK_MESSAGE(sb.running(), read_file(log));
    sb.signal(SIGTERM);
    CHECK(sb.wait(30s) == 0);

    const std::string text = read_file(log);
    CHECK_MESSAGE(text.find("following timeline 2") != std::string::npos, text);
    CHECK_MESSAGE(text.find("replay switched from timeline 1 to timeline 2") != std::string::npos, text);
    auto st = read_status(status_path);
    REQUIRE(st);
    const VerifyCounts c = verify_counts(*st);
    CHECK(c.verified > 1000);
    CHECK(c.mismatched == 0);
    const XLogRecPtr flushed = status_lsn(status_path, "flushed_lsn");
    CHECK(flushed >= target);
    auto cmp = compare_with_server(sdir + "/pg_wal", s.wal_dir(), flushed, 1u << 20);
    CHECK_MESSAGE(cmp.problems.empty(), problems_text(cmp));
    CHECK(cmp.complete >= 2);
    CHECK(read_file(sdir + "/pg_wal/00000002.history") == read_file(s.wal_dir() + "/00000002.history"));
    MESSAGE("promotion to caught up on timeline 2: " << recovery << " s; " << c.verified << " page images verified, "
                                                    << c.mismatched << " mismatched; segments compared: "
                                                    << cmp.complete << " complete, " << cmp.partial << " partial");
    report_figures("cascade_promote_under_load",
                   fmt::format("runs=1 segments_differing={} mismatched={} verified={} recovery_s={:.2f}",
                               cmp.problems.size(), c.mismatched, c.verified, recovery));
}
