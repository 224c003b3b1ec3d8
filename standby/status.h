// The standby's status: DIR/status.json (rewritten atomically each status interval), the
// Prometheus text of GET /metrics, and the DIR/lag.jsonl history line. The formats are
// documented in docs/architecture.md ("The standby: files"); other tools (`understudy lag`)
// read them, so fields are only ever added.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/lsn.h"
#include "standby/directory_mode.h"

namespace understudy::standby {

// Replay counters of one rmgr (from the replayer's report).
struct RmgrReplayCounters {
    std::string rmgr;             // name as pg_waldump prints it ("Heap", "Btree", ...)
    std::uint64_t records = 0;    // records replayed
    std::uint64_t applied = 0;    // ... whose redo routine ran
    std::uint64_t verified = 0;   // wal_consistency_checking images compared (--verify)
    std::uint64_t mismatched = 0; // ... that differed
};

struct StandbyStatus {
    std::uint64_t system_identifier = 0;
    TimeLineID timeline = 0;           // of the applied position (the replayed timeline)
    TimeLineID received_timeline = 0;  // being received (ahead of `timeline` across a switch)
    XLogRecPtr primary_wal_end_lsn = 0;
    XLogRecPtr received_lsn = 0;
    XLogRecPtr flushed_lsn = 0;
    XLogRecPtr applied_lsn = 0;
    std::array<double, 3> lag_seconds{};  // write, flush, apply
    std::int64_t last_applied_commit_time = 0;  // PostgreSQL TimestampTz; 0: none yet
    bool replay_paused = false;
    bool verify = false;
    std::optional<double> clock_skew_seconds;  // our clock - the primary's (standby/clock_skew.h); unknown: none
    std::uint64_t clock_round_trips = 0;       // round trips measured for it
    std::uint32_t feedback_xmin = 0;  // hot standby feedback xmin sent (0: none / off)
    // "starting", "connecting", "streaming", "waiting" (streaming, but nothing heard from the
    // primary for longer than expected), "reconnecting", "stopped".
    std::string state;
    std::int64_t last_msg_receipt_time = 0;          // PostgreSQL timestamp; 0: no message yet
    std::optional<double> seconds_since_last_message;  // none before the first message
    std::string slot;                                // the physical slot on the primary
    XLogRecPtr slot_restart_lsn = InvalidXLogRecPtr;  // as of the last flush the primary confirmed
    std::uint64_t slot_retained_bytes = 0;            // primary's WAL end - slot_restart_lsn
    std::map<std::string, std::uint64_t> reconnects;  // by reason
    std::vector<RmgrReplayCounters> rmgrs;            // this run's: rmgrs with records, in rmgr id order
    std::vector<RmgrReplayCounters> rmgr_totals;      // every run's on this directory (replay state)
    std::string replay_json;    // redo::report_to_json of the last progress snapshot ("" = none yet)
    // DIR/data as `understudy lag --dir` shows it (sparse or full, last restartpoint, whether a
    // server can start on it once the standby stops); none until the replay state exists.
    std::optional<DirectoryMode> directory;
    std::chrono::system_clock::time_point updated_at;

    std::uint64_t receive_lag_bytes() const;
    std::uint64_t flush_lag_bytes() const;
    std::uint64_t apply_lag_bytes() const;
};

// ISO 8601 UTC text of a PostgreSQL timestamp (microseconds since 2000-01-01 UTC).
std::string pg_timestamp_text(std::int64_t ts);

std::string status_to_json(const StandbyStatus& s);
// Prometheus text exposition format 0.0.4.
std::string status_to_metrics(const StandbyStatus& s);
// One line of DIR/lag.jsonl: {"t": unix seconds, byte and second lags, positions}.
std::string status_to_lag_line(const StandbyStatus& s);

}  // namespace understudy::standby
