// `understudy replay --verify` for the Hash, Gin and Generic rmgrs (hash_redo, gin_redo,
// generic_redo and their masks): a PostgreSQL 15 primary with wal_consistency_checking = all
// runs the index workload (hash bucket splits, squeezes and vacuums; GIN entry and posting
// trees, pending lists, vacuum and page deletion) and the all-rmgrs workload (bloom: generic
// WAL) after a checkpoint; its WAL is replayed into an empty directory from that checkpoint's
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
    waldump::run_workload(pg, "index_rmgrs.sql");
    waldump::run_workload(pg, "all_rmgrs.sql");
    const std::string end = pg.sql("select pg_current_wal_insert_lsn()");

    TempDir work("replay-index-a");
    const std::string wal = work.path() + "/wal", data = work.path() + "/data", report = work.path() + "/report.json";
    switch_and_copy_wal(pg, wal);
    pg.stop();

    auto run = run_replay({"--wal-dir", wal, "--data-dir", data, "--start", redo, "--verify", "--report", report},
                          work.path());
    INFO("stderr: ", run.err);
    INFO("summary: ", waldump::read_file(run.out_path));
    auto j = read_json(report);
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
