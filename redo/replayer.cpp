#include "redo/replayer.h"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "common/bytes.h"
#include "common/fs.h"
#include "common/log.h"
#include "wal/describe/desc_utils.h"
#include "wal/records/xlog.h"
#include "redo/redo_engine_context.h"
#include "redo/storage/control_file.h"
#include "redo/storage/twophase_file.h"
#include "redo/replay_state.h"
#include "redo/rmgr.h"
#include "wal/timeline_history.h"
#include "redo/verify.h"
#include "wal/wal_reader.h"
#include "wal/wal_source.h"

namespace understudy::redo {

namespace {

using Clock = std::chrono::steady_clock;

// What the WAL directory holds: its segment size, oldest segment, newest timeline.
struct WalDirInfo {
    std::uint32_t seg_size = 0;
    XLogSegNo first_segno = 0;
    TimeLineID tli = 1;
};

Result<WalDirInfo> scan_wal_dir(const std::string& dir) {
    auto seg_size = detect_segment_size(dir, "");
    if (!seg_size) return seg_size.error();
    if (!*seg_size)
        return make_error(fmt::format("no WAL segment files in \"{}\": give --wal-dir a directory holding segments "
                                      "(e.g. a copy of pg_wal)",
                                      dir));
    WalDirInfo info;
    info.seg_size = **seg_size;
    bool any = false;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        auto parsed = parse_segment_file_name(entry.path().filename().string(), info.seg_size);
        if (!parsed) continue;
        if (!any || parsed->segno < info.first_segno) info.first_segno = parsed->segno;
        info.tli = any ? std::max(info.tli, parsed->tli) : parsed->tli;
        any = true;
    }
    if (ec) return make_error(fmt::format("could not read WAL directory \"{}\": {}", dir, ec.message()));
    return info;
}

}  // namespace

// The major versions whose WAL the redo routines apply: each routine follows that version's own
// redo code where it differs from 15's (the record's WalFormat picks the layout). The reader
// reads every version of kWalFormats; WAL of another version stops replay before any record is
// applied.
constexpr int kReplayableMajors[] = {14, 15, 16, 17, 18};

bool replayable_major(int major) {
    return std::find(std::begin(kReplayableMajors), std::end(kReplayableMajors), major) != std::end(kReplayableMajors);
}

// "14, 15, 16, 17 and 18"
std::string replayable_majors_text() {
    std::string out;
    const std::size_t n = std::size(kReplayableMajors);
    for (std::size_t i = 0; i < n; ++i) {
        if (i > 0) out += i + 1 == n ? " and " : ", ";
        out += std::to_string(kReplayableMajors[i]);
    }
    return out;
}

namespace {

Result<void> check_replayable(const WalReader& reader, XLogRecPtr first) {
    const WalFormat* f = reader.format();
    if (f == nullptr || replayable_major(f->major_version)) return {};
    return make_error(fmt::format(
        "the WAL at {} is PostgreSQL {} WAL (page magic 0x{:04X}), but understudy replay and standby "
        "apply PostgreSQL {} WAL only; `understudy waldump` reads it, and `understudy receive` "
        "streams and keeps it",
        format_lsn(first), f->major_version, f->page_magic, replayable_majors_text()));
}

// The major version of a copied data directory's PG_VERSION file ("16\n"); nullopt when the
// directory has none (an empty scratch directory).
Result<std::optional<int>> pg_version_file_major(const std::string& data_dir) {
    const std::string path = data_dir + "/PG_VERSION";
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return std::optional<int>{};
    auto text = fs::read_file(path);
    if (!text) return text.error();
    try {
        const int major = std::stoi(*text);
        return std::optional<int>{major};
    } catch (const std::exception&) {
        return make_error(fmt::format("\"{}\" does not hold a PostgreSQL major version (\"{}\"): is \"{}\" a data "
                                      "directory?",
                                      path, text->substr(0, 20), data_dir));
    }
}

}  // namespace

Result<void> check_directory_version(const std::string& data_dir, int state_major, const DecodedRecord& rec) {
    const int wal_major = rec.format->major_version;
    if (state_major != 0 && state_major != wal_major)
        return make_error(fmt::format(
            "the data directory \"{}\" holds a replay of PostgreSQL {} WAL ({}), but the WAL at {} is PostgreSQL {} "
            "WAL: a directory replays one major version; after an upgrade of the primary, replay into a new, "
            "empty data directory",
            data_dir, state_major, kReplayStateFile, format_lsn(rec.lsn), wal_major));
    auto file_major = pg_version_file_major(data_dir);
    if (!file_major) return file_major.error();
    if (*file_major && **file_major != wal_major)
        return make_error(fmt::format(
            "the data directory \"{}\" is a PostgreSQL {} directory (PG_VERSION), but the WAL at {} is PostgreSQL "
            "{} WAL: replay into a copy of a PostgreSQL {} primary, or into a new, empty data directory",
            data_dir, **file_major, format_lsn(rec.lsn), wal_major, wal_major));
    return {};
}

