#include "standby/standby.h"

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "backup/base_backup.h"
#include "backup/slot.h"
#include "common/dir_lock.h"
#include "common/fs.h"
#include "common/latency_trace.h"
#include "common/log.h"
#include "receiver/connection.h"
#include "receiver/protocol.h"
#include "receiver/walreceiver.h"
#include "receiver/wal_writer.h"
#include "redo/replay_state.h"
#include "redo/replayer.h"
#include "wal/rmgr_desc.h"
#include "standby/clock_skew.h"
#include "standby/http.h"
#include "standby/lag.h"
#include "standby/link_state.h"
#include "standby/primary_info.h"
#include "standby/progress.h"
#include "standby/replay_tracker.h"
#include "standby/retire.h"
#include "standby/service_notify.h"
#include "standby/status.h"

namespace understudy::standby {

namespace {

using SteadyClock = std::chrono::steady_clock;

// The shared view of the last status, read by the HTTP thread.
struct SharedStatus {
    std::mutex mu;
    StandbyStatus status;
};

// Wakes the coordinator early (a thread ended, a commit was applied).
struct Wakeup {
    std::mutex mu;
    std::condition_variable cv;
    bool woken = false;
    void notify() {
        {
            std::lock_guard lock(mu);
            woken = true;
        }
        cv.notify_one();
    }
    void wait(std::chrono::milliseconds max) {
        std::unique_lock lock(mu);
        cv.wait_for(lock, max, [this] { return woken; });
        woken = false;
    }
};

// What a standby directory may hold (anything else: it is someone else's directory).
bool is_standby_entry(const std::string& name) {
    static const std::set<std::string> kKnown = {"pg_wal",    "data",      "data.partial", "status.json", "status.json.tmp",
                                                 "lag.jsonl", kDirLockFileName, kPrimaryFileName, "primary.json.tmp"};
    return kKnown.contains(name) || is_rotated_name(name, "lag.jsonl");
}

// --dir exists (or is created) and is writable, and holds nothing but a standby's files.
Result<void> prepare_standby_dir(const std::string& dir) {
    if (auto r = fs::make_dirs(dir); !r)
        return make_error(fmt::format("--dir \"{}\": {}; give a directory you can create and write", dir, r.message()));
    const std::string probe = dir + "/.understudy-write-test";
    {
        std::ofstream f(probe);
        f << "x";
        f.flush();
        if (!f)
            return make_error(fmt::format("--dir \"{}\" is not writable ({}); give a directory you can write to", dir,
                                          fs::errno_text(errno)));
    }
    std::filesystem::remove(probe);
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
        const std::string name = e.path().filename().string();
        if (!is_standby_entry(name))
            return make_error(fmt::format("--dir \"{}\" is not empty and is not an understudy standby directory (it "
                                          "holds \"{}\"); give an empty or new directory",
                                          dir, name));
    }
    if (ec) return make_error(fmt::format("--dir \"{}\": could not list it: {}", dir, ec.message()));
    return {};
}

// A directory already used for a standby must be one of this primary's system.
Result<void> check_standby_identity(const std::string& dir, std::uint64_t system_identifier) {
    const std::string ident_path = dir + "/pg_wal/" + receiver::kIdentFileName;
    auto text = fs::read_file(ident_path);
    if (!text) return {};  // new directory
    auto ident = receiver::ident_from_json(*text, ident_path);
    if (!ident) return ident.error();
    if (ident->system_identifier != system_identifier)
        return make_error(fmt::format("--dir \"{}\" holds a standby of database system {}, but the primary is system "
                                      "{}; give an empty --dir for this primary",
                                      dir, ident->system_identifier, system_identifier));
    return {};
}

std::string rmgr_label(std::size_t id) {
    const RmgrDesc* info = find_rmgr_desc(static_cast<std::uint8_t>(id));
    return info != nullptr ? info->name : fmt::format("rmgr{}", id);
}

std::vector<RmgrReplayCounters> rmgr_counters(const redo::ReplayReport& r) {
    std::vector<RmgrReplayCounters> out;
    for (std::size_t id = 0; id < r.rmgrs.size(); ++id) {
        const redo::RmgrCounters& c = r.rmgrs[id];
        if (c.records == 0) continue;
        out.push_back(RmgrReplayCounters{rmgr_label(id), c.records, c.applied, c.images_checked, c.images_mismatched});
    }
    return out;
}

// Every run's counters: the replay state's totals at this run's start plus this run's.
std::vector<RmgrReplayCounters> rmgr_totals(const std::vector<RmgrTotals>& base, const redo::ReplayReport& r) {
    std::vector<RmgrReplayCounters> out;
    for (const RmgrTotals& t : redo::add_rmgr_totals(base, r))
        out.push_back(RmgrReplayCounters{rmgr_label(t.rmgr_id), t.records, t.applied, t.images_checked,
                                         t.images_mismatched});
    return out;
}

// The replayer's longest wait without a wake-up, and the coordinator's tick (status, progress,
// pause, feedback, forwarding the apply position of non-commit records when caught up). Neither
// is on the path flush -> apply -> reply, which is driven by wake-ups.
constexpr std::chrono::milliseconds kReplaySafetyTimeout{500};
constexpr std::chrono::milliseconds kCoordinatorTick{100};

// Names the calling thread (top -H, /proc/<pid>/task/*/comm; at most 15 characters).
void name_this_thread(const char* name) { ::pthread_setname_np(::pthread_self(), name); }

double steady_seconds() {
    return std::chrono::duration<double>(SteadyClock::now().time_since_epoch()).count();
}

// Says which slot holds WAL back on the primary, how much now, and how to let it go.
void log_slot_lifecycle(const std::string& dir, const std::string& slot, const PrimaryInfo& p) {
    const std::uint64_t held = p.current_lsn > p.slot_restart_lsn && p.slot_restart_lsn != InvalidXLogRecPtr
                                   ? p.current_lsn - p.slot_restart_lsn
                                   : 0;
    const std::string limit = p.max_slot_wal_keep_size == "-1" || p.max_slot_wal_keep_size.empty()
                                  ? std::string("unlimited: max_slot_wal_keep_size = -1")
                                  : fmt::format("up to max_slot_wal_keep_size = {}", p.max_slot_wal_keep_size);
    // Always said, whatever the log level: it is about the primary's disk.
    log::write(log::Level::Info,
               fmt::format("using {} physical replication slot \"{}\" on the primary: it holds back {} bytes of WAL "
                           "now (restart_lsn {}, primary at {}); the primary keeps all WAL from the slot's restart_lsn "
                           "on while the slot exists, also while this standby is stopped ({}); `understudy retire "
                           "--dir {}` drops it",
                           p.slot_created ? "new" : "existing", slot, held, format_lsn(p.slot_restart_lsn),
                           format_lsn(p.current_lsn), limit, dir));
}

// One run of the standby, in the order a reader follows it: open_directory (checks, locks),
// connect_primary (identity, slot), build_replayer and build_receiver (the two threads' options
// and the hooks that tie them together), start_receiver, start_http, then coordinate (one tick
// per wake-up: apply_pause, start_replay_when_flushed, forward_apply, send_feedback,
// report_progress, publish_status) until a stop or a thread ends, and finish (join, final status,
// the outcome). The steps share this object's members the way walreceiver.c's
// XLogWalRcvProcessMsg / XLogWalRcvFlush / XLogWalRcvSendReply share its static state.
class StandbyRun {
public:
    StandbyRun(const StandbyOptions& opts, const std::atomic<bool>& stop, const std::atomic<bool>& pause)
        : opts_(opts),
          stop_(stop),
          pause_(pause),
          wal_dir_(opts.dir + "/pg_wal"),
          data_dir_(opts.dir + "/data"),
          status_path_(opts.dir + "/status.json"),
          lag_(static_cast<std::int64_t>(opts.status_interval.count()) * 1000),
          history_(opts.dir + "/lag.jsonl", opts.lag_history) {}

