#include "backup/progress.h"

#include <algorithm>

#include <fmt/format.h>

namespace understudy::backup {

namespace {

std::string bytes_text(double b) {
    const char* units[] = {"B", "kB", "MB", "GB", "TB"};
    int u = 0;
    while (b >= 1024 && u < 4) {
        b /= 1024;
        ++u;
    }
    return u == 0 ? fmt::format("{:.0f} B", b) : fmt::format("{:.1f} {}", b, units[u]);
}

}  // namespace

std::string backup_progress_text(std::uint64_t done, std::uint64_t total, double elapsed_seconds) {
    const double rate = elapsed_seconds > 0 ? static_cast<double>(done) / elapsed_seconds : 0;
    std::string s = bytes_text(static_cast<double>(done));
    if (total > 0) {
        const std::uint64_t shown_total = std::max(total, done);
        s += fmt::format(" of {} ({}%)", bytes_text(static_cast<double>(shown_total)), done * 100 / shown_total);
    }
    s += fmt::format(", {}/s", bytes_text(rate));
    if (total > done && rate > 0) {
        const auto left = static_cast<std::uint64_t>(static_cast<double>(total - done) / rate);
        s += fmt::format(", ETA {}:{:02}", left / 60, left % 60);
    }
    return s;
}

std::optional<std::string> BackupProgress::update(double now, std::uint64_t done, std::uint64_t total) {
    if (now - last_ < (terminal_ ? 0.5 : plain_every_)) return std::nullopt;
    last_ = now;
    const std::string text = "base backup: " + backup_progress_text(done, total, now);
    return terminal_ ? "\r" + text + "\033[K" : text;
}

}  // namespace understudy::backup
