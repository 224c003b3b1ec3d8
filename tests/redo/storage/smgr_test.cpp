// The storage manager over a scratch directory: md.c / XLogReadBufferExtended semantics (PG15).
#include <doctest/doctest.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <vector>

#include "redo/storage/smgr.h"
#include "tests/redo/storage/scratch.h"

using namespace understudy;
using namespace understudy::storage;
using understudy::storage::test::file_size_or_minus1;
using understudy::storage::test::ScratchDir;

namespace {

using Page = std::array<std::uint8_t, BLCKSZ>;

Page filled(std::uint8_t v) {
    Page p;
    p.fill(v);
    return p;
}

const RelFileNode kRel{DEFAULTTABLESPACE_OID, 5, 16384};

}  // namespace

TEST_CASE("smgr: missing file and missing block are told apart") {
    ScratchDir dir;
    Smgr smgr(dir.path());
    Page page = filled(0xAA);
    auto r = smgr.read(kRel, MAIN_FORKNUM, 0, page);
    REQUIRE(r);
    CHECK(*r == ReadStatus::missing_file);
    CHECK(page[0] == 0xAA);  // untouched
    REQUIRE(smgr.create(kRel, MAIN_FORKNUM));
    CHECK(smgr.exists(kRel, MAIN_FORKNUM));
    CHECK(std::filesystem::is_directory(dir / "base/5"));
    r = smgr.read(kRel, MAIN_FORKNUM, 0, page);
    REQUIRE(r);
    CHECK(*r == ReadStatus::missing_block);
    auto n = smgr.nblocks(kRel, MAIN_FORKNUM);
    REQUIRE(n);
    CHECK(*n == 0);
    CHECK(*smgr.nblocks(kRel, FSM_FORKNUM) == 0);  // missing fork: 0 blocks
}

TEST_CASE("smgr: writing past the end extends with zero pages first") {
    ScratchDir dir;
    Smgr smgr(dir.path());
    Page a = filled(0x11);
    REQUIRE(smgr.write(kRel, MAIN_FORKNUM, 3, a));
    CHECK(file_size_or_minus1(dir / "base/5/16384") == 4 * BLCKSZ);
    CHECK(*smgr.nblocks(kRel, MAIN_FORKNUM) == 4);
    Page got = filled(0xFF);
    for (BlockNumber b = 0; b < 3; ++b) {
        REQUIRE(*smgr.read(kRel, MAIN_FORKNUM, b, got) == ReadStatus::ok);
        CHECK(got == filled(0));
    }
    REQUIRE(*smgr.read(kRel, MAIN_FORKNUM, 3, got) == ReadStatus::ok);
    CHECK(got == a);
    // Overwrite in place does not change the size.
    Page b = filled(0x22);
    REQUIRE(smgr.write(kRel, MAIN_FORKNUM, 1, b));
    CHECK(*smgr.nblocks(kRel, MAIN_FORKNUM) == 4);
    REQUIRE(*smgr.read(kRel, MAIN_FORKNUM, 1, got) == ReadStatus::ok);
    CHECK(got == b);
    CHECK(*smgr.read(kRel, MAIN_FORKNUM, 4, got) == ReadStatus::missing_block);
}

TEST_CASE("smgr: forks get their own files") {
    ScratchDir dir;
    Smgr smgr(dir.path());
    REQUIRE(smgr.write(kRel, VISIBILITYMAP_FORKNUM, 0, filled(1)));
    REQUIRE(smgr.write(kRel, FSM_FORKNUM, 2, filled(2)));
    REQUIRE(smgr.write(kRel, INIT_FORKNUM, 0, filled(3)));
    CHECK(file_size_or_minus1(dir / "base/5/16384_vm") == BLCKSZ);
    CHECK(file_size_or_minus1(dir / "base/5/16384_fsm") == 3 * BLCKSZ);
    CHECK(file_size_or_minus1(dir / "base/5/16384_init") == BLCKSZ);
    CHECK_FALSE(smgr.exists(kRel, MAIN_FORKNUM));
    const RelFileNode shared{GLOBALTABLESPACE_OID, 0, 1262};
    REQUIRE(smgr.write(shared, MAIN_FORKNUM, 0, filled(4)));
    CHECK(file_size_or_minus1(dir / "global/1262") == BLCKSZ);
    const RelFileNode spc{16500, 16501, 16502};
    REQUIRE(smgr.write(spc, MAIN_FORKNUM, 0, filled(5)));
    CHECK(file_size_or_minus1(dir / "pg_tblspc/16500/PG_15_202209061/16501/16502") == BLCKSZ);
}