    Result<void> run() {
        if (auto r = open_directory(); !r) return r;
        if (auto r = connect_primary(); !r) return r;
        open_trace();
        build_replayer();
        build_receiver();
        start_receiver();
        if (auto r = start_http(); !r) {
            stop_threads();
            return r;
        }
        coordinate();
        return finish();
    }

private:
    // --dir: checked, created, locked (DIR, then after the primary answered DIR/pg_wal, DIR/data).
    Result<void> open_directory() {
        dir_existed_ = std::filesystem::exists(opts_.dir);
        if (auto r = prepare_standby_dir(opts_.dir); !r) return r;
        // One writer per directory: DIR, DIR/pg_wal and DIR/data are each locked (a `receive` into
        // DIR/pg_wal or a `replay` into DIR/data is refused while this runs).
        auto dir_lock = DirLock::acquire(opts_.dir, "understudy standby", fmt::format("--dir \"{}\"", opts_.dir));
        if (!dir_lock) return dir_lock.error();
        dir_lock_.emplace(std::move(*dir_lock));
        auto notifier = ServiceNotifier::from_environment();  // systemd Type=notify (standby/service_notify.h)
        if (!notifier) return notifier.error();
        notifier_.emplace(std::move(*notifier));
        return {};
    }

    // The primary's system, timeline, checkpoint redo and slot; then the directory's identity,
    // the pg_wal and data locks and DIR/primary.json.
    Result<void> connect_primary() {
        auto primary = query_primary(opts_.conninfo, opts_.slot, opts_.base_backup);
        if (!primary) {
            // A refused or unreachable primary leaves no trace: the directory this run created
            // (holding only its lock file) goes again.
            std::error_code ec;
            if (!dir_existed_) {
                dir_lock_->release();  // removes the lock file
                if (std::filesystem::is_empty(opts_.dir, ec)) std::filesystem::remove(opts_.dir, ec);
            }
            return primary.error();
        }
        primary_ = *primary;
        if (auto r = check_standby_identity(opts_.dir, primary_.system_identifier); !r) return r;
        auto wal_lock = DirLock::acquire(wal_dir_, "understudy standby", fmt::format("--dir \"{}\" (pg_wal)", opts_.dir));
        if (!wal_lock) return wal_lock.error();
        wal_lock_.emplace(std::move(*wal_lock));
        if (auto r = take_base_backup(); !r) return r;
        auto data_lock = DirLock::acquire(data_dir_, "understudy standby", fmt::format("--dir \"{}\" (data)", opts_.dir));
        if (!data_lock) return data_lock.error();
        data_lock_.emplace(std::move(*data_lock));
        if (auto r = save_primary_file(opts_.dir, opts_.conninfo, opts_.slot); !r) return r;
        log::info("primary: system {}, timeline {}, latest checkpoint redo {}, slot \"{}\" restart_lsn {}{}",
                  primary_.system_identifier, primary_.timeline, format_lsn(primary_.redo_lsn), opts_.slot,
                  format_lsn(primary_.slot_restart_lsn), primary_.slot_created ? " (created)" : "");
        log_slot_lifecycle(opts_.dir, opts_.slot, primary_);
        return {};
    }

