// Shared by the waldump integration tests: run `understudy waldump` and PostgreSQL's pg_waldump
// with the same arguments and compare what they print; run the all-rmgrs workload on a
// throwaway PostgreSQL 15 and record the LSN range it wrote.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/files.h"
#include "tests/support/pg_cluster.h"

namespace understudy::testing::waldump {

// The 22 resource managers of PostgreSQL 15, as pg_waldump --stats names them.
const std::vector<std::string>& all_rmgr_names();

// Source tree root (UNDERSTUDY_SOURCE_ROOT, set by meson).
std::string source_root();

// One program run with stdout and stderr kept apart (in files under `dir`).
struct ToolRun {
    int exit_code = -1;       // exit status, 128+signal, or -1 when killed at the timeout
    bool timed_out = false;
    std::string out_path;     // stdout is left in this file (it can be large)
    std::string err;          // stderr
};

// Runs argv with stdout to `out_path` and stderr captured; kills it after `timeout`.
ToolRun run_tool(const std::vector<std::string>& argv, const std::string& out_path,
                 std::chrono::seconds timeout = std::chrono::seconds(120));

// The bytes of a file (tests/support/files.h).
using understudy::testing::read_file;
// "pg_waldump: error: x" and "understudy waldump: error: x" both become "PROG: error: x".
std::string normalise_program_name(const std::string& err);

// pg_waldump and understudy waldump run over the same arguments, and their differences.
struct Comparison {
    std::vector<std::string> args;
    ToolRun pg;
    ToolRun us;
    std::size_t pg_lines = 0;
    std::size_t us_lines = 0;
    std::size_t differing_lines = 0;  // stdout lines (diff's < and >), stderr lines, exit status
    std::string first_differences;    // for failure messages
    bool identical() const { return differing_lines == 0; }
    std::string report() const;       // a summary and the first differences
};

// diff(1) between two files: the number of differing ('<'/'>') lines and the first `max_lines`
// of them, each '<' line followed by its '>' counterpart within a hunk.
std::pair<std::size_t, std::string> diff_files(const std::string& a, const std::string& b,
                                               std::size_t max_lines);

// Runs both tools with `args` (output files go to `work_dir`) and diffs them.
Comparison compare_waldump(const std::vector<std::string>& args, const std::string& work_dir,
                           std::size_t max_diff_lines = 40,
                           std::chrono::seconds timeout = std::chrono::seconds(120));

// Counts per rmgr from `pg_waldump --stats` output ("Heap  1234 (...) ...").
std::map<std::string, std::uint64_t> rmgr_counts(const std::string& stats_output);
// Names among all_rmgr_names() with a zero or missing count.
std::vector<std::string> missing_rmgrs(const std::map<std::string, std::uint64_t>& counts);

// Server settings for the workload: wal_level=logical, 2PC, commit timestamps, hints, WAL kept.
PgOptions workload_options(const std::string& wal_compression, bool consistency_checking,
                           std::vector<std::string> initdb_args = {});

struct WalRange {
    std::string start;  // insert LSN before the workload, "X/Y"
    std::string end;    // insert LSN after it
};

// Runs tests/workloads/<file> with psql (autocommit, ON_ERROR_STOP, tsdir in the cluster's
// base dir), then changes max_wal_senders and restarts the server (CHECKPOINT_SHUTDOWN,
// PARAMETER_CHANGE) and inserts a row into wdt_xact when `restart` is set; returns the range of
// WAL written. Throws with psql's output on failure.
WalRange run_workload(PgCluster& pg, const std::string& file = "all_rmgrs.sql", bool restart = true);

// The block reference lines of `pg_waldump -b` output that carry a full-page image compressed
// with `method` ("pglz", "lz4", "zstd"): proves the server setting took effect.
std::size_t count_compressed_images(const std::string& dump_path, const std::string& method);

}  // namespace understudy::testing::waldump
