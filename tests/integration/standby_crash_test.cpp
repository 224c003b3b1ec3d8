// `understudy standby --verify` killed with SIGKILL under pgbench load and restarted: it
// catches up (a "catching up" progress report, plain lines off a terminal and a line redrawn
// in place on one), the received segments are byte-identical to the primary's pg_wal (no gap),
// and replay verification against wal_consistency_checking images stays at zero mismatches;
// the cumulative replay counters (rmgrs_total) equal pg_waldump --stats over the replayed range.
#include <csignal>
#include <filesystem>
#include <regex>
#include <thread>

#include "tests/integration/standby_helpers.h"
#include "tests/integration/waldump_common.h"

using namespace understudy;
using namespace understudy::testing;
using namespace understudy::testing::receive;
using namespace understudy::testing::standby;

namespace {

Child pgbench_bg(const PgCluster& pg, int seconds, const std::string& log) {
    return Child::spawn({pg_tool("pgbench"), "-n", "-h", "127.0.0.1", "-p", std::to_string(pg.port()), "-U", "postgres",
                         "-T", std::to_string(seconds), "-c", "2", "postgres"},
                        log);
}

}  // namespace

TEST_CASE("standby: kill -9 under load, restart, catch up, no gap, verification clean") {
    PgCluster pg(PgOptions{.conf = {"wal_consistency_checking = 'all'"}});
    pg.pgbench_init(1);
    TempDir dir("understudy-standby-crash");
    const std::string sdir = dir.path() + "/s";
    const std::string status_path = sdir + "/status.json";
    const std::string log1 = dir.path() + "/standby1.log", log2 = dir.path() + "/standby2.log",
                      log3 = dir.path() + "/standby3.log";
    HangReporter hang({log1, log2, log3}, 330s);
    auto sb = Child::spawn(standby_argv(pg, sdir, {"--verify"}), log1);
    REQUIRE_MESSAGE(wait_streaming(pg), read_file(log1));

    // kill -9 in the middle of the load; the load goes on while the standby is down.
    auto bg = pgbench_bg(pg, 6, dir.path() + "/pgbench1.log");
    std::this_thread::sleep_for(2s);
    sb.kill9();
    const XLogRecPtr applied_at_kill = status_lsn(status_path, "applied_lsn");
    CHECK(bg.wait(60s) == 0);
    XLogRecPtr end = current_lsn(pg);
    MESSAGE("killed at applied " << format_lsn(applied_at_kill) << "; backlog " << (end - applied_at_kill) << " bytes");
    REQUIRE(end - applied_at_kill > 2 * (1u << 20));  // enough for the catch-up report

    // Restart (not a terminal): catches up, with plain progress lines.
    sb = Child::spawn(standby_argv(pg, sdir, {"--verify"}), log2);
    REQUIRE_MESSAGE(wait_until([&] { return status_lsn(status_path, "applied_lsn") >= end; }, 120s), read_file(log2));
    CHECK(sb.running());
    const std::string text2 = read_file(log2);
    CHECK_MESSAGE(text2.find("understudy: catching up: ") != std::string::npos, text2);
    CHECK_MESSAGE(text2.find("understudy: caught up: ") != std::string::npos, text2);
    CHECK(text2.find("\x1b[K") == std::string::npos);
    {
        std::istringstream lines(text2);
        for (std::string line; std::getline(lines, line);)
            if (line.find("catching up: ") != std::string::npos || line.find("caught up: ") != std::string::npos)
                MESSAGE(line);
    }
    CHECK_MESSAGE(text2.find("continuing replay at") != std::string::npos, text2);

    // Stop cleanly, build another backlog, restart on a terminal (script(1) gives it a pty).
    sb.signal(SIGTERM);
    REQUIRE(sb.wait(30s) == 0);
    auto final1 = read_status(status_path);
    REQUIRE(final1);
    CHECK((*final1)["state"] == "stopped");
    std::uint64_t verified = 0, mismatched = 0;
    for (auto& [rmgr, c] : (*final1)["rmgrs"].items()) {
        verified += c["verified"].get<std::uint64_t>();
        mismatched += c["mismatched"].get<std::uint64_t>();
    }
    MESSAGE("restarted run: " << verified << " page images verified, " << mismatched << " mismatched");
    CHECK(verified > 1000);
    CHECK(mismatched == 0);

    CHECK(pg.pgbench(3, 2).exit_code == 0);
    end = current_lsn(pg);
    REQUIRE(end - status_lsn(status_path, "applied_lsn") > 2 * (1u << 20));
    const std::string pid_file = dir.path() + "/standby3.pid";
    std::string cmd = "echo $$ > '" + pid_file + "'; exec";
    for (const auto& a : standby_argv(pg, sdir, {"--verify"})) cmd += " '" + a + "'";
    sb = Child::spawn({"script", "-qfec", cmd, "/dev/null"}, log3);
    REQUIRE_MESSAGE(wait_until([&] { return status_lsn(status_path, "applied_lsn") >= end; }, 120s), read_file(log3));
    const pid_t standby_pid = static_cast<pid_t>(std::stol(read_file(pid_file)));
    REQUIRE(standby_pid > 0);
    ::kill(standby_pid, SIGTERM);
    CHECK(sb.wait(30s) == 0);  // script(1) exits with the standby's status
    const std::string text3 = read_file(log3);
    CHECK_MESSAGE(text3.find("\r\x1b[Kcatching up: ") != std::string::npos, text3);
    CHECK_MESSAGE(text3.find("caught up: ") != std::string::npos, text3);

    // No gap: every segment received is byte-identical to the primary's up to the flushed point.
    auto final2 = read_status(status_path);
    REQUIRE(final2);
    const XLogRecPtr flushed = parse_lsn((*final2)["flushed_lsn"].get<std::string>()).value_or(0);
    auto cmp = compare_with_server(sdir + "/pg_wal", pg.wal_dir(), flushed, 16u << 20);
    MESSAGE("segments compared: " << cmp.complete << " complete, " << cmp.partial << " partial");
    CHECK_MESSAGE(cmp.problems.empty(), problems_text(cmp));
    CHECK(cmp.complete >= 1);
    mismatched = 0;
    for (auto& [rmgr, c] : (*final2)["rmgrs"].items()) mismatched += c["mismatched"].get<std::uint64_t>();
    CHECK(mismatched == 0);

    // rmgrs_total over the three runs, one of them killed -9, equals what pg_waldump counts per
    // rmgr from the first start point to the final apply position: nothing counted twice.
    std::smatch start;
    const std::string text1 = read_file(log1);
    REQUIRE_MESSAGE(std::regex_search(text1, start, std::regex("starting sparse at ([0-9A-F]+/[0-9A-F]+)")), text1);
    const std::string applied = (*final2)["applied_lsn"].get<std::string>();
    // pg_waldump reads only full segment names: link the received segments, the one still being
    // written (NAME.partial, preallocated, valid up to the flushed position) under its final name.
    const std::string seg_dir = dir.path() + "/segments";
    std::filesystem::create_directories(seg_dir);
    for (const auto& e : std::filesystem::directory_iterator(sdir + "/pg_wal")) {
        std::string name = e.path().filename().string();
        if (name.ends_with(".partial")) name.resize(name.size() - 8);
        if (name.size() == 24 && name.find_first_not_of("0123456789ABCDEF") == std::string::npos)
            std::filesystem::create_symlink(e.path(), seg_dir + "/" + name);
    }
    auto stats = run({pg_tool("pg_waldump"), "-p", seg_dir, "-s", start[1].str(), "-e", applied, "--stats"});
    REQUIRE_MESSAGE(stats.exit_code == 0, stats.output);
    auto expected = waldump::rmgr_counts(stats.output);
    expected.erase("Total");
    std::erase_if(expected, [](const auto& kv) { return kv.second == 0; });
    std::map<std::string, std::uint64_t> totals;
    for (auto& [rmgr, c] : (*final2)["rmgrs_total"].items()) totals[rmgr] = c["records"].get<std::uint64_t>();
    CHECK_MESSAGE(totals == expected, "rmgrs_total " << (*final2)["rmgrs_total"].dump() << "\npg_waldump --stats "
                                                     << start[1].str() << ".." << applied << ":\n" << stats.output);
    MESSAGE("rmgrs_total over 3 runs (one killed): " << totals["Heap"]
                                                      << " Heap records, as pg_waldump --stats counts");
}

