// `understudy replay --verify` of the index workloads from a sparse start: a PostgreSQL 15
// primary with wal_consistency_checking = all runs tests/workloads/index_rmgrs.sql (hash, GIN,
// GiST, SP-GiST, BRIN) and bloom_generic.sql (generic WAL) after a checkpoint; its WAL is
// replayed into an empty directory from that checkpoint's redo LSN. The workload runs once and
// serves every check below (this test replaces replay_index_a and replay_index_gist_spg_brin,
// which ran the same workload twice).
//
// First the WAL is proved to hold what issue 5 asks for:
// - PostgreSQL's own pg_waldump --stats=record shows every Hash and Gin record type and Generic
//   records (hash bucket splits, squeezes and vacuums; GIN entry and posting trees, pending
//   lists, vacuum and page deletion; bloom);
// - `understudy waldump --stats=record` shows every Hash, Gin, Gist, SPGist, BRIN and Generic
//   record type PostgreSQL 15 writes with wal_level >= replica (Gist ASSIGN_LSN needs wal_level =
//   minimal: gistGetFakeLSN for an index that skips WAL), so GiST page splits, BRIN
//   summarisation (INSERT) and desummarisation (DESUMMARIZE); and SP-GiST leaf, split and
//   vacuum records on both the text (radix tree) and the point (quad tree) index, ADD_NODE /
//   SPLIT_TUPLE on the text one (the quad tree's inner tuples always have their 4 nodes and no
//   prefix: it never asks for either).
//
// Then, for every rmgr in the replay: zero unsupported records and zero mismatches after
// masking; every image PostgreSQL attached to a Hash / Gin / Gist / SPGist / BRIN / Generic
// record is compared with our page. The one difference PostgreSQL 15's own standby has too
// (F_TUPLES_DELETED set by the redo of a Gist DELETE and kept on that page by its later records,
// redo/apply/gist.cpp) is reported apart as known_upstream_differences with its reason, and the
// test checks that it is.
#include <doctest/doctest.h>

#include <map>
#include <sstream>

#include "tests/integration/replay_common.h"
#include "tests/support/pg_cluster.h"

using namespace understudy::testing;
using namespace understudy::testing::replay;

