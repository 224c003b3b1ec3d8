// The durable replay state file: round trip, strict parsing, and atomic replacement under
// kill -9 of the writer.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "redo/replay_report.h"
#include "redo/replay_state.h"
#include "tests/redo/storage/scratch.h"

using namespace understudy;
using understudy::storage::test::ScratchDir;

namespace {

ReplayState sample() {
    ReplayState s;
    s.apply_lsn = 0x16B374D848ull;
    s.last_restartpoint_lsn = 0x16B3000028ull;
    s.last_restartpoint_redo = 0x16B2FFFF00ull;
    s.timeline = 3;
    s.next_full_xid = (std::uint64_t{2} << 32) | 1234567;
    s.next_oid = 24576;
    s.next_multixact = 17;
    s.next_multixact_offset = 51;
    s.oldest_running_xid = 1234500;
    s.pg_major_version = 16;
    return s;
}

void write_text(const std::string& path, const std::string& text) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << text;
}

}  // namespace

TEST_CASE("replay state: absent file is a fresh start; write then read round-trips") {
    ScratchDir dir;
    auto none = read_replay_state(dir.path());
    REQUIRE(none);
    CHECK_FALSE(none->has_value());
    REQUIRE(write_replay_state(dir.path(), sample()));
    CHECK(std::filesystem::exists(dir / "understudy_replay_state.json"));
    CHECK_FALSE(std::filesystem::exists(dir / "understudy_replay_state.json.tmp"));
    auto got = read_replay_state(dir.path());
    REQUIRE(got);
    REQUIRE(got->has_value());
    CHECK(**got == sample());
    const std::string text = replay_state_to_json(sample());
    CHECK(text.find("\"apply_lsn\": \"16/B374D848\"") != std::string::npos);
    CHECK(text.find("\"next_full_xid\": 8591169159") != std::string::npos);  // 2 << 32 | 1234567
    // Overwrite.
    ReplayState later = sample();
    later.apply_lsn += 0x100;
    REQUIRE(write_replay_state(dir.path(), later));
    CHECK(**read_replay_state(dir.path()) == later);
}

TEST_CASE("replay state: damaged files are errors naming the file and the field") {
    ScratchDir dir;
    const std::string path = replay_state_path(dir.path());
    const std::string good = replay_state_to_json(sample());

    write_text(path, good.substr(0, good.size() / 2));
    auto r = read_replay_state(dir.path());
    REQUIRE_FALSE(r);
    CHECK(r.message().find(path) != std::string::npos);
    CHECK(r.message().find("not a JSON object") != std::string::npos);

    auto with = [&](const std::string& from, const std::string& to) {
        std::string t = good;
        auto pos = t.find(from);
        REQUIRE(pos != std::string::npos);
        t.replace(pos, from.size(), to);
        return parse_replay_state(t, "state.json");
    };
    auto e = with("\"apply_lsn\": \"16/B374D848\"", "\"apply_lsn\": \"16B374D848\"");
    REQUIRE_FALSE(e);
    CHECK(e.message().find("\"apply_lsn\" is not a valid LSN") != std::string::npos);
    e = with("\"next_oid\": 24576", "\"next_oid\": -1");
    REQUIRE_FALSE(e);
    CHECK(e.message().find("\"next_oid\"") != std::string::npos);
    e = with("\"next_oid\": 24576", "\"next_oid\": 4294967296");
    REQUIRE_FALSE(e);
    CHECK(e.message().find("out of range") != std::string::npos);
    e = with("\"timeline\": 3,", "");
    REQUIRE_FALSE(e);
    CHECK(e.message().find("\"timeline\" is missing") != std::string::npos);
    e = with("\"version\": 1", "\"version\": 2");
    REQUIRE_FALSE(e);
    CHECK(e.message().find("version 2") != std::string::npos);
    e = with("\"format\": \"understudy replay state\"", "\"format\": \"something else\"");
    REQUIRE_FALSE(e);
    e = with("\"last_restartpoint_redo\": \"16/B2FFFF00\"", "\"last_restartpoint_redo\": \"17/0\"");
    REQUIRE_FALSE(e);
    CHECK(e.message().find("past last_restartpoint_lsn") != std::string::npos);
}

