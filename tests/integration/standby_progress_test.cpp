// `understudy standby` catching up a real backlog: the standby is stopped, the primary (real
// PostgreSQL 15) writes a few hundred MB of WAL, and the standby is started again. With
// --progress tty the redrawn line shows bytes behind going down, a positive rate and an ETA,
// then "caught up"; with stderr not a terminal (the default, auto) the same comes as plain log
// lines with no control characters. Both end caught up (pg_stat_replication's replay_lsn is the
// primary's WAL end). Along the way lag.jsonl is rotated (a tiny --lag-history-max-mb): the
// restarts accept the rotated files in the directory and `understudy lag --summary` reads all
// of them. rmgrs_total in status.json adds up the runs. On one host the clock skew estimate is near zero.
#include <fmt/format.h>

#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <regex>

#include "tests/integration/standby_helpers.h"

using namespace understudy;
using namespace understudy::testing;
using namespace understudy::testing::receive;
using namespace understudy::testing::standby;

namespace {

struct ProgressLine {
    double behind = 0;  // bytes
    double rate = 0;    // bytes per second
    std::string eta;
};

// "12.3 MB" (progress.h bytes_text) -> bytes.
double bytes_of(const std::string& number, const std::string& unit) {
    double v = std::stod(number);
    for (const char* u : {"kB", "MB", "GB", "TB"}) {
        v *= 1024;
        if (unit == u) return v;
    }
    return std::stod(number);  // "bytes"
}

std::vector<ProgressLine> progress_lines(const std::string& text) {
    static const std::regex re(R"(catching up: ([0-9.]+) (bytes|kB|MB|GB|TB) behind, )"
                               R"(applying ([0-9.]+) (bytes|kB|MB|GB|TB)/s, ETA ([0-9:]+|unknown))");
    std::vector<ProgressLine> out;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it)
        out.push_back({bytes_of((*it)[1], (*it)[2]), bytes_of((*it)[3], (*it)[4]), (*it)[5]});
    return out;
}

std::size_t count_lines(const std::string& path) {
    std::ifstream in(path);
    std::size_t n = 0;
    for (std::string line; std::getline(in, line);) ++n;
    return n;
}

// Writes WAL on the primary: ~`rows` heap inserts in one transaction. Returns the bytes written.
std::uint64_t make_backlog(const PgCluster& pg, int rows) {
    const XLogRecPtr before = current_lsn(pg);
    pg.sql(fmt::format("insert into backlog select g, repeat(md5(g::text), 3) from generate_series(1, {}) g", rows));
    return current_lsn(pg) - before;
}

// Waits until the standby has applied up to the primary's current WAL end and the primary's
// pg_stat_replication says so too.
bool wait_caught_up(const PgCluster& pg, const std::string& status_path, std::chrono::seconds timeout) {
    const XLogRecPtr end = current_lsn(pg);
    return wait_until([&] { return status_lsn(status_path, "applied_lsn") >= end; }, timeout, 100ms) &&
           wait_until([&] { return lsn_of(replication_field(pg, "replay_lsn")) >= end; }, 20s, 100ms);
}

void check_catch_up(const std::vector<ProgressLine>& lines, const std::string& log) {
    REQUIRE_MESSAGE(lines.size() >= 2, log);
    std::size_t with_rate = 0;
    for (std::size_t i = 1; i < lines.size(); ++i) CHECK_MESSAGE(lines[i].behind <= lines[i - 1].behind, log);
    CHECK(lines.back().behind < lines.front().behind);
    for (const auto& l : lines)
        if (l.rate > 0 && l.eta != "unknown") ++with_rate;
    CHECK_MESSAGE(with_rate >= 1, log);
    MESSAGE("progress lines: " << lines.size() << ", first " << lines.front().behind / 1048576 << " MB behind, last "
                               << lines.back().behind / 1048576 << " MB behind, last rate "
                               << lines.back().rate / 1048576 << " MB/s, ETA " << lines.back().eta);
}

}  // namespace