    // --base-backup into an empty DIR: the slot exists (connect_primary), so the WAL from the
    // backup's start on is kept; the backup goes to DIR/data with standby.signal and
    // primary_conninfo as pg_basebackup -R writes them. A DIR/data from an earlier run is kept.
    Result<void> take_base_backup() {
        if (!opts_.base_backup) return {};
        std::error_code ec;
        if (std::filesystem::exists(data_dir_, ec)) {
            log::info("--base-backup: \"{}\" exists already (an earlier run's); continuing from it", data_dir_);
            return {};
        }
        backup::BaseBackupOptions bopts;
        bopts.conninfo = opts_.conninfo;
        bopts.application_name = opts_.application_name;
        bopts.dir = opts_.dir;
        bopts.slot = opts_.slot;
        bopts.fast_checkpoint = opts_.base_backup_fast_checkpoint;
        bopts.write_recovery_conf = true;
        using P = StandbyOptions::Progress;
        using BP = backup::BaseBackupOptions::Progress;
        bopts.progress = opts_.progress == P::terminal ? BP::terminal
                         : opts_.progress == P::plain  ? BP::plain
                         : opts_.progress == P::off    ? BP::off
                                                       : BP::automatic;
        bopts.progress_interval = opts_.progress_interval;
        auto result = backup::take_base_backup(bopts);
        if (!result) {
            // A slot this run created goes with the failed backup: nothing would stream from
            // it, and it would hold the primary's WAL back until someone drops it.
            if (primary_.slot_created) drop_created_slot();
            return make_error(fmt::format("--base-backup: {}", result.message()));
        }
        log::info("base backup in \"{}\": {} files, {} bytes, WAL from {} (checkpoint {}) on timeline {}",
                  result->data_dir, result->files, result->bytes, format_lsn(result->start_lsn),
                  format_lsn(result->checkpoint_lsn), result->timeline);
        return {};
    }

