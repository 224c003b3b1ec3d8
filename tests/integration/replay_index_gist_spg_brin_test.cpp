// `understudy replay --verify` of GiST, SP-GiST and BRIN WAL from a sparse start: a PostgreSQL
// 15 primary with wal_consistency_checking = all runs tests/workloads/index_rmgrs.sql after a
// checkpoint; its WAL is replayed into an empty directory from that checkpoint's redo LSN.
// For Gist, SPGist and BRIN: records present, zero unsupported, page images checked and zero
// mismatches after masking (gist_mask, spg_mask, brin_mask).
#include <doctest/doctest.h>

#include "tests/integration/replay_common.h"
#include "tests/support/pg_cluster.h"

using namespace understudy::testing;
using namespace understudy::testing::replay;

TEST_CASE("replay --verify of GiST, SP-GiST and BRIN WAL: zero mismatches, zero unsupported") {
    auto opts = waldump::workload_options("pglz", true);
    PgCluster pg(opts);
    const std::string redo = checkpoint_redo_lsn(pg);
    waldump::run_workload(pg, "index_rmgrs.sql", false);

    TempDir work("replay-idx-b");
    const std::string wal = work.path() + "/wal", data = work.path() + "/data", report = work.path() + "/report.json";
    switch_and_copy_wal(pg, wal);

    auto run = run_replay({"--wal-dir", wal, "--data-dir", data, "--start", redo, "--verify", "--report", report},
                          work.path());
    INFO("stderr: ", run.err);
    INFO("summary: ", waldump::read_file(run.out_path));
    auto j = read_json(report);
    CHECK(j["error"] == "");
    for (const char* name : {"Gist", "SPGist", "BRIN"}) {
        INFO("rmgr ", name);
        REQUIRE(j["rmgrs"].contains(name));
        const auto& c = j["rmgrs"][name];
        MESSAGE(name, ": records ", c["records"], " applied ", c["applied"], " skipped_done ", c["skipped_done"],
                " unsupported ", c["unsupported"], " checked ", c["images_checked"], " mismatched ",
                c["images_mismatched"]);
        CHECK(c["records"].get<std::uint64_t>() > 0);
        CHECK(c["unsupported"] == 0);
        CHECK(c["images_checked"].get<std::uint64_t>() > 0);
        CHECK(c["images_mismatched"] == 0);
    }
    std::size_t ours = 0;
    for (const auto& m : j["mismatches"]) {
        const std::string r = m["rmgr"];
        if (r == "Gist" || r == "SPGist" || r == "BRIN") {
            ++ours;
            MESSAGE("mismatch: ", m.dump());
        }
    }
    CHECK(ours == 0);
}