TEST_CASE("smgr: a partial trailing block is not counted and is overwritten whole") {
    ScratchDir dir;
    Smgr smgr(dir.path());
    REQUIRE(smgr.write(kRel, MAIN_FORKNUM, 0, filled(7)));
    {
        std::ofstream f(dir / "base/5/16384", std::ios::binary | std::ios::app);
        f.write("xyz", 3);
    }
    CHECK(*smgr.nblocks(kRel, MAIN_FORKNUM) == 1);
    Page got;
    CHECK(*smgr.read(kRel, MAIN_FORKNUM, 1, got) == ReadStatus::missing_block);
    REQUIRE(smgr.write(kRel, MAIN_FORKNUM, 2, filled(9)));
    CHECK(file_size_or_minus1(dir / "base/5/16384") == 3 * BLCKSZ);
    REQUIRE(*smgr.read(kRel, MAIN_FORKNUM, 1, got) == ReadStatus::ok);
    CHECK(got == filled(0));  // the "xyz" tail became a zero page, as mdextend writes one
}

TEST_CASE("smgr: segment files .1 .2 with small segments; nblocks crosses them") {
    ScratchDir dir;
    Smgr smgr(dir.path(), SmgrOptions{.max_open_files = 2, .segment_blocks = 4});
    REQUIRE(smgr.write(kRel, MAIN_FORKNUM, 9, filled(0x99)));
    CHECK(file_size_or_minus1(dir / "base/5/16384") == 4 * BLCKSZ);
    CHECK(file_size_or_minus1(dir / "base/5/16384.1") == 4 * BLCKSZ);
    CHECK(file_size_or_minus1(dir / "base/5/16384.2") == 2 * BLCKSZ);
    CHECK(*smgr.nblocks(kRel, MAIN_FORKNUM) == 10);
    CHECK(smgr.open_files() <= 2);
    Page got;
    REQUIRE(*smgr.read(kRel, MAIN_FORKNUM, 9, got) == ReadStatus::ok);
    CHECK(got == filled(0x99));
    REQUIRE(*smgr.read(kRel, MAIN_FORKNUM, 5, got) == ReadStatus::ok);
    CHECK(got == filled(0));
    CHECK(*smgr.read(kRel, MAIN_FORKNUM, 10, got) == ReadStatus::missing_block);
    CHECK(*smgr.read(kRel, MAIN_FORKNUM, 13, got) == ReadStatus::missing_block);  // no .3 file

    SUBCASE("truncate inside the second segment: later segments become empty but stay") {
        REQUIRE(smgr.truncate(kRel, MAIN_FORKNUM, 6));
        CHECK(file_size_or_minus1(dir / "base/5/16384") == 4 * BLCKSZ);
        CHECK(file_size_or_minus1(dir / "base/5/16384.1") == 2 * BLCKSZ);
        CHECK(file_size_or_minus1(dir / "base/5/16384.2") == 0);
        CHECK(*smgr.nblocks(kRel, MAIN_FORKNUM) == 6);
    }
    SUBCASE("truncate at a segment boundary empties that segment (mdtruncate keeps the file)") {
        REQUIRE(smgr.truncate(kRel, MAIN_FORKNUM, 4));
        CHECK(file_size_or_minus1(dir / "base/5/16384") == 4 * BLCKSZ);
        CHECK(file_size_or_minus1(dir / "base/5/16384.1") == 0);
        CHECK(file_size_or_minus1(dir / "base/5/16384.2") == 0);
        CHECK(*smgr.nblocks(kRel, MAIN_FORKNUM) == 4);
        // Growing again reuses the emptied segment.
        REQUIRE(smgr.write(kRel, MAIN_FORKNUM, 5, filled(0x55)));
        CHECK(*smgr.nblocks(kRel, MAIN_FORKNUM) == 6);
        REQUIRE(*smgr.read(kRel, MAIN_FORKNUM, 4, got) == ReadStatus::ok);
        CHECK(got == filled(0));
    }
    SUBCASE("truncate to zero and to more than there is") {
        REQUIRE(smgr.truncate(kRel, MAIN_FORKNUM, 20));  // ignored in recovery
        CHECK(*smgr.nblocks(kRel, MAIN_FORKNUM) == 10);
        REQUIRE(smgr.truncate(kRel, MAIN_FORKNUM, 0));
        CHECK(file_size_or_minus1(dir / "base/5/16384") == 0);
        CHECK(*smgr.nblocks(kRel, MAIN_FORKNUM) == 0);
    }
    SUBCASE("unlink removes every segment") {
        REQUIRE(smgr.unlink(kRel, MAIN_FORKNUM));
        CHECK_FALSE(std::filesystem::exists(dir / "base/5/16384"));
        CHECK_FALSE(std::filesystem::exists(dir / "base/5/16384.1"));
        CHECK_FALSE(std::filesystem::exists(dir / "base/5/16384.2"));
        CHECK(*smgr.read(kRel, MAIN_FORKNUM, 0, got) == ReadStatus::missing_file);
        REQUIRE(smgr.unlink(kRel, MAIN_FORKNUM));  // again: not an error
        REQUIRE(smgr.sync());                      // pending fsyncs of removed files are dropped
    }
}

