#include "standby/lag.h"

#include <algorithm>

namespace understudy::standby {

// LagTrackerWrite (PG15 walsender.c): a sample per advance of the primary's WAL end, taken from
// the 'w' messages (walsender records SendRqstPtr with the time just before sending it). When
// the buffer is full the newest sample is overwritten, as walsender does.
void LagTracker::on_primary_message(XLogRecPtr data_end, XLogRecPtr wal_end, std::int64_t send_time) {
    std::lock_guard lock(mu_);
    wal_end_ = std::max(wal_end_, wal_end);
    if (data_end == 0 || wal_end <= last_sample_lsn_) return;
    last_sample_lsn_ = wal_end;
    const std::uint64_t slowest = *std::min_element(next_.begin(), next_.end());
    if (samples_.size() >= kMaxSamples && base_ + samples_.size() - 1 >= slowest) {
        samples_.back() = Sample{wal_end, send_time};
        return;
    }
    samples_.push_back(Sample{wal_end, send_time});
}

// LagTrackerRead (PG15 walsender.c) for read head `head`.
std::int64_t LagTracker::read(std::size_t head, XLogRecPtr lsn, std::int64_t now) {
    std::int64_t time = 0;
    std::uint64_t& i = next_[head];
    i = std::max(i, base_);
    const std::uint64_t write_head = base_ + samples_.size();
    while (i < write_head && samples_[i - base_].lsn <= lsn) {
        time = samples_[i - base_].time;
        last_read_[head] = samples_[i - base_];
        ++i;
    }
    // Everything sent has been passed: forget last_read (no interpolation from a stale sample).
    if (i == write_head) last_read_[head].time = 0;
    if (time > now) return -1;
    if (time == 0) {
        if (i == write_head) return -1;  // no future sample
        const Sample& next = samples_[i - base_];
        if (last_read_[head].time != 0) {
            const Sample& prev = last_read_[head];
            if (lsn < prev.lsn || prev.time > next.time || next.lsn <= prev.lsn) return -1;
            const double fraction = static_cast<double>(lsn - prev.lsn) / static_cast<double>(next.lsn - prev.lsn);
            time = static_cast<std::int64_t>(static_cast<double>(prev.time) +
                                             static_cast<double>(next.time - prev.time) * fraction);
        } else {
            time = next.time;  // only a future sample: the lag if it were reached now
        }
    }
    return now - time;
}

// ProcessStandbyReplyMessage's lag part (PG15 walsender.c), evaluated at `now`.
LagSnapshot LagTracker::update(XLogRecPtr write, XLogRecPtr flush, XLogRecPtr apply, std::int64_t now) {
    std::lock_guard lock(mu_);
    const std::array<XLogRecPtr, 3> pos{write, flush, apply};
    for (std::size_t k = 0; k < 3; ++k) {
        const std::int64_t us = read(k, pos[k], now);
        if (us >= 0) lag_[k] = static_cast<double>(us) / 1e6;
    }
    // Fully applied for a while (walsender: two replies in a row): clear the lag times.
    if (wal_end_ != InvalidXLogRecPtr && apply >= wal_end_) {
        if (caught_up_since_ == 0) caught_up_since_ = now;
        if (now - caught_up_since_ >= clear_after_us_) lag_ = {};
    } else {
        caught_up_since_ = 0;
    }
    // Drop the samples every read head has passed.
    const std::uint64_t done = *std::min_element(next_.begin(), next_.end());
    while (base_ < done && !samples_.empty()) {
        samples_.pop_front();
        ++base_;
    }
    LagSnapshot out;
    out.seconds = lag_;
    out.primary_wal_end = wal_end_;
    return out;
}

}  // namespace understudy::standby
