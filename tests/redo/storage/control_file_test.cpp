// global/pg_control against a real one: the file PostgreSQL 15's initdb wrote
// (tests/fixtures/pg_control/pg15_initdb.pg_control, with pg_controldata's output of it beside
// it). Reading gives pg_controldata's values; writing it back unchanged gives PostgreSQL's bytes
// exactly (layout, padding, CRC-32C and the zeroed rest of the 8 kB); a changed field changes
// only its bytes and the CRC; a damaged, short, missing or other-version file is an error naming
// the file and what is wrong.
#include <doctest/doctest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "redo/storage/control_file.h"
#include "tests/redo/storage/scratch.h"

using namespace understudy;
using namespace understudy::storage;
using understudy::storage::test::ScratchDir;

namespace {

// Fixtures under the source tree: UNDERSTUDY_SOURCE_ROOT (meson test sets it), else the root
// the binary was built from.
std::string fixture_path(const std::string& name) {
    const char* root = std::getenv("UNDERSTUDY_SOURCE_ROOT");
    const std::filesystem::path base = root != nullptr ? root : UNDERSTUDY_SOURCE_ROOT_DIR;
    return (base / "tests" / "fixtures" / "pg_control" / name).string();
}

std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A data directory holding `bytes` as global/pg_control.
void put_control(const ScratchDir& dir, const std::string& bytes) {
    std::filesystem::create_directories(dir / "global");
    write_bytes(control_file_path(dir.path()), bytes);
}

}  // namespace

TEST_CASE("pg_control: PostgreSQL 15's file reads as pg_controldata shows it and writes back byte for byte") {
    const std::string original = read_bytes(fixture_path("pg15_initdb.pg_control"));
    REQUIRE(original.size() == PG_CONTROL_FILE_SIZE);
    const std::string controldata = read_bytes(fixture_path("pg15_initdb.controldata.txt"));
    REQUIRE(!controldata.empty());
    ScratchDir dir;
    put_control(dir, original);

    auto cf = read_control_file(dir.path());
    REQUIRE_MESSAGE(cf, cf.message());
    // The values pg_controldata printed for this file.
    auto shows = [&](const std::string& line) { return controldata.find(line) != std::string::npos; };
    CHECK(shows("pg_control version number:            " + std::to_string(cf->pg_control_version)));
    CHECK(shows("Catalog version number:               " + std::to_string(cf->catalog_version_no)));
    CHECK(shows("Database system identifier:           " + std::to_string(cf->system_identifier)));
    CHECK(shows(std::string("Database cluster state:               ") + db_state_name(cf->state)));
    CHECK(shows("Latest checkpoint location:           " + format_lsn(cf->checkPoint)));
    CHECK(shows("Latest checkpoint's REDO location:    " + format_lsn(cf->checkPointCopy.redo)));
    CHECK(shows("Latest checkpoint's NextOID:          " + std::to_string(cf->checkPointCopy.nextOid)));
    CHECK(shows("Latest checkpoint's NextXID:          " +
                std::to_string(EpochFromFullTransactionId(cf->checkPointCopy.nextXid)) + ":" +
                std::to_string(XidFromFullTransactionId(cf->checkPointCopy.nextXid))));
    CHECK(shows("Minimum recovery ending location:     " + format_lsn(cf->minRecoveryPoint)));
    CHECK(shows("Database block size:                  " + std::to_string(cf->blcksz)));
    CHECK(shows("Bytes per WAL segment:                " + std::to_string(cf->xlog_seg_size)));
    CHECK(shows("Maximum columns in an index:          " + std::to_string(cf->indexMaxKeys)));
    CHECK(shows("Data page checksum version:           " + std::to_string(cf->data_checksum_version)));
    CHECK(cf->crc == control_file_crc(*cf));

    // Written back unchanged: PostgreSQL's own bytes (CRC over the struct with its padding, the
    // rest of the 8 kB zeroed).
    ScratchDir out;
    std::filesystem::create_directories(out / "global");
    ControlFileData copy = *cf;
    REQUIRE(write_control_file(out.path(), copy));
    CHECK(read_bytes(control_file_path(out.path())) == original);

    // A restartpoint's change: only those fields' bytes and the CRC differ, and it reads back.
    ControlFileData changed = *cf;
    changed.state = DBState::DB_IN_ARCHIVE_RECOVERY;
    changed.minRecoveryPoint = 0x3000060;
    changed.minRecoveryPointTLI = 1;
    REQUIRE(write_control_file(out.path(), changed));
    const std::string after = read_bytes(control_file_path(out.path()));
    REQUIRE(after.size() == PG_CONTROL_FILE_SIZE);
    for (std::size_t i = 0; i < after.size(); ++i) {
        if (after[i] == original[i]) continue;
        const bool in_state = i >= offsetof(ControlFileData, state) && i < offsetof(ControlFileData, state) + 4;
        const bool in_min = i >= offsetof(ControlFileData, minRecoveryPoint) &&
                            i < offsetof(ControlFileData, minRecoveryPointTLI) + 4;
        const bool in_crc = i >= offsetof(ControlFileData, crc) && i < offsetof(ControlFileData, crc) + 4;
        CHECK_MESSAGE((in_state || in_min || in_crc), "byte " << i << " changed");
    }
    auto back = read_control_file(out.path());
    REQUIRE_MESSAGE(back, back.message());
    CHECK(back->minRecoveryPoint == 0x3000060);
    CHECK(std::string(db_state_name(back->state)) == "in archive recovery");
    CHECK(back->crc != cf->crc);
}

