// Shared by the per-version real-standby tests: see replay_standby_versions.h.
#include "tests/integration/replay_standby_versions.h"

#include <doctest/doctest.h>

#include <string>

#include "tests/integration/replay_common.h"
#include "tests/integration/replay_standby_common.h"
#include "tests/support/pg_cluster.h"

namespace understudy::testing::replay {

void check_replay_standby_of_version(int major) {
    auto opts = waldump::workload_options("off", false);
    opts.bindir = pg_version_bindir(major);
    PgCluster pg(opts);
    REQUIRE(pg.sql("show server_version_num").substr(0, 2) == std::to_string(major));
    TempDir work("replay-standby-pg" + std::to_string(major), true);
    const StandbyRecovery r = recover_with_both(
        pg, work,
        [&] {
            waldump::run_workload(pg, "all_rmgrs.sql", false);
            waldump::run_workload(pg, "coverage_extras.sql", true);
            waldump::run_workload(pg, "index_rmgrs.sql", false);
            waldump::run_workload(pg, "bloom_generic.sql", false);
        },
        major);
    MESSAGE("PostgreSQL ", major, " replayed to ", r.pg_replayed, "; understudy to ", r.report["end_lsn"],
            " (target ", r.target, ")");
    CHECK(r.report["end_lsn"] == r.pg_replayed);
    for (const auto& [name, c] : r.report["rmgrs"].items()) {
        INFO("rmgr ", name);
        CHECK(c["unsupported"] == 0);
    }

    const std::set<std::string> kinds = {"heap", "btree", "sequence", "hash", "gin",
                                         "gist", "spgist", "brin",     "bloom"};
    const PageComparison c = compare_relations(r, kinds);
    std::string by_kind;
    for (const auto& [kind, n] : c.pages_by_kind) by_kind += " " + kind + " " + std::to_string(n);
    MESSAGE("PostgreSQL ", major, ": compared ", c.pages, " pages of ", c.relations, " relations (", by_kind,
            " ) and ", c.vm_pages, " visibility map pages; differing: ", c.differing);
    for (const std::string& kind : kinds) {
        INFO("kind ", kind);
        auto it = c.pages_by_kind.find(kind);
        REQUIRE(it != c.pages_by_kind.end());
        CHECK(it->second > 0);
    }
    // 14 and 16 compare about 12,000 pages of about 460 relations and 110 VM pages.
    CHECK(c.pages > 8000);
    CHECK(c.relations > 400);
    CHECK(c.vm_pages > 50);
    CHECK_MESSAGE(c.differing == 0, c.first);
}

}  // namespace understudy::testing::replay
