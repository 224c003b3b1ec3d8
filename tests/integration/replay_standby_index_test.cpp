// `understudy replay` against PostgreSQL 15's own startup process for the index access methods
// (issue 5): as replay_standby_test.cpp (tests/integration/replay_standby_common.h: base
// backup, PostgreSQL recovering one copy to recovery_target_lsn and pausing, understudy
// replaying another copy to the same LSN), with the index workloads index_rmgrs.sql (hash, GIN,
// GiST, SP-GiST text and point, BRIN) and bloom_generic.sql (bloom: generic WAL). Every page of
// every hash, gin, gist, spgist, brin, bloom, btree and heap relation (and every visibility map
// page) both directories have is compared after the rmgr's mask: zero differing pages. Here the
// GiST F_TUPLES_DELETED bit that --verify reports as a known upstream difference must match:
// PostgreSQL's standby sets it in gistRedoDeleteRecord as we do.
#include <doctest/doctest.h>

#include "tests/integration/replay_common.h"
#include "tests/integration/replay_standby_common.h"
#include "tests/support/pg_cluster.h"

using namespace understudy::testing;
using namespace understudy::testing::replay;

TEST_CASE("replay of the index workloads ends with the index pages a PostgreSQL 15 standby ends with") {
    auto opts = waldump::workload_options("off", false);
    PgCluster pg(opts);
    TempDir work("replay-standby-index", true);
    const StandbyRecovery r = recover_with_both(pg, work, [&] {
        waldump::run_workload(pg, "index_rmgrs.sql", false);
        waldump::run_workload(pg, "bloom_generic.sql", false);
    });
    MESSAGE("PostgreSQL replayed to ", r.pg_replayed, "; understudy to ", r.report["end_lsn"], " (target ", r.target,
            ")");
    CHECK(r.report["end_lsn"] == r.pg_replayed);
    for (const auto& [name, c] : r.report["rmgrs"].items()) {
        INFO("rmgr ", name);
        CHECK(c["unsupported"] == 0);
    }

    const std::set<std::string> index_kinds = {"hash", "gin", "gist", "spgist", "brin", "bloom"};
    const PageComparison c = compare_relations(r, {"heap", "btree", "hash", "gin", "gist", "spgist", "brin", "bloom"});
    std::string by_kind;
    for (const auto& [kind, n] : c.pages_by_kind) by_kind += " " + kind + " " + std::to_string(n);
    MESSAGE("compared ", c.pages, " pages of ", c.relations, " relations (", by_kind, " ) and ", c.vm_pages,
            " visibility map pages; differing: ", c.differing);
    for (const std::string& kind : index_kinds) {
        INFO("kind ", kind);
        auto it = c.pages_by_kind.find(kind);
        REQUIRE(it != c.pages_by_kind.end());
        CHECK(it->second > 0);
    }
    CHECK(c.pages_by_kind.at("gist") > 100);
    CHECK_MESSAGE(c.differing == 0, c.first);
}
