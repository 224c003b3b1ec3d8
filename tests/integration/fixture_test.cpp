// The PostgreSQL fixture itself: start, SQL, standby, restart, clean up.
#include <doctest/doctest.h>

#include <filesystem>

#include "tests/support/pg_cluster.h"

using namespace understudy::testing;

TEST_CASE("a throwaway primary starts on a free port, runs SQL and is removed afterwards") {
    std::string base;
    {
        PgCluster pg;
        base = pg.base_dir();
        CHECK(pg.sql("select 40 + 2") == "42");
        CHECK(pg.sql("show wal_level") == "replica");
        CHECK(pg.sql("select 1, 'a' union all select 2, 'b'") == "1|a\n2|b");
        CHECK_THROWS_AS(pg.sql("select * from no_such_table"), std::runtime_error);
        pg.restart();
        CHECK(pg.sql("select 1") == "1");
        CHECK(std::filesystem::exists(pg.wal_dir()));
    }
    CHECK_FALSE(std::filesystem::exists(base));
}

TEST_CASE("a standby made with pg_basebackup streams from the primary") {
    PgCluster primary;
    auto standby = PgCluster::standby_of(primary);
    CHECK(standby.sql("select pg_is_in_recovery()") == "t");
    primary.sql("create table t(x int); insert into t values (7)");
    bool seen = wait_until([&] {
        try {
            return standby.sql("select x from t") == "7";
        } catch (...) {
            return false;
        }
    }, std::chrono::seconds(30));
    CHECK(seen);
}
