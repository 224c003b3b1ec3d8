// Write/flush/apply time lag measured the way the primary's LagTracker does (PG15
// src/backend/replication/walsender.c LagTrackerWrite / LagTrackerRead): a sample (end LSN,
// send time) per 'w' message; when a position reaches a sample's LSN, that position's lag is
// the time since the primary sent that WAL. The value changes only when WAL is acknowledged, so
// it never grows on an idle primary, and is cleared to zero once the position has equalled the
// primary's WAL end for `clear_after` (walsender clears after two fully-applied replies).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>

#include "common/lsn.h"

namespace understudy::standby {

enum class LagKind : std::size_t { write = 0, flush = 1, apply = 2 };

struct LagSnapshot {
    std::array<double, 3> seconds{};  // write, flush, apply
    XLogRecPtr primary_wal_end = InvalidXLogRecPtr;
};

class LagTracker {
public:
    explicit LagTracker(std::int64_t clear_after_us = 1000000) : clear_after_us_(clear_after_us) {}
    // From the receiver's thread: a 'w' (data_end > 0) or 'k' (data_end == 0) message.
    void on_primary_message(XLogRecPtr data_end, XLogRecPtr wal_end, std::int64_t send_time);
    // The three positions now (`now` in PostgreSQL timestamp microseconds); returns the lags.
    LagSnapshot update(XLogRecPtr write, XLogRecPtr flush, XLogRecPtr apply, std::int64_t now);

private:
    struct Sample {
        XLogRecPtr lsn;
        std::int64_t time;
    };
    static constexpr std::size_t kMaxSamples = 8192;  // LAG_TRACKER_BUFFER_SIZE

    std::mutex mu_;
    std::deque<Sample> samples_;
    std::uint64_t base_ = 0;                 // sequence number of samples_.front()
    std::array<std::uint64_t, 3> next_{};    // per kind: first sample not yet reached
    std::array<double, 3> lag_{};
    std::array<std::int64_t, 3> caught_up_since_{};
    XLogRecPtr wal_end_ = InvalidXLogRecPtr;
    std::int64_t clear_after_us_;
};

}  // namespace understudy::standby