    void drop_created_slot() {
        receiver::PgConnPtr conn(PQconnectdb(opts_.conninfo.c_str()));
        auto r = PQstatus(conn.get()) == CONNECTION_OK
                     ? backup::drop_physical_slot(conn.get(), opts_.slot)
                     : Result<void>(make_error(receiver::one_line(PQerrorMessage(conn.get()))));
        if (r)
            log::info("dropped the slot \"{}\" this run created for the backup", opts_.slot);
        else
            log::warning("could not drop the slot \"{}\" this run created ({}): drop it on the primary with "
                         "select pg_drop_replication_slot('{}')",
                         opts_.slot, r.message(), opts_.slot);
    }

    // UNDERSTUDY_TRACE_PATH=FILE: trace every commit's path through the standby (received,
    // written, fsynced, replayer woken, applied, reply sent), log a summary at the end and
    // write one CSV line per commit to FILE.
    void open_trace() {
        const char* path = std::getenv("UNDERSTUDY_TRACE_PATH");
        if (path == nullptr || *path == '\0') return;
        trace_path_ = path;
        trace_ = std::make_unique<LatencyTrace>();
    }

    // The replayer: where it starts (an empty standby: sparse at the checkpoint's redo), and the
    // hooks that publish its counters, wake replies for applied commits and for catching up.
    void build_replayer() {
        redo::ReplayOptions ropts;
        ropts.trace = trace_.get();
        ropts.wal_dir = wal_dir_;
        ropts.data_dir = data_dir_;
        ropts.follow = true;
        ropts.verify = opts_.verify;
        ropts.cache_pages = opts_.cache_pages;
        // The receiver wakes the replayer after each flush (on_flushed, build_receiver); this is
        // only the safety-net timeout of its waits.
        ropts.poll = kReplaySafetyTimeout;
        ropts.progress_interval = opts_.status_interval;
        fresh_ = !std::filesystem::exists(understudy::replay_state_path(data_dir_));
        auto label = backup_label_start();
        if (fresh_ && label) {
            // A base backup's directory: replay from its start, as a server restoring it would.
            ropts.start = label->start_lsn;
            ropts.full = true;
            ropts.backup_start = label->start_lsn;
            start_lsn_ = ropts.start;
            log::info("standby from a base backup: starting at its start {} (checkpoint {}); the directory is full "
                      "(global/pg_control kept at every restartpoint; a server of the primary's version can start on it "
                      "once the backup's end is replayed and this standby stops)",
                      format_lsn(label->start_lsn), format_lsn(label->checkpoint_lsn));
        } else if (fresh_) {
            // Always the redo point: a sparse start is consistent only from a checkpoint's redo (every
            // page touched after it comes with a full-page image first). A slot kept from an earlier
            // standby may be past it; streaming starts at the redo point anyway (a physical slot does
            // not forbid that, and the primary keeps the WAL since its latest checkpoint's redo).
            ropts.start = primary_.redo_lsn;
            start_lsn_ = ropts.start;
            log::info("empty standby: starting sparse at {}", format_lsn(ropts.start));
        }
        // The totals of earlier runs (the replayer reads the same state when it starts; only it
        // writes the file, and not before it runs).
        if (auto saved = read_replay_state(data_dir_); saved && *saved) base_totals_ = (*saved)->rmgr_totals;
        // The replayer's counters, snapshotted on its thread once per status interval.
        ropts.on_progress = [this](const redo::ReplayReport& r, XLogRecPtr) { publish_report(r); };
        replayer_ = std::make_unique<redo::Replayer>(ropts);
        replayer_->set_flush_limit(1);  // nothing until the receiver says what is flushed
        // On the replay thread, after each applied record: the next reply carries its end; a
        // replayed commit/abort is acknowledged at once (WalRcvForceReply, for remote_apply).
        replayer_->set_apply_observer([this](const DecodedRecord& rec) {
            const bool commit = tracker_.on_record(rec);
            if (commit && trace_) trace_->mark(LatencyTrace::Point::applied, rec.end_lsn);
            rcv_->set_apply_lsn(rec.end_lsn, commit);
            if (commit) apply_replied_ = rec.end_lsn;
        });
        // Caught up with the flushed WAL after records that are not commits (a checkpoint, a vacuum):
        // reply now rather than at the next periodic reply or coordinator tick, so the primary's
        // replay_lag does not count our waiting (PG15's startup process does not do this; its
        // standby's replay_lag shows such waits as spikes).
        replayer_->set_caught_up_observer([this](XLogRecPtr apply) {
            if (apply <= apply_replied_) return;
            apply_replied_ = apply;
            rcv_->set_apply_lsn(apply, true);
        });
    }

