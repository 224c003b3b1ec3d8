// Fault 3, our process: `understudy standby --verify`, the primary's synchronous standby under
// synchronous_commit = remote_apply, killed with SIGKILL at random moments under pgbench plus
// client threads that record the xid of every commit the primary acknowledged. After each
// restart: the replay state on disk never has the apply position behind its last restartpoint,
// the restarted process reports an apply position at or past that restartpoint, it catches up
// with the primary, and no page image mismatches. At the end: the received segments are
// byte-identical to the primary's pg_wal, and every acknowledged xid is committed in our
// DIR/data/pg_xact. UNDERSTUDY_FAULT_KILLS sets the number of kills (default 10; tools/faults.sh
// runs 100), UNDERSTUDY_FAULT_SEED the random moments (default: the time).
#include "tests/faults/kill9_run.h"

using namespace understudy::testing::faults;

TEST_CASE("fault: kill -9 of understudy standby --verify at random moments under remote_apply; no acknowledged "
          "commit lost") {
    kill9_under_remote_apply(15, env_int("UNDERSTUDY_FAULT_KILLS", 10), "process_kill9");
}
