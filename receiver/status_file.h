// The --status-file: a JSON snapshot of the receiver, rewritten atomically (temp file + rename)
// at each status update sent to the primary. Not fsynced: it is a view for people and scripts,
// and fsyncing it twice per drain would double the receiver's fsyncs; the WAL itself is what is
// durable.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/lsn.h"
#include "common/result.h"

namespace understudy::receiver {

struct ReceiverStatus {
    std::uint64_t system_identifier = 0;
    TimeLineID timeline = 0;
    XLogRecPtr received_lsn = 0;
    XLogRecPtr flushed_lsn = 0;
    XLogRecPtr applied_lsn = 0;
    XLogRecPtr primary_wal_end_lsn = 0;
    std::uint32_t wal_segment_size = 0;
    std::string slot;
    std::string state;  // "connecting", "streaming", "waiting to reconnect", "stopped"
    std::uint64_t reconnects = 0;
    std::chrono::system_clock::time_point updated_at;
};

// "2026-11-21T21:13:05.123456Z"
std::string iso8601_utc(std::chrono::system_clock::time_point t);

std::string status_to_json(const ReceiverStatus& s);

// Writes path.tmp then renames it over path (readers never see a half-written file).
Result<void> write_status_file(const std::string& path, const ReceiverStatus& s);

}  // namespace understudy::receiver
