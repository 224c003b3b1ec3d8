// The files of DIR/lag.jsonl's history: the standby appends one line per status interval to
// lag.jsonl and rotates it as logrotate would (no PostgreSQL counterpart): once appending a line
// would take it past `max_bytes`, lag.jsonl.(keep-1) becomes lag.jsonl.keep (the oldest is
// dropped), ..., lag.jsonl.1 becomes lag.jsonl.2, lag.jsonl becomes lag.jsonl.1, and the line
// starts a new lag.jsonl; files numbered past `keep` (from a run with a larger keep) are then
// removed. Each step is one rename(2), so a crash between steps loses no line
// (a gap in the numbers is closed by the next rotation). Readers (read_lag_history) open lag.jsonl
// first, then list the rotated files and open them newest first, skipping a file they already
// hold open under another name (same inode), so a rotation during a read neither loses nor
// repeats lines.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace understudy::standby {

struct LagHistoryRotation {
    std::uint64_t max_bytes = 32ull << 20;  // 0: never rotate
    int keep = 3;                           // rotated files kept: lag.jsonl.1 .. lag.jsonl.keep
};

// True for "NAME.N" with N a positive decimal number (no sign, no leading zero): a rotated file
// of NAME.
bool is_rotated_name(std::string_view file_name, std::string_view base_name);

// The history's files that exist, oldest first: PATH.N (highest N first), ..., PATH.1, PATH.
// Any N is listed, not only up to `keep` (files left by a run with a larger --lag-history-keep,
// until the next rotation removes them, are older than PATH.keep, so the order holds).
std::vector<std::string> lag_history_files(const std::string& path);

class LagHistoryWriter {
public:
    LagHistoryWriter(std::string path, LagHistoryRotation rotation)
        : path_(std::move(path)), rotation_(rotation) {}
    // Appends one complete line (ending in '\n'), rotating first when the line would take the
    // file past max_bytes (a file is never rotated empty, so a line longer than max_bytes still
    // gets written). Errors name the file.
    Result<void> append(const std::string& line);
    // Rotates now (the renames described above); a missing file in the chain is skipped.
    Result<void> rotate();

private:
    Result<void> remove_beyond_keep();

    std::string path_;
    LagHistoryRotation rotation_;
};

}  // namespace understudy::standby
