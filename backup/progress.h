// The base backup's progress: bytes received of the server's estimate (PROGRESS: the
// tablespace sizes it sent before the archives), the rate since the start and the time left.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace understudy::backup {

// "120.5 MB of 1.2 GB (10%), 40.2 MB/s, ETA 0:27"; without an estimate (total 0): bytes and
// rate only. The estimate can be passed (files grow during the backup): then 100% and no ETA.
std::string backup_progress_text(std::uint64_t done, std::uint64_t total, double elapsed_seconds);

// When to show the next line: on a terminal redrawn every half second ("\r", no newline), else
// a log line every `plain_every` seconds.
class BackupProgress {
public:
    BackupProgress(bool terminal, double plain_every) : terminal_(terminal), plain_every_(plain_every) {}
    // The line to show now, if any (`now`: seconds since the backup started).
    std::optional<std::string> update(double now, std::uint64_t done, std::uint64_t total);
    bool terminal() const { return terminal_; }

private:
    bool terminal_;
    double plain_every_;
    double last_ = 0;  // the first line after one interval
};

}  // namespace understudy::backup