namespace {

bool is_checkpoint_record(const DecodedRecord& rec) {
    return rec.xl_rmid == RM_XLOG_ID &&
           (rec.info() == XLOG_CHECKPOINT_ONLINE || rec.info() == XLOG_CHECKPOINT_SHUTDOWN);
}

// The redo point of the first checkpoint record in the WAL from `from` on (a sparse start).
Result<XLogRecPtr> find_first_checkpoint_redo(WalReader& reader, XLogRecPtr from) {
    const XLogRecPtr first = reader.find_next_record(from);
    if (first == InvalidXLogRecPtr && !reader.unsupported_version().empty())
        return make_error(reader.unsupported_version());
    if (first == InvalidXLogRecPtr)
        return make_error(fmt::format("could not find a valid WAL record at or after {}{}", format_lsn(from),
                                      reader.end_reason().empty() ? "" : ": " + reader.end_reason()));
    if (auto ok = check_replayable(reader, first); !ok) return ok.error();
    for (;;) {
        const ReadStatus st = reader.read_record();
        if (st != ReadStatus::Record)
            return make_error(fmt::format(
                "no checkpoint record found in the WAL from {} to {}: give --start LSN (e.g. the redo LSN "
                "of a checkpoint) or add older WAL",
                format_lsn(first), format_lsn(reader.end_rec_ptr())));
        const DecodedRecord& rec = reader.record();
        if (!is_checkpoint_record(rec)) continue;
        if (rec.main_data.size() < sizeof(CheckPoint))
            return make_error(fmt::format("checkpoint record at {} is too short", format_lsn(rec.lsn)));
        const XLogRecPtr redo = load<XLogRecPtr>(rec.main_data.data());  // CheckPoint.redo
        log::info("sparse start: first checkpoint record at {}, redo point {}", format_lsn(rec.lsn),
                  format_lsn(redo));
        if (redo < first)
            return make_error(fmt::format("the first checkpoint record (at {}) has its redo point {} before the "
                                          "oldest WAL available ({}): add older WAL or give --start",
                                          format_lsn(rec.lsn), format_lsn(redo), format_lsn(first)));
        return redo;
    }
}

// The first record at or after `from`. Following, the record may not have arrived (or be
// complete) yet: wait for it like the startup process for its checkpoint record
// (WaitForWALToBecomeAvailable, PG15 xlogrecovery.c), which before each sleep calls
// rescanLatestTimeLine: when the upstream was promoted before the record arrived, the receiver
// stores the new timeline's history file and streams the rest on that timeline (from the
// segment's start), so the old timeline's file may never get the record while the new one's
// has it. InvalidXLogRecPtr when not found (not following, or stopped).
Result<XLogRecPtr> find_start_record(WalReader& reader, DirectorySource& source, XLogRecPtr from,
                                     const ReplayOptions& options, const std::atomic<bool>& stop,
                                     const FlushNotifier& wakeup) {
    bool logged = false;
    for (;;) {
        const std::uint64_t seen = wakeup.generation();  // before reading: a flush meanwhile wakes at once
        const XLogRecPtr first = reader.find_next_record(from);
        // WAL of another PostgreSQL version never becomes readable: no wait.
        if (first == InvalidXLogRecPtr && !reader.unsupported_version().empty())
            return make_error(reader.unsupported_version());
        if (first != InvalidXLogRecPtr)
            if (auto ok = check_replayable(reader, first); !ok) return ok.error();
        if (first != InvalidXLogRecPtr || !options.follow || stop.load()) return first;
        auto switched = source.rescan_latest_timeline(from);
        if (!switched)
            return make_error(fmt::format("waiting for the WAL record at {}: {}", format_lsn(from), switched.message()));
        if (*switched) continue;
        if (!logged)
            log::info("waiting for the WAL record at {} to arrive in \"{}\"", format_lsn(from), options.wal_dir);
        logged = true;
        wakeup.wait_changed(seen, options.poll);
    }
}

// One run of the engine (the state of PerformWalRecovery's loop).
class ReplayRun {
public:
    ReplayRun(const ReplayOptions& options, ReplayReport& report, ReplayState& state,
              const std::atomic<bool>& stop, const std::atomic<bool>& paused,
              const std::atomic<XLogRecPtr>& flush_limit, std::atomic<XLogRecPtr>& apply_lsn,
              const FlushNotifier& wakeup, const std::function<void(const DecodedRecord&)>& observer,
              DirectorySource& source, std::atomic<TimeLineID>& replay_tli)
        : options_(options),
          report_(report),
          state_(state),
          stop_(stop),
          paused_(paused),
          flush_limit_(flush_limit),
          apply_lsn_(apply_lsn),
          wakeup_(wakeup),
          observer_(observer),
          base_totals_(state.rmgr_totals),
          source_(source),
          replay_tli_(replay_tli),
          ctx_(options.data_dir, state, std::max<std::size_t>(options.cache_pages, 64)) {
        if (state_.full)
            ctx_.pages().set_before_write([this](XLogRecPtr page_lsn) -> Result<void> {
                if (page_lsn <= state_.min_recovery_point) return {};
                // UpdateMinRecoveryPoint: to the replay position (the record being applied may
                // have set the page's LSN to its end, past apply_lsn).
                state_.min_recovery_point = std::max(page_lsn, state_.apply_lsn);
                return update_control_file();
            });
    }

