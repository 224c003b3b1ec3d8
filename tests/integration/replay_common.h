// Shared by the replay integration tests: copy a primary's WAL, run `understudy replay`, read
// its JSON report, and compare data directories file by file or page by page.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/integration/waldump_common.h"
#include "tests/support/pg_cluster.h"

namespace understudy::testing::replay {

std::uint64_t lsn_value(const std::string& lsn);
std::string lsn_text(std::uint64_t lsn);

// CHECKPOINT, then the redo LSN of that checkpoint (pg_control_checkpoint()).
std::string checkpoint_redo_lsn(const PgCluster& pg);

// pg_switch_wal() and waits until the segment is complete; then copies every WAL segment (and
// history file) of pg_wal into `dest` (created).
void switch_and_copy_wal(const PgCluster& pg, const std::string& dest);

// `understudy replay` with `args`; stdout to `dir`/replay.out.
waldump::ToolRun run_replay(const std::vector<std::string>& args, const std::string& dir,
                            std::chrono::seconds timeout = std::chrono::seconds(600));

// The scratch layout of a `replay --verify` test under `work`: the primary's WAL copied to
// <work>/wal, replayed into <work>/data, the JSON report at <work>/report.json.
struct VerifyDirs {
    explicit VerifyDirs(const std::string& work_dir)
        : work(work_dir), wal(work_dir + "/wal"), data(work_dir + "/data"), report(work_dir + "/report.json") {}
    std::string work, wal, data, report;
};

// `understudy replay --verify --report` of dirs.wal from `start` into dirs.data; stdout to
// <work>/replay.out.
waldump::ToolRun run_replay_verify(const VerifyDirs& dirs, const std::string& start);

nlohmann::json read_json(const std::string& path);

// Relative path -> contents of every regular file under the relation directories of a data
// directory (global/, base/, pg_tblspc/ followed through links), the SLRUs (pg_xact,
// pg_multixact, pg_commit_ts) and the replay state.
std::map<std::string, std::string> data_files(const std::string& data_dir);

// Names of the files that differ (or exist on one side only) between two data_files() maps.
std::vector<std::string> differing_files(const std::map<std::string, std::string>& a,
                                         const std::map<std::string, std::string>& b);

}  // namespace understudy::testing::replay