    // DIR/data/backup_label's start, when DIR/data came from a base backup.
    std::optional<backup::BackupLabel> backup_label_start() const {
        auto text = fs::read_file(data_dir_ + "/backup_label");
        if (!text) return std::nullopt;
        auto label = backup::parse_backup_label(*text);
        if (!label) {
            log::warning("\"{}/backup_label\": {}; starting as an empty standby", data_dir_, label.message());
            return std::nullopt;
        }
        return *label;
    }

    // The replayer's report as status.json shows it (any thread).
    void publish_report(const redo::ReplayReport& r) {
        std::string j = redo::report_to_json(r);
        auto c = rmgr_counters(r);
        auto t = rmgr_totals(base_totals_, r);
        std::lock_guard lock(report_mu_);
        report_json_ = std::move(j);
        counters_ = std::move(c);
        totals_ = std::move(t);
    }

    // The walreceiver: connection, slot, start (an empty standby's), reply and timeout intervals,
    // and the hooks feeding lag, clock skew and the replayer's flush limit.
    void build_receiver() {
        receiver::ReceiverOptions rcv_opts;
        rcv_opts.conninfo = opts_.conninfo;
        rcv_opts.application_name = opts_.application_name;
        rcv_opts.wal_dir = wal_dir_;
        rcv_opts.slot = opts_.slot;
        if (fresh_) rcv_opts.start_lsn = start_lsn_;
        rcv_opts.status_interval = opts_.reply_interval;
        rcv_opts.timeout = opts_.timeout;
        rcv_opts.handle_signals = false;
        rcv_opts.hot_standby_feedback = opts_.hot_standby_feedback;
        if (primary_.clock_primary != 0)
            skew_.on_round_trip(primary_.clock_sent, primary_.clock_primary, primary_.clock_received);
        rcv_opts.trace = trace_.get();
        rcv_opts.on_primary_message = [this](XLogRecPtr data_end, XLogRecPtr wal_end, std::int64_t send_time) {
            skew_.on_message(send_time, receiver::current_timestamp());
            lag_.on_primary_message(data_end, wal_end, send_time);
        };
        rcv_opts.on_round_trip = [this](std::int64_t sent, std::int64_t primary_time, std::int64_t received) {
            skew_.on_round_trip(sent, primary_time, received);
        };
        // On the receiver's thread, right after each fsync: raise the replayer's limit and wake it
        // (WakeupRecovery); the first one also wakes the coordinator to start the replay thread.
        rcv_opts.on_flushed = [this](XLogRecPtr flushed) {
            replayer_->set_flush_limit(flushed);
            if (!replay_started_.load()) wakeup_.notify();
        };
        rcv_ = std::make_unique<receiver::WalReceiver>(rcv_opts);
    }

