// `understudy replay --verify` of PostgreSQL 18 WAL (tests/integration/replay_versions.h). 18's
// initdb turns data checksums on by default; the cluster keeps that default.
#include <doctest/doctest.h>

#include "tests/integration/replay_versions.h"

TEST_CASE("PostgreSQL 18 WAL: replay --verify of the coverage workload from a sparse start, zero mismatches, "
          "nothing unsupported") {
    understudy::testing::replay::check_replay_verify_of_version(18);
}
