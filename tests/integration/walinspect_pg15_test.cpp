// PostgreSQL 15's pg_walinspect against `understudy waldump`: record_type, description and
// block references of every record, and the statistics (tests/integration/walinspect.cpp).
#include <doctest/doctest.h>

#include "tests/integration/walinspect.h"

TEST_CASE("PostgreSQL 15 WAL: every record's type, description and blocks, and the statistics, as pg_walinspect says") {
    understudy::testing::waldump::check_against_walinspect(15);
}
