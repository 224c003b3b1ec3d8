// Timeline history files (PG15 src/backend/access/transam/timeline.c).
#include "wal/timeline_history.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <sstream>

#include <fmt/format.h>

#include "common/fs.h"

namespace understudy {

namespace {

bool history_file_exists(const std::string& dir, TimeLineID tli) {
    struct stat st;
    return ::stat((dir + "/" + history_file_name(tli)).c_str(), &st) == 0;
}

}  // namespace

// readTimeLineHistory (PG15): each line closes a parent's range at its switch point and opens
// the next one's there; the entries are prepended, so the newest comes first.
Result<TimelineHistory> parse_timeline_history(const std::string& text, TimeLineID target_tli) {
    TimelineHistory history;
    XLogRecPtr prevend = InvalidXLogRecPtr;
    TimeLineID lasttli = 0;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        const auto first = line.find_first_not_of(" \t\r\n\f\v");
        if (first == std::string::npos || line[first] == '#') continue;
        unsigned tli = 0, hi = 0, lo = 0;
        const int nfields = std::sscanf(line.c_str(), "%u\t%X/%X", &tli, &hi, &lo);
        if (nfields < 1)
            return make_error(
                fmt::format("syntax error in history file: {} (expected a numeric timeline ID)", line));
        if (nfields != 3)
            return make_error(fmt::format(
                "syntax error in history file: {} (expected a write-ahead log switchpoint location)", line));
        if (!history.empty() && tli <= lasttli)
            return make_error(fmt::format(
                "invalid data in history file: {} (timeline IDs must be in increasing sequence)", line));
        lasttli = tli;
        const XLogRecPtr switchpoint = (XLogRecPtr{hi} << 32) | lo;
        history.insert(history.begin(), TimelineHistoryEntry{tli, prevend, switchpoint});
        prevend = switchpoint;
    }
    if (!history.empty() && target_tli <= lasttli)
        return make_error(fmt::format("invalid data in the history file of timeline {} (timeline IDs must be less "
                                      "than the child timeline's ID, but it lists timeline {})",
                                      target_tli, lasttli));
    history.insert(history.begin(), TimelineHistoryEntry{target_tli, prevend, InvalidXLogRecPtr});
    return history;
}

Result<TimelineHistory> read_timeline_history(const std::string& dir, TimeLineID tli) {
    if (tli == 1) return TimelineHistory{TimelineHistoryEntry{1, InvalidXLogRecPtr, InvalidXLogRecPtr}};
    const std::string path = dir + "/" + history_file_name(tli);
    auto text = fs::read_file(path);
    if (!text) {
        struct stat st;
        if (::stat(path.c_str(), &st) != 0 && errno == ENOENT)  // not there: assume no parents
            return TimelineHistory{TimelineHistoryEntry{tli, InvalidXLogRecPtr, InvalidXLogRecPtr}};
        return text.error();
    }
    auto history = parse_timeline_history(*text, tli);
    if (!history) return make_error(fmt::format("\"{}\": {}", path, history.message()));
    return history;
}

TimeLineID find_newest_timeline(const std::string& dir, TimeLineID start) {
    TimeLineID newest = start;
    for (TimeLineID probe = start + 1; history_file_exists(dir, probe); ++probe) newest = probe;
    return newest;
}

std::optional<TimeLineID> tli_of_point_in_history(XLogRecPtr ptr, const TimelineHistory& history) {
    for (const TimelineHistoryEntry& e : history)
        if ((e.begin == InvalidXLogRecPtr || e.begin <= ptr) && (e.end == InvalidXLogRecPtr || ptr < e.end))
            return e.tli;
    return std::nullopt;
}

bool tli_in_history(TimeLineID tli, const TimelineHistory& history) { return find_timeline(tli, history) != nullptr; }

const TimelineHistoryEntry* find_timeline(TimeLineID tli, const TimelineHistory& history) {
    for (const TimelineHistoryEntry& e : history)
        if (e.tli == tli) return &e;
    return nullptr;
}

}  // namespace understudy
