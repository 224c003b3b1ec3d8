// An opt-in trace of the standby's commit path, for measuring where a remote_apply commit's
// time goes on our side: the receiver drained the message holding the commit, wrote it, fsynced
// it, the replayer woke up for it, applied it, the receiver sent the reply carrying it. Enabled
// with UNDERSTUDY_TRACE_PATH=FILE on `understudy standby`; off, nothing is traced (the hooks are
// a null-pointer test) and nothing is allocated.
//
// Each point is marked by one thread at a time (the receiver: received, written, flushed; the
// replayer: woken, applied; reply: either, always holding the receiver's connection mutex),
// into its own preallocated array, so marking takes no lock of its own;
// the arrays are read only after both threads ended (analyze()). When an array is full, later
// marks of that point are dropped (and counted). PostgreSQL has no counterpart: its
// walreceiver and startup process expose only the positions (pg_stat_wal_receiver).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/lsn.h"
#include "common/result.h"

namespace understudy {

class LatencyTrace {
public:
    enum class Point : std::uint8_t {
        received = 0,  // a drain of the socket ended; lsn: the end of the WAL received
        written,       // that WAL was written; lsn: the write position
        flushed,       // fdatasync returned; lsn: the flush position
        woken,         // the replayer woke from a wait for WAL; lsn: the flush limit then
        applied,       // a commit/abort record was applied; lsn: its end
        reply,         // a reply was sent; lsn: its apply position
    };
    static constexpr std::size_t kPoints = 6;

    explicit LatencyTrace(std::size_t capacity_per_point = 1u << 20);

    // Appends (steady clock now, lsn) to the point's array; from the point's one thread only.
    void mark(Point p, XLogRecPtr lsn) {
        Series& s = series_[static_cast<std::size_t>(p)];
        if (s.size == s.events.size()) {
            ++s.dropped;
            return;
        }
        s.events[s.size++] = Event{lsn, now_ns()};
    }

    // One applied commit, with the time of each earlier point that first covered its LSN
    // (-1: not seen, e.g. the replayer did not wait for it).
    struct CommitPath {
        XLogRecPtr lsn = 0;
        std::array<std::int64_t, kPoints> ns{};
    };
    // After both threads ended: the path of every applied commit whose reply was seen.
    std::vector<CommitPath> analyze() const;
    // The analysis as a text summary: p50/p90/p99/max in microseconds of each step.
    static std::string summary(const std::vector<CommitPath>& paths);
    // One CSV line per commit (lsn, then microseconds of each point since `received`).
    static Result<void> write_csv(const std::string& path, const std::vector<CommitPath>& paths);

private:
    struct Event {
        XLogRecPtr lsn = 0;
        std::int64_t ns = 0;
    };
    struct Series {
        std::vector<Event> events;
        std::size_t size = 0;
        std::uint64_t dropped = 0;
    };
    static std::int64_t now_ns() {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
    }
    std::array<Series, kPoints> series_;
};

}  // namespace understudy
