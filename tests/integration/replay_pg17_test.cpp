// `understudy replay --verify` of PostgreSQL 17 WAL (tests/integration/replay_versions.h).
#include <doctest/doctest.h>

#include "tests/integration/replay_versions.h"

TEST_CASE("PostgreSQL 17 WAL: replay --verify of the coverage workload from a sparse start, zero mismatches, "
          "nothing unsupported") {
    understudy::testing::replay::check_replay_verify_of_version(17);
}
