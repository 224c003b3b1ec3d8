// `understudy replay --verify` from a sparse start: a PostgreSQL 15 primary with
// wal_consistency_checking = all runs the all-rmgrs and heap/btree workloads and pgbench after
// a checkpoint; its WAL is replayed into an empty directory from that checkpoint's redo LSN and
// every page image PostgreSQL attached for consistency checking is compared, after masking,
// with the page we rebuilt: zero mismatches. The report accounts for every record, and the
// rmgrs whose redo routines exist report zero unsupported records.
#include <doctest/doctest.h>

#include <set>

#include "tests/integration/replay_common.h"
#include "tests/support/pg_cluster.h"

using namespace understudy::testing;
using namespace understudy::testing::replay;

namespace {

// Rmgrs whose redo routines are written (no record of theirs may be unsupported). The rest of
// issue 4's rmgrs join this list as their routines land in main.
// Every rmgr of PostgreSQL 15 has redo routines now: none may report unsupported records.
const std::set<std::string> kRmgrsWithRedo = {
    "XLOG",  "Transaction", "Storage", "CLOG",  "Database", "Tablespace",        "MultiXact",      "RelMap",
    "Standby", "Heap2",     "Heap",    "Btree", "Hash",     "Gin",               "Gist",           "Sequence",
    "SPGist", "BRIN",       "CommitTs", "ReplicationOrigin", "Generic", "LogicalMessage"};

}  // namespace

TEST_CASE("replay --verify of every rmgr's WAL from a sparse start: zero mismatches") {
    auto opts = waldump::workload_options("pglz", true);
    opts.conf.push_back("max_replication_slots = 4");
    PgCluster pg(opts);
    const std::string redo = checkpoint_redo_lsn(pg);
    waldump::run_workload(pg, "all_rmgrs.sql");
    waldump::run_workload(pg, "heap_btree.sql");
    pg.pgbench_init(1);
    auto bench = pg.pgbench(3, 2);
    REQUIRE_MESSAGE(bench.exit_code == 0, bench.output);
    const std::string end = pg.sql("select pg_current_wal_insert_lsn()");

    TempDir work("replay-verify");
    const VerifyDirs dirs(work.path());
    switch_and_copy_wal(pg, dirs.wal);

    auto run = run_replay_verify(dirs, redo);
    INFO("stderr: ", run.err);
    INFO("summary: ", waldump::read_file(run.out_path));
    auto j = read_json(dirs.report);
    CHECK(j["error"] == "");
    CHECK(j["start_lsn"] == redo);
    CHECK(lsn_value(j["end_lsn"]) >= lsn_value(end));
    CHECK(j["records"].get<std::uint64_t>() > 10000);

    std::uint64_t sum_records = 0, checked = 0;
    for (auto& [name, c] : j["rmgrs"].items()) {
        INFO("rmgr ", name);
        sum_records += c["records"].get<std::uint64_t>();
        checked += c["images_checked"].get<std::uint64_t>();
        CHECK(c["applied"].get<std::uint64_t>() + c["skipped_done"].get<std::uint64_t>() +
                  c["unsupported"].get<std::uint64_t>() ==
              c["records"].get<std::uint64_t>());
        CHECK(c["images_mismatched"] == 0);
        if (kRmgrsWithRedo.contains(name)) CHECK(c["unsupported"] == 0);
        MESSAGE(name, ": records ", c["records"], " applied ", c["applied"], " unsupported ", c["unsupported"],
                " checked ", c["images_checked"], " mismatched ", c["images_mismatched"]);
    }
    CHECK(sum_records == j["records"].get<std::uint64_t>());
    CHECK(j["mismatches"].empty());
    CHECK(j["mismatches_total"] == 0);
    // Every rmgr the workload touches shows up.
    for (const char* r : {"XLOG", "Transaction", "Storage", "Heap", "Heap2", "Btree", "Standby", "Sequence"})
        CHECK_MESSAGE(j["rmgrs"].contains(r), r);
    MESSAGE("images checked: ", checked);
    CHECK(run.exit_code == 0);
}
