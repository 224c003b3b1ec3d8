// `understudy lag` against a real `understudy standby --verify` following a real PostgreSQL 15
// primary under pgbench: the current view agrees with the primary's pg_stat_replication, --watch
// refreshes, --summary's percentiles and per-rmgr counters match lag.jsonl / status.json, --plot
// produces well-formed SVG (parsed by Python's xml.etree) with the six series and one point per
// sample, a malformed line is skipped and counted, and a stopped or killed standby is called
// not running.
#include <fmt/format.h>

#include <csignal>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "tests/integration/receive_helpers.h"

using namespace understudy;
using namespace understudy::testing;
using namespace understudy::testing::receive;

namespace {

std::vector<std::string> standby_argv(const PgCluster& pg, const std::string& dir) {
    return {understudy_bin(), "standby", "--primary", pg.conninfo(), "--dir", dir, "--application-name", "understudy",
            "--status-interval", "0.2", "--verify", "-v"};
}

RunResult lag(const std::string& dir, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {understudy_bin(), "lag", "--dir", dir};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run(argv);
}

double unix_now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The lag.jsonl samples with from <= t <= to, read independently of the code under test.
std::vector<nlohmann::json> history_in(const std::string& path, double from, double to) {
    std::vector<nlohmann::json> out;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
        auto j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_discarded() || !j.is_object() || !j.contains("t")) continue;
        const double t = j["t"].get<double>();
        if (t >= from && t <= to) out.push_back(j);
    }
    return out;
}

double max_of(const std::vector<nlohmann::json>& samples, const char* field) {
    double m = 0;
    for (const auto& s : samples) m = std::max(m, s[field].get<double>());
    return m;
}

// Parses the SVG with Python's XML parser; prints {"root": tag, "series": {name: points}}.
constexpr const char* kSvgCheck = R"PY(
import json, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = '{http://www.w3.org/2000/svg}'
series = {}
for p in root.iter(ns + 'polyline'):
    name = p.get('data-series')
    series[name] = series.get(name, 0) + len(p.get('points').split())
texts = [t.text for t in root.iter(ns + 'text')]
print(json.dumps({'root': root.tag, 'series': series, 'texts': texts}))
)PY";

}  // namespace

