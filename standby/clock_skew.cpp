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
    if (rt_low_ && received - sent >= *rt_high_ - *rt_low_) return;  // keep the tightest
    rt_low_ = sent - primary_time;
    rt_high_ = received - primary_time;
}

std::optional<ClockSkewEstimate> ClockSkewEstimator::estimate_locked() const {
    std::optional<std::int64_t> bound;  // skew <= bound
    if (min_current_) bound = min_current_;
    if (min_previous_) bound = bound ? std::min(*bound, *min_previous_) : *min_previous_;
    if (rt_low_) {
        const double mid = (static_cast<double>(*rt_low_) + static_cast<double>(*rt_high_)) / 2;
        const double half = static_cast<double>(*rt_high_ - *rt_low_) / 2;
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