    // Full directory: pg_control read (and checked) at the start of the run; backup end finished
    // if a crash came between the state and the rename.
    Result<void> open_full_directory();
    // Full directory, at the end of the run: pg_control and the WAL a server needs in pg_wal.
    Result<void> hand_over();

    Result<void> run(WalReader& reader);
    // Pages + SLRUs to disk, then the replay state (the order that makes the state truthful).
    Result<void> checkpoint_state();

private:
    enum class Next { record, end, stop, corrupt };
    Next read_next(WalReader& reader);
    // Following: reads until a record, a corruption or stop(); at the end of the WAL a newer
    // timeline is looked for before waiting.
    ReadStatus read_following(WalReader& reader);
    // ReadRecord's check (PG15) that the page a record came from is of a timeline of the history.
    bool page_timeline_expected(const WalReader& reader);
    Result<void> switch_timeline(const DecodedRecord& rec);
    bool wait_while_paused();
    bool wait_for_flush_limit(const DecodedRecord& rec);
    // Before waiting for WAL: tells options_.on_caught_up of a new apply position.
    void note_caught_up();
    Result<void> apply(const DecodedRecord& rec);
    Result<void> restartpoint(const RestartpointRequest& rp);
    // UpdateControlFile as the startup process does it (full directory only).
    Result<void> update_control_file();
    // xlog_redo's XLOG_BACKUP_END (PG15) for a full directory: pages and state made durable,
    // pg_control without backupStartPoint and with minRecoveryPoint at least the record's end,
    // then backup_label renamed backup_label.old.
    Result<void> reach_backup_end(XLogRecPtr end_lsn);
    Result<void> finish_backup_end();
    Result<void> copy_wal_to_pg_wal();
    void maybe_progress();