    void start_receiver() {
        rcv_thread_ = std::thread([this] {
            name_this_thread("us-receiver");
            rcv_result_ = rcv_->run();
            rcv_done_.store(true);
            wakeup_.notify();
        });
    }

    // The replayer waits (following) for its segments and start record; it starts once the
    // receiver has a position so that a receiver failing at once is reported alone.
    void start_replay() {
        replay_started_.store(true);
        replay_thread_ = std::thread([this] {
            name_this_thread("us-replay");
            replay_result_ = replayer_->run();
            replay_done_.store(true);
            wakeup_.notify();
        });
    }

    void stop_threads() {
        rcv_->request_stop();
        replayer_->stop();
        rcv_thread_.join();
        if (replay_thread_.joinable()) replay_thread_.join();
    }

    // /status and /metrics from the last published status (--http).
    Result<void> start_http() {
        if (opts_.http_host.empty()) return {};
        http_ = std::make_unique<HttpServer>(opts_.http_host, opts_.http_port, [this](const std::string& path) {
            std::lock_guard lock(shared_.mu);
            if (path == "/status") return HttpResponse{200, "application/json", status_to_json(shared_.status)};
            if (path == "/metrics")
                return HttpResponse{200, "text/plain; version=0.0.4", status_to_metrics(shared_.status)};
            return HttpResponse{404, "text/plain", "not found: try /status or /metrics\n"};
        });
        if (auto r = http_->start(); !r) return r;
        log::info("serving /status and /metrics on http://{}:{}", opts_.http_host, opts_.http_port);
        return {};
    }

    // The coordinator loop: woken by a thread's end, the first flush, or every tick.
    void coordinate() {
        using Progress = StandbyOptions::Progress;
        terminal_ = opts_.progress == Progress::terminal ||
                    (opts_.progress == Progress::automatic && ::isatty(STDERR_FILENO) == 1);
        progress_.emplace(terminal_, std::chrono::duration<double>(opts_.progress_interval).count());
        st_.system_identifier = primary_.system_identifier;
        st_.timeline = primary_.timeline;
        st_.verify = opts_.verify;
        last_apply_forward_ = SteadyClock::now();
        next_status_ = SteadyClock::now();
        while (!stop_.load() && !rcv_done_.load() && !replay_done_.load()) {
            wakeup_.wait(kCoordinatorTick);
            apply_pause();
            const XLogRecPtr flushed = rcv_->flushed_lsn();
            if (flushed != InvalidXLogRecPtr && !replay_thread_.joinable()) start_replay();
            const XLogRecPtr apply = replayer_->apply_lsn();
            const auto now = SteadyClock::now();
            forward_apply(flushed, apply, now);
            send_feedback();
            const LagSnapshot lags = lag_.update(rcv_->received_lsn(), flushed, apply, receiver::current_timestamp());
            if (auto w = skew_.take_warning()) log::warning("{}", *w);
            notifier_->tick({lags.primary_wal_end, flushed, apply, replay_thread_.joinable()});
            report_progress(lags, apply);
            if (now < next_status_) continue;
            next_status_ = now + opts_.status_interval;
            publish_status(lags, flushed, apply);
        }
        notifier_->stopping(stop_.load() ? "stop requested" : "a thread ended");
    }

    // SIGUSR1/SIGUSR2 (pause()/resume()) reach the replayer.
    void apply_pause() {
        if (pause_.load() == replayer_->paused()) return;
        if (pause_.load()) replayer_->pause();
        else replayer_->resume();
        log::info("replay {}", pause_.load() ? "paused" : "resumed");
    }