TEST_CASE("replay state: kill -9 of a writer never leaves a torn or missing state") {
    ScratchDir dir;
    REQUIRE(write_replay_state(dir.path(), sample()));
    for (int round = 0; round < 15; ++round) {
        pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            ReplayState s = sample();
            for (std::uint64_t i = 1;; ++i) {
                s.apply_lsn = sample().apply_lsn + i;
                if (!write_replay_state(dir.path(), s)) ::_exit(3);
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5 + 7 * round));
        ::kill(pid, SIGKILL);
        int status = 0;
        ::waitpid(pid, &status, 0);
        CHECK(WIFSIGNALED(status));
        auto got = read_replay_state(dir.path());
        REQUIRE(got);
        REQUIRE(got->has_value());
        CHECK((*got)->apply_lsn >= sample().apply_lsn);
        CHECK((*got)->next_oid == sample().next_oid);
    }
}

TEST_CASE("replay state: per-rmgr totals round-trip, are optional, and add up across runs") {
    ReplayState s = sample();
    s.rmgr_totals = {{10, 1000, 990, 40, 1}, {11, 300, 300, 0, 0}};
    auto back = parse_replay_state(replay_state_to_json(s), "t.json");
    REQUIRE_MESSAGE(back.ok(), back.message());
    CHECK(*back == s);

    // A file written before the field existed reads with no totals.
    auto j = nlohmann::json::parse(replay_state_to_json(sample()));
    j.erase("rmgr_totals");
    auto old = parse_replay_state(j.dump(), "old.json");
    REQUIRE(old.ok());
    CHECK(old->rmgr_totals.empty());

    auto bad = nlohmann::json::parse(replay_state_to_json(s));
    bad["rmgr_totals"][0]["rmgr_id"] = 300;
    auto err = parse_replay_state(bad.dump(), "bad.json");
    REQUIRE_FALSE(err.ok());
    CHECK(err.message().find("\"rmgr_id\"") != std::string::npos);
    CHECK(err.message().find("bad.json") != std::string::npos);

    // Earlier runs' totals plus this run's counters (replay_report.h).
    redo::ReplayReport run;
    run.rmgrs[10].records = 5;
    run.rmgrs[10].applied = 4;
    run.rmgrs[10].images_checked = 2;
    run.rmgrs[0].records = 7;  // XLOG, new in this run
    run.rmgrs[0].applied = 7;
    auto sum = redo::add_rmgr_totals(s.rmgr_totals, run);
    REQUIRE(sum.size() == 3);
    CHECK(sum[0] == RmgrTotals{0, 7, 7, 0, 0});
    CHECK(sum[1] == RmgrTotals{10, 1005, 994, 42, 1});
    CHECK(sum[2] == RmgrTotals{11, 300, 300, 0, 0});
}

TEST_CASE("replay state: the WAL's major version round-trips; a file without it is one of PostgreSQL 15") {
    auto back = parse_replay_state(replay_state_to_json(sample()), "t.json");
    REQUIRE_MESSAGE(back.ok(), back.message());
    CHECK(back->pg_major_version == 16);
    CHECK(replay_state_to_json(sample()).find("\"pg_major_version\": 16") != std::string::npos);

    auto j = nlohmann::json::parse(replay_state_to_json(sample()));
    j.erase("pg_major_version");
    auto old = parse_replay_state(j.dump(), "old.json");
    REQUIRE(old.ok());
    CHECK(old->pg_major_version == 15);

    j["pg_major_version"] = "16";
    auto bad = parse_replay_state(j.dump(), "bad.json");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.message().find("pg_major_version") != std::string::npos);
}
