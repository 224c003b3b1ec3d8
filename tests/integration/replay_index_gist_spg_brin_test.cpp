// `understudy replay --verify` of the index workloads from a sparse start: a PostgreSQL 15
// primary with wal_consistency_checking = all runs tests/workloads/index_rmgrs.sql (hash, GIN,
// GiST, SP-GiST, BRIN) and bloom_generic.sql (generic WAL) after a checkpoint; its WAL is
// replayed into an empty directory from that checkpoint's redo LSN.
//
// First `understudy waldump --stats=record` proves the workload wrote what issue 5 asks for:
// every Hash, Gin, Gist, SPGist, BRIN and Generic record type PostgreSQL 15 writes with
// wal_level >= replica (Gist ASSIGN_LSN needs wal_level = minimal: gistGetFakeLSN for an index
// that skips WAL), so hash bucket splits and squeezes, GIN pending lists and posting trees,
// GiST page splits, BRIN summarisation (INSERT) and desummarisation (DESUMMARIZE) and bloom
// (generic) records; and SP-GiST leaf, split and vacuum records on both the text (radix tree)
// and the point (quad tree) index, ADD_NODE / SPLIT_TUPLE on the text one (the quad tree's
// inner tuples always have their 4 nodes and no prefix: it never asks for either).
//
// Then, for every rmgr in the replay: zero unsupported records and zero mismatches after
// masking. The one difference PostgreSQL 15's own standby has too (F_TUPLES_DELETED set by the
// redo of a Gist DELETE and kept on that page by its later records, redo/apply/gist.cpp) is
// reported apart as known_upstream_differences with its reason, and the test checks that it is.
#include <doctest/doctest.h>

#include <map>
#include <sstream>

#include "tests/integration/replay_common.h"
#include "tests/support/pg_cluster.h"

using namespace understudy::testing;
using namespace understudy::testing::replay;

namespace {

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

}  // namespace

TEST_CASE("replay --verify of the index workloads: every rmgr zero mismatches, zero unsupported") {
    auto opts = waldump::workload_options("pglz", true);
    PgCluster pg(opts);
    const std::string redo = checkpoint_redo_lsn(pg);
    waldump::run_workload(pg, "index_rmgrs.sql", false);
    waldump::run_workload(pg, "bloom_generic.sql", false);
    const std::string end = pg.sql("select pg_current_wal_insert_lsn()");
    const std::string spg_text = relation_of(pg, "ix_spg_t"), spg_point = relation_of(pg, "ix_spg_p");

    TempDir work("replay-idx-b");
    const VerifyDirs dirs(work.path());
    switch_and_copy_wal(pg, dirs.wal);
    pg.stop();

    const auto all = waldump_record_stats(dirs.wal, redo, end, work.path() + "/stats.out");
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
    for (const auto& [opclass, rel] : {std::pair{"text", spg_text}, std::pair{"point", spg_point}}) {
        const auto per_rel =
            waldump_record_stats(dirs.wal, redo, end, work.path() + "/stats-" + opclass + ".out", rel);
        for (const char* type : {"SPGist/ADD_LEAF", "SPGist/PICKSPLIT", "SPGist/VACUUM_LEAF"}) {
            auto it = per_rel.find(type);
            CHECK_MESSAGE((it != per_rel.end() && it->second > 0), "no ", type, " record on the SP-GiST ", opclass,
                          " index ", rel);
        }
    }
    {
        const auto text = waldump_record_stats(dirs.wal, redo, end, work.path() + "/stats-text2.out", spg_text);
        for (const char* type : {"SPGist/ADD_NODE", "SPGist/SPLIT_TUPLE"})
            CHECK_MESSAGE(text.count(type) == 1, "no ", type, " record on the SP-GiST text index");
    }

    auto run = run_replay_verify(dirs, redo);
    INFO("stderr: ", run.err);
    INFO("summary: ", waldump::read_file(run.out_path));
    auto j = read_json(dirs.report);
    REQUIRE(j.contains("rmgrs"));
    CHECK(j["error"] == "");
    CHECK(run.exit_code == 0);
    CHECK(lsn_value(j["end_lsn"]) >= lsn_value(end));

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
