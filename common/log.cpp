#include "common/log.h"

#include <atomic>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace understudy::log {

namespace {
std::atomic<Level> g_level{Level::Warning};  // set once by the CLI, read everywhere
std::atomic<Format> g_format{Format::plain};
std::mutex g_write_mutex;

// syslog(3) priorities: LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG.
int syslog_priority(Level l) {
    switch (l) {
        case Level::Error: return 3;
        case Level::Warning: return 4;
        case Level::Info: return 6;
        case Level::Debug: return 7;
    }
    return 6;
}
}  // namespace

void set_level(Level l) { g_level.store(l); }
Level level() { return g_level.load(std::memory_order_relaxed); }

void set_format(Format f) { g_format.store(f); }

std::string format_line(Format format, Level l, std::string_view text, std::chrono::system_clock::time_point now) {
    const char* prefix = "";
    switch (l) {
        case Level::Error: prefix = "error: "; break;
        case Level::Warning: prefix = "warning: "; break;
        case Level::Info: prefix = ""; break;
        case Level::Debug: prefix = "debug: "; break;
    }
    switch (format) {
        case Format::plain: return fmt::format("understudy: {}{}\n", prefix, text);
        case Format::journal: return fmt::format("<{}>{}{}\n", syslog_priority(l), prefix, text);
        case Format::timestamped: {
            const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
            const std::time_t secs = static_cast<std::time_t>(ms / 1000);
            std::tm tm{};
            ::gmtime_r(&secs, &tm);
            return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03} UTC understudy: {}{}\n", tm.tm_year + 1900,
                               tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms % 1000, prefix, text);
        }
    }
    return {};
}

void write(Level l, std::string_view text) {
    const std::string line = format_line(g_format.load(std::memory_order_relaxed), l, text, std::chrono::system_clock::now());
    std::lock_guard lock(g_write_mutex);
    std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace understudy::log
