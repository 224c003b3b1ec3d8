// Clock skew between the primary's host and ours. Our write/flush/apply lag (standby/lag.h) is
// our clock's now minus the primary's send time of the WAL acknowledged, so it is off by the
// skew; pg_stat_replication's write_lag/flush_lag/replay_lag are not (PG15 walsender.c
// LagTrackerWrite/LagTrackerRead record and read times on the primary's clock only), and
// PostgreSQL's walreceiver does not correct for it either: pg_stat_wal_receiver shows
// last_msg_send_time (primary clock) next to last_msg_receipt_time (standby clock), and
// ProcessWalSndrMessage's "transfer latency" (GetReplicationTransferLatency) is their difference,
// skew included.
//
// skew = our clock - the primary's (positive: ours is ahead and our lags read too high). Two
// kinds of evidence, as NTP uses them:
//   - one-way: a 'w'/'k' message sent at primary time S and received at our time R gives
//     R - S = delay + skew with delay >= 0, so skew <= min(R - S). A negative minimum (a send
//     time in our future) proves our clock is behind by at least that much. The minimum is
//     taken over the last two windows of kWindowUs, so a clock step is followed.
//   - round trip: the primary's clock P read between our times T1 and T3 (clock_timestamp() at
//     start; then the answer to each periodic reply, which asks for one: receiver/session.h), so
//     skew is in [T1 - P, T3 - P]: the midpoint, +- half the round trip. The round trip with the
//     smallest T3 - T1 over the last two windows of kRoundTripWindowUs is used, so a drifting
//     or stepped clock is followed. A round trip whose interval is disjoint from the tightest
//     kept one shows a step: everything from before it (round trips and one-way minima) is
//     dropped, so a step either way is reported from the next round trip on.
// The estimate is the round trip's midpoint, capped by the one-way bound when that is lower
// (the clock moved since); without a round trip, the one-way bound when it is negative; else
// unknown (a positive one-way minimum cannot tell skew from network delay).
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

namespace understudy::standby {

struct ClockSkewEstimate {
    double seconds = 0;      // our clock minus the primary's
    double uncertainty = 0;  // +- seconds (half the round trip); 0 for a one-way bound
    const char* source = "";  // "round trip" or "one-way bound"
};

class ClockSkewEstimator {
public:
    static constexpr std::int64_t kWarnUs = 100000;     // warn beyond 100 ms
    static constexpr std::int64_t kWindowUs = 30000000;  // one-way minimum window: 30 s
    static constexpr std::int64_t kRoundTripWindowUs = 300000000;  // round trip window: 5 min

    // Times in PostgreSQL TimestampTz microseconds. A 'w' or 'k' message: the primary's send
    // time and our clock when we read it.
    void on_message(std::int64_t send_time, std::int64_t receipt_time);
    // The primary's clock read between our `sent` and `received`.
    void on_round_trip(std::int64_t sent, std::int64_t primary_time, std::int64_t received);

    std::optional<ClockSkewEstimate> estimate() const;
    std::uint64_t round_trips() const;  // measured so far
    // The warning to log, once per run: when the estimate is beyond kWarnUs.
    std::optional<std::string> take_warning();

private:
    std::optional<ClockSkewEstimate> estimate_locked() const;

    mutable std::mutex mu_;
    // One-way minima of receipt - send: the current window and the one before.
    std::optional<std::int64_t> min_current_, min_previous_;
    std::int64_t window_start_ = 0;
    // Best (tightest) round trip of the current window and of the one before: its interval.
    struct RoundTrip {
        std::int64_t low = 0, high = 0;  // skew in [low, high]
    };
    std::optional<RoundTrip> rt_current_, rt_previous_;
    std::int64_t rt_window_start_ = 0;
    std::uint64_t round_trips_ = 0;
    bool warned_ = false;
};

// "0.250 s ahead of", "1.500 s behind": our clock against the primary's.
std::string skew_text(double seconds);

}  // namespace understudy::standby
