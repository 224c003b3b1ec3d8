#include "common/log.h"

#include <atomic>
#include <cstdio>
#include <mutex>

namespace understudy::log {

namespace {
std::atomic<Level> g_level{Level::Warning};  // set once by the CLI, read everywhere
std::mutex g_write_mutex;
}  // namespace

void set_level(Level l) { g_level.store(l); }
Level level() { return g_level.load(std::memory_order_relaxed); }

void write(Level l, std::string_view text) {
    const char* prefix = "";
    switch (l) {
        case Level::Error: prefix = "error: "; break;
        case Level::Warning: prefix = "warning: "; break;
        case Level::Info: prefix = ""; break;
        case Level::Debug: prefix = "debug: "; break;
    }
    std::lock_guard lock(g_write_mutex);
    std::fprintf(stderr, "understudy: %s%.*s\n", prefix, static_cast<int>(text.size()), text.data());
}

}  // namespace understudy::log