TEST_CASE("smgr: real 1 GB segment boundary (sparse files)") {
    ScratchDir dir;
    Smgr smgr(dir.path());
    REQUIRE(smgr.write(kRel, MAIN_FORKNUM, RELSEG_SIZE, filled(0x42)));
    CHECK(file_size_or_minus1(dir / "base/5/16384") == 1024ull * 1024 * 1024);
    CHECK(file_size_or_minus1(dir / "base/5/16384.1") == BLCKSZ);
    CHECK(*smgr.nblocks(kRel, MAIN_FORKNUM) == RELSEG_SIZE + 1);
    Page got;
    REQUIRE(*smgr.read(kRel, MAIN_FORKNUM, RELSEG_SIZE, got) == ReadStatus::ok);
    CHECK(got == filled(0x42));
    REQUIRE(smgr.unlink_all_forks(kRel));
    CHECK_FALSE(std::filesystem::exists(dir / "base/5/16384.1"));
}

TEST_CASE("smgr: LRU of descriptors stays bounded over many relations, data intact") {
    ScratchDir dir;
    Smgr smgr(dir.path(), SmgrOptions{.max_open_files = 3});
    for (Oid rel = 1; rel <= 20; ++rel)
        REQUIRE(smgr.write(RelFileNode{DEFAULTTABLESPACE_OID, 5, rel}, MAIN_FORKNUM, rel % 3,
                           filled(static_cast<std::uint8_t>(rel))));
    CHECK(smgr.open_files() == 3);
    Page got;
    for (Oid rel = 1; rel <= 20; ++rel) {
        REQUIRE(*smgr.read(RelFileNode{DEFAULTTABLESPACE_OID, 5, rel}, MAIN_FORKNUM, rel % 3, got) == ReadStatus::ok);
        CHECK(got == filled(static_cast<std::uint8_t>(rel)));
    }
    CHECK(smgr.pending_syncs() > 0);
    REQUIRE(smgr.sync());
    CHECK(smgr.pending_syncs() == 0);
}

TEST_CASE("smgr: database directories: create with PG_VERSION, file copy, drop") {
    ScratchDir dir;
    Smgr smgr(dir.path());
    REQUIRE(smgr.create_database_dir(DEFAULTTABLESPACE_OID, 1));
    {
        auto v = std::ifstream(dir / "base/1/PG_VERSION");
        std::string s((std::istreambuf_iterator<char>(v)), std::istreambuf_iterator<char>());
        CHECK(s == "15\n");
    }
    REQUIRE(smgr.write(RelFileNode{DEFAULTTABLESPACE_OID, 1, 1259}, MAIN_FORKNUM, 1, filled(0x31)));
    REQUIRE(smgr.write(RelFileNode{DEFAULTTABLESPACE_OID, 1, 1259}, FSM_FORKNUM, 0, filled(0x32)));
    // A stale target directory is replaced, not merged.
    REQUIRE(smgr.write(RelFileNode{16600, 16700, 99}, MAIN_FORKNUM, 0, filled(0x01)));
    REQUIRE(smgr.copy_database_dir(DEFAULTTABLESPACE_OID, 1, 16600, 16700));
    const std::string dst = "pg_tblspc/16600/PG_15_202209061/16700";
    CHECK_FALSE(std::filesystem::exists(dir / (dst + "/99")));
    CHECK(file_size_or_minus1(dir / (dst + "/PG_VERSION")) == 3);
    CHECK(file_size_or_minus1(dir / (dst + "/1259")) == 2 * BLCKSZ);
    Page got;
    REQUIRE(*smgr.read(RelFileNode{16600, 16700, 1259}, MAIN_FORKNUM, 1, got) == ReadStatus::ok);
    CHECK(got == filled(0x31));
    REQUIRE(*smgr.read(RelFileNode{16600, 16700, 1259}, FSM_FORKNUM, 0, got) == ReadStatus::ok);
    CHECK(got == filled(0x32));

    // Copy from a database missing in a sparse directory gives an empty target.
    REQUIRE(smgr.copy_database_dir(DEFAULTTABLESPACE_OID, 4, DEFAULTTABLESPACE_OID, 16800));
    CHECK(std::filesystem::is_directory(dir / "base/16800"));
    CHECK(std::filesystem::is_empty(dir / "base/16800"));

    REQUIRE(smgr.remove_database_dir(16600, 16700));
    CHECK_FALSE(std::filesystem::exists(dir / dst));
    CHECK(*smgr.read(RelFileNode{16600, 16700, 1259}, MAIN_FORKNUM, 1, got) == ReadStatus::missing_file);
    REQUIRE(smgr.sync());
    // Writing again after a drop recreates the directory.
    REQUIRE(smgr.write(RelFileNode{16600, 16700, 1259}, MAIN_FORKNUM, 0, filled(0x33)));
    CHECK(file_size_or_minus1(dir / (dst + "/1259")) == BLCKSZ);
}

TEST_CASE("smgr: wrong buffer sizes are errors naming the relation") {
    ScratchDir dir;
    Smgr smgr(dir.path());
    std::vector<std::uint8_t> small(100);
    auto r = smgr.write(kRel, MAIN_FORKNUM, 0, small);
    REQUIRE_FALSE(r);
    CHECK(r.message().find("base/5/16384") != std::string::npos);
    auto rr = smgr.read(kRel, MAIN_FORKNUM, 0, small);
    CHECK_FALSE(rr);
}
