#include "standby/standby.h"

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "common/fs.h"
#include "common/log.h"
#include "receiver/protocol.h"
#include "receiver/walreceiver.h"
#include "redo/replay_state.h"
#include "redo/replayer.h"
#include "standby/http.h"
#include "standby/lag.h"
#include "standby/primary_info.h"
#include "standby/status.h"

namespace understudy::standby {

namespace {

// The shared view of the last status, read by the HTTP thread.
struct SharedStatus {
    std::mutex mu;
    StandbyStatus status;
};

// Wakes the coordinator when the replayer applied something.
struct ApplySignal {
    std::mutex mu;
    std::condition_variable cv;
    bool moved = false;
    void notify() {
        {
            std::lock_guard lock(mu);
            moved = true;
        }
        cv.notify_one();
    }
    void wait(std::chrono::milliseconds max) {
        std::unique_lock lock(mu);
        cv.wait_for(lock, max, [this] { return moved; });
        moved = false;
    }
};

Result<void> append_line(const std::string& path, const std::string& line) {
    std::ofstream f(path, std::ios::app);
    f << line;
    if (!f) return make_error(fmt::format("could not append to \"{}\"", path));
    return {};
}

}  // namespace

Result<void> Standby::run() {
    const std::string wal_dir = opts_.dir + "/pg_wal";
    const std::string data_dir = opts_.dir + "/data";
    for (const auto& d : {opts_.dir, wal_dir, data_dir})
        if (auto r = fs::make_dirs(d); !r) return r;

    auto primary = query_primary(opts_.conninfo, opts_.slot);
    if (!primary) return primary.error();
    log::info("primary: system {}, timeline {}, latest checkpoint redo {}, slot \"{}\" restart_lsn {}{}",
              primary->system_identifier, primary->timeline, format_lsn(primary->redo_lsn), opts_.slot,
              format_lsn(primary->slot_restart_lsn), primary->slot_created ? " (created)" : "");

    redo::ReplayOptions ropts;
    ropts.wal_dir = wal_dir;
    ropts.data_dir = data_dir;
    ropts.follow = true;
    ropts.verify = opts_.verify;
    ropts.cache_pages = opts_.cache_pages;
    ropts.poll = std::chrono::milliseconds(5);
    ropts.progress_interval = opts_.status_interval;
    const bool fresh = !std::filesystem::exists(understudy::replay_state_path(data_dir));
    if (fresh) {
        ropts.start = std::max(primary->redo_lsn, primary->slot_restart_lsn);
        log::info("empty standby: starting sparse at {}", format_lsn(ropts.start));
    }
    std::mutex report_mu;
    std::string report_json;
    ropts.on_progress = [&](const redo::ReplayReport& r, XLogRecPtr) {
        std::string j = redo::report_to_json(r);
        std::lock_guard lock(report_mu);
        report_json = std::move(j);
    };

    LagTracker lag(static_cast<std::int64_t>(opts_.status_interval.count()) * 1000);
    receiver::ReceiverOptions rcv_opts;
    rcv_opts.conninfo = opts_.conninfo;
    rcv_opts.application_name = opts_.application_name;
    rcv_opts.wal_dir = wal_dir;
    rcv_opts.slot = opts_.slot;
    rcv_opts.status_interval = opts_.reply_interval;
    rcv_opts.timeout = opts_.timeout;
    rcv_opts.handle_signals = false;
    rcv_opts.on_primary_message = [&lag](XLogRecPtr data_end, XLogRecPtr wal_end, std::int64_t send_time) {
        lag.on_primary_message(data_end, wal_end, send_time);
    };

    receiver::WalReceiver rcv(rcv_opts);
    redo::Replayer replayer(ropts);
    replayer.set_flush_limit(1);  // nothing until the receiver says what is flushed
    ApplySignal applied;
    replayer.set_apply_observer([&applied](XLogRecPtr) { applied.notify(); });

    Result<void> rcv_result{};
    Result<void> replay_result{};
    std::atomic<bool> rcv_done{false}, replay_done{false};
    std::thread rcv_thread([&] {
        rcv_result = rcv.run();
        rcv_done.store(true);
        applied.notify();
    });
    // The replayer starts once the receiver has flushed WAL (it needs segment files to exist).
    std::thread replay_thread;
    auto start_replay = [&] {
        replay_thread = std::thread([&] {
            replay_result = replayer.run();
            replay_done.store(true);
            applied.notify();
        });
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
            stop_.store(true);
            rcv.request_stop();
            replayer.stop();
            rcv_thread.join();
            return r;
        }
        log::info("serving /status and /metrics on http://{}:{}", opts_.http_host, opts_.http_port);
    }

