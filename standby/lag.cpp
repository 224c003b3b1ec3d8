#include "standby/lag.h"

#include <algorithm>

namespace understudy::standby {

// LagTrackerWrite (PG15 walsender.c): one sample per message that advanced the LSN; when the
// buffer is full the oldest sample is dropped (walsender overwrites the newest instead; both
// bound memory, ours keeps the newest times).
void LagTracker::on_primary_message(XLogRecPtr data_end, XLogRecPtr wal_end, std::int64_t send_time) {
    std::lock_guard lock(mu_);
    wal_end_ = std::max(wal_end_, wal_end);
    if (data_end == 0) return;
    if (!samples_.empty() && samples_.back().lsn >= data_end) return;
    samples_.push_back(Sample{data_end, send_time});
    if (samples_.size() > kMaxSamples) {
        samples_.pop_front();
        ++base_;
        for (auto& n : next_) n = std::max(n, base_);
    }
}

// LagTrackerRead for each position, then drops samples every position has passed.
LagSnapshot LagTracker::update(XLogRecPtr write, XLogRecPtr flush, XLogRecPtr apply, std::int64_t now) {
    std::lock_guard lock(mu_);
    const std::array<XLogRecPtr, 3> pos{write, flush, apply};
    for (std::size_t k = 0; k < 3; ++k) {
        std::uint64_t i = std::max(next_[k], base_);
        const Sample* reached = nullptr;
        while (i < base_ + samples_.size() && samples_[i - base_].lsn <= pos[k]) {
            reached = &samples_[i - base_];
            ++i;
        }
        next_[k] = i;
        if (reached) lag_[k] = static_cast<double>(now - reached->time) / 1e6;
        const bool caught_up = wal_end_ != InvalidXLogRecPtr && pos[k] >= wal_end_ && i == base_ + samples_.size();
        if (!caught_up) {
            caught_up_since_[k] = 0;
        } else if (caught_up_since_[k] == 0) {
            caught_up_since_[k] = now;
        } else if (now - caught_up_since_[k] >= clear_after_us_) {
            lag_[k] = 0;
        }
    }
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
