// The --status-file JSON.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <filesystem>

#include "common/fs.h"
#include "receiver/status_file.h"

using namespace understudy;
using namespace understudy::receiver;

TEST_CASE("status JSON holds the positions as X/X text and an ISO 8601 UTC time") {
    ReceiverStatus s;
    s.system_identifier = 7310936452069017745ULL;
    s.timeline = 2;
    s.received_lsn = 0x300014800ULL;
    s.flushed_lsn = 0x3000148;
    s.primary_wal_end_lsn = 0x1000000000ULL;
    s.wal_segment_size = 16u << 20;
    s.state = "streaming";
    s.updated_at = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000)) + std::chrono::microseconds(5);
    auto j = nlohmann::json::parse(status_to_json(s));
    CHECK(j["system_identifier"] == "7310936452069017745");
    CHECK(j["timeline"] == 2);
    CHECK(j["received_lsn"] == "3/14800");
    CHECK(j["flushed_lsn"] == "0/3000148");
    CHECK(j["primary_wal_end_lsn"] == "10/0");
    CHECK(j["updated_at"] == "2023-11-14T22:13:20.000005Z");
    CHECK(j["slot"].is_null());

    char tmpl[] = "/tmp/understudy-unit-XXXXXX";
    std::string dir = ::mkdtemp(tmpl);
    REQUIRE(write_status_file(dir + "/status.json", s).ok());
    auto text = fs::read_file(dir + "/status.json");
    REQUIRE(text.ok());
    CHECK(nlohmann::json::parse(*text)["flushed_lsn"] == "0/3000148");
    CHECK_FALSE(std::filesystem::exists(dir + "/status.json.tmp"));
    std::filesystem::remove_all(dir);
}
