// `understudy lag`'s view of DIR/status.json: parsing what the standby writes, liveness (running,
// stopped, stale), the text and JSON forms, the summary.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/fs.h"
#include "receiver/status_file.h"
#include "redo/replay_report.h"
#include "standby/lag_view.h"
#include "standby/status.h"

using namespace understudy;
using namespace understudy::standby;

namespace {

const auto kUpdated = std::chrono::system_clock::time_point(std::chrono::seconds(1763770000)) +
                      std::chrono::microseconds(250000);

// A status.json as the standby writes it (standby/status.h and redo/replay_report.h).
std::string producer_status(const std::string& state) {
    redo::ReplayReport r;
    r.verify = true;
    r.records = 130;
    r.rmgrs[10].records = 100;  // Heap
    r.rmgrs[10].applied = 90;
    r.rmgrs[10].skipped_done = 10;
    r.rmgrs[10].images_checked = 60;
    r.rmgrs[11].records = 30;  // Btree
    r.rmgrs[11].applied = 30;
    r.rmgrs[11].images_checked = 25;
    r.rmgrs[11].images_mismatched = 1;
    StandbyStatus s;
    s.system_identifier = 7310936452069017745ULL;
    s.timeline = 1;
    s.state = state;
    s.primary_wal_end_lsn = 0x3000148;
    s.received_lsn = 0x3000148;
    s.flushed_lsn = 0x3000100;
    s.applied_lsn = 0x2FF0000;
    s.lag_seconds = {0.001, 0.002, 0.25};
    if (state == "streaming") s.clock_skew_seconds = -0.125;
    s.updated_at = kUpdated;
    s.replay_json = redo::report_to_json(r);
    s.rmgr_totals = {{"Heap", 1100, 1090, 60, 0}, {"Btree", 330, 330, 25, 1}};  // earlier runs included
    return status_to_json(s);
}

const double kUpdatedUnix = 1763770000.25;

}  // namespace

TEST_CASE("parse_status: what the standby writes") {
    auto c = parse_status(producer_status("streaming"), "d/status.json");
    REQUIRE_MESSAGE(c.ok(), c.message());
    CHECK(c->system_identifier == "7310936452069017745");
    CHECK(c->timeline == 1);
    CHECK(c->state == "streaming");
    CHECK(c->applied_lsn == 0x2FF0000);
    CHECK(c->flushed_lsn == 0x3000100);
    CHECK(c->receive_bytes == 0);
    CHECK(c->flush_bytes == 0x48);
    CHECK(c->apply_bytes == 0x3000148 - 0x2FF0000);
    CHECK(c->apply_seconds == 0.25);
    REQUIRE(c->clock_skew_seconds.has_value());
    CHECK(*c->clock_skew_seconds == -0.125);
    CHECK(format_current_lag(*c, kUpdatedUnix, 10).find("clock: this host is 0.125 s behind the primary's") !=
          std::string::npos);
    CHECK(nlohmann::json::parse(current_lag_json(*c, kUpdatedUnix, 10))["clock_skew_seconds"] == -0.125);
    auto stopped = parse_status(producer_status("stopped"), "d/status.json");  // skew unknown: null
    REQUIRE(stopped.ok());
    CHECK_FALSE(stopped->clock_skew_seconds.has_value());
    CHECK(nlohmann::json::parse(producer_status("stopped"))["clock_skew_seconds"].is_null());
    CHECK(c->updated_at_unix == doctest::Approx(kUpdatedUnix).epsilon(1e-12));
    CHECK(c->verify);
    CHECK(c->records == 130);
    CHECK(c->mismatches_total == 1);
    REQUIRE(c->rmgrs.size() == 2);
    CHECK(c->rmgrs[0].name == "Btree");  // alphabetical
    CHECK(c->rmgrs[0].images_mismatched == 1);
    CHECK(c->rmgrs[1].name == "Heap");
    CHECK(c->rmgrs[1].images_checked == 60);
}

TEST_CASE("parse_status: errors name the file and the field") {
    auto bad = parse_status("{\"timeline\": 1", "d/status.json");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.message().find("\"d/status.json\"") != std::string::npos);

    auto j = nlohmann::json::parse(producer_status("streaming"));
    j.erase("applied_lsn");
    auto missing = parse_status(j.dump(), "d/status.json");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.message().find("applied_lsn") != std::string::npos);
    CHECK(missing.message().find("d/status.json") != std::string::npos);

    j = nlohmann::json::parse(producer_status("streaming"));
    j["flushed_lsn"] = "zz";
    auto bad_lsn = parse_status(j.dump(), "d/status.json");
    REQUIRE_FALSE(bad_lsn.ok());
    CHECK(bad_lsn.message().find("\"zz\"") != std::string::npos);
}

TEST_CASE("read_current_lag: a missing status file asks whether a standby runs with --dir") {
    auto r = read_current_lag("/nonexistent-understudy-dir");
    REQUIRE_FALSE(r.ok());
    CHECK(r.message().find("is a standby running with --dir /nonexistent-understudy-dir?") != std::string::npos);

    char tmpl[] = "/tmp/understudy-unit-XXXXXX";
    std::string dir = ::mkdtemp(tmpl);
    auto r2 = read_current_lag(dir);
    REQUIRE_FALSE(r2.ok());
    CHECK(r2.message().find("\"" + dir + "/status.json\"") != std::string::npos);
    CHECK(r2.message().find("is a standby running with --dir " + dir + "?") != std::string::npos);
    REQUIRE(fs::write_file_atomic(dir + "/status.json", producer_status("streaming")).ok());
    auto r3 = read_current_lag(dir);
    REQUIRE(r3.ok());
    CHECK(r3->path == dir + "/status.json");
    std::filesystem::remove_all(dir);
}

