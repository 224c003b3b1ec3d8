#include "standby/clock_skew.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace understudy::standby {

void ClockSkewEstimator::on_message(std::int64_t send_time, std::int64_t receipt_time) {
    std::lock_guard lock(mu_);
    if (!min_current_ || receipt_time - window_start_ >= kWindowUs) {
        if (min_current_) min_previous_ = min_current_;
        min_current_.reset();
        window_start_ = receipt_time;
    }
    const std::int64_t offset = receipt_time - send_time;
    min_current_ = min_current_ ? std::min(*min_current_, offset) : offset;
}

void ClockSkewEstimator::on_round_trip(std::int64_t sent, std::int64_t primary_time, std::int64_t received) {
    if (received < sent) return;  // our clock stepped back during the query: no information
    std::lock_guard lock(mu_);
    ++round_trips_;
    if (!rt_current_ || received - rt_window_start_ >= kRoundTripWindowUs) {
        if (rt_current_) rt_previous_ = rt_current_;
        rt_current_.reset();
        rt_window_start_ = received;
    }
    const RoundTrip rt{sent - primary_time, received - primary_time};
    // Every round trip's interval holds the skew while neither clock is stepped. One disjoint
    // from the tightest kept means a clock was stepped since: the evidence from before the step
    // (round trips and one-way minima) no longer holds, and without forgetting it a step forward
    // would go unreported for up to two windows (the old round trip and one-way bound win).
    std::optional<RoundTrip> best = rt_current_;
    if (rt_previous_ && (!best || rt_previous_->high - rt_previous_->low < best->high - best->low)) best = rt_previous_;
    if (best && (rt.low > best->high || rt.high < best->low)) {
        rt_current_.reset();
        rt_previous_.reset();
        rt_window_start_ = received;
        min_current_.reset();
        min_previous_.reset();
    }
    if (!rt_current_ || rt.high - rt.low < rt_current_->high - rt_current_->low) rt_current_ = rt;
}

std::uint64_t ClockSkewEstimator::round_trips() const {
    std::lock_guard lock(mu_);
    return round_trips_;
}

std::optional<ClockSkewEstimate> ClockSkewEstimator::estimate_locked() const {
    std::optional<std::int64_t> bound;  // skew <= bound
    if (min_current_) bound = min_current_;
    if (min_previous_) bound = bound ? std::min(*bound, *min_previous_) : *min_previous_;
    std::optional<RoundTrip> rt = rt_current_;
    if (rt_previous_ && (!rt || rt_previous_->high - rt_previous_->low < rt->high - rt->low)) rt = rt_previous_;
    if (rt) {
        const double mid = (static_cast<double>(rt->low) + static_cast<double>(rt->high)) / 2;
        const double half = static_cast<double>(rt->high - rt->low) / 2;
        if (bound && static_cast<double>(*bound) < mid - half)  // moved since the round trip
            return ClockSkewEstimate{static_cast<double>(*bound) / 1e6, 0, "one-way bound"};
        const double capped = bound ? std::min(mid, static_cast<double>(*bound)) : mid;
        return ClockSkewEstimate{capped / 1e6, half / 1e6, "round trip"};
    }
    if (bound && *bound < 0) return ClockSkewEstimate{static_cast<double>(*bound) / 1e6, 0, "one-way bound"};
    return std::nullopt;
}

std::optional<ClockSkewEstimate> ClockSkewEstimator::estimate() const {
    std::lock_guard lock(mu_);
    return estimate_locked();
}

std::optional<std::string> ClockSkewEstimator::take_warning() {
    std::lock_guard lock(mu_);
    if (warned_) return std::nullopt;
    const auto e = estimate_locked();
    if (!e || std::fabs(e->seconds) * 1e6 <= static_cast<double>(kWarnUs)) return std::nullopt;
    warned_ = true;
    return fmt::format("clock skew: this host's clock is {} the primary's ({}{}); the write/flush/apply lag seconds "
                       "here may be off by that much (pg_stat_replication's lag columns on the primary are not: "
                       "they use only the primary's clock); synchronize the clocks (NTP)",
                       skew_text(e->seconds), e->source,
                       e->uncertainty > 0 ? fmt::format(", +- {:.3f} s", e->uncertainty) : std::string());
}

std::string skew_text(double seconds) {
    return fmt::format("{:.3f} s {}", std::fabs(seconds), seconds >= 0 ? "ahead of" : "behind");
}

}  // namespace understudy::standby
