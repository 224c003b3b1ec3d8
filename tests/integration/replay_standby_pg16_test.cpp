// `understudy replay` against PostgreSQL 16's own startup process, page by page
// (tests/integration/replay_standby_versions.h).
#include <doctest/doctest.h>

#include "tests/integration/replay_standby_versions.h"

TEST_CASE("PostgreSQL 16: replay ends with the pages a PostgreSQL 16 standby ends with at the same LSN") {
    understudy::testing::replay::check_replay_standby_of_version(16);
}
