// `understudy waldump` against PostgreSQL 15's pg_waldump for the index resource managers
// (Hash, Gin, Gist, SPGist, BRIN) over WAL holding every record type they write
// (tests/workloads/index_rmgrs.sql; GiST's ASSIGN_LSN from a wal_level = minimal server):
// zero differing lines in text, -b and --stats=record output.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/integration/waldump_common.h"
#include "tests/support/pg_cluster.h"

using namespace understudy::testing;
using namespace understudy::testing::waldump;

namespace {

const std::vector<std::string> kIndexRmgrFilter = {"-r", "Hash", "-r", "Gin", "-r", "Gist", "-r", "SPGist", "-r", "BRIN"};

// Record types as PostgreSQL 15's hash_identify, gin_identify, gist_identify, spg_identify and
// brin_identify name them (rmgrdesc/*desc.c), "Rmgr/TYPE" as pg_waldump --stats=record prints.
// GiST's ASSIGN_LSN is left out: wal_level = replica never writes it.
const std::vector<std::string> kRecordTypes = {
    "Hash/INIT_META_PAGE", "Hash/INIT_BITMAP_PAGE", "Hash/INSERT", "Hash/ADD_OVFL_PAGE",
    "Hash/SPLIT_ALLOCATE_PAGE", "Hash/SPLIT_PAGE", "Hash/SPLIT_COMPLETE", "Hash/MOVE_PAGE_CONTENTS",
    "Hash/SQUEEZE_PAGE", "Hash/DELETE", "Hash/SPLIT_CLEANUP", "Hash/UPDATE_META_PAGE",
    "Hash/VACUUM_ONE_PAGE",
    "Gin/CREATE_PTREE", "Gin/INSERT", "Gin/SPLIT", "Gin/VACUUM_PAGE", "Gin/VACUUM_DATA_LEAF_PAGE",
    "Gin/DELETE_PAGE", "Gin/UPDATE_META_PAGE", "Gin/INSERT_LISTPAGE", "Gin/DELETE_LISTPAGE",
    "Gist/PAGE_UPDATE", "Gist/DELETE", "Gist/PAGE_REUSE", "Gist/PAGE_SPLIT", "Gist/PAGE_DELETE",
    "SPGist/ADD_LEAF", "SPGist/MOVE_LEAFS", "SPGist/ADD_NODE", "SPGist/SPLIT_TUPLE", "SPGist/PICKSPLIT",
    "SPGist/VACUUM_LEAF", "SPGist/VACUUM_ROOT", "SPGist/VACUUM_REDIRECT",
    "BRIN/CREATE_INDEX", "BRIN/INSERT", "BRIN/INSERT+INIT", "BRIN/UPDATE", "BRIN/UPDATE+INIT",
    "BRIN/SAMEPAGE_UPDATE", "BRIN/REVMAP_EXTEND", "BRIN/DESUMMARIZE",
};

// Whether `--stats=record` output has a row for `type` with a non-zero count.
bool stats_has_type(const std::string& stats, const std::string& type) {
    std::size_t pos = 0;
    while ((pos = stats.find(type, pos)) != std::string::npos) {
        const bool line_start = pos == 0 || stats[pos - 1] == '\n';
        const std::size_t after = pos + type.size();
        if (line_start && after < stats.size() && stats[after] == ' ') {
            const std::size_t n = stats.find_first_not_of(' ', after);
            return n != std::string::npos && stats[n] >= '1' && stats[n] <= '9';
        }
        pos = after;
    }
    return false;
}

Comparison compare_mode(std::vector<std::string> args, const std::string& mode, const std::string& work) {
    if (!mode.empty()) args.push_back(mode);
    args.insert(args.end(), kIndexRmgrFilter.begin(), kIndexRmgrFilter.end());
    auto c = compare_waldump(args, work, 40, std::chrono::seconds(300));
    MESSAGE("mode '" << mode << "': " << c.pg_lines << " lines, " << c.differing_lines << " differing");
    return c;
}

}  // namespace

TEST_CASE("waldump parity for Hash, Gin, Gist, SPGist and BRIN over every record type they write") {
    PgCluster pg(workload_options("off", false));
    auto range = run_workload(pg, "index_rmgrs.sql");
    pg.stop();
    TempDir work("understudy-wdindex");
    const std::vector<std::string> base = {"-p", pg.wal_dir(), "-s", range.start, "-e", range.end};
    MESSAGE("index_rmgrs.sql: WAL " << range.start << " .. " << range.end);

    auto stats = compare_mode(base, "--stats=record", work.path());
    INFO(stats.report());
    REQUIRE(stats.pg.exit_code == 0);
    CHECK(stats.identical());
    const std::string stats_text = read_file(stats.pg.out_path);
    for (const auto& type : kRecordTypes) {
        INFO("record type missing from the workload's WAL: " << type);
        CHECK(stats_has_type(stats_text, type));
    }

    for (std::string mode : {"", "-b"}) {
        auto c = compare_mode(base, mode, work.path());
        INFO(c.report());
        REQUIRE(c.pg.exit_code == 0);
        CHECK(c.pg_lines > 300000u);
        CHECK(c.identical());
    }
}

TEST_CASE("waldump parity for GiST ASSIGN_LSN (wal_level = minimal, index built in its table's transaction)") {
    PgOptions o;
    o.conf = {"wal_level = minimal", "max_wal_senders = 0", "max_replication_slots = 0", "fsync = off"};
    PgCluster pg(o);
    const std::string start = pg.sql("select pg_current_wal_insert_lsn()");
    pg.sql("BEGIN; CREATE TABLE ix_gist_min (p point); CREATE INDEX ix_gist_min_p ON ix_gist_min USING gist (p); "
           "INSERT INTO ix_gist_min SELECT point(g, g) FROM generate_series(1, 5000) g; COMMIT;");
    const std::string end = pg.sql("select pg_current_wal_insert_lsn()");
    pg.stop();
    TempDir work("understudy-wdindex-min");
    const std::vector<std::string> base = {"-p", pg.wal_dir(), "-s", start, "-e", end};

    auto stats = compare_mode(base, "--stats=record", work.path());
    INFO(stats.report());
    REQUIRE(stats.pg.exit_code == 0);
    CHECK(stats.identical());
    CHECK(stats_has_type(read_file(stats.pg.out_path), "Gist/ASSIGN_LSN"));
    for (std::string mode : {"", "-b"}) {
        auto c = compare_mode(base, mode, work.path());
        INFO(c.report());
        REQUIRE(c.pg.exit_code == 0);
        CHECK(c.pg_lines > 100u);
        CHECK(c.identical());
    }
}
