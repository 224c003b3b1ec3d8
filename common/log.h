// Minimal leveled logging to stderr. Verbosity and the line format are process-wide, set once at
// start-up by the CLI. Formats: plain ("understudy: warning: text", the interactive tools, as
// pg_waldump's), timestamped ("2026-12-07 02:20:01.123 UTC understudy: warning: text", the
// long-running commands), and journal ("<4>warning: text": journald timestamps each line and
// takes the syslog priority from the "<N>" prefix, as sd-daemon(3) describes).
#pragma once

#include <fmt/format.h>

#include <chrono>
#include <string>
#include <string_view>

namespace understudy::log {

enum class Level { Error = 0, Warning = 1, Info = 2, Debug = 3 };

enum class Format { plain, timestamped, journal };

void set_level(Level level);
Level level();
void set_format(Format format);
// The line written for `text` at `level` in `format`; `now` gives the timestamp.
std::string format_line(Format format, Level level, std::string_view text,
                        std::chrono::system_clock::time_point now);
void write(Level level, std::string_view text);

template <typename... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
    write(Level::Error, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void warning(fmt::format_string<Args...> f, Args&&... args) {
    if (level() >= Level::Warning) write(Level::Warning, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
    if (level() >= Level::Info) write(Level::Info, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
    if (level() >= Level::Debug) write(Level::Debug, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace understudy::log
