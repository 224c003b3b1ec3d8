// Fault 3 on every other supported major version (issue 13): `understudy standby --verify` as
// the synchronous standby of a PostgreSQL 14, 16, 17 and 18 primary under remote_apply and
// pgbench, killed with SIGKILL at random moments (UNDERSTUDY_FAULT_VERSION_KILLS, default 3)
// and restarted: after each restart it catches up with 0 mismatched images and the apply
// position never behind its last restartpoint; then quiet, the primary's replay_lsn equals its
// flush position and our applied position, segments byte-identical to the primary's, and every
// commit the primary acknowledged is committed in our pg_xact (tests/faults/kill9_run.h).
#include "tests/faults/kill9_run.h"

using namespace understudy::testing::faults;

TEST_CASE("kill -9 under remote_apply, PostgreSQL 14") {
    kill9_under_remote_apply(14, env_int("UNDERSTUDY_FAULT_VERSION_KILLS", 3), "kill9_pg14");
}

TEST_CASE("kill -9 under remote_apply, PostgreSQL 16") {
    kill9_under_remote_apply(16, env_int("UNDERSTUDY_FAULT_VERSION_KILLS", 3), "kill9_pg16");
}

TEST_CASE("kill -9 under remote_apply, PostgreSQL 17") {
    kill9_under_remote_apply(17, env_int("UNDERSTUDY_FAULT_VERSION_KILLS", 3), "kill9_pg17");
}

TEST_CASE("kill -9 under remote_apply, PostgreSQL 18") {
    kill9_under_remote_apply(18, env_int("UNDERSTUDY_FAULT_VERSION_KILLS", 3), "kill9_pg18");
}
