// The replay engine: PostgreSQL 15's startup process loop (PerformWalRecovery /
// ApplyWalRecord in src/backend/access/transam/xlogrecovery.c) over our WAL reader, rmgr table
// and storage layer, rebuilding a scratch data directory.
//
// Where replay starts (the rule, in order):
//   1. The data directory has a replay state (understudy_replay_state.json): continue at its
//      apply position (the end of the last record applied before the state was written). A
//      --start at or before that position is ignored (those records are in the directory
//      already); one after it is an error (records would be skipped).
//   2. Otherwise --start LSN: the first record at or after it.
//   3. Otherwise a sparse start like a standby from a base backup: the redo point of the first
//      checkpoint record found in the WAL directory (searched from its oldest segment).
// Timelines: the WAL directory may hold several (`<TLI>.history` files, as a walreceiver stores
// them when its upstream is promoted). Replay follows the newest timeline whose history file is
// there (recovery_target_timeline = 'latest'), reading each segment on the timeline the history
// gives it (XLogFileReadAnyTLI) and switching its own timeline at the end-of-recovery or
// shutdown checkpoint record that starts the next one (ApplyWalRecord). Following, at the end of
// the WAL it looks for a newer history file (rescanLatestTimeLine) and continues there.
// Replay stops before the first record starting at or past --end, at the end of the WAL (or,
// following, waits for more), at stop(), or at the first corrupt record (an error naming its
// LSN; everything applied before it is flushed and the state written, so the directory is at
// the last good record).
//
// For the standby: run() can run in a thread while another thread calls stop(), pause(),
// resume(), set_flush_limit() (apply only records that end at or before what the receiver
// flushed) and reads apply_lsn() or gets the apply observer's callbacks. Once pause() has
// returned, no record is applied after the one being applied then (the pause is checked between
// reading a record and applying it, like recoveryPausesHere in PerformWalRecovery). Following,
// the engine also waits for the first segment file and for its start record to arrive, instead
// of failing, like the startup process waiting for the walreceiver (WaitForWALToBecomeAvailable,
// PG15 xlogrecovery.c), looking for a newer timeline while it waits for the start record too.
// Every wait (end of WAL, flush limit, pause, first segment) blocks on a
// FlushNotifier that set_flush_limit(), stop() and resume() wake, with `poll` only as its
// timeout: a standby whose receiver calls set_flush_limit() after each flush applies new WAL at
// once; `replay --follow` on its own (nobody publishing) re-reads the files every `poll`.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "common/flush_notifier.h"
#include "common/latency_trace.h"
#include "common/lsn.h"
#include "common/result.h"
#include "redo/replay_report.h"
#include "wal/decoded_record.h"

namespace understudy::redo {

// The major versions whose WAL replay (and so `understudy standby`) applies: 14, 15, 16, 17 and 18.
bool replayable_major(int major);
// "14, 15, 16, 17 and 18"
std::string replayable_majors_text();

struct ReplayOptions {
    std::string wal_dir;
    std::string data_dir;
    XLogRecPtr start = InvalidXLogRecPtr;  // see the start rule above
    XLogRecPtr end = InvalidXLogRecPtr;    // stop before the first record starting at or past it
    bool follow = false;                   // wait for more WAL at its end
    bool verify = false;                   // compare wal_consistency_checking images
    std::size_t cache_pages = 65536;       // page cache bound (8 kB pages): 512 MB
    // A fresh start on a base backup's directory (ReplayState::full): pages not in the WAL are
    // the backup's, global/pg_control is rewritten at every restartpoint and at the end (with
    // minRecoveryPoint raised before any page past it is written), backup_label is renamed
    // backup_label.old once the XLOG_BACKUP_END record of `backup_start` is replayed, and at the
    // end the WAL from the last restartpoint's redo on is copied into <data_dir>/pg_wal, so that
    // PostgreSQL 15 started on the directory recovers from there. Ignored when continuing (the
    // replay state keeps the mode).
    bool full = false;
    XLogRecPtr backup_start = InvalidXLogRecPtr;
    // The longest wait before looking at the WAL again without a wake-up (see above).
    std::chrono::milliseconds poll{100};
    // Called at most once per progress_interval from the replay thread (progress lines).
    std::function<void(const ReplayReport&, XLogRecPtr apply_lsn)> on_progress;
    std::chrono::milliseconds progress_interval{1000};
    // The standby's commit path trace: marks `woken` after each wait for WAL; null: off.
    LatencyTrace* trace = nullptr;
    // Following: called on the replay thread when it has applied everything readable (it is about
    // to wait for more WAL) and the apply position moved since the last call. The standby replies
    // then, so the apply position of a record that is not a commit (a checkpoint, a vacuum) does
    // not wait for the next periodic reply.
    std::function<void(XLogRecPtr apply_lsn)> on_caught_up;
};

class Replayer {
public:
    explicit Replayer(ReplayOptions options);
    Replayer(const Replayer&) = delete;
    Replayer& operator=(const Replayer&) = delete;

    // Replays until a stop condition; the report is complete afterwards either way. An error
    // (corrupt WAL, a redo routine's failure, I/O) is returned and also in report().error.
    Result<void> run();

    // ---- control, callable from other threads while run() works ----
    void stop() {
        stop_.store(true);
        wakeup_.wake();
    }
    void pause() { paused_.store(true); }
    void resume() {
        paused_.store(false);
        wakeup_.wake();
    }
    bool paused() const { return paused_.load(); }
    // Apply only records ending at or before `lsn` (InvalidXLogRecPtr: no limit), and wake the
    // replay thread if it waits for WAL (the walreceiver's WakeupRecovery after a flush).
    void set_flush_limit(XLogRecPtr lsn) {
        flush_limit_.store(lsn);
        wakeup_.publish(lsn);
    }
    // End of the last applied record.
    XLogRecPtr apply_lsn() const { return apply_lsn_.load(); }
    // The timeline of apply_lsn() (replayTLI: it moves on at a shutdown checkpoint or end-of-
    // recovery record naming the next timeline); 0 before replay has chosen where to start.
    TimeLineID replay_timeline() const { return replay_tli_.load(); }
    // Called from the replay thread after each applied record (apply_lsn() is already its end).
    void set_apply_observer(std::function<void(const DecodedRecord&)> observer) { observer_ = std::move(observer); }
    // Sets ReplayOptions::on_caught_up (before run()).
    void set_caught_up_observer(std::function<void(XLogRecPtr)> f) { options_.on_caught_up = std::move(f); }

    const ReplayReport& report() const { return report_; }

private:
    ReplayOptions options_;
    ReplayReport report_;
    std::function<void(const DecodedRecord&)> observer_;
    std::atomic<bool> stop_{false};
    std::atomic<bool> paused_{false};
    std::atomic<XLogRecPtr> flush_limit_{InvalidXLogRecPtr};
    std::atomic<XLogRecPtr> apply_lsn_{InvalidXLogRecPtr};
    std::atomic<TimeLineID> replay_tli_{0};
    FlushNotifier wakeup_;  // the recovery latch: set_flush_limit, stop, resume
};

// A data directory replays WAL of one PostgreSQL major version: an error naming both versions
// when `rec` (the first record of a run) is of another version than the one the replay state
// recorded (`state_major`, 0: none yet) or than the directory's PG_VERSION file (a copy of a
// primary), and what to do.
Result<void> check_directory_version(const std::string& data_dir, int state_major, const DecodedRecord& rec);

}  // namespace understudy::redo