    const ReplayOptions& options_;
    ReplayReport& report_;
    ReplayState& state_;
    const std::atomic<bool>& stop_;
    const std::atomic<bool>& paused_;
    const std::atomic<XLogRecPtr>& flush_limit_;
    std::atomic<XLogRecPtr>& apply_lsn_;
    const FlushNotifier& wakeup_;
    const std::function<void(const DecodedRecord&)>& observer_;
    const std::vector<RmgrTotals> base_totals_;  // the replay state's totals when the run started
    DirectorySource& source_;
    std::atomic<TimeLineID>& replay_tli_;
    EngineContext ctx_;
    // A corruption found here rather than by the reader (the page timeline check, an unreadable
    // history file): its LSN and message.
    XLogRecPtr corrupt_lsn_ = InvalidXLogRecPtr;
    std::string corrupt_message_;
    KnownDifferencePages known_difference_pages_;  // --verify: see verify.h (in memory only)
    Clock::time_point last_progress_ = Clock::now();
    XLogRecPtr last_caught_up_ = InvalidXLogRecPtr;  // the apply position on_caught_up had last
    // Full directory: pg_control as last written, and the checkpoint record of the latest
    // restartpoint of this run (its CheckPoint becomes checkPointCopy).
    std::optional<storage::ControlFileData> control_;
    std::optional<CheckPoint> pending_checkpoint_;
    std::optional<CheckPoint> last_checkpoint_;
    XLogRecPtr backup_end_seen_ = InvalidXLogRecPtr;
};

ReplayRun::Next ReplayRun::read_next(WalReader& reader) {
    if (stop_.load()) return Next::stop;
    corrupt_lsn_ = InvalidXLogRecPtr;
    const ReadStatus st = options_.follow ? read_following(reader) : reader.read_record();
    if (corrupt_lsn_ != InvalidXLogRecPtr) return Next::corrupt;
    if (st == ReadStatus::Corrupt) return Next::corrupt;
    if (st == ReadStatus::EndOfWal) return stop_.load() ? Next::stop : Next::end;
    if (!page_timeline_expected(reader)) return Next::corrupt;
    return Next::record;
}

// The startup process at the end of the WAL (PG15 xlogrecovery.c WaitForWALToBecomeAvailable
// with recovery_target_timeline = 'latest'): before sleeping on the recovery latch until the
// walreceiver's WakeupRecovery() after a flush, rescanLatestTimeLine: when the receiver has
// stored the history file of a timeline that continues from here, reading goes on there.
ReadStatus ReplayRun::read_following(WalReader& reader) {
    for (;;) {
        const std::uint64_t seen = wakeup_.generation();  // before reading: a flush meanwhile wakes at once
        const ReadStatus st = reader.read_record();
        if (st != ReadStatus::EndOfWal || reader.end_lsn_reached() || stop_.load()) return st;
        auto switched = source_.rescan_latest_timeline(state_.apply_lsn);
        if (!switched) {
            corrupt_lsn_ = state_.apply_lsn;
            corrupt_message_ = switched.message();
            return ReadStatus::Corrupt;
        }
        if (*switched) continue;
        note_caught_up();
        wakeup_.wait_changed(seen, options_.poll);
        if (options_.trace) options_.trace->mark(LatencyTrace::Point::woken, wakeup_.flushed());
        if (stop_.load()) return st;
    }
}

bool ReplayRun::page_timeline_expected(const WalReader& reader) {
    const TimeLineID tli = reader.latest_page_tli();
    if (tli_in_history(tli, source_.history())) return true;
    const XLogRecPtr lsn = reader.read_rec_ptr();
    const XLogSegNo segno = lsn_to_segno(lsn, reader.segment_size());
    corrupt_lsn_ = lsn;
    corrupt_message_ = fmt::format("unexpected timeline ID {} in log segment {}, offset {} (the history of timeline {} "
                                   "does not have it)",
                                   tli, segment_file_name(source_.timeline_for(segno), segno, reader.segment_size()),
                                   segment_offset(lsn - lsn % XLOG_BLCKSZ, reader.segment_size()),
                                   source_.target_timeline());
    return false;
}

// ApplyWalRecord's timeline switch with checkTimeLineSwitch (PG15 xlogrecovery.c): a shutdown
// checkpoint or end-of-recovery record naming another timeline moves replay onto it before
// it is redone, when it continues the current one and is in the history being followed.
Result<void> ReplayRun::switch_timeline(const DecodedRecord& rec) {
    if (rec.xl_rmid != RM_XLOG_ID) return {};
    TimeLineID new_tli = state_.timeline;
    TimeLineID prev_tli = state_.timeline;
    if (rec.info() == XLOG_CHECKPOINT_SHUTDOWN) {
        CheckPoint cp{};
        if (!load_record(rec.main_data, cp)) return {};  // the redo routine names the problem
        new_tli = cp.ThisTimeLineID;
        prev_tli = cp.PrevTimeLineID;
    } else if (rec.info() == XLOG_END_OF_RECOVERY) {
        xl_end_of_recovery eor{};
        if (!load_record(rec.main_data, eor)) return {};
        new_tli = eor.ThisTimeLineID;
        prev_tli = eor.PrevTimeLineID;
    }
    if (new_tli == state_.timeline) return {};
    if (prev_tli != state_.timeline)
        return make_error(fmt::format("unexpected previous timeline ID {} (current timeline ID {}) in checkpoint record "
                                      "at {}",
                                      prev_tli, state_.timeline, format_lsn(rec.lsn)));
    if (new_tli < state_.timeline || !tli_in_history(new_tli, source_.history()))
        return make_error(fmt::format("unexpected timeline ID {} (after {}) in checkpoint record at {} (following the "
                                      "history of timeline {})",
                                      new_tli, state_.timeline, format_lsn(rec.lsn), source_.target_timeline()));
    log::info("replay switched from timeline {} to timeline {} at {}", state_.timeline, new_tli, format_lsn(rec.lsn));
    state_.timeline = new_tli;
    replay_tli_.store(new_tli);
    return {};
}

// The receiver's flushed position bounds what may be applied (a standby must not apply WAL that
// is not yet durable locally). Returns false when stopped while waiting.
// recoveryPausesHere (PG15 xlogrecovery.c), which PerformWalRecovery calls between reading a
// record and applying it: a record read while paused (the wait at the end of the WAL returns the
// next one as soon as it arrives) is not applied until resume(). Returns false when stopped.
bool ReplayRun::wait_while_paused() {
    if (!paused_.load() && !stop_.load()) return true;  // the common case, once per record
    for (;;) {
        const std::uint64_t seen = wakeup_.generation();
        if (stop_.load()) return false;
        if (!paused_.load()) return true;
        wakeup_.wait_changed(seen, options_.poll);  // resume() and stop() wake it
    }
}

void ReplayRun::note_caught_up() {
    const XLogRecPtr apply = apply_lsn_.load();
    if (!options_.on_caught_up || apply == InvalidXLogRecPtr || apply == last_caught_up_) return;
    last_caught_up_ = apply;
    options_.on_caught_up(apply);
}

bool ReplayRun::wait_for_flush_limit(const DecodedRecord& rec) {
    if (const XLogRecPtr limit = flush_limit_.load(); limit == InvalidXLogRecPtr || rec.end_lsn <= limit)
        return true;  // the common case, once per record
    for (;;) {
        const std::uint64_t seen = wakeup_.generation();  // before the look: no lost wake-up
        const XLogRecPtr limit = flush_limit_.load();
        if (limit == InvalidXLogRecPtr || rec.end_lsn <= limit) return true;
        if (stop_.load()) return false;
        note_caught_up();
        wakeup_.wait_changed(seen, options_.poll);  // set_flush_limit() and stop() wake it
        if (options_.trace) options_.trace->mark(LatencyTrace::Point::woken, flush_limit_.load());
    }
}

// ApplyWalRecord (PG15): dispatch to the rmgr's redo, then the consistency check.
Result<void> ReplayRun::apply(const DecodedRecord& rec) {
    RmgrCounters& c = report_.rmgrs[rec.xl_rmid];
    ++c.records;
    c.bytes += rec.xl_tot_len;
    ++report_.records;
    report_.bytes += rec.xl_tot_len;

    if (auto r = switch_timeline(rec); !r) return r;
    if (state_.full && rec.xl_rmid == RM_XLOG_ID) {
        const std::uint8_t info = rec.info();
        if (info == XLOG_CHECKPOINT_SHUTDOWN || info == XLOG_CHECKPOINT_ONLINE) {
            CheckPoint cp{};
            if (load_record(rec.main_data, cp)) pending_checkpoint_ = cp;
        } else if (info == XLOG_BACKUP_END && state_.backup_end_lsn == InvalidXLogRecPtr) {
            XLogRecPtr startpoint = InvalidXLogRecPtr;
            // The end of a backup other than ours (one taken later) is not ours to act on.
            if (load_record(rec.main_data, startpoint) && startpoint == state_.backup_start_lsn)
                backup_end_seen_ = rec.end_lsn;
        }
    }
    const RmgrInfo* rmgr = find_rmgr(rec.xl_rmid);
    ctx_.begin_record();
    RedoOutcome outcome = RedoOutcome::unsupported;
    if (rmgr != nullptr && rmgr->redo != nullptr) {
        auto r = rmgr->redo(ctx_, rec);
        if (!r) {
            const char* ident = rmgr->identify != nullptr ? rmgr->identify(rec.xl_info, *rec.format) : nullptr;
            return make_error(fmt::format("redo of the {}/{} record at {} failed: {}", rmgr->name,
                                          ident != nullptr ? ident : "UNKNOWN", format_lsn(rec.lsn), r.message()));
        }
        outcome = *r;
    }
    if (outcome == RedoOutcome::unsupported) {
        // Keep the pages the record brings whole images of right even without its routine.
        if (auto r = ctx_.restore_apply_images(rec); !r) return r;
        ++c.unsupported;
    } else {
        const RecordBlockCounts& bc = ctx_.record_counts();
        if (bc.reads > 0 && bc.done == bc.reads)
            ++c.skipped_done;
        else
            ++c.applied;
    }
    c.missing_pages += static_cast<std::uint64_t>(ctx_.record_counts().notfound);

    if (options_.verify && outcome == RedoOutcome::applied && rmgr != nullptr && rmgr->mask != nullptr &&
        (rec.xl_info & XLR_CHECK_CONSISTENCY) != 0) {
        if (auto r = verify_record_images(ctx_.pages(), rec, *rmgr, c, report_.mismatches,
                                          ReplayReport::kMaxMismatchesListed, &known_difference_pages_);
            !r)
            return make_error(fmt::format("consistency check of the record at {}: {}", format_lsn(rec.lsn),
                                          r.message()));
    }
    return {};
}

Result<void> ReplayRun::checkpoint_state() {
    if (auto r = ctx_.flush_all(); !r) return r;
    // The report counts exactly the records up to state_.apply_lsn in this run.
    state_.rmgr_totals = add_rmgr_totals(base_totals_, report_);
    return write_replay_state(options_.data_dir, state_);
}

// CreateRestartPoint (PG15 xlog.c), at every checkpoint record: everything applied so far is
// made durable, then the replay state records the checkpoint and the apply position.
Result<void> ReplayRun::restartpoint(const RestartpointRequest& rp) {
    state_.last_restartpoint_lsn = rp.checkpoint_lsn;
    state_.last_restartpoint_redo = rp.redo_lsn;
    if (state_.full) {
        last_checkpoint_ = std::exchange(pending_checkpoint_, std::nullopt);
        // CheckPointGuts (pages, SLRUs, CheckPointTwoPhase), then UpdateControlFile with the new
        // checkpoint, then our state.
        if (auto r = ctx_.flush_all(); !r)
            return make_error(fmt::format("restartpoint at {}: {}", format_lsn(rp.checkpoint_lsn), r.message()));
        auto twophase = storage::checkpoint_two_phase(options_.data_dir, state_.pg_major_version, state_, rp.redo_lsn);
        if (!twophase)
            return make_error(fmt::format("restartpoint at {}: {}", format_lsn(rp.checkpoint_lsn), twophase.message()));
        if (*twophase > 0)
            log::info("restartpoint at {}: {} two-phase state file(s) written to pg_twophase", format_lsn(rp.checkpoint_lsn),
                      *twophase);
        if (auto r = update_control_file(); !r)
            return make_error(fmt::format("restartpoint at {}: {}", format_lsn(rp.checkpoint_lsn), r.message()));
    }
    if (auto r = checkpoint_state(); !r)
        return make_error(fmt::format("restartpoint at {}: {}", format_lsn(rp.checkpoint_lsn), r.message()));
    ++report_.restartpoints;
    log::debug("restartpoint at {} (redo {})", format_lsn(rp.checkpoint_lsn), format_lsn(rp.redo_lsn));
    return {};
}

Result<void> ReplayRun::update_control_file() {
    if (!control_) return {};
    storage::ControlFileData& cf = *control_;
    cf.state = storage::DBState::DB_IN_ARCHIVE_RECOVERY;
    cf.time = static_cast<pg_time_t>(std::time(nullptr));
    if (last_checkpoint_ && state_.last_restartpoint_lsn != InvalidXLogRecPtr &&
        state_.last_restartpoint_lsn > cf.checkPoint) {
        cf.checkPoint = state_.last_restartpoint_lsn;
        cf.checkPointCopy = *last_checkpoint_;
    }
    if (state_.min_recovery_point > cf.minRecoveryPoint) {
        cf.minRecoveryPoint = state_.min_recovery_point;
        cf.minRecoveryPointTLI = state_.timeline;
    }
    if (state_.backup_end_lsn != InvalidXLogRecPtr) {
        cf.backupStartPoint = InvalidXLogRecPtr;
        cf.backupEndPoint = InvalidXLogRecPtr;
        cf.backupEndRequired = 0;
    } else {
        cf.backupStartPoint = state_.backup_start_lsn;
        cf.backupEndRequired = 1;
    }
    return storage::write_control_file(options_.data_dir, cf);
}

Result<void> ReplayRun::finish_backup_end() {
    if (auto r = update_control_file(); !r) return r;
    const std::string label = options_.data_dir + "/backup_label";
    std::error_code ec;
    if (!std::filesystem::exists(label, ec)) return {};
    if (::rename(label.c_str(), (label + ".old").c_str()) != 0)
        return make_error(fmt::format("could not rename \"{}\" to \"{}.old\": {}", label, label,
                                      fs::errno_text(errno)));
    return fs::fsync_dir(options_.data_dir);
}

Result<void> ReplayRun::reach_backup_end(XLogRecPtr end_lsn) {
    state_.backup_end_lsn = end_lsn;
    if (state_.min_recovery_point < end_lsn) state_.min_recovery_point = end_lsn;
    if (auto r = checkpoint_state(); !r) return r;
    if (auto r = finish_backup_end(); !r) return r;
    log::info("backup end reached at {}: backup_label renamed backup_label.old, minRecoveryPoint {}; a PostgreSQL "
              "{} server can start on \"{}\" once this standby stops",
              format_lsn(end_lsn), format_lsn(state_.min_recovery_point), state_.pg_major_version, options_.data_dir);
    return {};
}

Result<void> ReplayRun::open_full_directory() {
    auto cf = storage::read_control_file(options_.data_dir);
    if (!cf) return make_error(fmt::format("full data directory: {}", cf.message()));
    control_ = *cf;
    // A cluster with data checksums: every page written carries pd_checksum, as the server's.
    if (control_->data_checksum_version != 0) {
        ctx_.smgr().set_data_checksums(true);
        log::info("full data directory: data checksums on (version {}): pages written carry them",
                  control_->data_checksum_version);
    }
    // restoreTwoPhaseData: the backup's pg_twophase files (transactions prepared before it).
    auto major = pg_version_file_major(options_.data_dir);
    if (!major) return make_error(fmt::format("full data directory: {}", major.message()));
    const WalFormat* format = nullptr;
    for (const WalFormat* f : kWalFormats)
        if (*major && f->major_version == **major) format = f;
    if (format != nullptr) {
        auto loaded = storage::load_twophase_files(options_.data_dir, *format, state_);
        if (!loaded) return make_error(fmt::format("full data directory: {}", loaded.message()));
        if (*loaded > 0) log::info("full data directory: {} prepared transaction(s) found in pg_twophase", *loaded);
    }
    // XLogHintBitIsNeeded(): the free space map is then left as the server would leave it.
    ctx_.smgr().set_xlog_hint_bit_is_needed(control_->data_checksum_version != 0 || control_->wal_log_hints != 0);
    if (state_.backup_end_lsn != InvalidXLogRecPtr) return finish_backup_end();
    return {};
}

// The WAL segments (and timeline history files) from the last restartpoint's redo on, copied
// from the WAL directory into <data_dir>/pg_wal: a server started on the directory begins
// recovery there and needs them before it can stream the rest.
Result<void> ReplayRun::copy_wal_to_pg_wal() {
    if (!control_ || control_->xlog_seg_size == 0) return {};
    const std::uint64_t seg_size = control_->xlog_seg_size;
    const std::uint64_t segs_per_id = 0x100000000ull / seg_size;
    const XLogRecPtr from = state_.last_restartpoint_redo != InvalidXLogRecPtr ? state_.last_restartpoint_redo
                                                                                  : state_.backup_start_lsn;
    const std::uint64_t first_segno = from / seg_size;
    const std::string to = options_.data_dir + "/pg_wal";
    if (auto r = fs::make_dirs(to); !r) return r;
    std::error_code ec;
    int copied = 0;
    for (const auto& entry : std::filesystem::directory_iterator(options_.wal_dir, ec)) {
        const std::string name = entry.path().filename().string();
        const bool hex24 = name.size() == 24 && name.find_first_not_of("0123456789ABCDEF") == std::string::npos;
        const bool history = name.size() == 16 && name.ends_with(".history");
        if (!hex24 && !history) continue;
        if (hex24) {
            const std::uint64_t log_id = std::stoull(name.substr(8, 8), nullptr, 16);
            const std::uint64_t seg = std::stoull(name.substr(16, 8), nullptr, 16);
            if (log_id * segs_per_id + seg < first_segno) continue;
        }
        auto data = fs::read_file(entry.path().string());
        if (!data) return data.error();
        if (auto r = fs::write_file_atomic(to + "/" + name, *data); !r) return r;
        ++copied;
    }
    if (ec) return make_error(fmt::format("could not list \"{}\": {}", options_.wal_dir, ec.message()));
    log::info("{} WAL files from {} on copied into \"{}\"", copied, format_lsn(from), to);
    return {};
}

Result<void> ReplayRun::hand_over() {
    if (!state_.full) return {};
    if (auto r = update_control_file(); !r) return r;
    return copy_wal_to_pg_wal();
}

void ReplayRun::maybe_progress() {
    if (!options_.on_progress) return;
    const auto now = Clock::now();
    if (now - last_progress_ < options_.progress_interval) return;
    last_progress_ = now;
    options_.on_progress(report_, state_.apply_lsn);
}

Result<void> ReplayRun::run(WalReader& reader) {
    for (;;) {
        // The next record starts at or after the end of the last one: do not even read it (it
        // may be past the end of the usable WAL).
        if (options_.end != InvalidXLogRecPtr && report_.records > 0 && state_.apply_lsn >= options_.end) {
            report_.stop_reason = "end LSN reached";
            break;
        }
        const Next next = read_next(reader);
        if (next == Next::stop) {
            report_.stop_reason = "stopped";
            break;
        }
        if (next == Next::end) {
            report_.stop_reason = reader.end_lsn_reached() ? "end LSN reached" : "end of WAL";
            break;
        }
        if (next == Next::corrupt) {
            const bool other_version = !reader.unsupported_version().empty();
            report_.stop_reason = other_version ? "unsupported WAL version" : "corrupt WAL";
            // Everything applied so far is good: keep it.
            auto saved = checkpoint_state();
            const bool ours = corrupt_lsn_ != InvalidXLogRecPtr;
            std::string msg =
                other_version
                    ? fmt::format("{}; replay stopped at {} (apply position {})", reader.unsupported_version(),
                                  format_lsn(reader.error_lsn()), format_lsn(state_.apply_lsn))
                    : fmt::format("invalid WAL record at {}: {}; replay stopped there, the data directory "
                                  "holds every record before it (apply position {})",
                                  format_lsn(ours ? corrupt_lsn_ : reader.error_lsn()),
                                  ours ? corrupt_message_ : reader.error_message(), format_lsn(state_.apply_lsn));
            if (!saved) msg += fmt::format("; saving the replay state failed too: {}", saved.message());
            return make_error(std::move(msg));
        }
        const DecodedRecord& rec = reader.record();
        if (options_.end != InvalidXLogRecPtr && rec.lsn >= options_.end) {
            report_.stop_reason = "end LSN reached";
            break;
        }
        if (!wait_while_paused() || !wait_for_flush_limit(rec)) {
            report_.stop_reason = "stopped";
            break;
        }
        if (report_.records == 0) {
            report_.start_lsn = rec.lsn;
            // Once per run, before anything is applied: the WAL's major version is the one this
            // directory replays (a continuing run learns the WAL's version from its first record).
            if (auto r = check_directory_version(options_.data_dir, state_.pg_major_version, rec); !r) {
                report_.stop_reason = "WAL of another major version";
                return r;
            }
            state_.pg_major_version = rec.format->major_version;
            ctx_.smgr().set_major_version(state_.pg_major_version);  // its tablespace directories
        }
        if (auto r = apply(rec); !r) {
            report_.stop_reason = "redo failed";
            // Not flushed: pages this record half-changed carry its LSN and would look done to
            // a rerun. The directory stays as of the last restartpoint (a rerun redoes from
            // there and stops here again).
            return make_error(fmt::format("{}; the data directory is left as of the last restartpoint ({})",
                                          r.message(), format_lsn(state_.last_restartpoint_lsn)));
        }
        state_.apply_lsn = rec.end_lsn;
        apply_lsn_.store(rec.end_lsn);
        report_.end_lsn = rec.end_lsn;
        if (auto rp = ctx_.take_restartpoint_request())
            if (auto r = restartpoint(*rp); !r) return r;
        if (backup_end_seen_ != InvalidXLogRecPtr)
            if (auto r = reach_backup_end(std::exchange(backup_end_seen_, InvalidXLogRecPtr)); !r) return r;
        if (observer_) observer_(rec);
        maybe_progress();
    }
    if (auto r = checkpoint_state(); !r) return r;
    return hand_over();
}

}  // namespace

