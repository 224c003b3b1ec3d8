// `understudy standby --verify` cascading from a real PostgreSQL 15 standby S of a primary P;
// P's load stops, S is promoted and takes load: understudy keeps running, receives and replays
// onto S's new timeline (flushed and applied positions reach S's WAL end on it, status.json
// shows timeline 2, the page images verified clean), and after kill -9 and a restart it resumes
// on the new timeline.
#include <csignal>
#include <thread>

#include "tests/integration/standby_helpers.h"

using namespace understudy;
using namespace understudy::testing;
using namespace understudy::testing::receive;
using namespace understudy::testing::standby;

TEST_CASE("standby: cascading from a standby that is promoted, understudy follows onto its new timeline") {
    PgOptions opts = one_mb_segments();  // the switch point falls inside a segment, several segments per phase
    // S inherits P's settings (pg_basebackup copies postgresql.conf): it keeps every segment of
    // the test for the comparison at the end.
    opts.conf = {"wal_consistency_checking = 'all'", "wal_keep_size = 2GB"};
    PgCluster p(opts);
    p.pgbench_init(1);
    auto s = PgCluster::standby_of(p);
    TempDir dir("understudy-standby-tli");
    const std::string sdir = dir.path() + "/u";
    const std::string status_path = sdir + "/status.json";
    const std::string log1 = dir.path() + "/standby1.log", log2 = dir.path() + "/standby2.log";
    HangReporter hang({log1, log2}, 150s);

    // understudy follows S (cascading replication), S follows P.
    auto sb = Child::spawn(standby_argv(s, sdir, {"--verify"}), log1);
    REQUIRE_MESSAGE(wait_streaming(s), read_file(log1));
    CHECK(p.pgbench(4, 2).exit_code == 0);
    XLogRecPtr target = current_lsn(p);
    REQUIRE(wait_until([&] { return lsn_of(s.sql("select pg_last_wal_replay_lsn()")) >= target; }, 60s));
    REQUIRE_MESSAGE(wait_until([&] { return caught_up_on(status_path, target, 1); }, 60s), read_file(log1));

    // P's load is over: stop it, promote S, load on S.
    p.stop();
    s.promote();
    REQUIRE(wait_until([&] { return s.sql("select pg_is_in_recovery()") == "f"; }, 30s));
    REQUIRE(s.sql("select substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)") == "00000002");
    CHECK(s.pgbench(4, 2).exit_code == 0);
    target = current_lsn(s);
    const std::string history = read_file(s.wal_dir() + "/00000002.history");
    const XLogRecPtr switchpoint = lsn_of(history.substr(2, history.find('\t', 2) - 2));  // "1\t<LSN>\t..."
    MESSAGE("S promoted, switch point " << format_lsn(switchpoint) << ", its WAL end after the load "
                                        << format_lsn(target));
    REQUIRE_MESSAGE(wait_until([&] { return caught_up_on(status_path, target, 2); }, 90s), read_file(log1));
    CHECK_MESSAGE(sb.running(), read_file(log1));
    // S sees understudy as its standby replaying there.
    CHECK(wait_until([&] { return lsn_of(replication_field(s, "replay_lsn")) >= target; }, 30s));
    const std::string text1 = read_file(log1);
    CHECK_MESSAGE(text1.find("following timeline 2") != std::string::npos, text1);
    CHECK_MESSAGE(text1.find("new target timeline is 2") != std::string::npos, text1);
    CHECK_MESSAGE(text1.find("replay switched from timeline 1 to timeline 2") != std::string::npos, text1);
    {
        auto st = read_status(status_path);
        REQUIRE(st);
        const VerifyCounts c = verify_counts(*st);
        MESSAGE("before the kill: " << c.records << " records replayed, " << c.verified << " page images verified, "
                                    << c.mismatched << " mismatched");
        CHECK(c.verified > 1000);
        CHECK(c.mismatched == 0);
    }

    // kill -9 under load on the new timeline, restart: it resumes there.
    auto bg = Child::spawn({pg_tool("pgbench"), "-n", "-h", "127.0.0.1", "-p", std::to_string(s.port()), "-U",
                            "postgres", "-T", "4", "-c", "2", "postgres"},
                           dir.path() + "/pgbench.log");
    std::this_thread::sleep_for(1500ms);
    sb.kill9();
    CHECK(bg.wait(60s) == 0);
    target = current_lsn(s);
    sb = Child::spawn(standby_argv(s, sdir, {"--verify"}), log2);
    REQUIRE_MESSAGE(wait_until([&] { return caught_up_on(status_path, target, 2); }, 90s), read_file(log2));
    CHECK(sb.running());
    sb.signal(SIGTERM);
    REQUIRE(sb.wait(30s) == 0);
    const std::string text2 = read_file(log2);
    CHECK_MESSAGE(text2.find("continuing replay at") != std::string::npos, text2);
    CHECK_MESSAGE(text2.find("on timeline 2") != std::string::npos, text2);
    {
        std::istringstream lines(text2);
        for (std::string line; std::getline(lines, line);)
            if (line.find("timeline") != std::string::npos || line.find("continuing replay") != std::string::npos)
                MESSAGE(line);
    }
    auto final_status = read_status(status_path);
    REQUIRE(final_status);
    CHECK((*final_status)["state"] == "stopped");
    CHECK((*final_status)["timeline"] == 2);
    const VerifyCounts c = verify_counts(*final_status);
    MESSAGE("restarted run: " << c.records << " records replayed, " << c.verified << " page images verified, "
                              << c.mismatched << " mismatched");
    CHECK(c.verified > 0);
    CHECK(c.mismatched == 0);

    // The segments received match S's on both timelines, up to the flushed position.
    const XLogRecPtr flushed = status_lsn(status_path, "flushed_lsn");
    auto cmp = compare_with_server(sdir + "/pg_wal", s.wal_dir(), flushed, 1u << 20);
    MESSAGE("segments compared: " << cmp.complete << " complete, " << cmp.partial << " partial");
    CHECK_MESSAGE(cmp.problems.empty(), problems_text(cmp));
    CHECK(read_file(sdir + "/pg_wal/00000002.history") == read_file(s.wal_dir() + "/00000002.history"));

    // `understudy replay` of the received directory from scratch: from where the standby started
    // (a redo point on timeline 1) across the switch to the end of timeline 2, verified.
    const std::string sparse = "starting sparse at ";
    const std::size_t at = text1.find(sparse);
    REQUIRE(at != std::string::npos);
    const std::string first_redo = text1.substr(at + sparse.size(), text1.find('\n', at) - at - sparse.size());
    const std::string report_path = dir.path() + "/replay.json";
    auto replay = run({understudy_bin(), "replay", "--wal-dir", sdir + "/pg_wal", "--data-dir", dir.path() + "/r",
                       "--start", first_redo, "--verify", "--report", report_path, "-v"});
    CHECK_MESSAGE(replay.exit_code == 0, replay.output);
    auto report = nlohmann::json::parse(read_file(report_path));
    const XLogRecPtr start = lsn_of(report["start_lsn"].get<std::string>());
    const XLogRecPtr end = lsn_of(report["end_lsn"].get<std::string>());
    MESSAGE("replay from scratch: " << format_lsn(start) << " to " << format_lsn(end) << ", "
                                    << report["records"].get<std::uint64_t>() << " records, "
                                    << report["mismatches_total"].get<std::uint64_t>() << " mismatches");
    CHECK(start < switchpoint);
    CHECK(end >= target);
    CHECK(report["mismatches_total"].get<std::uint64_t>() == 0);
    auto state = nlohmann::json::parse(read_file(dir.path() + "/r/understudy_replay_state.json"));
    CHECK(state["timeline"] == 2);
    CHECK_MESSAGE(replay.output.find("replay switched from timeline 1 to timeline 2") != std::string::npos,
                  replay.output);
}