TEST_CASE("standby: catch-up progress over a real backlog, terminal and plain forms; lag.jsonl rotated") {
    // No checkpoint during the test: the slot keeps the WAL anyway, this only keeps it quick.
    PgCluster pg(PgOptions{.conf = {"max_wal_size = '4GB'", "checkpoint_timeout = '1h'"}});
    // No autovacuum on it: a vacuum during a catch-up would move the primary's WAL end.
    pg.sql("create table backlog (id int, pad text) with (autovacuum_enabled = off)");
    TempDir dir("understudy-progress");
    const std::string sdir = dir.path() + "/s";
    const std::string status_path = sdir + "/status.json";
    const std::string logs[] = {dir.path() + "/standby0.log", dir.path() + "/standby1.log",
                                dir.path() + "/standby2.log"};
    HangReporter hang({logs[0], logs[1], logs[2]}, 150s);
    // 2 kB lag history files (about ten lines at --status-interval 0.2), two kept.
    // Periodic replies every 0.5 s: each asks the primary for an answer, a clock round trip.
    const std::vector<std::string> rotation = {"--lag-history-max-mb", "0.002", "--lag-history-keep", "2",
                                               "--reply-interval", "0.5"};
    // Records replayed per rmgr, added up over the runs from each run's final status.json.
    std::map<std::string, std::uint64_t> records_by_run;
    auto add_run = [&] {
        const auto status = read_status(status_path);
        REQUIRE(status);
        for (const auto& [rmgr, c] : (*status)["rmgrs"].items())
            records_by_run[rmgr] += c["records"].get<std::uint64_t>();
    };
    auto with = [&](std::vector<std::string> extra) {
        extra.insert(extra.end(), rotation.begin(), rotation.end());
        return standby_argv(pg, sdir, extra);
    };

    // A standby that has followed the primary, then stops.
    {
        auto sb = Child::spawn(with({}), logs[0]);
        REQUIRE_MESSAGE(wait_streaming(pg), read_file(logs[0]));
        REQUIRE_MESSAGE(wait_caught_up(pg, status_path, 30s), read_file(logs[0]));
        sb.signal(SIGTERM);
        REQUIRE(sb.wait(30s) == 0);
        add_run();
    }

    // Terminal form, forced: the line redrawn in place.
    const std::uint64_t backlog1 = make_backlog(pg, 4000000);
    MESSAGE("backlog 1: " << backlog1 / 1048576 << " MB of WAL");
    REQUIRE(backlog1 > 400ull << 20);
    {
        auto sb = Child::spawn(with({"--progress", "tty"}), logs[1]);
        REQUIRE_MESSAGE(wait_caught_up(pg, status_path, 60s), read_file(logs[1]));
        sb.signal(SIGTERM);
        REQUIRE(sb.wait(30s) == 0);
        add_run();
    }
    const std::string tty_log = read_file(logs[1]);
    check_catch_up(progress_lines(tty_log), tty_log);
    CHECK(tty_log.find("\r\x1b[Kcatching up: ") != std::string::npos);
    CHECK(std::regex_search(tty_log, std::regex("\r\x1b\\[Kcaught up: applied [0-9.]+ (kB|MB|GB) in [0-9.]+ s\n")));
    CHECK((*read_status(status_path))["lag"]["apply_bytes"] == 0);
    // Same host, same clock: the skew estimate (round trips: three clock_timestamp() queries at
    // start, then the answers to the periodic replies) is known and small, and there is no clock
    // skew warning.
    const auto after_tty = *read_status(status_path);
    const auto skew = after_tty["clock_skew_seconds"];
    REQUIRE(skew.is_number());
    CHECK(std::fabs(skew.get<double>()) < 0.05);
    CHECK(after_tty["clock_round_trips"].get<int>() >= 2);  // the start one + at least one answered reply
    MESSAGE("clock_skew_seconds on one host: " << skew.get<double>() << " over " << after_tty["clock_round_trips"]
                                               << " round trips");
    CHECK(tty_log.find("clock skew") == std::string::npos);

    // Not a terminal (stderr is a file), --progress left at auto: plain log lines.
    const std::uint64_t backlog2 = make_backlog(pg, 4000000);
    MESSAGE("backlog 2: " << backlog2 / 1048576 << " MB of WAL");
    {
        auto sb = Child::spawn(with({"--progress-interval", "0.5"}), logs[2]);
        REQUIRE_MESSAGE(wait_caught_up(pg, status_path, 60s), read_file(logs[2]));
        sb.signal(SIGTERM);
        REQUIRE(sb.wait(30s) == 0);
        add_run();
    }
    const std::string plain_log = read_file(logs[2]);
    check_catch_up(progress_lines(plain_log), plain_log);
    CHECK(plain_log.find('\r') == std::string::npos);
    CHECK(plain_log.find('\x1b') == std::string::npos);
    // Each line starts with its timestamp (common/log.h's timestamped format).
    const std::string line_start = "(^|\n)[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:.]+ UTC understudy: ";
    CHECK(std::regex_search(plain_log, std::regex(line_start + "catching up: [^\n]*, ETA [0-9:]+\n")));
    CHECK(std::regex_search(plain_log, std::regex(line_start + "caught up: applied [0-9.]+ (kB|MB|GB) in [0-9.]+ s\n")));

    // Cumulative counters: rmgrs_total (kept in the replay state) is the sum of the three runs'
    // rmgrs; the last run's rmgrs alone is less.
    const auto final_status = *read_status(status_path);
    std::map<std::string, std::uint64_t> totals;
    for (const auto& [rmgr, c] : final_status["rmgrs_total"].items()) totals[rmgr] = c["records"].get<std::uint64_t>();
    CHECK(totals == records_by_run);
    CHECK(final_status["rmgrs"]["Heap"]["records"].get<std::uint64_t>() < totals["Heap"]);
    MESSAGE("Heap records: last run " << final_status["rmgrs"]["Heap"]["records"] << ", all runs " << totals["Heap"]);

    // Rotation: lag.jsonl, .1 and .2 (keep 2), no .3; the summary reads all three, oldest first.
    const std::string history = sdir + "/lag.jsonl";
    REQUIRE(std::filesystem::exists(history + ".1"));
    REQUIRE(std::filesystem::exists(history + ".2"));
    CHECK_FALSE(std::filesystem::exists(history + ".3"));
    for (const char* suffix : {"", ".1", ".2"}) CHECK(std::filesystem::file_size(history + suffix) <= 2097);
    auto summary = run({understudy_bin(), "lag", "--dir", sdir, "--summary", "--json"});
    REQUIRE_MESSAGE(summary.exit_code == 0, summary.output);
    auto j = nlohmann::json::parse(summary.output.substr(summary.output.find('{')));
    CHECK(j["history_files"] == nlohmann::json::array({history + ".2", history + ".1", history}));
    CHECK(j["samples"].get<std::size_t>() == count_lines(history + ".2") + count_lines(history + ".1") +
                                                 count_lines(history));
}
