#include <doctest/doctest.h>

#include <string>

#include "backup/manifest.h"
#include "common/crc32c.h"

using namespace understudy;
using namespace understudy::backup;

namespace {

// The layout PG15's backup_manifest.c writes; Manifest-Checksum from `sha256sum` of the text
// before its last line.
const std::string kHead =
    "{ \"PostgreSQL-Backup-Manifest-Version\": 1,\n\"Files\": [\n"
    "{ \"Path\": \"PG_VERSION\", \"Size\": 3, \"Last-Modified\": \"2026-12-07 05:33:34 GMT\", \"Checksum-Algorithm\": "
    "\"CRC32C\", \"Checksum\": \"8a744722\" },\n"
    "{ \"Encoded-Path\": \"676c6f62616c2f31323631\", \"Size\": 0, \"Last-Modified\": \"2026-12-07 05:33:38 GMT\", "
    "\"Checksum-Algorithm\": \"CRC32C\", \"Checksum\": \"00000000\" }\n"
    "],\n\"WAL-Ranges\": [\n{ \"Timeline\": 1, \"Start-LSN\": \"0/2000028\", \"End-LSN\": \"0/2000100\" }\n],\n";
const std::string kManifest =
    kHead + "\"Manifest-Checksum\": \"5a8fadcd6e52ade41630da267140e1d54fe8f70e0e173f01231c48941e62dad0\"}\n";

ReceivedFile received(const std::string& body) {
    return ReceivedFile{body.size(), crc32c(std::span(reinterpret_cast<const std::uint8_t*>(body.data()), body.size()))};
}

}  // namespace

TEST_CASE("manifest: checksum, paths (also encoded), WAL range; files verified by size and CRC-32C") {
    CHECK(crc32c_manifest_hex(0xE3069283u) == "839206e3");  // CRC-32C("123456789"), bytes in memory order
    auto m = parse_manifest(kManifest);
    REQUIRE(m);
    REQUIRE(m->files.size() == 2);
    CHECK(m->files[1].path == "global/1261");
    REQUIRE(m->wal_ranges.size() == 1);
    CHECK(m->wal_ranges[0].start_lsn == 0x2000028);
    CHECK(verify_wal_range(*m, 1, 0x2000028, 0x2000100));
    CHECK(!verify_wal_range(*m, 2, 0x2000028, 0x2000100));

    std::map<std::string, ReceivedFile> got{{"PG_VERSION", received("15\n")}, {"global/1261", received("")}};
    CHECK(verify_backup_files(*m, got));

    got["PG_VERSION"] = received("16\n");
    auto r = verify_backup_files(*m, got);
    REQUIRE(!r);
    CHECK(r.message().find("\"PG_VERSION\" has CRC32C") != std::string::npos);
    got["PG_VERSION"] = received("15\n\n");
    r = verify_backup_files(*m, got);
    REQUIRE(!r);
    CHECK(r.message().find("\"PG_VERSION\" has size 4 but the manifest says 3") != std::string::npos);
    got.erase("PG_VERSION");
    got["extra"] = received("x");
    r = verify_backup_files(*m, got);
    REQUIRE(!r);
    CHECK(r.message().find("(2 problems)") != std::string::npos);
    CHECK(r.message().find("\"extra\" was received but is not in the manifest") != std::string::npos);
}

TEST_CASE("manifest: a changed byte fails the manifest checksum") {
    std::string bad = kManifest;
    bad[bad.find("\"Size\": 3")+8] = '4';
    auto m = parse_manifest(bad);
    REQUIRE(!m);
    CHECK(m.message().find("manifest checksum mismatch") != std::string::npos);
    CHECK(!parse_manifest(kManifest.substr(0, kManifest.size() - 1)));  // no final newline
}

TEST_CASE("manifest: version 2 (PG17+) carries the system identifier; other versions are refused") {
    const std::string v2 =
        "{ \"PostgreSQL-Backup-Manifest-Version\": 2,\n\"System-Identifier\": 7450000000000000001,\n\"Files\": [\n"
        "{ \"Path\": \"PG_VERSION\", \"Size\": 3, \"Last-Modified\": \"2026-12-07 05:33:34 GMT\", "
        "\"Checksum-Algorithm\": \"CRC32C\", \"Checksum\": \"8a744722\" }\n"
        "],\n\"WAL-Ranges\": [\n{ \"Timeline\": 1, \"Start-LSN\": \"0/2000028\", \"End-LSN\": \"0/2000120\" }\n],\n"
        "\"Manifest-Checksum\": \"624b0afc0d32f473491b75c56d1f2a62bead298bb5cf716fae15a81dd7c1d7b3\"}\n";
    auto m = parse_manifest(v2);
    REQUIRE(m);
    CHECK(m->version == 2);
    CHECK(m->system_identifier == 7450000000000000001ull);
    std::string v3 = v2;
    v3[v3.find("Version\": 2") + 10] = '3';
    auto r = parse_manifest(v3);
    REQUIRE(!r);
    CHECK(r.message().find("is 3, not 1 or 2") != std::string::npos);
}
