// The standby: the walreceiver (receiver/walreceiver.h) on one thread, the replay engine
// (redo/replayer.h) on another, and this coordinator on the caller's thread. The coordinator
// feeds the receiver's flushed position to the replayer as its limit (nothing is applied before
// it is durable) and the replayer's apply position to the receiver (replies carry it; a moved
// apply position wakes an immediate reply, which is what lets remote_apply commits return as
// soon as their commit record is applied). It tracks lag (standby/lag.h) and writes
// DIR/status.json and DIR/lag.jsonl every status interval.
//
// Layout: DIR/pg_wal (segments), DIR/data (the scratch data directory), DIR/status.json,
// DIR/lag.jsonl (rotated to lag.jsonl.1, .2, ... by size). An empty DIR starts sparse at the
// redo point of the primary's latest checkpoint, or with base_backup from a base backup's start
// (DIR/data then holds every file; it is still replayed as a sparse directory is); a restart
// continues from the replay state and the received files.
// Pause/resume of replay: pause()/resume() (the command maps SIGUSR1/SIGUSR2 to them). No wait
// anywhere is unbounded: every loop checks stop() at least every few milliseconds.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>

#include "common/result.h"
#include "standby/lag_history_files.h"

namespace understudy::standby {

struct StandbyOptions {
    std::string conninfo;
    std::string dir;
    std::string slot = "understudy";
    std::optional<std::string> application_name;  // nullopt: conninfo's, else "understudy"
    bool verify = false;
    // An empty DIR starts from a native base backup (backup/base_backup.h) into DIR/data, then
    // streams and replays from its start (backup_label's START WAL LOCATION), rather than sparse.
    bool base_backup = false;
    bool base_backup_fast_checkpoint = false;  // CHECKPOINT 'fast' for it (else 'spread')
    bool hot_standby_feedback = false;  // send 'h' with the oldest running xid replay has seen
    // The catch-up display (standby/progress.h): the redrawn line, plain log lines, or none;
    // automatic: the redrawn line when stderr is a terminal, else plain lines.
    enum class Progress { automatic, terminal, plain, off };
    Progress progress = Progress::automatic;
    std::chrono::milliseconds progress_interval{5000};  // between plain progress lines
    LagHistoryRotation lag_history;  // DIR/lag.jsonl rotation
    std::chrono::milliseconds status_interval{1000};  // status.json / lag.jsonl
    std::chrono::milliseconds reply_interval{10000};  // periodic replies (wal_receiver_status_interval)
    std::chrono::milliseconds timeout{60000};
    std::size_t cache_pages = 65536;
    std::string http_host;  // empty: no HTTP server
    int http_port = 0;
};

class Standby {
public:
    explicit Standby(StandbyOptions opts) : opts_(std::move(opts)) {}
    // Runs until stop() or a failure of either thread. Errors about the directory name --dir.
    Result<void> run();
    void stop() { stop_.store(true); }
    void pause() { pause_.store(true); }
    void resume() { pause_.store(false); }

private:
    StandbyOptions opts_;
    std::atomic<bool> stop_{false};
    std::atomic<bool> pause_{false};
};

}  // namespace understudy::standby
