// Relation paths as src/common/relpath.c (GetRelationPath) and md.c (_mdfd_segpath) build them,
// PG15. The real-server check (pg_relation_filepath) is in storage_pg_test.cpp.
#include <doctest/doctest.h>

#include "wal/relpath.h"

using namespace understudy;
using namespace understudy::storage;

TEST_CASE("relation_path: global, base and tablespace relations with every fork") {
    const RelFileNode shared{GLOBALTABLESPACE_OID, 0, 1262};
    CHECK(relation_path(shared, MAIN_FORKNUM) == "global/1262");
    CHECK(relation_path(shared, FSM_FORKNUM) == "global/1262_fsm");
    CHECK(relation_path(shared, VISIBILITYMAP_FORKNUM) == "global/1262_vm");

    const RelFileNode rel{DEFAULTTABLESPACE_OID, 5, 16384};
    CHECK(relation_path(rel, MAIN_FORKNUM) == "base/5/16384");
    CHECK(relation_path(rel, FSM_FORKNUM) == "base/5/16384_fsm");
    CHECK(relation_path(rel, VISIBILITYMAP_FORKNUM) == "base/5/16384_vm");
    CHECK(relation_path(rel, INIT_FORKNUM) == "base/5/16384_init");

    const RelFileNode spc{16390, 16391, 16392};
    CHECK(relation_path(spc, MAIN_FORKNUM) == "pg_tblspc/16390/PG_15_202209061/16391/16392");
    CHECK(relation_path(spc, VISIBILITYMAP_FORKNUM) == "pg_tblspc/16390/PG_15_202209061/16391/16392_vm");
}

TEST_CASE("database_path and tablespace_path") {
    CHECK(database_path(GLOBALTABLESPACE_OID, 0) == "global");
    CHECK(database_path(DEFAULTTABLESPACE_OID, 1) == "base/1");
    CHECK(database_path(4294967295u, 4294967294u) == "pg_tblspc/4294967295/PG_15_202209061/4294967294");
    CHECK(tablespace_path(DEFAULTTABLESPACE_OID) == "base");
    CHECK(tablespace_path(20000) == "pg_tblspc/20000/PG_15_202209061");
}

TEST_CASE("segment paths: no suffix for segment 0, .N after; 131072 blocks per segment") {
    const RelFileNode rel{DEFAULTTABLESPACE_OID, 5, 16384};
    CHECK(segment_path(rel, MAIN_FORKNUM, 0) == "base/5/16384");
    CHECK(segment_path(rel, MAIN_FORKNUM, 1) == "base/5/16384.1");
    CHECK(segment_path(rel, FSM_FORKNUM, 2) == "base/5/16384_fsm.2");
    CHECK(std::uint64_t{RELSEG_SIZE} * BLCKSZ == 1024ull * 1024 * 1024);
    CHECK(segment_of_block(131071) == 0);
    CHECK(segment_of_block(131072) == 1);
    CHECK(block_in_segment(131072) == 0);
    CHECK(block_in_segment(262145) == 1);
    CHECK(segment_of_block(262145) == 2);
}

TEST_CASE("fork names round-trip; unknown names are rejected") {
    for (int f = 0; f <= MAX_FORKNUM; ++f) {
        auto n = fork_from_name(fork_name(static_cast<std::uint8_t>(f)));
        REQUIRE(n);
        CHECK(*n == f);
    }
    CHECK_FALSE(fork_from_name("vm2"));
    CHECK_FALSE(fork_from_name(""));
    CHECK(format_relfilenode({1663, 5, 16384}) == "1663/5/16384");
}