Replayer::Replayer(ReplayOptions options) : options_(std::move(options)) {}

Result<void> Replayer::run() {
    const auto started = Clock::now();
    report_ = ReplayReport{};
    report_.verify = options_.verify;
    auto finish = [&](Result<void> r) -> Result<void> {
        report_.seconds = std::chrono::duration<double>(Clock::now() - started).count();
        if (!r) report_.error = r.message();
        return r;
    };

    if (auto r = fs::make_dirs(options_.data_dir); !r) return finish(r);
    auto dir = scan_wal_dir(options_.wal_dir);
    // Following: the receiver may not have written the first segment yet, or only created it
    // (a preallocated file whose first page is not written): wait, checking stop.
    if (options_.follow && !dir)
        log::info("waiting for WAL in \"{}\": {}", options_.wal_dir, dir.message());
    while (options_.follow && !dir && !stop_.load()) {
        const std::uint64_t seen = wakeup_.generation();
        dir = scan_wal_dir(options_.wal_dir);
        if (!dir) wakeup_.wait_changed(seen, options_.poll);
    }
    if (!dir && stop_.load()) {
        report_.stop_reason = "stopped";
        return finish({});
    }
    if (!dir) return finish(dir.error());
    auto saved = read_replay_state(options_.data_dir);
    if (!saved) return finish(saved.error());

    ReplayState state = saved->value_or(ReplayState{});
    // recovery_target_timeline = 'latest': the newest timeline whose history file is here,
    // probing from the newest timeline of the segments (or of the replay state).
    const TimeLineID target = find_newest_timeline(options_.wal_dir, std::max(dir->tli, state.timeline));
    DirectorySource source(options_.wal_dir, target, dir->seg_size);
    if (auto r = source.load_history(); !r) return finish(r);
    if (state.timeline != 0 && !tli_in_history(state.timeline, source.history()))
        return finish(make_error(fmt::format(
            "the replay state in \"{}\" is on timeline {}, which is not in the history of timeline {} (\"{}/{}\"): the "
            "WAL directory holds another server's timeline; remove the data directory to start over",
            options_.data_dir, state.timeline, target, options_.wal_dir, history_file_name(target))));
    // A standby's replayer never reads past the receiver's flushed position (set_flush_limit).
    WalReaderOptions reader_options;
    reader_options.readable_limit = &flush_limit_;
    WalReader reader(source, reader_options);

    XLogRecPtr first = InvalidXLogRecPtr;
    if (*saved && state.apply_lsn != InvalidXLogRecPtr) {
        if (options_.start != InvalidXLogRecPtr && options_.start > state.apply_lsn)
            return finish(make_error(fmt::format(
                "--start {} is after the apply position {} of the replay state in \"{}\": records in between "
                "would be skipped; remove the data directory to start over, or omit --start",
                format_lsn(options_.start), format_lsn(state.apply_lsn), options_.data_dir)));
        // XLogBeginRead at the end of the last applied record (the reader skips a page header).
        first = state.apply_lsn;
        reader.begin_read(first);
        log::info("continuing replay at {} (replay state; last restartpoint {})", format_lsn(first),
                  format_lsn(state.last_restartpoint_lsn));
    } else {
        XLogRecPtr from = options_.start;
        if (from == InvalidXLogRecPtr) {
            auto redo = find_first_checkpoint_redo(reader, segno_to_lsn(dir->first_segno, dir->seg_size));
            if (!redo) return finish(redo.error());
            from = *redo;
        }
        auto found = find_start_record(reader, source, from, options_, stop_, wakeup_);
        if (!found) return finish(found.error());
        first = *found;
        if (first == InvalidXLogRecPtr && stop_.load()) {
            report_.stop_reason = "stopped";
            return finish({});
        }
        if (first == InvalidXLogRecPtr)
            return finish(make_error(fmt::format("could not find a valid WAL record at or after {} in \"{}\"{}",
                                                 format_lsn(from), options_.wal_dir,
                                                 reader.end_reason().empty() ? "" : ": " + reader.end_reason())));
    }
    // A first start replays on the timeline the history gives its first record (the checkpoint's
    // timeline, as StartupXLOG takes it from the checkpoint record).
    if (state.timeline == 0) state.timeline = tli_of_point_in_history(first, source.history()).value_or(target);
    replay_tli_.store(state.timeline);
    if (state.timeline != target)
        log::info("replaying timeline {} towards timeline {} (history \"{}\")", state.timeline, target,
                  history_file_name(target));
    if (!*saved) {
        // A fresh start decides, once and from the directory as given, whether commit timestamps
        // are active (StartupCommitTs: a copy of a primary with track_commit_timestamp = on has
        // pg_commit_ts segments), and records the start durably before anything is applied:
        // a rerun after kill -9 must not re-decide from files the killed run wrote.
        if (!state.commit_ts_active) {
            std::error_code ec;
            const auto dir_ts = std::filesystem::path(options_.data_dir) / "pg_commit_ts";
            state.commit_ts_active =
                std::filesystem::is_directory(dir_ts, ec) && !std::filesystem::is_empty(dir_ts, ec);
        }
        state.apply_lsn = first;
        if (options_.full) {
            state.full = true;
            state.backup_start_lsn = options_.backup_start;
        }
        // The WAL's major version, known once its first record is found.
        if (reader.format() != nullptr) state.pg_major_version = reader.format()->major_version;
        if (auto r = write_replay_state(options_.data_dir, state); !r) return finish(r);
    }
    report_.start_lsn = first;
    report_.end_lsn = state.apply_lsn != InvalidXLogRecPtr ? state.apply_lsn : first;
    apply_lsn_.store(report_.end_lsn);

    ReplayRun run(options_, report_, state, stop_, paused_, flush_limit_, apply_lsn_, wakeup_, observer_, source,
                  replay_tli_);
    if (state.full)
        if (auto r = run.open_full_directory(); !r) return finish(r);
    return finish(run.run(reader));
}

}  // namespace understudy::redo