TEST_CASE("understudy lag: current, --watch, --summary, --plot against a real standby run") {
    PgOptions opts;
    opts.conf = {"wal_consistency_checking = 'all'"};
    PgCluster pg(opts);
    pg.pgbench_init(1);
    TempDir dir("understudy-lag");
    const std::string sdir = dir.path() + "/s";
    const std::string log = dir.path() + "/standby.log";

    // Before any standby: the error names the file and asks the question.
    auto none = lag(sdir);
    CHECK(none.exit_code == 1);
    CHECK_MESSAGE(none.output.find("is a standby running with --dir " + sdir + "?") != std::string::npos, none.output);

    auto sb = Child::spawn(standby_argv(pg, sdir), log);
    REQUIRE_MESSAGE(wait_until([&] {
        return pg.sql("select count(*) from pg_stat_replication where application_name = 'understudy' and state = "
                      "'streaming'") == "1";
    }, 60s), read_file(log));
    REQUIRE(wait_until([&] { return std::filesystem::exists(sdir + "/status.json"); }, 30s));

    const double t0 = unix_now();
    auto load = pg.pgbench(5, 2);
    REQUIRE_MESSAGE(load.exit_code == 0, load.output);
    const XLogRecPtr end = current_lsn(pg);
    REQUIRE_MESSAGE(wait_until([&] {
        auto j = read_status(sdir + "/status.json");
        return j && parse_lsn((*j)["applied_lsn"].get<std::string>()).value_or(0) >= end;
    }, 90s), read_file(log));
    std::this_thread::sleep_for(1s);  // a few caught-up samples
    const double t1 = unix_now();

    // The current view agrees with what the primary sees once quiet.
    nlohmann::json cur;
    REQUIRE(wait_until([&] {
        auto r = lag(sdir, {"--json"});
        if (r.exit_code != 0) return false;
        cur = nlohmann::json::parse(r.output, nullptr, false);
        return !cur.is_discarded() && cur["applied_lsn"] == pg.sql("select replay_lsn from pg_stat_replication") &&
               cur["flushed_lsn"] == pg.sql("select flush_lsn from pg_stat_replication");
    }, 30s));
    CHECK(cur["liveness"] == "running");
    CHECK(cur["age_seconds"].get<double>() < 2);
    CHECK(cur["system_identifier"] == pg.sql("select system_identifier from pg_control_system()"));
    auto text = lag(sdir);
    CHECK(text.exit_code == 0);
    CHECK_MESSAGE(text.output.rfind("standby streaming, status updated ", 0) == 0, text.output);
    CHECK(text.output.find(cur["applied_lsn"].get<std::string>()) != std::string::npos);
    CHECK(text.output.find("apply ") != std::string::npos);
    // The standby reports the last applied commit's time (pgbench committed): shown with its age.
    REQUIRE(cur["last_applied_commit_time"].is_string());
    CHECK(text.output.find("last applied commit: " + cur["last_applied_commit_time"].get<std::string>() + " (") !=
              std::string::npos);
    MESSAGE("understudy lag:\n" << text.output);

    // --watch: one block per refresh when stdout is not a terminal.
    auto watch = lag(sdir, {"--watch", "0.2", "--count", "3"});
    CHECK(watch.exit_code == 0);
    std::size_t blocks = 0;
    for (std::size_t p = 0; (p = watch.output.find("---- every 0.2 s", p)) != std::string::npos; ++p) ++blocks;
    CHECK(blocks == 3);
    // --watch --json: JSON Lines, one document per refresh.
    auto watch_json = lag(sdir, {"--watch", "0.2", "--count", "2", "--json"});
    CHECK(watch_json.exit_code == 0);
    std::istringstream lines(watch_json.output);
    int docs = 0;
    for (std::string line; std::getline(lines, line);) {
        auto j = nlohmann::json::parse(line, nullptr, false);
        CHECK_MESSAGE(!j.is_discarded(), line);
        if (!j.is_discarded()) docs += j["liveness"] == "running";
    }
    CHECK(docs == 2);

    // A torn line in the history is skipped and counted.
    {
        std::ofstream f(sdir + "/lag.jsonl", std::ios::app);
        f << "{\"t\": 12, \"receive_by\n";
    }

    // --summary over the load window: the percentiles of the samples in lag.jsonl.
    // The window exactly as the command gets it (text), so both sides use the same bounds.
    const std::string from = fmt::format("{:.6f}", t0), to = fmt::format("{:.6f}", t1);
    const auto samples = history_in(sdir + "/lag.jsonl", std::stod(from), std::stod(to));
    REQUIRE(samples.size() >= 10);
    auto sum = lag(sdir, {"--summary", "--json", "--from", from, "--to", to});
    REQUIRE_MESSAGE(sum.exit_code == 0, sum.output);
    auto js = nlohmann::json::parse(sum.output);
    CHECK(js["samples"] == samples.size());
    CHECK(js["malformed_lines"] == 1);
    const double max_apply = max_of(samples, "apply_seconds");
    CHECK(max_apply > 0);  // under load the apply lag is populated
    CHECK(js["lag"]["apply_seconds"]["max"].get<double>() == max_apply);
    CHECK(js["lag"]["apply_bytes"]["max"].get<double>() == max_of(samples, "apply_bytes"));
    CHECK(js["lag"]["write_seconds"]["max"].get<double>() == max_of(samples, "write_seconds"));
    CHECK(js["lag"]["apply_seconds"]["p50"].get<double>() <= js["lag"]["apply_seconds"]["p99"].get<double>());
    auto status = read_status(sdir + "/status.json");
    REQUIRE(status);
    const auto& heap = js["replay"]["rmgrs"]["Heap"];
    CHECK(heap["applied"].get<std::uint64_t>() > 0);
    CHECK(heap["verified"].get<std::uint64_t>() > 0);  // --verify with wal_consistency_checking
    CHECK(heap["records"] == (*status)["replay"]["rmgrs"]["Heap"]["records"]);
    CHECK(js["replay"]["verify"] == true);
    MESSAGE("summary: " << lag(sdir, {"--summary", "--from", from, "--to", to}).output);

    // --plot: well-formed SVG, six series, one point per sample of the window.
    const std::string svg = dir.path() + "/lag.svg";
    auto plot = lag(sdir, {"--plot", svg, "--from", from, "--to", to});
    REQUIRE_MESSAGE(plot.exit_code == 0, plot.output);
    CHECK(plot.output.find("1 malformed lines skipped") != std::string::npos);
    auto parsed = run({"python3", "-c", kSvgCheck, svg});
    REQUIRE_MESSAGE(parsed.exit_code == 0, parsed.output);
    auto jp = nlohmann::json::parse(parsed.output);
    CHECK(jp["root"] == "{http://www.w3.org/2000/svg}svg");
    std::set<std::string> names;
    for (const auto& [name, points] : jp["series"].items()) {
        names.insert(name);
        CHECK_MESSAGE(points.get<std::size_t>() == samples.size(), name);
    }
    CHECK(names == std::set<std::string>{"write_seconds", "flush_seconds", "apply_seconds", "receive_bytes",
                                         "flush_bytes", "apply_bytes"});
    std::string all_texts = jp["texts"].dump();
    CHECK(all_texts.find("apply (replay) lag") != std::string::npos);
    CHECK(all_texts.find("behind primary WAL end") != std::string::npos);

    // Stopped cleanly: not running.
    sb.signal(SIGTERM);
    CHECK(sb.wait(30s) == 0);
    auto stopped = lag(sdir);
    CHECK(stopped.exit_code == 0);
    CHECK_MESSAGE(stopped.output.rfind("NOT RUNNING: the standby stopped", 0) == 0, stopped.output);

    // Killed: the status file goes stale.
    sb = Child::spawn(standby_argv(pg, sdir), dir.path() + "/standby2.log");
    REQUIRE(wait_until([&] {
        auto j = read_status(sdir + "/status.json");
        return j && (*j)["state"] == "streaming";
    }, 60s));
    sb.kill9();
    std::this_thread::sleep_for(1500ms);
    auto stale = lag(sdir, {"--stale-after", "1"});
    CHECK_MESSAGE(stale.output.rfind("NOT RUNNING (status is stale)", 0) == 0, stale.output);
    auto stale_json = nlohmann::json::parse(lag(sdir, {"--json", "--stale-after", "1"}).output);
    CHECK(stale_json["liveness"] == "stale");

    // Usage errors exit 2.
    CHECK(lag(sdir, {"--watch", "abc"}).exit_code == 2);
    CHECK(lag(sdir, {"--count", "2"}).exit_code == 2);
}