namespace {

// The WAL range the workload wrote, copied out of the stopped primary.
struct IndexWal {
    std::string redo;                  // redo LSN of the checkpoint before the workload
    std::string end;                   // insert LSN after it
    std::string spg_text, spg_point;   // "1663/db/filenode" of the two SP-GiST indexes
};

// "Gist/PAGE_UPDATE" -> count, from `waldump --stats=record` output.
std::map<std::string, std::uint64_t> record_counts(const std::string& stats) {
    std::map<std::string, std::uint64_t> out;
    std::istringstream in(stats);
    for (std::string line; std::getline(in, line);) {
        std::istringstream words(line);
        std::string name;
        std::uint64_t n = 0;
        if (!(words >> name >> n)) continue;
        if (name.find('/') == std::string::npos) continue;
        out[name] = n;
    }
    return out;
}

// `understudy waldump --stats=record` over [start, end), restricted to `relation` (T/D/R) if given.
std::map<std::string, std::uint64_t> waldump_record_stats(const std::string& wal, const std::string& start,
                                                          const std::string& end, const std::string& out,
                                                          const std::string& relation = "") {
    std::vector<std::string> argv = {understudy_bin(), "waldump", "--stats=record", "-p", wal, "-s", start,
                                     "-e", end};
    if (!relation.empty()) {
        argv.push_back("-R");
        argv.push_back(relation);
    }
    auto r = waldump::run_tool(argv, out);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return record_counts(waldump::read_file(r.out_path));
}

std::string relation_of(const PgCluster& pg, const std::string& index) {
    return "1663/" + pg.sql("select oid from pg_database where datname = current_database()") + "/" +
           pg.sql("select pg_relation_filenode('" + index + "')");
}

// Runs the two workloads once on a consistency-checking primary and copies its WAL to dirs.wal.
IndexWal make_index_wal(const VerifyDirs& dirs) {
    PgCluster pg(waldump::workload_options("pglz", true));
    IndexWal w;
    w.redo = checkpoint_redo_lsn(pg);
    waldump::run_workload(pg, "index_rmgrs.sql", false);
    waldump::run_workload(pg, "bloom_generic.sql", false);
    w.end = pg.sql("select pg_current_wal_insert_lsn()");
    w.spg_text = relation_of(pg, "ix_spg_t");
    w.spg_point = relation_of(pg, "ix_spg_p");
    switch_and_copy_wal(pg, dirs.wal);
    pg.stop();
    return w;
}

// PostgreSQL's pg_waldump --stats=record: every Hash and Gin record type, and Generic records.
void check_pg_waldump_hash_gin_generic(const VerifyDirs& dirs, const IndexWal& w) {
    auto stats = waldump::run_tool({pg_tool("pg_waldump"), "--stats=record", "-p", dirs.wal, "-s", w.redo, "-e", w.end},
                                   dirs.work + "/pg-stats.out");
    REQUIRE_MESSAGE(stats.exit_code == 0, stats.err);
    const std::string stats_text = waldump::read_file(stats.out_path);
    for (const char* type :
         {"Hash/INIT_META_PAGE ", "Hash/INIT_BITMAP_PAGE ", "Hash/INSERT ", "Hash/ADD_OVFL_PAGE ",
          "Hash/SPLIT_ALLOCATE_PAGE ", "Hash/SPLIT_PAGE ", "Hash/SPLIT_COMPLETE ", "Hash/MOVE_PAGE_CONTENTS ",
          "Hash/SQUEEZE_PAGE ", "Hash/DELETE ", "Hash/SPLIT_CLEANUP ", "Hash/UPDATE_META_PAGE ",
          "Hash/VACUUM_ONE_PAGE ", "Gin/CREATE_PTREE ", "Gin/INSERT ", "Gin/SPLIT ", "Gin/VACUUM_PAGE ",
          "Gin/DELETE_PAGE ", "Gin/UPDATE_META_PAGE ", "Gin/INSERT_LISTPAGE ", "Gin/DELETE_LISTPAGE ",
          "Gin/VACUUM_DATA_LEAF_PAGE ", "Generic/"})
        CHECK_MESSAGE(stats_text.find(type) != std::string::npos, "pg_waldump: no record of type ", type, " in the WAL");
}

// `understudy waldump --stats=record`: every index record type, over the whole range and per
// SP-GiST index.
void check_understudy_waldump_index_types(const VerifyDirs& dirs, const IndexWal& w) {
    const auto all = waldump_record_stats(dirs.wal, w.redo, w.end, dirs.work + "/stats.out");
    std::string seen;
    for (const auto& [name, n] : all)
        if (name.rfind("Gist/", 0) == 0 || name.rfind("SPGist/", 0) == 0 || name.rfind("BRIN/", 0) == 0 ||
            name.rfind("Hash/", 0) == 0 || name.rfind("Gin/", 0) == 0 || name.rfind("Generic/", 0) == 0)
            seen += name + " " + std::to_string(n) + "\n";
    MESSAGE("index record types in the WAL:\n", seen);
    for (const char* type :
         {"Gist/PAGE_UPDATE", "Gist/DELETE", "Gist/PAGE_REUSE", "Gist/PAGE_SPLIT", "Gist/PAGE_DELETE",
          "SPGist/ADD_LEAF", "SPGist/MOVE_LEAFS", "SPGist/ADD_NODE", "SPGist/SPLIT_TUPLE", "SPGist/PICKSPLIT",
          "SPGist/VACUUM_LEAF", "SPGist/VACUUM_ROOT", "SPGist/VACUUM_REDIRECT", "BRIN/CREATE_INDEX", "BRIN/INSERT",
          "BRIN/INSERT+INIT", "BRIN/UPDATE", "BRIN/SAMEPAGE_UPDATE", "BRIN/REVMAP_EXTEND", "BRIN/DESUMMARIZE",
          "Hash/INIT_META_PAGE", "Hash/INIT_BITMAP_PAGE", "Hash/INSERT", "Hash/ADD_OVFL_PAGE",
          "Hash/SPLIT_ALLOCATE_PAGE", "Hash/SPLIT_PAGE", "Hash/SPLIT_COMPLETE", "Hash/MOVE_PAGE_CONTENTS",
          "Hash/SQUEEZE_PAGE", "Hash/DELETE", "Hash/SPLIT_CLEANUP", "Hash/UPDATE_META_PAGE", "Hash/VACUUM_ONE_PAGE",
          "Gin/CREATE_PTREE", "Gin/INSERT", "Gin/SPLIT", "Gin/VACUUM_PAGE", "Gin/VACUUM_DATA_LEAF_PAGE",
          "Gin/DELETE_PAGE", "Gin/UPDATE_META_PAGE", "Gin/INSERT_LISTPAGE", "Gin/DELETE_LISTPAGE",
          "Generic/Generic"}) {
        auto it = all.find(type);
        CHECK_MESSAGE((it != all.end() && it->second > 0), "no record of type ", type, " in the WAL");
    }
    // SP-GiST: both opclasses (text: radix tree with prefixes and nodes; point: quad tree) get
    // leaf inserts, splits and vacuum records of their own.
    for (const auto& [opclass, rel] : {std::pair{"text", w.spg_text}, std::pair{"point", w.spg_point}}) {
        const auto per_rel =
            waldump_record_stats(dirs.wal, w.redo, w.end, dirs.work + "/stats-" + opclass + ".out", rel);
        for (const char* type : {"SPGist/ADD_LEAF", "SPGist/PICKSPLIT", "SPGist/VACUUM_LEAF"}) {
            auto it = per_rel.find(type);
            CHECK_MESSAGE((it != per_rel.end() && it->second > 0), "no ", type, " record on the SP-GiST ", opclass,
                          " index ", rel);
        }
    }
    const auto text = waldump_record_stats(dirs.wal, w.redo, w.end, dirs.work + "/stats-text2.out", w.spg_text);
    for (const char* type : {"SPGist/ADD_NODE", "SPGist/SPLIT_TUPLE"})
        CHECK_MESSAGE(text.count(type) == 1, "no ", type, " record on the SP-GiST text index");
}

// The replay report: no error, the whole range replayed, every rmgr with zero unsupported
// records and zero mismatches, every index rmgr's images compared, and the Gist difference that
// PostgreSQL's own standby has too reported apart with its reason.
void check_replay_report(const VerifyDirs& dirs, const IndexWal& w) {
    auto run = run_replay_verify(dirs, w.redo);
    INFO("stderr: ", run.err);
    INFO("summary: ", waldump::read_file(run.out_path));
    auto j = read_json(dirs.report);
    REQUIRE(j.contains("rmgrs"));
    CHECK(j["error"] == "");
    CHECK(run.exit_code == 0);
    CHECK(lsn_value(j["end_lsn"]) >= lsn_value(w.end));

    for (const auto& [name, c] : j["rmgrs"].items()) {
        INFO("rmgr ", name);
        MESSAGE(name, ": records ", c["records"], " applied ", c["applied"], " skipped_done ", c["skipped_done"],
                " unsupported ", c["unsupported"], " checked ", c["images_checked"], " mismatched ",
                c["images_mismatched"], " known upstream differences ", c["known_upstream_differences"]);
        CHECK(c["unsupported"] == 0);
        CHECK(c["images_mismatched"] == 0);
        REQUIRE(c.contains("known_upstream_differences"));
        if (name != "Gist") CHECK(c["known_upstream_differences"] == 0);
    }
    for (const char* name : {"Gist", "SPGist", "BRIN", "Hash", "Gin", "Generic"}) {
        INFO("rmgr ", name);
        REQUIRE(j["rmgrs"].contains(name));
        CHECK(j["rmgrs"][name]["records"].get<std::uint64_t>() > 0);
        CHECK(j["rmgrs"][name]["images_checked"].get<std::uint64_t>() > 0);
    }
    // The Gist DELETE records of the workload (tuples killed by index scans, pruned on insert)
    // give the known difference; it is reported with its reason and not counted as a mismatch.
    const auto& gist = j["rmgrs"]["Gist"];
    CHECK(gist["known_upstream_differences"].get<std::uint64_t>() > 0);
    REQUIRE(gist.contains("known_upstream_difference_reason"));
    CHECK(gist["known_upstream_difference_reason"].get<std::string>().find("F_TUPLES_DELETED") != std::string::npos);
    CHECK(j["known_upstream_differences_total"] == gist["known_upstream_differences"]);
    CHECK(j["mismatches_total"] == 0);
    for (const auto& m : j["mismatches"]) MESSAGE("mismatch: ", m.dump());
    CHECK(j["mismatches"].empty());
}

}  // namespace

TEST_CASE("replay --verify of the index workloads (Hash, Gin, Gist, SPGist, BRIN, Generic): every rmgr zero "
          "mismatches, zero unsupported") {
    TempDir work("replay-index");
    const VerifyDirs dirs(work.path());
    const IndexWal w = make_index_wal(dirs);
    check_pg_waldump_hash_gin_generic(dirs, w);
    check_understudy_waldump_index_types(dirs, w);
    check_replay_report(dirs, w);
}