TEST_CASE("parse_iso8601_utc: the standby's updated_at format") {
    auto t = parse_iso8601_utc(receiver::iso8601_utc(kUpdated));
    REQUIRE(t);
    CHECK(*t == doctest::Approx(kUpdatedUnix).epsilon(1e-12));
    CHECK(parse_iso8601_utc("2023-11-14T22:13:20Z") == doctest::Approx(1700000000.0));
    CHECK_FALSE(parse_iso8601_utc("2023-11-14 22:13:20"));
    CHECK_FALSE(parse_iso8601_utc("2023-11-14T22:13:20.5+01:00"));
}

TEST_CASE("liveness and the text view: running, stopped, stale") {
    auto c = parse_status(producer_status("streaming"), "d/status.json");
    REQUIRE(c.ok());
    CHECK(liveness(*c, kUpdatedUnix + 1, 10) == Liveness::running);
    CHECK(liveness(*c, kUpdatedUnix + 11, 10) == Liveness::stale);
    std::string running = format_current_lag(*c, kUpdatedUnix + 0.5, 10);
    CHECK(running.rfind("standby streaming, status updated 0.500 s ago", 0) == 0);
    CHECK(running.find("0/2FF0000") != std::string::npos);
    CHECK(running.find("apply 0.250 s") != std::string::npos);
    CHECK(running.find("64.3 kB") != std::string::npos);  // 0x10148 bytes behind
    CHECK(running.find("last applied commit: none reported") != std::string::npos);
    std::string stale = format_current_lag(*c, kUpdatedUnix + 42, 10);
    CHECK(stale.rfind("NOT RUNNING (status is stale)", 0) == 0);
    CHECK(stale.find("42.0 s ago") != std::string::npos);

    auto stopped = parse_status(producer_status("stopped"), "d/status.json");
    REQUIRE(stopped.ok());
    CHECK(liveness(*stopped, kUpdatedUnix + 1, 10) == Liveness::stopped);
    const std::string stopped_text = format_current_lag(*stopped, kUpdatedUnix + 1, 10);
    CHECK(stopped_text.rfind("NOT RUNNING: the standby stopped", 0) == 0);
    CHECK(stopped_text.find("replay running") == std::string::npos);  // nothing runs
    CHECK(running.find("replay running") != std::string::npos);

    auto j = nlohmann::json::parse(current_lag_json(*c, kUpdatedUnix + 42, 10));
    CHECK(j["liveness"] == "stale");
    CHECK(j["age_seconds"].get<double>() == doctest::Approx(42));
    CHECK(j["lag"]["apply_seconds"] == 0.25);
    CHECK(j["applied_lsn"] == "0/2FF0000");
    CHECK(j["last_applied_commit_time"].is_null());
}

TEST_CASE("last applied commit time is shown when the standby reports it") {
    auto j = nlohmann::json::parse(producer_status("streaming"));
    j["last_applied_commit_time"] = "2025-11-22T00:06:38.250000Z";
    auto c = parse_status(j.dump(), "s");
    REQUIRE(c.ok());
    REQUIRE(c->last_applied_commit_time);
    CHECK(format_current_lag(*c, kUpdatedUnix, 10).find("2025-11-22T00:06:38.250000Z (2.000 s before the status update)") !=
          std::string::npos);
}

TEST_CASE("summary: percentiles table and replay counters per rmgr") {
    LagHistory h;
    for (int i = 1; i <= 100; ++i)
        h.samples.push_back(LagSample{static_cast<double>(i), 0, 0, static_cast<std::uint64_t>(i), 0, 0, i / 1000.0});
    h.malformed = 1;
    auto c = parse_status(producer_status("streaming"), "d/status.json");
    REQUIRE(c.ok());
    const LagSummary s = summarize(h);
    std::string text = format_summary(s, "d/lag.jsonl", &*c);
    CHECK(text.find("100 samples of d/lag.jsonl (99.0 s), 1 malformed lines skipped") != std::string::npos);
    CHECK(text.find("apply_seconds        0.0500       0.0900       0.0990       0.1000") != std::string::npos);
    CHECK(text.find("--verify: 1 page mismatches") != std::string::npos);
    CHECK(text.find("replay over every run on this directory: 1430 records\n") != std::string::npos);
    CHECK(text.find("Heap                      100         90         10           0         60         0") !=
          std::string::npos);

    auto j = nlohmann::json::parse(summary_json(s, "d/lag.jsonl", &*c));
    CHECK(j["samples"] == 100);
    CHECK(j["lag"]["apply_seconds"]["p99"].get<double>() == doctest::Approx(0.099));
    CHECK(j["lag"]["apply_bytes"]["max"].get<double>() == 100);
    CHECK(j["replay"]["rmgrs"]["Btree"]["verified"] == 25);
    CHECK(j["replay"]["rmgrs"]["Heap"]["applied"] == 90);
    CHECK(j["replay"]["records_all_runs"] == 1430);
    CHECK_FALSE(nlohmann::json::parse(summary_json(s, "d/lag.jsonl", nullptr)).contains("replay"));
}

TEST_CASE("pretty_bytes and pretty_seconds") {
    CHECK(pretty_bytes(0) == "0 bytes");
    CHECK(pretty_bytes(10239) == "10239 bytes");
    CHECK(pretty_bytes(10240) == "10.0 kB");
    CHECK(pretty_bytes(3 * 1024 * 1024 + 512 * 1024) == "3.5 MB");
    CHECK(pretty_seconds(0.0042) == "0.004 s");
    CHECK(pretty_seconds(42) == "42.0 s");
    CHECK(pretty_seconds(725) == "12 min 5 s");
}
