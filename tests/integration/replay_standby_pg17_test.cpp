// `understudy replay` against PostgreSQL 17's own startup process, page by page
// (tests/integration/replay_standby_versions.h).
#include <doctest/doctest.h>

#include "tests/integration/replay_standby_versions.h"

TEST_CASE("PostgreSQL 17: replay ends with the pages a PostgreSQL 17 standby ends with at the same LSN") {
    understudy::testing::replay::check_replay_standby_of_version(17);
}
