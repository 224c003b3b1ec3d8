// Timeline history: which timeline each WAL position belongs to, from the `<TLI>.history` files
// of a WAL directory. PostgreSQL 15's src/backend/access/transam/timeline.c
// (readTimeLineHistory, findNewestTimeLine, tliOfPointInHistory, tliInHistory) for a directory
// of our own (no archive, no restore_command).
//
// A history is the list of timelines a target timeline descends from, newest (the target)
// first, each with the WAL range [begin, end) it covers: the target's end is open
// (InvalidXLogRecPtr), timeline 1's begin is InvalidXLogRecPtr (from the start of WAL).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/lsn.h"
#include "common/result.h"

namespace understudy {

// TimeLineHistoryEntry (PG15 src/include/access/timeline.h).
struct TimelineHistoryEntry {
    TimeLineID tli = 0;
    XLogRecPtr begin = InvalidXLogRecPtr;  // inclusive; Invalid: from the start of WAL
    XLogRecPtr end = InvalidXLogRecPtr;    // exclusive (the switch point); Invalid: still current
    friend bool operator==(const TimelineHistoryEntry&, const TimelineHistoryEntry&) = default;
};

// Newest first, like the List readTimeLineHistory returns.
using TimelineHistory = std::vector<TimelineHistoryEntry>;

// readTimeLineHistory's parsing (PG15): the lines "<parentTLI>\t<switchpoint>\t<reason>" of
// `<target_tli>.history` (blank and '#' lines skipped), then the target itself. Errors carry
// PostgreSQL's words ("syntax error in history file", "invalid data in history file").
Result<TimelineHistory> parse_timeline_history(const std::string& text, TimeLineID target_tli);

// readTimeLineHistory (PG15): the history of `tli` from `<dir>/<tli>.history`; timeline 1, or a
// timeline whose file is not there, has no parents (a single entry covering all WAL).
Result<TimelineHistory> read_timeline_history(const std::string& dir, TimeLineID tli);

// findNewestTimeLine (PG15): the highest timeline whose history file is in `dir`, probing
// start + 1, start + 2, ... until one is missing; `start` when there is none.
TimeLineID find_newest_timeline(const std::string& dir, TimeLineID start);

// tliOfPointInHistory (PG15): the timeline whose range holds `ptr`; nullopt when none does
// (PostgreSQL's "timeline history was not contiguous").
std::optional<TimeLineID> tli_of_point_in_history(XLogRecPtr ptr, const TimelineHistory& history);

// tliInHistory (PG15).
bool tli_in_history(TimeLineID tli, const TimelineHistory& history);

// The entry of `tli` in `history`, if it is there (tliSwitchPoint's lookup, PG15).
const TimelineHistoryEntry* find_timeline(TimeLineID tli, const TimelineHistory& history);

}  // namespace understudy