    // Other records than commits: the apply position goes out with the next reply (the observer
    // stores it), and at once (a wake-up) when replay has caught up with the flushed WAL (quiet)
    // or every 100 ms under load.
    void forward_apply(XLogRecPtr flushed, XLogRecPtr apply, SteadyClock::time_point now) {
        if (apply == last_apply_sent_) return;
        if (apply < flushed && now - last_apply_forward_ < std::chrono::milliseconds(100)) return;
        rcv_->set_apply_lsn(apply);
        last_apply_sent_ = apply;
        last_apply_forward_ = now;
    }

    // hot_standby_feedback: the oldest xid replay has seen running.
    void send_feedback() {
        if (!opts_.hot_standby_feedback) return;
        const FeedbackXmin fx = tracker_.oldest_running();
        rcv_->set_feedback_xmin(fx.xmin, fx.epoch);
    }

    // The catch-up line: redrawn on a terminal, log lines otherwise.
    void report_progress(const LagSnapshot& lags, XLogRecPtr apply) {
        if (opts_.progress == StandbyOptions::Progress::off || !replay_thread_.joinable() ||
            apply == InvalidXLogRecPtr)
            return;
        const std::uint64_t behind = lags.primary_wal_end > apply ? lags.primary_wal_end - apply : 0;
        auto line = progress_->update(steady_seconds(), behind, apply);
        if (!line) return;
        if (terminal_) {
            std::fputs(line->c_str(), stderr);
            std::fflush(stderr);
        } else {
            log::write(log::Level::Info, *line);
        }
    }

    // Every status interval: systemd's STATUS=, DIR/status.json, DIR/lag.jsonl, HTTP's view.
    void publish_status(const LagSnapshot& lags, XLogRecPtr flushed, XLogRecPtr apply) {
        fill_status(lags, flushed, apply);
        notifier_->status(st_);
        if (auto r = fs::write_file_atomic(status_path_, status_to_json(st_)); !r) log::warning("{}", r.message());
        if (auto r = history_.append(status_to_lag_line(st_)); !r) log::warning("{}", r.message());
        std::lock_guard lock(shared_.mu);
        shared_.status = st_;
    }

    void fill_status(const LagSnapshot& lags, XLogRecPtr flushed, XLogRecPtr apply) {
        // The directory's files (replay state, pg_control): small, read at each status interval.
        if (auto m = read_directory_mode(opts_.dir)) st_.directory = *m;
        st_.primary_wal_end_lsn = lags.primary_wal_end;
        st_.received_lsn = rcv_->received_lsn();
        st_.flushed_lsn = flushed;
        st_.applied_lsn = apply;
        // The replayed timeline once replay has started; until then the primary's.
        if (const TimeLineID tli = replayer_->replay_timeline(); tli != 0) st_.timeline = tli;
        if (const TimeLineID tli = rcv_->timeline(); tli != 0) st_.received_timeline = tli;
        const LinkView link = link_view(rcv_->activity(), flushed != InvalidXLogRecPtr, rcv_->last_message_receipt_time(),
                                        receiver::current_timestamp(), silence_limit(opts_.reply_interval), lags.seconds);
        st_.lag_seconds = link.lag_seconds;
        st_.state = link.state;
        st_.last_msg_receipt_time = rcv_->last_message_receipt_time();
        st_.seconds_since_last_message = link.seconds_since_last_message;
        // The slot's restart_lsn follows the flush position our replies confirm.
        st_.slot = opts_.slot;
        st_.slot_restart_lsn = std::max(primary_.slot_restart_lsn, flushed);
        st_.slot_retained_bytes =
            lags.primary_wal_end > st_.slot_restart_lsn ? lags.primary_wal_end - st_.slot_restart_lsn : 0;
        st_.last_applied_commit_time = tracker_.last_commit_time();
        st_.replay_paused = replayer_->paused();
        st_.feedback_xmin = opts_.hot_standby_feedback ? tracker_.oldest_running().xmin : 0;
        st_.reconnects = rcv_->reconnects_by_reason();
        if (auto e = skew_.estimate()) st_.clock_skew_seconds = e->seconds;
        else st_.clock_skew_seconds.reset();
        st_.clock_round_trips = skew_.round_trips();
        st_.updated_at = std::chrono::system_clock::now();
        std::lock_guard lock(report_mu_);
        st_.replay_json = report_json_;
        st_.rmgrs = counters_;
        st_.rmgr_totals = totals_;
    }

