// `understudy replay --verify` for the Transaction group of rmgrs (Transaction, CLOG, CommitTs,
// MultiXact, Storage, Database, Tablespace, RelMap, Standby, Sequence, ReplicationOrigin,
// LogicalMessage) on WAL of a real PostgreSQL 15 primary with wal_consistency_checking = all:
// the all-rmgrs workload (subtransactions, 2PC, multixacts, TRUNCATE / VACUUM truncation,
// sequences, CREATE / DROP DATABASE with both strategies, tablespaces, relation map updates,
// replication origins, logical messages) plus a transaction left prepared, replayed from a
// sparse start at a checkpoint's redo point.
//
// Asserts: no record of these rmgrs unsupported, no page mismatch; the transaction status in
// our pg_xact equals the primary's for every xid the workload assigned; every relation map file
// we wrote is byte-identical to the primary's; the pending prepared transaction is in the
// replay state.
#include <doctest/doctest.h>

#include <filesystem>
#include <set>

#include "redo/storage/slru.h"
#include "tests/integration/replay_common.h"
#include "tests/support/pg_cluster.h"

using namespace understudy::testing;
using namespace understudy::testing::replay;

namespace {

const std::set<std::string> kGroupRmgrs = {"Transaction", "CLOG",     "CommitTs",        "MultiXact",
                                           "Storage",     "Database", "Tablespace",      "RelMap",
                                           "Standby",     "Sequence", "ReplicationOrigin", "LogicalMessage"};

}  // namespace

TEST_CASE("replay --verify of the Transaction group's WAL: zero unsupported, pg_xact and relmaps as the primary's") {
    auto opts = waldump::workload_options("pglz", true);
    opts.conf.push_back("max_replication_slots = 4");
    PgCluster pg(opts);
    const std::string redo = checkpoint_redo_lsn(pg);
    const auto first_xid = std::stoul(pg.sql("select txid_current()"));
    waldump::run_workload(pg, "all_rmgrs.sql");
    // A transaction left prepared at the end of the WAL.
    pg.sql("create table wdt_pending (x int)");
    pg.sql("begin; insert into wdt_pending values (1); prepare transaction 'wdt_pending_gid';");
    const auto next_xid = std::stoul(pg.sql("select txid_current()"));
    pg.sql("checkpoint");  // pg_xact and relmaps on disk on the primary

    TempDir work("replay-xact");
    const VerifyDirs dirs(work.path());
    switch_and_copy_wal(pg, dirs.wal);
    auto run = run_replay_verify(dirs, redo);
    INFO("stderr: ", run.err);
    INFO("summary: ", waldump::read_file(run.out_path));
    REQUIRE(run.exit_code == 0);
    auto j = read_json(dirs.report);
    CHECK(j["error"] == "");
    std::set<std::string> seen;
    for (auto& [name, c] : j["rmgrs"].items()) {
        if (!kGroupRmgrs.contains(name)) continue;
        seen.insert(name);
        MESSAGE(name, ": records ", c["records"], " applied ", c["applied"], " unsupported ", c["unsupported"],
                " checked ", c["images_checked"], " mismatched ", c["images_mismatched"]);
        CHECK_MESSAGE(c["unsupported"] == 0, name);
        CHECK_MESSAGE(c["images_mismatched"] == 0, name);
    }
    for (const auto& r : kGroupRmgrs) CHECK_MESSAGE(seen.contains(r), r, " has no record in the WAL");
    CHECK(j["mismatches_total"] == 0);
    CHECK(j["rmgrs"]["Sequence"]["images_checked"].get<std::uint64_t>() > 0);

    // pg_xact: every xid assigned during the workload has the primary's status.
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
