// global/pg_control against real ones: the file PostgreSQL 15's initdb wrote
// (tests/fixtures/pg_control/pg15_initdb.pg_control, with pg_controldata's output of it beside
// it), and those of 14, 16, 17 and 18 (pgN_initdb.pg_control, with the server's own reading of it
// through pg_control_system() / _checkpoint() / _init() / _recovery() beside it:
// tools/make_control_fixtures.sh). Reading gives the server's values; writing it back unchanged
// gives PostgreSQL's bytes exactly (layout, padding, CRC-32C where that version has it, the rest
// of the 8 kB); a changed field changes only its bytes and the CRC; a damaged, short, missing or
// unknown-version file is an error naming the file and what is wrong.
#include <doctest/doctest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/lsn.h"
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


// Written back unchanged, `cf` (read from `original`) gives PostgreSQL's own bytes (the struct
// with its padding, the CRC at its version's offset, the rest of the 8 kB as read); a
// restartpoint's change (state, minRecoveryPoint and its timeline) changes only those fields'
// bytes and the CRC, and reads back.
void check_write_back(const ControlFileData& cf, const std::string& original) {
    const ControlFileLayout* layout = control_file_layout(cf.pg_control_version);
    REQUIRE(layout != nullptr);
    ScratchDir out;
    std::filesystem::create_directories(out / "global");
    ControlFileData copy = cf;
    REQUIRE(write_control_file(out.path(), copy));
    CHECK(read_bytes(control_file_path(out.path())) == original);

    ControlFileData changed = cf;
    changed.state = DBState::DB_IN_ARCHIVE_RECOVERY;
    changed.minRecoveryPoint = 0x3000060;
    changed.minRecoveryPointTLI = 1;
    REQUIRE(write_control_file(out.path(), changed));
    const std::string after = read_bytes(control_file_path(out.path()));
    REQUIRE(after.size() == PG_CONTROL_FILE_SIZE);
    std::size_t changed_bytes = 0;
    for (std::size_t i = 0; i < after.size(); ++i) {
        if (after[i] == original[i]) continue;
        ++changed_bytes;
        const bool in_state = i >= offsetof(ControlFileData, state) && i < offsetof(ControlFileData, state) + 4;
        const bool in_min = i >= offsetof(ControlFileData, minRecoveryPoint) &&
                            i < offsetof(ControlFileData, minRecoveryPointTLI) + 4;
        const bool in_crc = i >= layout->crc_offset && i < layout->crc_offset + 4;
        CHECK_MESSAGE((in_state || in_min || in_crc), "byte " << i << " changed");
    }
    CHECK(changed_bytes >= 3);
    auto back = read_control_file(out.path());
    REQUIRE_MESSAGE(back, back.message());
    CHECK(back->minRecoveryPoint == 0x3000060);
    CHECK(std::string(db_state_name(back->state)) == "in archive recovery");
    CHECK(stored_crc(*back, *layout) != stored_crc(cf, *layout));
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
    const ControlFileLayout* layout = control_file_layout(cf->pg_control_version);
    REQUIRE(layout != nullptr);
    CHECK(stored_crc(*cf, *layout) == control_file_crc(*cf, *layout));

    check_write_back(*cf, original);
}

