// Write/flush/apply time lag measured the way the primary measures the write_lag, flush_lag and
// replay_lag columns of pg_stat_replication (PG15 src/backend/replication/walsender.c,
// LagTrackerWrite / LagTrackerRead / ProcessStandbyReplyMessage):
//   - a sample (walEnd, sendTime) is recorded for every 'w' message whose walEnd (the primary's
//     flushed WAL end when it sent the message) advanced;
//   - when a position reaches or passes samples, its lag is now minus the newest passed
//     sample's time (the time since the primary had that WAL);
//   - a position stuck between two samples gets a time interpolated between them, so a stalled
//     replayer shows a growing lag; with only a future sample (a new burst after being caught
//     up) that sample's time is used;
//   - otherwise the previous value stays: on an idle primary nothing changes;
//   - once the apply position has equalled the primary's WAL end for `clear_after` (walsender:
//     two consecutive fully-applied replies), all three are cleared to zero.
// Times are PostgreSQL timestamps (microseconds since 2000-01-01); the primary's send times and
// our clock are compared directly, so clock skew between the hosts shows up in the lag (as it
// does not in pg_stat_replication, which uses only the primary's clock).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <mutex>

#include "common/lsn.h"

namespace understudy::standby {

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
        XLogRecPtr lsn = InvalidXLogRecPtr;
        std::int64_t time = 0;
    };
    static constexpr std::size_t kMaxSamples = 8192;  // LAG_TRACKER_BUFFER_SIZE

    // LagTrackerRead for one position: the new lag in microseconds, or -1 for "no new data".
    std::int64_t read(std::size_t head, XLogRecPtr lsn, std::int64_t now);

    std::mutex mu_;
    std::deque<Sample> samples_;
    std::uint64_t base_ = 0;                // sequence number of samples_.front()
    std::array<std::uint64_t, 3> next_{};   // per position: first sample not yet passed
    std::array<Sample, 3> last_read_{};     // per position: newest sample passed (time 0: none)
    std::array<double, 3> lag_{};
    std::int64_t caught_up_since_ = 0;
    XLogRecPtr wal_end_ = InvalidXLogRecPtr;
    XLogRecPtr last_sample_lsn_ = InvalidXLogRecPtr;
    std::int64_t clear_after_us_;
};

}  // namespace understudy::standby
