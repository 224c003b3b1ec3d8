// Shared by the per-version replay tests (replay_pg14, replay_pg16, replay_pg17, replay_pg18): see
// replay_versions.h.
#include "tests/integration/replay_versions.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "tests/integration/replay_common.h"
#include "tests/integration/waldump_versions.h"
#include "tests/support/pg_cluster.h"

namespace understudy::testing::replay {

void check_replay_verify_of_version(int major) {
    // 14's wal_compression is a boolean ("on" is pglz); 15 and later name the method.
    auto opts = waldump::workload_options(major == 14 ? "on" : "pglz", true);
    opts.bindir = pg_version_bindir(major);
    PgCluster pg(opts);
    REQUIRE(pg.sql("show server_version_num").substr(0, 2) == std::to_string(major));
    // initdb's default: data checksums off up to 17, on from 18 (the workload's wal_log_hints =
    // on makes the WAL log hint bits either way; with checksums the pages' pd_checksum is
    // masked by --verify).
    const std::string checksums = pg.sql("show data_checksums");
    MESSAGE("data_checksums: ", checksums);
    CHECK(checksums == (major >= 18 ? "on" : "off"));
    const std::string redo = checkpoint_redo_lsn(pg);
    waldump::run_workload(pg, "all_rmgrs.sql", false);
    waldump::run_workload(pg, "coverage_extras.sql", true);
    const std::string end = pg.sql("select pg_current_wal_insert_lsn()");

    TempDir work("replay-pg" + std::to_string(major));
    const VerifyDirs dirs(work.path());
    switch_and_copy_wal(pg, dirs.wal);

    auto run = run_replay_verify(dirs, redo);
    INFO("stderr: ", run.err);
    INFO("summary: ", waldump::read_file(run.out_path));
    auto j = read_json(dirs.report);
    CHECK(j["error"] == "");
    CHECK(j["start_lsn"] == redo);
    CHECK(lsn_value(j["end_lsn"]) >= lsn_value(end));

    std::uint64_t sum_records = 0, checked = 0;
    for (auto& [name, c] : j["rmgrs"].items()) {
        INFO("rmgr ", name);
        sum_records += c["records"].get<std::uint64_t>();
        checked += c["images_checked"].get<std::uint64_t>();
        CHECK(c["applied"].get<std::uint64_t>() + c["skipped_done"].get<std::uint64_t>() +
                  c["unsupported"].get<std::uint64_t>() ==
              c["records"].get<std::uint64_t>());
        CHECK(c["images_mismatched"] == 0);
        CHECK(c["unsupported"] == 0);
        MESSAGE(name, ": records ", c["records"], " applied ", c["applied"], " unsupported ", c["unsupported"],
                " checked ", c["images_checked"], " mismatched ", c["images_mismatched"]);
    }
    CHECK(sum_records == j["records"].get<std::uint64_t>());
    CHECK(j["mismatches"].empty());
    CHECK(j["mismatches_total"] == 0);
    CHECK(checked > 1000);
    MESSAGE("records ", j["records"], ", images checked ", checked);
    REQUIRE(run.exit_code == 0);

    // Every record type of the version the workload can write is in the replayed range.
    auto stats = waldump::run_tool(
        {understudy_bin(), "waldump", "-p", dirs.wal, "-s", redo, "-e", end, "--stats=record"},
        work.path() + "/stats.out", std::chrono::seconds(300));
    REQUIRE(stats.exit_code == 0);
    const auto seen = waldump::record_types_in_stats(waldump::read_file(stats.out_path));
    const auto unreachable = waldump::unreachable_record_types(major);
    std::set<std::string> missing;
    for (const auto& t : waldump::version_record_types(major))
        if (!seen.contains(t) && !unreachable.contains(t)) missing.insert(t);
    std::string missing_text;
    for (const auto& t : missing) missing_text += t + " ";
    MESSAGE("record types in the replayed WAL: ", seen.size(), "; missing: ", missing_text);
    CHECK(missing.empty());

    // The replay state records the version the directory replays.
    auto state = read_json(dirs.data + "/understudy_replay_state.json");
    CHECK(state["pg_major_version"] == major);

    // A directory of another version (PG_VERSION) given this WAL: refused before any record is
    // applied.
    const int other_major = major == 15 ? 16 : 15;
    const std::string other = work.path() + "/other-version-dir";
    std::filesystem::create_directories(other);
    std::ofstream(other + "/PG_VERSION") << other_major << "\n";
    auto refused = run_replay({"--wal-dir", dirs.wal, "--data-dir", other, "--start", redo}, work.path());
    INFO("refused stderr: ", refused.err);
    CHECK(refused.exit_code != 0);
    CHECK(refused.err.find("is a PostgreSQL " + std::to_string(other_major) +
                           " directory (PG_VERSION), but the WAL at " + redo + " is PostgreSQL " +
                           std::to_string(major) + " WAL") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(other + "/base"));
}

}  // namespace understudy::testing::replay
