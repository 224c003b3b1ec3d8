// `understudy standby --verify` cascading from a real PostgreSQL 15 standby S of a primary P,
// restarted while its saved replay state is still on the OLD timeline: replay is paused
// (SIGUSR1) before S is promoted, so the receiver crosses onto timeline 2 while replay stays on
// timeline 1; understudy is killed with -9 and started again. The restarted standby continues
// from the replay state on timeline 1, crosses the switch (END_OF_RECOVERY), reaches S's WAL end
// on timeline 2, verifies clean, and the segments it holds equal S's.
#include <csignal>
#include <thread>
#include <utility>

#include "tests/integration/standby_helpers.h"

using namespace understudy;
using namespace understudy::testing;
using namespace understudy::testing::receive;
using namespace understudy::testing::standby;

TEST_CASE("standby: restarted with its replay state on the old timeline, it crosses the switch") {
    PgOptions opts = one_mb_segments();
    // S inherits P's settings: wal_keep_size keeps every segment for the comparison at the end.
    opts.conf = {"wal_consistency_checking = 'all'", "wal_keep_size = 2GB"};
    PgCluster p(opts);
    p.pgbench_init(1);
    auto s = PgCluster::standby_of(p);
    TempDir dir("understudy-standby-tli-restart");
    const std::string sdir = dir.path() + "/u";
    const std::string status_path = sdir + "/status.json";
    const std::string state_path = sdir + "/data/understudy_replay_state.json";
    const std::string log1 = dir.path() + "/standby1.log", log2 = dir.path() + "/standby2.log";
    HangReporter hang({log1, log2}, 150s);

    auto sb = Child::spawn(standby_argv(s, sdir, {"--verify"}), log1);
    REQUIRE_MESSAGE(wait_streaming(s), read_file(log1));
    CHECK(p.pgbench(2, 2).exit_code == 0);
    XLogRecPtr target = current_lsn(p);
    REQUIRE(wait_until([&] { return lsn_of(s.sql("select pg_last_wal_replay_lsn()")) >= target; }, 60s));
    REQUIRE_MESSAGE(wait_until([&] { return caught_up_on(status_path, target, 1); }, 60s), read_file(log1));

    // Replay paused: what follows is received, not replayed.
    sb.signal(SIGUSR1);
    REQUIRE_MESSAGE(wait_until([&] {
                        auto st = read_status(status_path);
                        return st && (*st)["replay_paused"] == true;
                    }, 30s),
                    read_file(log1));
    // The record in flight when the pause came is still applied: wait for the position to settle.
    XLogRecPtr paused_at = status_lsn(status_path, "applied_lsn");
    REQUIRE(wait_until([&] {
        std::this_thread::sleep_for(1s);
        const XLogRecPtr now = status_lsn(status_path, "applied_lsn");
        return std::exchange(paused_at, now) == now;
    }, 30s));
    CHECK(p.pgbench(2, 2).exit_code == 0);  // more timeline-1 WAL, left unreplayed
    p.stop();
    s.promote();
    REQUIRE(wait_until([&] { return s.sql("select pg_is_in_recovery()") == "f"; }, 30s));
    REQUIRE(s.sql("select substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)") == "00000002");
    CHECK(s.pgbench(2, 2).exit_code == 0);
    target = current_lsn(s);
    const std::string history = read_file(s.wal_dir() + "/00000002.history");
    const XLogRecPtr switchpoint = lsn_of(history.substr(2, history.find('\t', 2) - 2));  // "1\t<LSN>\t..."
    MESSAGE("replay paused at " << format_lsn(paused_at) << ", S promoted at " << format_lsn(switchpoint)
                                << ", its WAL end after the load " << format_lsn(target));
    REQUIRE(paused_at < switchpoint);

    // The receiver is on timeline 2 at S's WAL end; replay is still on timeline 1, before the switch.
    REQUIRE_MESSAGE(wait_until([&] {
                        auto st = read_status(status_path);
                        return st && (*st)["received_timeline"] == 2 && status_lsn(status_path, "flushed_lsn") >= target;
                    }, 90s),
                    read_file(log1));
    {
        auto st = read_status(status_path);
        REQUIRE(st);
        CHECK((*st)["timeline"] == 1);
        CHECK((*st)["replay_paused"] == true);
        CHECK(status_lsn(status_path, "applied_lsn") == paused_at);
    }
    // The replay state on disk, which the restart continues from, is on timeline 1 too.
    auto saved = nlohmann::json::parse(read_file(state_path));
    const XLogRecPtr saved_apply = lsn_of(saved["apply_lsn"].get<std::string>());
    MESSAGE("saved replay state: timeline " << saved["timeline"] << ", apply_lsn " << format_lsn(saved_apply));
    REQUIRE(saved["timeline"] == 1);
    REQUIRE(saved_apply < switchpoint);
    CHECK(read_file(sdir + "/pg_wal/00000002.history") == history);

    sb.kill9();
    sb = Child::spawn(standby_argv(s, sdir, {"--verify"}), log2);
    REQUIRE_MESSAGE(wait_until([&] { return caught_up_on(status_path, target, 2); }, 90s), read_file(log2));
    CHECK(wait_until([&] { return lsn_of(replication_field(s, "replay_lsn")) >= target; }, 30s));
    CHECK(sb.running());
    sb.signal(SIGTERM);
    REQUIRE(sb.wait(30s) == 0);
    const std::string text2 = read_file(log2);
    CHECK_MESSAGE(text2.find("continuing replay at " + format_lsn(saved_apply)) != std::string::npos, text2);
    CHECK_MESSAGE(text2.find("replaying timeline 1 towards timeline 2") != std::string::npos, text2);
    CHECK_MESSAGE(text2.find("replay switched from timeline 1 to timeline 2") != std::string::npos, text2);
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
    CHECK((*final_status)["replay_paused"] == false);
    const VerifyCounts c = verify_counts(*final_status);
    MESSAGE("restarted run: " << c.records << " records replayed, " << c.verified << " page images verified, "
                              << c.mismatched << " mismatched");
    CHECK(c.verified > 1000);
    CHECK(c.mismatched == 0);
    auto state = nlohmann::json::parse(read_file(state_path));
    CHECK(state["timeline"] == 2);
    CHECK(lsn_of(state["apply_lsn"].get<std::string>()) >= target);

    // The segments received match S's on both timelines, up to the flushed position.
    const XLogRecPtr flushed = status_lsn(status_path, "flushed_lsn");
    auto cmp = compare_with_server(sdir + "/pg_wal", s.wal_dir(), flushed, 1u << 20);
    MESSAGE("segments compared: " << cmp.complete << " complete, " << cmp.partial << " partial");
    CHECK(cmp.complete > 0);
    CHECK_MESSAGE(cmp.problems.empty(), problems_text(cmp));
}
