#include "standby/progress.h"

#include <cmath>

#include <fmt/format.h>

namespace understudy::standby {

std::string bytes_text(double bytes) {
    const char* units[] = {"bytes", "kB", "MB", "GB", "TB"};
    int u = 0;
    while (std::fabs(bytes) >= 1024 && u < 4) {
        bytes /= 1024;
        ++u;
    }
    return u == 0 ? fmt::format("{:.0f} {}", bytes, units[u]) : fmt::format("{:.1f} {}", bytes, units[u]);
}

namespace {

std::string duration_text(double s) {
    const auto total = static_cast<long>(s + 0.5);
    if (total >= 3600) return fmt::format("{}:{:02}:{:02}", total / 3600, total / 60 % 60, total % 60);
    return fmt::format("{}:{:02}", total / 60, total % 60);
}

}  // namespace

std::string CatchUpProgress::describe(std::uint64_t behind) const {
    std::string eta = close_rate_ > 0 ? duration_text(static_cast<double>(behind) / close_rate_) : "unknown";
    return fmt::format("catching up: {} behind, applying {}/s, ETA {}", bytes_text(static_cast<double>(behind)),
                       bytes_text(rate_), eta);
}

std::optional<std::string> CatchUpProgress::update(double now, std::uint64_t behind, std::uint64_t applied) {
    const char* redraw = "\r\x1b[K";
    if (!active_) {
        if (behind < kBacklogBytes) return std::nullopt;
        active_ = true;
        started_ = last_sample_t_ = now;
        last_shown_ = now - every();
        start_applied_ = last_sample_applied_ = applied;
        last_behind_ = behind;
        rate_ = close_rate_ = 0;
    }
    // Rates over at least a quarter second, smoothed (an exponential moving average).
    if (const double dt = now - last_sample_t_; dt >= 0.25) {
        const double r = static_cast<double>(applied - last_sample_applied_) / dt;
        const double c = (static_cast<double>(last_behind_) - static_cast<double>(behind)) / dt;
        const bool first = rate_ == 0 && close_rate_ == 0;
        rate_ = first ? r : 0.7 * rate_ + 0.3 * r;
        close_rate_ = first ? c : 0.7 * close_rate_ + 0.3 * c;
        last_sample_t_ = now;
        last_sample_applied_ = applied;
        last_behind_ = behind;
    }
    if (behind < kBacklogBytes / 4) {
        active_ = false;
        std::string done = fmt::format("caught up: applied {} in {:.1f} s", bytes_text(static_cast<double>(applied - start_applied_)),
                                       now - started_);
        return terminal_ ? std::string(redraw) + done + "\n" : done;
    }
    if (now - last_shown_ < every()) return std::nullopt;
    last_shown_ = now;
    return terminal_ ? std::string(redraw) + describe(behind) : describe(behind);
}

}  // namespace understudy::standby
