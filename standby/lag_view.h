// What `understudy lag` shows: the current lag read from DIR/status.json (positions, byte and
// time lags, last applied commit, the age of the file and whether the standby looks alive), and
// the summary of a run (lag percentiles from DIR/lag.jsonl, records applied and verified per
// rmgr from status.json's replay counters), as text for people and as JSON for scripts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/lsn.h"
#include "common/result.h"
#include "standby/lag_history.h"

namespace understudy::standby {

// One rmgr's replay counters (redo/replay_report.h RmgrCounters, as status.json carries them).
struct RmgrRow {
    std::string name;
    std::uint64_t records = 0, applied = 0, skipped_done = 0, unsupported = 0;
    std::uint64_t images_checked = 0, images_mismatched = 0;
};

struct CurrentLag {
    std::string path;  // the status.json read
    std::string system_identifier;
    std::uint32_t timeline = 0;
    std::string state;  // "streaming", "stopped", ...
    bool replay_paused = false;
    XLogRecPtr primary_wal_end_lsn = 0, received_lsn = 0, flushed_lsn = 0, applied_lsn = 0;
    std::uint64_t receive_bytes = 0, flush_bytes = 0, apply_bytes = 0;
    double write_seconds = 0, flush_seconds = 0, apply_seconds = 0;
    std::optional<double> clock_skew_seconds;  // our clock - the primary's, if the standby knew it
    std::optional<std::string> last_applied_commit_time;  // as in the file (ISO 8601), if reported
    std::optional<double> seconds_since_last_message;     // from the primary, if reported
    std::string slot;                                     // "" if not reported
    std::optional<std::uint64_t> slot_retained_bytes;     // WAL the slot holds back on the primary
    std::string updated_at;                              // as in the file
    double updated_at_unix = 0;
    bool verify = false;          // replay.verify
    std::uint64_t records = 0;    // replay.records
    std::vector<RmgrRow> rmgrs;   // replay.rmgrs, in file order
    std::uint64_t mismatches_total = 0;
    // status.json's rmgrs_total: records replayed over every run on the directory (nullopt: a
    // status file from before the field).
    std::optional<std::uint64_t> records_all_runs;
};

// Parses status.json text; `path` is only used in messages.
Result<CurrentLag> parse_status(const std::string& text, const std::string& path);
// Reads DIR/status.json. A missing file: "... is a standby running with --dir DIR?".
Result<CurrentLag> read_current_lag(const std::string& dir);

// "2026-11-21T21:13:05.123456Z" -> unix seconds; nullopt if not in that form.
std::optional<double> parse_iso8601_utc(const std::string& text);

// Alive: the file is fresh and the state is not "stopped". A standby killed with -9 leaves
// "streaming" behind, hence the age check (`stale_after` seconds).
enum class Liveness { running, stopped, stale };
Liveness liveness(const CurrentLag& lag, double now_unix, double stale_after);

std::string format_current_lag(const CurrentLag& lag, double now_unix, double stale_after);
std::string current_lag_json(const CurrentLag& lag, double now_unix, double stale_after);

// The run summary; `replay` may be null (no status.json).
std::string format_summary(const LagSummary& summary, const std::string& history_path, const CurrentLag* replay);
std::string summary_json(const LagSummary& summary, const std::string& history_path, const CurrentLag* replay);

// "123 bytes" below 10 kB, then "12.3 kB", "1.5 MB": pg_size_pretty's units and threshold, one decimal.
std::string pretty_bytes(std::uint64_t bytes);
// "0.004 s", "12.3 s", "3 min 4 s".
std::string pretty_seconds(double seconds);

}  // namespace understudy::standby