    // Both threads joined: the trace summary, the final status (the replayer's complete report,
    // the positions both threads ended at) and which thread's failure ends the run.
    Result<void> finish() {
        stop_threads();
        http_.reset();
        if (trace_) {
            const auto paths = trace_->analyze();
            log::write(log::Level::Info, LatencyTrace::summary(paths));  // asked for: whatever the log level
            if (auto r = LatencyTrace::write_csv(trace_path_, paths); !r) log::warning("{}", r.message());
        }
        publish_report(replayer_->report());
        const XLogRecPtr final_apply = replayer_->apply_lsn();
        const LagSnapshot lags =
            lag_.update(rcv_->received_lsn(), rcv_->flushed_lsn(), final_apply, receiver::current_timestamp());
        fill_status(lags, rcv_->flushed_lsn(), final_apply);
        st_.state = "stopped";
        if (auto r = fs::write_file_atomic(status_path_, status_to_json(st_)); !r) log::warning("{}", r.message());
        if (!replay_result_) return make_error(fmt::format("replay failed: {}", replay_result_.message()));
        if (!rcv_result_) return make_error(fmt::format("receiver failed: {}", rcv_result_.message()));
        if (!stop_.load() && rcv_done_.load()) return make_error("the receiver ended (the primary shut down?)");
        log::info("stopped: received {}, flushed {}, applied {}", format_lsn(st_.received_lsn),
                  format_lsn(st_.flushed_lsn), format_lsn(st_.applied_lsn));
        return {};
    }

    const StandbyOptions& opts_;
    const std::atomic<bool>& stop_;
    const std::atomic<bool>& pause_;
    const std::string wal_dir_, data_dir_, status_path_;
    bool dir_existed_ = false;
    std::optional<DirLock> dir_lock_, wal_lock_, data_lock_;
    std::optional<ServiceNotifier> notifier_;
    PrimaryInfo primary_;
    std::unique_ptr<LatencyTrace> trace_;
    std::string trace_path_;
    bool fresh_ = false;
    XLogRecPtr start_lsn_ = InvalidXLogRecPtr;
    std::vector<RmgrTotals> base_totals_;
    // The replayer's counters as last published (report_mu_).
    std::mutex report_mu_;
    std::string report_json_;
    std::vector<RmgrReplayCounters> counters_, totals_;
    LagTracker lag_;
    ClockSkewEstimator skew_;
    ReplayTracker tracker_;
    Wakeup wakeup_;
    // Declared before the threads' objects use them; rcv_ is built after replayer_ (the replayer's
    // observers call rcv_ only once the replay thread runs, which is after both exist).
    std::unique_ptr<redo::Replayer> replayer_;
    std::unique_ptr<receiver::WalReceiver> rcv_;
    XLogRecPtr apply_replied_ = InvalidXLogRecPtr;  // replay thread only: the last position it asked a reply for
    std::atomic<bool> replay_started_{false};
    Result<void> rcv_result_{};
    Result<void> replay_result_{};
    std::atomic<bool> rcv_done_{false}, replay_done_{false};
    std::thread rcv_thread_, replay_thread_;
    SharedStatus shared_;
    std::unique_ptr<HttpServer> http_;
    bool terminal_ = false;
    std::optional<CatchUpProgress> progress_;
    StandbyStatus st_;
    XLogRecPtr last_apply_sent_ = InvalidXLogRecPtr;
    SteadyClock::time_point last_apply_forward_, next_status_;
    LagHistoryWriter history_;
};

}  // namespace

Result<void> Standby::run() { return StandbyRun(opts_, stop_, pause_).run(); }

}  // namespace understudy::standby