TEST_CASE("pg_control: a damaged, short, missing or other-version file is an error naming it") {
    const std::string original = read_bytes(fixture_path("pg15_initdb.pg_control"));
    REQUIRE(original.size() == PG_CONTROL_FILE_SIZE);
    ScratchDir dir;
    const std::string path = control_file_path(dir.path());

    {
        auto missing = read_control_file(dir.path());
        REQUIRE(!missing);
        CHECK(missing.message().find(path) != std::string::npos);
    }
    {
        std::string damaged = original;
        damaged[offsetof(ControlFileData, checkPoint)] ^= 0x10;  // one bit of the checkpoint location
        put_control(dir, damaged);
        auto r = read_control_file(dir.path());
        REQUIRE(!r);
        CHECK(r.message().find("incorrect checksum in control file \"" + path + "\"") != std::string::npos);
        CHECK(r.message().find("base backup") != std::string::npos);
    }
    {
        put_control(dir, original.substr(0, 100));
        auto r = read_control_file(dir.path());
        REQUIRE(!r);
        CHECK(r.message().find(path) != std::string::npos);
        CHECK(r.message().find("100 bytes") != std::string::npos);
    }
    {
        std::string v17 = original;
        const std::uint32_t version = 1700;
        std::memcpy(v17.data() + offsetof(ControlFileData, pg_control_version), &version, sizeof version);
        put_control(dir, v17);
        auto r = read_control_file(dir.path());
        REQUIRE(!r);
        CHECK(r.message().find("PG_CONTROL_VERSION 1700") != std::string::npos);
        CHECK(r.message().find(path) != std::string::npos);
    }
}

TEST_CASE("pg_control versions: 1300 for 14 to 16, 1700 for 17, 1800 for 18; a full directory keeps only 1300's") {
    using namespace understudy::storage;
    CHECK(pg_control_version_of_major(14) == 1300);
    CHECK(pg_control_version_of_major(15) == PG_CONTROL_VERSION_15);
    CHECK(pg_control_version_of_major(16) == 1300);
    CHECK(pg_control_version_of_major(17) == 1700);
    CHECK(pg_control_version_of_major(18) == 1800);
    for (int major = 14; major <= 16; ++major) CHECK(control_file_kept_for_major(major));
    CHECK_FALSE(control_file_kept_for_major(17));
    CHECK_FALSE(control_file_kept_for_major(18));
}
