// `understudy replay` against PostgreSQL 15's own startup process. A base backup of a primary
// is taken; the primary runs the all-rmgrs workload and pgbench, then a checkpoint. A real
// PostgreSQL 15 recovers a copy of the backup from the same WAL segments to the same LSN
// (recovery_target_lsn, exclusive, pause) and is shut down (its shutdown restartpoint writes
// every page). understudy replays another copy of the backup from the backup's start LSN to
// that LSN. Every heap, btree and sequence page (main fork) and every visibility map page both
// directories have is compared after masking with the rmgr's mask routine: identical.
// (The steps: tests/integration/replay_standby_common.h; the index AMs: replay_standby_index_test.cpp.)
#include <doctest/doctest.h>

#include "tests/integration/replay_common.h"
#include "tests/integration/replay_standby_common.h"
#include "tests/support/pg_cluster.h"

using namespace understudy::testing;
using namespace understudy::testing::replay;

TEST_CASE("replay ends with the pages a PostgreSQL 15 standby ends with at the same LSN") {
    auto opts = waldump::workload_options("off", false);
    opts.conf.push_back("max_replication_slots = 4");
    PgCluster pg(opts);
    TempDir work("replay-standby", true);
    const StandbyRecovery r = recover_with_both(pg, work, [&] {
        waldump::run_workload(pg, "all_rmgrs.sql");
        pg.pgbench_init(2);
        auto bench = pg.pgbench(3, 2);
        REQUIRE_MESSAGE(bench.exit_code == 0, bench.output);
    });
    REQUIRE(r.kinds.size() > 100);
    MESSAGE("PostgreSQL replayed to ", r.pg_replayed, "; understudy to ", r.report["end_lsn"], " (target ", r.target,
            ")");
    CHECK(r.report["end_lsn"] == r.pg_replayed);

    const PageComparison c = compare_relations(r, {"heap", "btree", "sequence"});
    MESSAGE("compared ", c.pages, " pages of ", c.relations, " relations and ", c.vm_pages,
            " visibility map pages; differing: ", c.differing);
    CHECK(c.pages > 1000);
    CHECK_MESSAGE(c.differing == 0, c.first);
}
