// `understudy replay --verify` from a sparse start: a PostgreSQL 15 primary with
// wal_consistency_checking = all runs, after a checkpoint, the all-rmgrs workload
// (subtransactions, 2PC, multixacts, TRUNCATE / VACUUM truncation, sequences, CREATE / DROP
// DATABASE with both strategies, tablespaces, relation map updates, replication origins, logical
// messages), the heap/btree workload and pgbench, and leaves a transaction prepared at the end;
// its WAL is replayed into an empty directory from that checkpoint's redo LSN. (One run of the
// workloads for what were two tests, replay_verify and replay_xact.)
//
// Asserts, over every rmgr: every page image PostgreSQL attached for consistency checking equals,
// after masking, the page we rebuilt (zero mismatches); the report accounts for every record;
// no rmgr reports unsupported records. For the Transaction group of rmgrs (Transaction, CLOG,
// CommitTs, MultiXact, Storage, Database, Tablespace, RelMap, Standby, Sequence,
// ReplicationOrigin, LogicalMessage): each has records in the WAL; the transaction status in our
// pg_xact equals the primary's for every xid assigned; every relation map file we wrote is
// byte-identical to the primary's; the pending prepared transaction is in the replay state.
#include <doctest/doctest.h>

#include <filesystem>
#include <set>

#include "redo/storage/slru.h"
#include "tests/integration/replay_common.h"
#include "tests/support/pg_cluster.h"

using namespace understudy::testing;
using namespace understudy::testing::replay;

namespace {

// Every rmgr of PostgreSQL 15 has redo routines now: none may report unsupported records.
const std::set<std::string> kRmgrsWithRedo = {
    "XLOG",  "Transaction", "Storage", "CLOG",  "Database", "Tablespace",        "MultiXact",      "RelMap",
    "Standby", "Heap2",     "Heap",    "Btree", "Hash",     "Gin",               "Gist",           "Sequence",
    "SPGist", "BRIN",       "CommitTs", "ReplicationOrigin", "Generic", "LogicalMessage"};

// The Transaction group (issue 4's non-heap, non-index rmgrs): each must have records in the WAL.
const std::set<std::string> kGroupRmgrs = {"Transaction", "CLOG",     "CommitTs",        "MultiXact",
                                           "Storage",     "Database", "Tablespace",      "RelMap",
                                           "Standby",     "Sequence", "ReplicationOrigin", "LogicalMessage"};

}  // namespace

TEST_CASE("replay --verify of every rmgr's WAL from a sparse start: zero mismatches, pg_xact and relmaps as the "
          "primary's") {
    auto opts = waldump::workload_options("pglz", true);
    opts.conf.push_back("max_replication_slots = 4");
    PgCluster pg(opts);
    const std::string redo = checkpoint_redo_lsn(pg);
    const auto first_xid = std::stoul(pg.sql("select txid_current()"));
    waldump::run_workload(pg, "all_rmgrs.sql");
    waldump::run_workload(pg, "heap_btree.sql");
    pg.pgbench_init(1);
    auto bench = pg.pgbench(3, 2);
    REQUIRE_MESSAGE(bench.exit_code == 0, bench.output);
    // A transaction left prepared at the end of the WAL.
    pg.sql("create table wdt_pending (x int)");
    pg.sql("begin; insert into wdt_pending values (1); prepare transaction 'wdt_pending_gid';");
    const auto next_xid = std::stoul(pg.sql("select txid_current()"));
    const std::string end = pg.sql("select pg_current_wal_insert_lsn()");
    pg.sql("checkpoint");  // pg_xact and relmaps on disk on the primary

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
    std::set<std::string> group_seen;
    for (auto& [name, c] : j["rmgrs"].items()) {
        INFO("rmgr ", name);
        sum_records += c["records"].get<std::uint64_t>();
        checked += c["images_checked"].get<std::uint64_t>();
        CHECK(c["applied"].get<std::uint64_t>() + c["skipped_done"].get<std::uint64_t>() +
                  c["unsupported"].get<std::uint64_t>() ==
              c["records"].get<std::uint64_t>());
        CHECK(c["images_mismatched"] == 0);
        if (kRmgrsWithRedo.contains(name)) CHECK(c["unsupported"] == 0);
        if (kGroupRmgrs.contains(name)) group_seen.insert(name);
        MESSAGE(name, ": records ", c["records"], " applied ", c["applied"], " unsupported ", c["unsupported"],
                " checked ", c["images_checked"], " mismatched ", c["images_mismatched"]);
    }
    CHECK(sum_records == j["records"].get<std::uint64_t>());
    CHECK(j["mismatches"].empty());
    CHECK(j["mismatches_total"] == 0);
    // Every rmgr the workloads touch shows up.
    for (const char* r : {"XLOG", "Transaction", "Storage", "Heap", "Heap2", "Btree", "Standby", "Sequence"})
        CHECK_MESSAGE(j["rmgrs"].contains(r), r);
    for (const auto& r : kGroupRmgrs) CHECK_MESSAGE(group_seen.contains(r), r, " has no record in the WAL");
    CHECK(j["rmgrs"]["Sequence"]["images_checked"].get<std::uint64_t>() > 0);
    MESSAGE("images checked: ", checked);
    REQUIRE(run.exit_code == 0);

    // pg_xact: every xid assigned during the workloads has the primary's status.
    understudy::storage::Clog ours(dirs.data);
    understudy::storage::Clog theirs(pg.data_dir());
    REQUIRE(next_xid > first_xid + 100);
    std::size_t differing = 0, committed = 0, aborted = 0;
    for (auto xid = static_cast<understudy::TransactionId>(first_xid);
         xid < static_cast<understudy::TransactionId>(next_xid); ++xid) {
        auto a = ours.get_status(xid);
        auto b = theirs.get_status(xid);
        REQUIRE(a);
        REQUIRE(b);
        if (*a != *b) ++differing;
        if (*b == understudy::storage::TRANSACTION_STATUS_COMMITTED) ++committed;
        if (*b == understudy::storage::TRANSACTION_STATUS_ABORTED) ++aborted;
    }
    MESSAGE("xids ", next_xid - first_xid, ": committed ", committed, " aborted ", aborted, " differing ", differing);
    CHECK(differing == 0);
    CHECK(committed > 0);
    CHECK(aborted > 0);

    // Relation map files: identical bytes wherever we wrote one.
    std::size_t maps = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dirs.data)) {
        if (e.path().filename() != "pg_filenode.map") continue;
        const std::string rel = std::filesystem::relative(e.path(), dirs.data).string();
        if (rel.rfind("pg_tblspc/", 0) == 0) continue;  // the primary's tablespace lives elsewhere
        INFO("relmap ", rel);
        CHECK(waldump::read_file(e.path().string()) == waldump::read_file(pg.data_dir() + "/" + rel));
        ++maps;
    }
    CHECK(maps > 0);

    // The pending prepared transaction is in the durable replay state.
    auto state = read_json(dirs.data + "/understudy_replay_state.json");
    bool found = false;
    for (const auto& p : state["prepared_xacts"])
        if (p["gid"] == "wdt_pending_gid") found = true;
    CHECK(found);
    pg.sql("rollback prepared 'wdt_pending_gid'");
}