    StandbyStatus st;
    st.system_identifier = primary->system_identifier;
    st.timeline = primary->timeline;
    XLogRecPtr last_apply = InvalidXLogRecPtr;
    auto next_status = std::chrono::steady_clock::now();
    const std::string status_path = opts_.dir + "/status.json";
    const std::string history_path = opts_.dir + "/lag.jsonl";
    while (!stop_.load() && !rcv_done.load() && !replay_done.load()) {
        applied.wait(std::chrono::milliseconds(5));
        if (pause_.load() != replayer.paused()) {
            if (pause_.load()) replayer.pause();
            else replayer.resume();
            log::info("replay {}", pause_.load() ? "paused" : "resumed");
        }
        const XLogRecPtr flushed = rcv.flushed_lsn();
        if (flushed != InvalidXLogRecPtr) replayer.set_flush_limit(flushed);
        // A fresh start needs the record at the start point flushed whole (the engine does not wait
        // for its first record): a page past it.
        if (flushed != InvalidXLogRecPtr && flushed > ropts.start + 8192 && !replay_thread.joinable()) start_replay();
        const XLogRecPtr apply = replayer.apply_lsn();
        if (apply != last_apply) {
            rcv.set_apply_lsn(apply);  // wakes an immediate reply (remote_apply)
            last_apply = apply;
        }
        auto lags = lag.update(rcv.received_lsn(), flushed, apply, receiver::current_timestamp());
        const auto now = std::chrono::steady_clock::now();
        if (now < next_status) continue;
        next_status = now + opts_.status_interval;
        st.primary_wal_end_lsn = lags.primary_wal_end;
        st.received_lsn = rcv.received_lsn();
        st.flushed_lsn = flushed;
        st.applied_lsn = apply;
        st.lag_seconds = lags.seconds;
        st.replay_paused = replayer.paused();
        st.state = "streaming";
        st.updated_at = std::chrono::system_clock::now();
        {
            std::lock_guard lock(report_mu);
            st.replay_json = report_json;
        }
        if (auto r = fs::write_file_atomic(status_path, status_to_json(st)); !r) log::warning("{}", r.message());
        if (auto r = append_line(history_path, status_to_lag_line(st)); !r) log::warning("{}", r.message());
        std::lock_guard lock(shared.mu);
        shared.status = st;
    }
    rcv.request_stop();
    replayer.stop();
    rcv_thread.join();
    if (replay_thread.joinable()) replay_thread.join();
    http.reset();

    st.received_lsn = rcv.received_lsn();
    st.flushed_lsn = rcv.flushed_lsn();
    st.applied_lsn = replayer.apply_lsn();
    st.state = "stopped";
    st.updated_at = std::chrono::system_clock::now();
    st.replay_json = redo::report_to_json(replayer.report());
    if (auto r = fs::write_file_atomic(status_path, status_to_json(st)); !r) log::warning("{}", r.message());
    if (!replay_result) return make_error(fmt::format("replay failed: {}", replay_result.message()));
    if (!rcv_result) return make_error(fmt::format("receiver failed: {}", rcv_result.message()));
    if (!stop_.load() && rcv_done.load()) return make_error("the receiver ended (the primary shut down?)");
    return {};
}

}  // namespace understudy::standby
