// `understudy waldump` against PostgreSQL 15's own pg_waldump on tests/fixtures/wal/pg15/ (no
// server: the fixture carries the WAL and pg_waldump's outputs; tools/make_version_fixtures.sh).
#include <doctest/doctest.h>

#include "tests/integration/waldump_versions.h"

TEST_CASE("PostgreSQL 15 WAL: understudy waldump prints what PostgreSQL 15's pg_waldump printed, and --json parses") {
    understudy::testing::waldump::check_version_fixture(15);
}

TEST_CASE("PostgreSQL 15 WAL: corrupted pages and records end as they did in PostgreSQL 15's pg_waldump") {
    understudy::testing::waldump::check_version_corruption(15);
}
