// The standby's status: DIR/status.json (rewritten atomically each status interval), the
// Prometheus text of GET /metrics, and the DIR/lag.jsonl history line.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <string>

#include "common/lsn.h"

namespace understudy::standby {

struct StandbyStatus {
    std::uint64_t system_identifier = 0;
    TimeLineID timeline = 0;
    XLogRecPtr primary_wal_end_lsn = 0;
    XLogRecPtr received_lsn = 0;
    XLogRecPtr flushed_lsn = 0;
    XLogRecPtr applied_lsn = 0;
    std::array<double, 3> lag_seconds{};  // write, flush, apply
    bool replay_paused = false;
    std::string state;          // "streaming", "stopped", ...
    std::string replay_json;    // redo::report_to_json of the last progress snapshot ("" = none yet)
    std::chrono::system_clock::time_point updated_at;

    std::uint64_t receive_lag_bytes() const;
    std::uint64_t flush_lag_bytes() const;
    std::uint64_t apply_lag_bytes() const;
};

std::string status_to_json(const StandbyStatus& s);
// Prometheus text exposition format 0.0.4.
std::string status_to_metrics(const StandbyStatus& s);
// One line of DIR/lag.jsonl: {"t": unix seconds, byte and second lags}.
std::string status_to_lag_line(const StandbyStatus& s);

}  // namespace understudy::standby
