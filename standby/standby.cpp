#include "standby/standby.h"

#include <pthread.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "common/fs.h"
#include "common/latency_trace.h"
#include "common/log.h"
#include "receiver/protocol.h"
#include "receiver/walreceiver.h"
#include "receiver/wal_writer.h"
#include "redo/replay_state.h"
#include "redo/replayer.h"
#include "wal/rmgr_desc.h"
#include "standby/clock_skew.h"
#include "standby/http.h"
#include "standby/lag.h"
#include "standby/primary_info.h"
#include "standby/progress.h"
#include "standby/replay_tracker.h"
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
    static const std::set<std::string> kKnown = {"pg_wal", "data", "status.json", "status.json.tmp", "lag.jsonl"};
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

}  // namespace

Result<void> Standby::run() {
    const std::string wal_dir = opts_.dir + "/pg_wal";
    const std::string data_dir = opts_.dir + "/data";
    const bool dir_existed = std::filesystem::exists(opts_.dir);
    if (auto r = prepare_standby_dir(opts_.dir); !r) return r;

    auto primary = query_primary(opts_.conninfo, opts_.slot);
    if (!primary) {
        // A refused or unreachable primary leaves no trace: the directory this run created
        // (still empty) goes again.
        std::error_code ec;
        if (!dir_existed && std::filesystem::is_empty(opts_.dir, ec)) std::filesystem::remove(opts_.dir, ec);
        return primary.error();
    }
    if (auto r = check_standby_identity(opts_.dir, primary->system_identifier); !r) return r;
    for (const auto& d : {wal_dir, data_dir})
        if (auto r = fs::make_dirs(d); !r) return make_error(fmt::format("--dir \"{}\": {}", opts_.dir, r.message()));
    log::info("primary: system {}, timeline {}, latest checkpoint redo {}, slot \"{}\" restart_lsn {}{}",
              primary->system_identifier, primary->timeline, format_lsn(primary->redo_lsn), opts_.slot,
              format_lsn(primary->slot_restart_lsn), primary->slot_created ? " (created)" : "");

    // UNDERSTUDY_TRACE_PATH=FILE: trace every commit's path through the standby (received,
    // written, fsynced, replayer woken, applied, reply sent), log a summary at the end and
    // write one CSV line per commit to FILE.
    std::unique_ptr<LatencyTrace> trace;
    const char* trace_path = std::getenv("UNDERSTUDY_TRACE_PATH");
    if (trace_path != nullptr && *trace_path != '\0') trace = std::make_unique<LatencyTrace>();

    redo::ReplayOptions ropts;
    ropts.trace = trace.get();
    ropts.wal_dir = wal_dir;
    ropts.data_dir = data_dir;
    ropts.follow = true;
    ropts.verify = opts_.verify;
    ropts.cache_pages = opts_.cache_pages;
    // The receiver wakes the replayer after each flush (on_flushed below); this is only the
    // safety-net timeout of its waits.
    ropts.poll = kReplaySafetyTimeout;
    ropts.progress_interval = opts_.status_interval;
    const bool fresh = !std::filesystem::exists(understudy::replay_state_path(data_dir));
    if (fresh) {
        // Always the redo point: a sparse start is consistent only from a checkpoint's redo (every
        // page touched after it comes with a full-page image first). A slot kept from an earlier
        // standby may be past it; streaming starts at the redo point anyway (a physical slot does
        // not forbid that, and the primary keeps the WAL since its latest checkpoint's redo).
        ropts.start = primary->redo_lsn;
        log::info("empty standby: starting sparse at {}", format_lsn(ropts.start));
    }
    // The totals of earlier runs (the replayer reads the same state when it starts; only it
    // writes the file, and not before it runs).
    std::vector<RmgrTotals> base_totals;
    if (auto saved = read_replay_state(data_dir); saved && *saved) base_totals = (*saved)->rmgr_totals;
    // The replayer's counters, snapshotted on its thread once per status interval.
    std::mutex report_mu;
    std::string report_json;
    std::vector<RmgrReplayCounters> counters, totals;
    ropts.on_progress = [&](const redo::ReplayReport& r, XLogRecPtr) {
        std::string j = redo::report_to_json(r);
        auto c = rmgr_counters(r);
        auto t = rmgr_totals(base_totals, r);
        std::lock_guard lock(report_mu);
        report_json = std::move(j);
        counters = std::move(c);
        totals = std::move(t);
    };

    LagTracker lag(static_cast<std::int64_t>(opts_.status_interval.count()) * 1000);
    receiver::ReceiverOptions rcv_opts;
    rcv_opts.conninfo = opts_.conninfo;
    rcv_opts.application_name = opts_.application_name;
    rcv_opts.wal_dir = wal_dir;
    rcv_opts.slot = opts_.slot;
    if (fresh) rcv_opts.start_lsn = ropts.start;
    rcv_opts.status_interval = opts_.reply_interval;
    rcv_opts.timeout = opts_.timeout;
    rcv_opts.handle_signals = false;
    rcv_opts.hot_standby_feedback = opts_.hot_standby_feedback;
    ClockSkewEstimator skew;
    if (primary->clock_primary != 0)
        skew.on_round_trip(primary->clock_sent, primary->clock_primary, primary->clock_received);
    rcv_opts.trace = trace.get();
    rcv_opts.on_primary_message = [&lag, &skew](XLogRecPtr data_end, XLogRecPtr wal_end, std::int64_t send_time) {
        skew.on_message(send_time, receiver::current_timestamp());
        lag.on_primary_message(data_end, wal_end, send_time);
    };
    rcv_opts.on_round_trip = [&skew](std::int64_t sent, std::int64_t primary_time, std::int64_t received) {
        skew.on_round_trip(sent, primary_time, received);
    };

    redo::Replayer replayer(ropts);
    replayer.set_flush_limit(1);  // nothing until the receiver says what is flushed
    Wakeup wakeup;
    std::atomic<bool> replay_started{false};
    // On the receiver's thread, right after each fsync: raise the replayer's limit and wake it
    // (WakeupRecovery); the first one also wakes the coordinator to start the replay thread.
    rcv_opts.on_flushed = [&](XLogRecPtr flushed) {
        replayer.set_flush_limit(flushed);
        if (!replay_started.load()) wakeup.notify();
    };
    receiver::WalReceiver rcv(rcv_opts);
    ReplayTracker tracker;
    // On the replay thread, after each applied record: the next reply carries its end; a
    // replayed commit/abort is acknowledged at once (WalRcvForceReply, for remote_apply).
    XLogRecPtr apply_replied = InvalidXLogRecPtr;  // replay thread only: the last position it asked a reply for
    replayer.set_apply_observer([&](const DecodedRecord& rec) {
        const bool commit = tracker.on_record(rec);
        if (commit && trace) trace->mark(LatencyTrace::Point::applied, rec.end_lsn);
        rcv.set_apply_lsn(rec.end_lsn, commit);
        if (commit) apply_replied = rec.end_lsn;
    });
    // Caught up with the flushed WAL after records that are not commits (a checkpoint, a vacuum):
    // reply now rather than at the next periodic reply or coordinator tick, so the primary's
    // replay_lag does not count our waiting (PG15's startup process does not do this; its
    // standby's replay_lag shows such waits as spikes).
    replayer.set_caught_up_observer([&](XLogRecPtr apply) {
        if (apply <= apply_replied) return;
        apply_replied = apply;
        rcv.set_apply_lsn(apply, true);
    });

    Result<void> rcv_result{};
    Result<void> replay_result{};
    std::atomic<bool> rcv_done{false}, replay_done{false};
    std::thread rcv_thread([&] {
        name_this_thread("us-receiver");
        rcv_result = rcv.run();
        rcv_done.store(true);
        wakeup.notify();
    });
    // The replayer waits (following) for its segments and start record; it starts once the
    // receiver has a position so that a receiver failing at once is reported alone.
    std::thread replay_thread;
    auto start_replay = [&] {
        replay_started.store(true);
        replay_thread = std::thread([&] {
            name_this_thread("us-replay");
            replay_result = replayer.run();
            replay_done.store(true);
            wakeup.notify();
        });
    };
    auto stop_threads = [&] {
        rcv.request_stop();
        replayer.stop();
        rcv_thread.join();
        if (replay_thread.joinable()) replay_thread.join();
    };

    SharedStatus shared;
    std::unique_ptr<HttpServer> http;
    if (!opts_.http_host.empty()) {
        http = std::make_unique<HttpServer>(opts_.http_host, opts_.http_port, [&shared](const std::string& path) {
            std::lock_guard lock(shared.mu);
            if (path == "/status") return HttpResponse{200, "application/json", status_to_json(shared.status)};
            if (path == "/metrics")
                return HttpResponse{200, "text/plain; version=0.0.4", status_to_metrics(shared.status)};
            return HttpResponse{404, "text/plain", "not found: try /status or /metrics\n"};
        });
        if (auto r = http->start(); !r) {
            stop_threads();
            return r;
        }
        log::info("serving /status and /metrics on http://{}:{}", opts_.http_host, opts_.http_port);
    }

    using Progress = StandbyOptions::Progress;
    const bool terminal = opts_.progress == Progress::terminal ||
                          (opts_.progress == Progress::automatic && ::isatty(STDERR_FILENO) == 1);
    CatchUpProgress progress(terminal, std::chrono::duration<double>(opts_.progress_interval).count());
    StandbyStatus st;
    st.system_identifier = primary->system_identifier;
    st.timeline = primary->timeline;
    st.verify = opts_.verify;
    XLogRecPtr last_apply_sent = InvalidXLogRecPtr;
    auto last_apply_forward = SteadyClock::now();
    auto next_status = SteadyClock::now();
    const std::string status_path = opts_.dir + "/status.json";
    LagHistoryWriter history(opts_.dir + "/lag.jsonl", opts_.lag_history);
    auto fill_status = [&](const LagSnapshot& lags, XLogRecPtr flushed, XLogRecPtr apply) {
        st.primary_wal_end_lsn = lags.primary_wal_end;
        st.received_lsn = rcv.received_lsn();
        st.flushed_lsn = flushed;
        st.applied_lsn = apply;
        // The replayed timeline once replay has started; until then the primary's.
        if (const TimeLineID tli = replayer.replay_timeline(); tli != 0) st.timeline = tli;
        if (const TimeLineID tli = rcv.timeline(); tli != 0) st.received_timeline = tli;
        st.lag_seconds = lags.seconds;
        st.last_applied_commit_time = tracker.last_commit_time();
        st.replay_paused = replayer.paused();
        st.feedback_xmin = opts_.hot_standby_feedback ? tracker.oldest_running().xmin : 0;
        st.reconnects = rcv.reconnects_by_reason();
        if (auto e = skew.estimate()) st.clock_skew_seconds = e->seconds;
        else st.clock_skew_seconds.reset();
        st.clock_round_trips = skew.round_trips();
        st.updated_at = std::chrono::system_clock::now();
        std::lock_guard lock(report_mu);
        st.replay_json = report_json;
        st.rmgrs = counters;
        st.rmgr_totals = totals;
    };
    while (!stop_.load() && !rcv_done.load() && !replay_done.load()) {
        wakeup.wait(kCoordinatorTick);
        if (pause_.load() != replayer.paused()) {
            if (pause_.load()) replayer.pause();
            else replayer.resume();
            log::info("replay {}", pause_.load() ? "paused" : "resumed");
        }
        const XLogRecPtr flushed = rcv.flushed_lsn();
        if (flushed != InvalidXLogRecPtr && !replay_thread.joinable()) start_replay();
        // Other records: the apply position goes out with the next reply (the observer stores
        // it), and at once (a wake-up) when replay has caught up with the flushed WAL (quiet)
        // or every 100 ms under load.
        const XLogRecPtr apply = replayer.apply_lsn();
        const auto now = SteadyClock::now();
        if (apply != last_apply_sent &&
            (apply >= flushed || now - last_apply_forward >= std::chrono::milliseconds(100))) {
            rcv.set_apply_lsn(apply);
            last_apply_sent = apply;
            last_apply_forward = now;
        }
        if (opts_.hot_standby_feedback) {
            const FeedbackXmin fx = tracker.oldest_running();
            rcv.set_feedback_xmin(fx.xmin, fx.epoch);
        }
        const LagSnapshot lags = lag.update(rcv.received_lsn(), flushed, apply, receiver::current_timestamp());
        if (auto w = skew.take_warning()) log::warning("{}", *w);
        const std::uint64_t behind = lags.primary_wal_end > apply ? lags.primary_wal_end - apply : 0;
        if (opts_.progress != Progress::off && replay_thread.joinable() && apply != InvalidXLogRecPtr)
            if (auto line = progress.update(steady_seconds(), behind, apply)) {
                if (terminal) {
                    std::fputs(line->c_str(), stderr);
                    std::fflush(stderr);
                } else {
                    log::write(log::Level::Info, *line);
                }
            }
        if (now < next_status) continue;
        next_status = now + opts_.status_interval;
        fill_status(lags, flushed, apply);
        st.state = flushed == InvalidXLogRecPtr ? "starting" : "streaming";
        if (auto r = fs::write_file_atomic(status_path, status_to_json(st)); !r) log::warning("{}", r.message());
        if (auto r = history.append(status_to_lag_line(st)); !r) log::warning("{}", r.message());
        std::lock_guard lock(shared.mu);
        shared.status = st;
    }
    stop_threads();
    http.reset();
    if (trace) {
        const auto paths = trace->analyze();
        log::write(log::Level::Info, LatencyTrace::summary(paths));  // asked for: whatever the log level
        if (auto r = LatencyTrace::write_csv(trace_path, paths); !r) log::warning("{}", r.message());
    }

    // The final status: the replayer's complete report, the positions both threads ended at.
    {
        std::lock_guard lock(report_mu);
        report_json = redo::report_to_json(replayer.report());
        counters = rmgr_counters(replayer.report());
        totals = rmgr_totals(base_totals, replayer.report());
    }
    const XLogRecPtr final_apply = replayer.apply_lsn();
    const LagSnapshot lags = lag.update(rcv.received_lsn(), rcv.flushed_lsn(), final_apply, receiver::current_timestamp());
    fill_status(lags, rcv.flushed_lsn(), final_apply);
    st.state = "stopped";
    if (auto r = fs::write_file_atomic(status_path, status_to_json(st)); !r) log::warning("{}", r.message());
    if (!replay_result) return make_error(fmt::format("replay failed: {}", replay_result.message()));
    if (!rcv_result) return make_error(fmt::format("receiver failed: {}", rcv_result.message()));
    if (!stop_.load() && rcv_done.load()) return make_error("the receiver ended (the primary shut down?)");
    log::info("stopped: received {}, flushed {}, applied {}", format_lsn(st.received_lsn), format_lsn(st.flushed_lsn),
              format_lsn(st.applied_lsn));
    return {};
}

}  // namespace understudy::standby
