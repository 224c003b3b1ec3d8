// `understudy replay`: rebuild a data directory from WAL with the replay engine (redo/replayer.h),
// PostgreSQL 15's startup process re-implemented; --verify compares every page with the
// primary's wal_consistency_checking images.
#include <csignal>
#include <cstdio>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "common/dir_lock.h"
#include "common/fs.h"
#include "common/lsn.h"
#include "redo/replayer.h"
#include "tools/understudy/command.h"

namespace understudy::cli {

namespace {

// Set by SIGINT / SIGTERM; the replay loop polls it through a watcher (a handler may only write
// a sig_atomic_t).
volatile std::sig_atomic_t g_replay_stop = 0;
extern "C" void replay_signal(int) { g_replay_stop = 1; }

XLogRecPtr parse_lsn_option(const std::string& text, const char* option) {
    auto lsn = parse_lsn(text);
    if (!lsn) throw UsageError{fmt::format("invalid WAL location for {}: \"{}\" (expected X/X, e.g. 0/16B3740)", option, text)};
    return *lsn;
}

class ReplayCommand final : public Command {
public:
    explicit ReplayCommand(CLI::App& app) { register_options(app); }
    int run() override;

private:
    void register_options(CLI::App& app);

    std::string wal_dir_, data_dir_, start_, end_, report_path_;
    bool follow_ = false, verify_ = false, progress_ = false;
    int verbose_ = 0;
    std::size_t cache_mb_ = 512;
};

void ReplayCommand::register_options(CLI::App& app) {
    auto* sub = app.add_subcommand("replay", "replay WAL into a data directory (PostgreSQL 15 redo), optionally "
                                             "verifying every page against the primary's consistency images");
    sub->add_option("--wal-dir", wal_dir_, "directory holding the WAL segment files")->required();
    sub->add_option("--data-dir", data_dir_, "data directory to rebuild (empty, a copy of a real one, or one "
                                             "replayed into before)")
        ->required();
    sub->add_option("--start", start_, "LSN to start at when the data directory has no replay state (default: "
                                       "the redo point of the first checkpoint in the WAL)");
    sub->add_option("--end", end_, "stop before the first record starting at or after this LSN");
    sub->add_flag("--follow", follow_, "at the end of the WAL, wait for more (a growing .partial segment)");
    sub->add_flag("--verify", verify_, "compare pages with wal_consistency_checking images after masking");
    sub->add_option("--report", report_path_, "write a JSON report to this file");
    sub->add_flag("--progress", progress_, "print progress to stderr every second");
    sub->add_option("--cache-mb", cache_mb_, "page cache size in MB (default 512)")->check(CLI::Range(1, 1 << 20));
    sub->add_flag("-v,--verbose", verbose_, "more messages (-vv: debug)");
}

int ReplayCommand::run() {
    set_verbosity(verbose_);
    redo::ReplayOptions opts;
    opts.wal_dir = wal_dir_;
    opts.data_dir = data_dir_;
    if (!start_.empty()) opts.start = parse_lsn_option(start_, "--start");
    if (!end_.empty()) opts.end = parse_lsn_option(end_, "--end");
    opts.follow = follow_;
    opts.verify = verify_;
    opts.cache_pages = cache_mb_ * 1024 * 1024 / 8192;
    if (progress_)
        opts.on_progress = [last_records = std::uint64_t{0}, last_bytes = std::uint64_t{0}
                            ](const redo::ReplayReport& r, XLogRecPtr apply) mutable {
            const double rate_rec = static_cast<double>(r.records - last_records);
            const double rate_mb = static_cast<double>(r.bytes - last_bytes) / (1024.0 * 1024.0);
            last_records = r.records;
            last_bytes = r.bytes;
            std::fprintf(stderr, "replay: at %s, %llu records, %.0f records/s, %.1f MB/s\n", format_lsn(apply).c_str(),
                         static_cast<unsigned long long>(r.records), rate_rec, rate_mb);
        };

    // One writer per directory: refused while a standby or another replay writes it.
    auto lock = DirLock::acquire(data_dir_, "understudy replay", fmt::format("--data-dir \"{}\"", data_dir_));
    if (!lock) {
        std::fprintf(stderr, "understudy replay: error: %s\n", lock.message().c_str());
        return kExitFailure;
    }
    redo::Replayer replayer(opts);
    std::signal(SIGINT, replay_signal);
    std::signal(SIGTERM, replay_signal);
    // Only the flag is touched in the handler; a watcher thread forwards it to the engine.
    std::jthread watcher([&replayer](std::stop_token token) {
        while (!token.stop_requested()) {
            if (g_replay_stop) replayer.stop();
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    });
    auto result = replayer.run();
    watcher.request_stop();
    watcher.join();
    const redo::ReplayReport& report = replayer.report();
    std::fputs(redo::report_summary(report).c_str(), stdout);
    std::fflush(stdout);
    int status = kExitOk;
    if (!report_path_.empty()) {
        if (auto w = fs::write_file_atomic(report_path_, redo::report_to_json(report)); !w) {
            std::fprintf(stderr, "understudy replay: error: could not write report \"%s\": %s\n",
                         report_path_.c_str(), w.message().c_str());
            status = kExitFailure;
        }
    }
    if (!result) {
        std::fprintf(stderr, "understudy replay: error: %s\n", result.message().c_str());
        return kExitFailure;
    }
    if (report.total_mismatches() > 0) {
        std::fprintf(stderr, "understudy replay: error: %llu page(s) differ from the primary's images after masking\n",
                     static_cast<unsigned long long>(report.total_mismatches()));
        return kExitFailure;
    }
    return status;
}

}  // namespace

std::unique_ptr<Command> make_replay_command(CLI::App& app) { return std::make_unique<ReplayCommand>(app); }

}  // namespace understudy::cli
