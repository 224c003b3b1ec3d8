// `understudy replay --verify` for the Hash, Gin and Generic rmgrs (hash_redo, gin_redo,
// generic_redo and their masks): a PostgreSQL 15 primary with wal_consistency_checking = all
// runs the index workload (hash bucket splits, squeezes and vacuums; GIN entry and posting
// trees, pending lists, vacuum and page deletion) and a bloom workload (generic WAL) after a
// checkpoint; pg_waldump --stats=record proves every Hash and Gin record type was written; its WAL is replayed into an empty directory from that checkpoint's
// redo LSN. Every image PostgreSQL attached to a Hash / Gin / Generic record must equal our
// page after masking, and none of their records may be unsupported.
#include <doctest/doctest.h>

#include "tests/integration/replay_common.h"
#include "tests/support/pg_cluster.h"

using namespace understudy::testing;
using namespace understudy::testing::replay;

TEST_CASE("replay --verify of Hash, Gin and Generic WAL from a sparse start: zero mismatches, zero unsupported") {
    auto opts = waldump::workload_options("pglz", true);
    PgCluster pg(opts);
    const std::string redo = checkpoint_redo_lsn(pg);
    waldump::run_workload(pg, "index_rmgrs.sql", false);
    waldump::run_workload(pg, "bloom_generic.sql", false);
    const std::string end = pg.sql("select pg_current_wal_insert_lsn()");

    TempDir work("replay-index-a");
    const VerifyDirs dirs(work.path());
    switch_and_copy_wal(pg, dirs.wal);
    pg.stop();

    auto stats = waldump::run_tool({pg_tool("pg_waldump"), "--stats=record", "-p", dirs.wal, "-s", redo, "-e", end},
                                   work.path() + "/stats.out");
    REQUIRE_MESSAGE(stats.exit_code == 0, stats.err);
    const std::string stats_text = waldump::read_file(stats.out_path);
    for (const char* type :
         {"Hash/INIT_META_PAGE ", "Hash/INIT_BITMAP_PAGE ", "Hash/INSERT ", "Hash/ADD_OVFL_PAGE ",
          "Hash/SPLIT_ALLOCATE_PAGE ", "Hash/SPLIT_PAGE ", "Hash/SPLIT_COMPLETE ", "Hash/MOVE_PAGE_CONTENTS ",
          "Hash/SQUEEZE_PAGE ", "Hash/DELETE ", "Hash/SPLIT_CLEANUP ", "Hash/UPDATE_META_PAGE ",
          "Hash/VACUUM_ONE_PAGE ", "Gin/CREATE_PTREE ", "Gin/INSERT ", "Gin/SPLIT ", "Gin/VACUUM_PAGE ",
          "Gin/DELETE_PAGE ", "Gin/UPDATE_META_PAGE ", "Gin/INSERT_LISTPAGE ", "Gin/DELETE_LISTPAGE ",
          "Gin/VACUUM_DATA_LEAF_PAGE ", "Generic/"})
        CHECK_MESSAGE(stats_text.find(type) != std::string::npos, "no record of type ", type, " in the WAL");

    auto run = run_replay_verify(dirs, redo);
    INFO("stderr: ", run.err);
    INFO("summary: ", waldump::read_file(run.out_path));
    auto j = read_json(dirs.report);
    REQUIRE(j.contains("rmgrs"));
    CHECK(j["error"] == "");
    CHECK(lsn_value(j["end_lsn"]) >= lsn_value(end));

    for (const char* name : {"Hash", "Gin", "Generic"}) {
        INFO("rmgr ", name);
        REQUIRE(j["rmgrs"].contains(name));
        const auto& c = j["rmgrs"][name];
        MESSAGE(std::string(name), ": records ", c["records"], " applied ", c["applied"], " skipped_done ", c["skipped_done"],
                " unsupported ", c["unsupported"], " checked ", c["images_checked"], " mismatched ",
                c["images_mismatched"]);
        CHECK(c["records"].get<std::uint64_t>() > 0);
        CHECK(c["images_checked"].get<std::uint64_t>() > 0);
        CHECK(c["unsupported"] == 0);
        CHECK(c["images_mismatched"] == 0);
    }
    for (const auto& m : j["mismatches"]) {
        const std::string rmgr = m["rmgr"];
        CHECK_MESSAGE((rmgr != "Hash" && rmgr != "Gin" && rmgr != "Generic"), m.dump());
    }
}
