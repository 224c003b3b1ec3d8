// Minimal leveled logging to stderr. Verbosity is process-wide, set once at start-up by the CLI.
#pragma once

#include <fmt/format.h>

#include <string_view>

namespace understudy::log {

enum class Level { Error = 0, Warning = 1, Info = 2, Debug = 3 };

void set_level(Level level);
Level level();
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