TEST_CASE("pg_control of PostgreSQL 14, 16, 17 and 18: read as the server read it, written back byte for byte") {
    for (const int major : {14, 16, 17, 18}) {
        CAPTURE(major);
        const std::string original = read_bytes(fixture_path(fmt::format("pg{}_initdb.pg_control", major)));
        REQUIRE(original.size() == PG_CONTROL_FILE_SIZE);
        const auto server = nlohmann::json::parse(read_bytes(fixture_path(fmt::format("pg{}_initdb.control.json", major))));
        ScratchDir dir;
        put_control(dir, original);
        auto cf = read_control_file(dir.path());
        REQUIRE_MESSAGE(cf, cf.message());
        const ControlFileLayout* layout = control_file_layout(cf->pg_control_version);
        REQUIRE(layout != nullptr);
        CHECK(layout->first_major <= major);
        CHECK(layout->last_major >= major);

        const auto& sys = server["system"];
        const auto& ckpt = server["checkpoint"];
        const auto& init = server["init"];
        const auto& rec = server["recovery"];
        CHECK(cf->pg_control_version == sys["pg_control_version"].get<std::uint32_t>());
        CHECK(cf->catalog_version_no == sys["catalog_version_no"].get<std::uint32_t>());
        CHECK(cf->system_identifier == sys["system_identifier"].get<std::uint64_t>());
        CHECK(format_lsn(cf->checkPoint) == ckpt["checkpoint_lsn"].get<std::string>());
        CHECK(format_lsn(cf->checkPointCopy.redo) == ckpt["redo_lsn"].get<std::string>());
        CHECK(cf->checkPointCopy.ThisTimeLineID == ckpt["timeline_id"].get<std::uint32_t>());
        CHECK(cf->checkPointCopy.PrevTimeLineID == ckpt["prev_timeline_id"].get<std::uint32_t>());
        CHECK((cf->checkPointCopy.fullPageWrites != 0) == ckpt["full_page_writes"].get<bool>());
        CHECK(fmt::format("{}:{}", EpochFromFullTransactionId(cf->checkPointCopy.nextXid),
                          XidFromFullTransactionId(cf->checkPointCopy.nextXid)) == ckpt["next_xid"].get<std::string>());
        CHECK(std::to_string(cf->checkPointCopy.nextOid) == ckpt["next_oid"].get<std::string>());
        CHECK(std::to_string(cf->checkPointCopy.nextMulti) == ckpt["next_multixact_id"].get<std::string>());
        CHECK(std::to_string(cf->checkPointCopy.oldestXid) == ckpt["oldest_xid"].get<std::string>());
        CHECK(std::to_string(cf->checkPointCopy.oldestXidDB) == ckpt["oldest_xid_dbid"].get<std::string>());
        CHECK(std::to_string(cf->checkPointCopy.oldestMulti) == ckpt["oldest_multi_xid"].get<std::string>());
        CHECK(std::to_string(cf->checkPointCopy.oldestActiveXid) == ckpt["oldest_active_xid"].get<std::string>());
        CHECK(cf->maxAlign == init["max_data_alignment"].get<std::uint32_t>());
        CHECK(cf->blcksz == init["database_block_size"].get<std::uint32_t>());
        CHECK(cf->relseg_size == init["blocks_per_segment"].get<std::uint32_t>());
        CHECK(cf->xlog_blcksz == init["wal_block_size"].get<std::uint32_t>());
        CHECK(cf->xlog_seg_size == init["bytes_per_wal_segment"].get<std::uint32_t>());
        CHECK(cf->nameDataLen == init["max_identifier_length"].get<std::uint32_t>());
        CHECK(cf->indexMaxKeys == init["max_index_columns"].get<std::uint32_t>());
        CHECK(cf->toast_max_chunk_size == init["max_toast_chunk_size"].get<std::uint32_t>());
        CHECK(cf->loblksize == init["large_object_chunk_size"].get<std::uint32_t>());
        CHECK((cf->float8ByVal != 0) == init["float8_pass_by_value"].get<bool>());
        CHECK(cf->data_checksum_version == init["data_page_checksum_version"].get<std::uint32_t>());
        if (init.contains("default_char_signedness"))  // 18: the byte after data_checksum_version
            CHECK((control_file_bytes(*cf)[kControlFileSharedPrefix] != 0) == init["default_char_signedness"].get<bool>());
        CHECK(format_lsn(cf->minRecoveryPoint) == rec["min_recovery_end_lsn"].get<std::string>());
        CHECK(format_lsn(cf->backupStartPoint) == rec["backup_start_lsn"].get<std::string>());
        CHECK((cf->backupEndRequired != 0) == rec["end_of_backup_record_required"].get<bool>());
        CHECK(stored_crc(*cf, *layout) == control_file_crc(*cf, *layout));

        check_write_back(*cf, original);
    }
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
        std::string unknown = original;
        const std::uint32_t version = 1234;
        std::memcpy(unknown.data() + offsetof(ControlFileData, pg_control_version), &version, sizeof version);
        put_control(dir, unknown);
        auto r = read_control_file(dir.path());
        REQUIRE(!r);
        CHECK(r.message().find("PG_CONTROL_VERSION 1234, which understudy does not know") != std::string::npos);
        CHECK(r.message().find(path) != std::string::npos);
    }
}

TEST_CASE("pg_control versions: 1300 for 14 to 16, 1700 for 17, 1800 for 18; a full directory keeps each") {
    using namespace understudy::storage;
    CHECK(pg_control_version_of_major(14) == 1300);
    CHECK(pg_control_version_of_major(15) == 1300);
    CHECK(pg_control_version_of_major(16) == 1300);
    CHECK(pg_control_version_of_major(17) == 1700);
    CHECK(pg_control_version_of_major(18) == 1800);
    for (int major = 14; major <= 18; ++major) CHECK(control_file_kept_for_major(major));
    CHECK_FALSE(control_file_kept_for_major(13));
    CHECK_FALSE(control_file_kept_for_major(19));
}
