// The redo helpers every rmgr shares (redo/apply/record_data.h): the one error format and the
// reading of main data and block data.
#include <doctest/doctest.h>

#include <array>
#include <cstdint>

#include "redo/apply/record_data.h"
#include "redo/replayer.h"
#include "tests/support/files.h"
#include "wal/records/heap.h"
#include "wal/rmgr_desc.h"

using namespace understudy;

namespace {

DecodedRecord prune_record(std::span<const std::uint8_t> main) {
    DecodedRecord rec;
    rec.lsn = 0x1A2B3C8;
    rec.end_lsn = 0x1A2B400;
    rec.xl_rmid = RM_HEAP2_ID;
    rec.xl_info = XLOG_HEAP2_PRUNE;
    rec.main_data = main;
    rec.main_data_len = static_cast<std::uint32_t>(main.size());
    rec.max_block_id = 0;
    DecodedBkpBlock& b = rec.blocks[0];
    b.in_use = true;
    b.rnode = RelFileNode{1663, 5, 16384};
    b.forknum = MAIN_FORKNUM;
    b.blkno = 7;
    return rec;
}

}  // namespace

TEST_CASE("redo errors name the rmgr, record type, LSN and block in one format") {
    const DecodedRecord rec = prune_record({});
    CHECK(redo::record_error(rec, "what is wrong").message == "Heap2 PRUNE record at 0/1A2B3C8: what is wrong");
    CHECK(redo::block_error(rec, 0, "invalid lp").message ==
          "Heap2 PRUNE record at 0/1A2B3C8, rel 1663/5/16384 fork main block 7: invalid lp");
    CHECK(redo::block_error(rec, 2, "needed").message ==
          "Heap2 PRUNE record at 0/1A2B3C8, block reference 2 (absent): needed");
    DecodedRecord unknown = rec;
    unknown.xl_info = 0xF0;
    CHECK(redo::record_error(unknown, "x").message == "Heap2 UNKNOWN (0xf0) record at 0/1A2B3C8: x");
}

TEST_CASE("main data shorter than the struct is an error naming the record; block data needs has_data") {
    const std::array<std::uint8_t, 3> three{1, 2, 3};
    DecodedRecord rec = prune_record(three);
    auto v = redo::main_data_as<xl_heap_prune>(rec, SizeOfHeapPrune);
    REQUIRE_FALSE(v);
    CHECK(v.error().message == fmt::format("Heap2 PRUNE record at 0/1A2B3C8: main data has 3 bytes, its struct "
                                           "needs {}; the WAL is damaged",
                                           SizeOfHeapPrune));
    rec.blocks[0].data = three;
    CHECK(redo::block_data(rec, 0).empty());  // BKPBLOCK_HAS_DATA unset
    rec.blocks[0].has_data = true;
    CHECK(redo::block_data(rec, 0).size() == 3);
    CHECK(redo::block_data(rec, 1).empty());
    CHECK(redo::block_number(rec, 0) == 7);
    CHECK(redo::block_number(rec, 1) == InvalidBlockNumber);
    CHECK_FALSE(redo::required_block(rec, 1));
    CHECK(redo::required_block(rec, 0));
}

TEST_CASE("a data directory replays one major version: another version's WAL is refused, naming both") {
    understudy::testing::TempDirectory dir("understudy-dirversion");
    DecodedRecord rec = prune_record({});
    rec.format = &kWalFormatPg16;
    // An empty scratch directory, or one that replays 16: accepted.
    CHECK(redo::check_directory_version(dir.path, 0, rec));
    CHECK(redo::check_directory_version(dir.path, 16, rec));
    // The replay state says 15.
    auto by_state = redo::check_directory_version(dir.path, 15, rec);
    REQUIRE_FALSE(by_state);
    CHECK(by_state.error().message ==
          fmt::format("the data directory \"{}\" holds a replay of PostgreSQL 15 WAL (understudy_replay_state.json), "
                      "but the WAL at 0/1A2B3C8 is PostgreSQL 16 WAL: a directory replays one major version; after "
                      "an upgrade of the primary, replay into a new, empty data directory",
                      dir.path));
    // A copy of a 15 primary (PG_VERSION).
    dir.write_text("PG_VERSION", "15\n");
    auto by_file = redo::check_directory_version(dir.path, 0, rec);
    REQUIRE_FALSE(by_file);
    CHECK(by_file.error().message.find("is a PostgreSQL 15 directory (PG_VERSION), but the WAL at 0/1A2B3C8 is "
                                       "PostgreSQL 16 WAL") != std::string::npos);
    dir.write_text("PG_VERSION", "16\n");
    CHECK(redo::check_directory_version(dir.path, 16, rec));
    dir.write_text("PG_VERSION", "garbage");
    auto bad = redo::check_directory_version(dir.path, 16, rec);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.find("does not hold a PostgreSQL major version") != std::string::npos);
}
