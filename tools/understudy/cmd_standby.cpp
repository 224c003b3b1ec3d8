// `understudy standby`: the lightweight standby (standby/standby.h): receive, flush and replay
// the primary's WAL in one process, with status.json, lag history and optional /status and
// /metrics over HTTP. SIGINT/SIGTERM stop it (final status.json, exit 0); SIGUSR1 pauses replay,
// SIGUSR2 resumes it (a paused replayer holds back remote_apply commits on the primary).
#include <sys/resource.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "standby/http.h"
#include "standby/standby.h"
#include "tools/understudy/command.h"

namespace understudy::cli {

namespace {

// Set by the handlers (a handler may only write a sig_atomic_t); a watcher forwards them.
volatile std::sig_atomic_t g_standby_stop = 0;
volatile std::sig_atomic_t g_standby_pause = 0;  // 1 pause, 2 resume
extern "C" void standby_stop_signal(int) { g_standby_stop = 1; }
extern "C" void standby_pause_signal(int sig) { g_standby_pause = sig == SIGUSR1 ? 1 : 2; }

class StandbyCommand final : public Command {
public:
    explicit StandbyCommand(CLI::App& app) { register_options(app); }
    int run() override;

private:
    void register_options(CLI::App& app);

    standby::StandbyOptions opts_;
    std::string application_name_, http_;
    double status_interval_ = 1.0, reply_interval_ = 10.0, timeout_ = 60.0;
    std::size_t cache_mb_ = 512;
    double lag_history_max_mb_ = 32;
    std::string progress_ = "auto";
    std::string checkpoint_ = "spread";
    double progress_interval_ = 5.0;
    int verbose_ = 0;
};

void StandbyCommand::register_options(CLI::App& app) {
    auto* sub = app.add_subcommand("standby", "run a standby: receive the primary's WAL and replay it, with lag "
                                              "tracking (SIGUSR1 pauses replay, SIGUSR2 resumes)");
    sub->add_option("--primary", opts_.conninfo, "connection string of the primary (libpq conninfo or URI)")->required();
    sub->add_option("--dir", opts_.dir, "standby directory: pg_wal/, data/, status.json, lag.jsonl")->required();
    sub->add_option("-S,--slot", opts_.slot, "physical replication slot (created if missing; default understudy)");
    sub->add_option("--application-name", application_name_, "application_name shown in pg_stat_replication "
                                                              "(default: the conninfo's, else understudy)");
    sub->add_flag("--base-backup", opts_.base_backup,
                  "an empty DIR starts from a base backup taken over the replication protocol into DIR/data "
                  "(standby.signal and primary_conninfo written as pg_basebackup -R does), then streams and replays "
                  "from its start");
    sub->add_option("-c,--checkpoint", checkpoint_,
                    "the primary's checkpoint for --base-backup: fast (at once) or spread (default spread)")
        ->check(CLI::IsMember({"fast", "spread"}));
    sub->add_flag("--verify", opts_.verify, "compare pages with wal_consistency_checking images while replaying");
    sub->add_flag("--hot-standby-feedback", opts_.hot_standby_feedback,
                  "send the oldest transaction still running in the replayed WAL as xmin (hot standby feedback), "
                  "so the primary keeps the rows it may still need");
    sub->add_option("--http", http_, "serve GET /status and GET /metrics on [ADDR:]PORT (default address 127.0.0.1)");
    sub->add_option("--status-interval", status_interval_, "seconds between status.json / lag.jsonl updates (default 1)")
        ->check(CLI::Range(0.05, 3600.0));
    sub->add_option("--reply-interval", reply_interval_, "seconds between periodic replies to the primary (default 10)")
        ->check(CLI::Range(0.1, 3600.0));
    sub->add_option("--timeout", timeout_,
                    "seconds without a message from the primary before the connection is dropped and made again "
                    "(wal_receiver_timeout; default 60)")
        ->check(CLI::Range(1.0, 3600.0));
    sub->add_option("--lag-history-max-mb", lag_history_max_mb_,
                    "rotate lag.jsonl to lag.jsonl.1 when it would pass this size in MB (default 32, 0: never)")
        ->check(CLI::Range(0.0, 1e6));
    sub->add_option("--lag-history-keep", opts_.lag_history.keep,
                    "rotated lag history files kept, lag.jsonl.1 .. lag.jsonl.N; older ones are removed (default 3)")
        ->check(CLI::Range(1, 1000));
    sub->add_option("--progress", progress_,
                    "catch-up progress while more than 1 MB behind: auto (a redrawn line on a terminal, log lines "
                    "otherwise), tty (the redrawn line always), plain (log lines), off (default auto)")
        ->check(CLI::IsMember({"auto", "tty", "plain", "off"}));
    sub->add_option("--progress-interval", progress_interval_,
                    "seconds between plain progress lines (not on a terminal; default 5)")
        ->check(CLI::Range(0.1, 3600.0));
    sub->add_option("--cache-mb", cache_mb_, "page cache size in MB (default 512)")->check(CLI::Range(1, 1 << 20));
    sub->add_flag("-v,--verbose", verbose_, "more messages (-vv: debug)");
}

int StandbyCommand::run() {
    set_verbosity(verbose_);
    use_service_log_format();
    if (!application_name_.empty()) opts_.application_name = application_name_;
    opts_.base_backup_fast_checkpoint = checkpoint_ == "fast";
    if (!http_.empty() && !standby::parse_http_address(http_, opts_.http_host, opts_.http_port))
        throw UsageError{fmt::format("invalid --http \"{}\" (expected [ADDR:]PORT, e.g. 127.0.0.1:9187)", http_)};
    opts_.status_interval = std::chrono::milliseconds(static_cast<long>(status_interval_ * 1000));
    opts_.reply_interval = std::chrono::milliseconds(static_cast<long>(reply_interval_ * 1000));
    opts_.timeout = std::chrono::milliseconds(static_cast<long>(timeout_ * 1000));
    opts_.cache_pages = cache_mb_ * 1024 * 1024 / 8192;
    opts_.progress_interval = std::chrono::milliseconds(static_cast<long>(progress_interval_ * 1000));
    opts_.lag_history.max_bytes = static_cast<std::uint64_t>(lag_history_max_mb_ * 1024 * 1024);
    using Progress = standby::StandbyOptions::Progress;
    opts_.progress = progress_ == "tty" ? Progress::terminal
                     : progress_ == "plain" ? Progress::plain
                     : progress_ == "off"   ? Progress::off
                                            : Progress::automatic;

    // The HTTP endpoint takes up to 1024 connections: a soft open-file limit of 1024 (the
    // usual default) would run out first. Raised to the hard limit (at most 65536).
    if (rlimit rl{}; ::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = std::min<rlim_t>(rl.rlim_max, 65536);
        (void)::setrlimit(RLIMIT_NOFILE, &rl);
    }
    standby::Standby sb(opts_);
    std::signal(SIGINT, standby_stop_signal);
    std::signal(SIGTERM, standby_stop_signal);
    std::signal(SIGUSR1, standby_pause_signal);
    std::signal(SIGUSR2, standby_pause_signal);
    std::jthread watcher([&sb](std::stop_token token) {
        while (!token.stop_requested()) {
            if (g_standby_stop) sb.stop();
            if (g_standby_pause == 1) sb.pause();
            if (g_standby_pause == 2) sb.resume();
            g_standby_pause = 0;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    });
    auto result = sb.run();
    watcher.request_stop();
    watcher.join();
    if (!result) {
        std::fprintf(stderr, "understudy standby: error: %s\n", result.message().c_str());
        return kExitFailure;
    }
    return kExitOk;
}

}  // namespace

std::unique_ptr<Command> make_standby_command(CLI::App& app) { return std::make_unique<StandbyCommand>(app); }

}  // namespace understudy::cli
