// The Heap, Heap2 and Btree describe routines against PostgreSQL 15's pg_waldump, on WAL of
// tests/workloads/heap_btree.sql (every record type of the three rmgrs but HOT_UPDATE+INIT,
// which the server cannot write: a HOT update's new tuple is never the first on its page).
// For each rmgr: text, -b and --stats=record output of `understudy waldump --rmgr=R` must be
// identical to pg_waldump's, and pg_waldump's own --stats=record must show every record type.
#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/waldump_common.h"
#include "tests/support/pg_cluster.h"

using namespace understudy::testing;
using namespace understudy::testing::waldump;

namespace {

struct RmgrCoverage {
    std::string rmgr;
    std::vector<std::string> record_types;  // as pg_waldump --stats=record names them
};

const std::vector<RmgrCoverage> kCoverage = {
    {"Heap",
     {"INSERT", "INSERT+INIT", "DELETE", "UPDATE", "UPDATE+INIT", "HOT_UPDATE", "TRUNCATE",
      "HEAP_CONFIRM", "LOCK", "INPLACE"}},
    {"Heap2",
     {"REWRITE", "PRUNE", "VACUUM", "FREEZE_PAGE", "VISIBLE", "MULTI_INSERT", "MULTI_INSERT+INIT",
      "LOCK_UPDATED", "NEW_CID"}},
    {"Btree",
     {"INSERT_LEAF", "INSERT_UPPER", "INSERT_META", "SPLIT_L", "SPLIT_R", "INSERT_POST", "DEDUP",
      "VACUUM", "DELETE", "MARK_PAGE_HALFDEAD", "UNLINK_PAGE", "UNLINK_PAGE_META", "NEWROOT",
      "REUSE_PAGE", "META_CLEANUP"}},
};

// Count of "<rmgr>/<type>" in pg_waldump --stats=record output (0 when absent).
std::uint64_t stats_count(const std::string& stats, const std::string& rmgr, const std::string& type) {
    std::istringstream in(stats);
    std::string name, count;
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        if (fields >> name >> count && name == rmgr + "/" + type) return std::stoull(count);
    }
    return 0;
}

}  // namespace

TEST_CASE("Heap, Heap2 and Btree records describe exactly as pg_waldump's, every record type") {
    auto opts = workload_options("lz4", false);
    opts.conf.push_back("autovacuum = off");
    PgCluster pg(opts);
    auto range = run_workload(pg, "heap_btree.sql");
    pg.stop();
    TempDir work("understudy-descheap");
    MESSAGE("heap_btree.sql: WAL " << range.start << " .. " << range.end);

    for (const auto& cov : kCoverage) {
        CAPTURE(cov.rmgr);
        const std::vector<std::string> base = {"-p", pg.wal_dir(), "-s", range.start, "-e",
                                               range.end, "--rmgr=" + cov.rmgr};
        for (std::string mode : {"", "-b", "--stats=record"}) {
            CAPTURE(mode);
            auto args = base;
            if (!mode.empty()) args.push_back(mode);
            auto c = compare_waldump(args, work.path());
            INFO(c.report());
            CHECK(c.pg.exit_code == 0);
            CHECK(c.pg_lines > 0);
            CHECK(c.identical());
            MESSAGE(cov.rmgr << " " << (mode.empty() ? "text" : mode) << ": " << c.pg_lines
                             << " lines, " << c.differing_lines << " differing");
            if (mode == "--stats=record") {
                std::string stats = read_file(c.pg.out_path);
                for (const auto& type : cov.record_types) {
                    CAPTURE(type);
                    CHECK(stats_count(stats, cov.rmgr, type) > 0);
                }
            }
        }
    }
}