TEST_CASE("standby: an empty DIR starts at the latest checkpoint's redo point even with a slot left further on") {
    PgCluster pg;
    pg.pgbench_init(1);
    TempDir dir("understudy-standby-fresh");
    const std::string log1 = dir.path() + "/first.log", log2 = dir.path() + "/second.log";
    HangReporter hang({log1, log2}, 150s);
    // A first standby advances the slot "understudy" past the latest checkpoint's redo point.
    auto first = Child::spawn(standby_argv(pg, dir.path() + "/a"), log1);
    REQUIRE_MESSAGE(wait_streaming(pg), read_file(log1));
    CHECK(pg.pgbench(2, 2).exit_code == 0);
    XLogRecPtr end = current_lsn(pg);
    REQUIRE(wait_until([&] { return status_lsn(dir.path() + "/a/status.json", "applied_lsn") >= end; }, 60s));
    first.signal(SIGTERM);
    REQUIRE(first.wait(30s) == 0);
    const XLogRecPtr redo = lsn_of(pg.sql("select redo_lsn from pg_control_checkpoint()"));
    const XLogRecPtr slot = lsn_of(pg.sql("select restart_lsn from pg_replication_slots where slot_name = 'understudy'"));
    MESSAGE("latest checkpoint redo " << format_lsn(redo) << ", slot restart_lsn " << format_lsn(slot));
    REQUIRE(slot > redo);

    // A new standby in an empty DIR with the same slot: replay starts at the redo point.
    const std::string status_path = dir.path() + "/b/status.json";
    auto second = Child::spawn(standby_argv(pg, dir.path() + "/b", {"--verify"}), log2);
    end = current_lsn(pg);
    REQUIRE_MESSAGE(wait_until([&] { return status_lsn(status_path, "applied_lsn") >= end; }, 60s), read_file(log2));
    second.signal(SIGTERM);
    REQUIRE(second.wait(30s) == 0);
    auto st = read_status(status_path);
    REQUIRE(st);
    CHECK((*st)["replay"]["start_lsn"].get<std::string>() == format_lsn(redo));
    CHECK(read_file(log2).find("starting sparse at " + format_lsn(redo)) != std::string::npos);
}
