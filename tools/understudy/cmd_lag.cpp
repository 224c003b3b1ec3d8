// `understudy lag`: the lag of a running (or stopped) `understudy standby`, read from its
// directory: the current lag from DIR/status.json, refreshed with --watch; --summary gives lag
// percentiles over DIR/lag.jsonl (and its rotated files, oldest first) plus the replay counters
// per rmgr; --plot draws the history as an SVG (standby/lag_plot.h). Reads files only: it never
// talks to the standby or the primary.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/fs.h"
#include "standby/directory_mode.h"
#include "standby/lag_history.h"
#include "standby/lag_plot.h"
#include "standby/lag_view.h"
#include "standby/svg_plot.h"
#include "tools/understudy/command.h"

namespace understudy::cli {

namespace {

double now_unix() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

class LagCommand final : public Command {
public:
    explicit LagCommand(CLI::App& app) { register_options(app); }
    int run() override;

private:
    void register_options(CLI::App& app);
    // One refresh: every output asked for. Errors are returned, not printed.
    Result<void> show_once() const;
    Result<void> show_current() const;
    Result<void> show_summary() const;
    Result<void> write_plot() const;
    std::string history_path() const { return dir_ + "/lag.jsonl"; }
    // "DIR/lag.jsonl", or "DIR/lag.jsonl and 2 rotated files" when older files were read too.
    std::string history_source(const standby::LagHistory& h) const;
    bool watching() const { return watch_opt_->count() > 0; }
    standby::TimeWindow window() const;

    std::string dir_, plot_, watch_text_;
    CLI::Option* watch_opt_ = nullptr;
    CLI::Option* from_opt_ = nullptr;
    CLI::Option* to_opt_ = nullptr;
    double from_ = 0, to_ = 0;
    double stale_after_ = 10;
    bool summary_ = false, json_ = false;
    int count_ = 0;
};

void LagCommand::register_options(CLI::App& app) {
    auto* sub = app.add_subcommand("lag", "show the lag of an understudy standby from its directory (status.json, "
                                          "lag.jsonl): current, --watch, --summary, --plot FILE.svg");
    sub->add_option("--dir", dir_, "the standby's directory (its --dir)")->required();
    watch_opt_ = sub->add_option("--watch", watch_text_, "redraw every SECS seconds (default 2) until interrupted")
                     ->expected(0, 1)
                     ->type_name("[SECS]");
    sub->add_option("--count", count_, "with --watch: stop after N refreshes (default: never)")->check(CLI::Range(1, 1 << 30));
    sub->add_option("--plot", plot_, "draw time and byte lag over time from lag.jsonl into this SVG file");
    sub->add_flag("--summary", summary_, "lag percentiles (p50/p90/p99/max) over lag.jsonl and replay counters per rmgr");
    sub->add_flag("--json", json_, "print JSON instead of text");
    from_opt_ = sub->add_option("--from", from_, "--summary/--plot: only samples at or after this time (unix seconds)");
    to_opt_ = sub->add_option("--to", to_, "--summary/--plot: only samples at or before this time (unix seconds)");
    sub->add_option("--stale-after", stale_after_, "call the standby not running when status.json is older than "
                                                   "SECS seconds (default 10)")
        ->check(CLI::Range(0.1, 1e9));
}

standby::TimeWindow LagCommand::window() const {
    standby::TimeWindow w;
    if (from_opt_->count() > 0) w.from = from_;
    if (to_opt_->count() > 0) w.to = to_;
    return w;
}

std::string LagCommand::history_source(const standby::LagHistory& h) const {
    const std::size_t rotated = h.files.empty() ? 0 : h.files.size() - 1;
    if (rotated == 0) return history_path();
    return fmt::format("{} and {} rotated file{}", history_path(), rotated, rotated == 1 ? "" : "s");
}

Result<void> LagCommand::show_current() const {
    auto lag = standby::read_current_lag(dir_);
    if (!lag) return lag.error();
    const double now = now_unix();
    std::string text = json_ ? standby::current_lag_json(*lag, now, stale_after_)
                             : standby::format_current_lag(*lag, now, stale_after_);
    // The data directory's mode (sparse or full) and whether a server can start on it.
    auto mode = standby::read_directory_mode(dir_);
    if (json_) {
        auto j = nlohmann::ordered_json::parse(text);
        if (mode) j["directory"] = nlohmann::ordered_json::parse(standby::directory_mode_json(*mode));
        else j["directory"] = {{"error", mode.message()}};
        text = watching() ? j.dump() + "\n" : j.dump(2) + "\n";  // one line per refresh
    } else {
        text += mode ? standby::format_directory_mode(*mode) : fmt::format("directory: {}\n", mode.message());
    }
    std::fputs(text.c_str(), stdout);
    return {};
}

Result<void> LagCommand::show_summary() const {
    auto history = standby::read_lag_history(history_path(), window());
    if (!history) return history.error();
    if (history->samples.empty())
        return make_error(fmt::format("no samples in \"{}\"{} ({} malformed lines skipped)", history_path(),
                                      window().from || window().to ? " in the --from/--to window" : "",
                                      history->malformed));
    auto current = standby::read_current_lag(dir_);  // optional here: the replay counters
    const standby::CurrentLag* replay = current ? &*current : nullptr;
    const auto summary = standby::summarize(*history);
    std::string text;
    if (json_) {
        auto j = nlohmann::ordered_json::parse(standby::summary_json(summary, history_path(), replay));
        j["history_files"] = history->files;  // oldest first, rotated ones included
        text = j.dump(2) + "\n";
    } else {
        text = standby::format_summary(summary, history_source(*history), replay);
    }
    if (json_ && watching()) text = nlohmann::json::parse(text).dump() + "\n";
    std::fputs(text.c_str(), stdout);
    return {};
}

Result<void> LagCommand::write_plot() const {
    auto history = standby::read_lag_history(history_path(), window());
    if (!history) return history.error();
    if (history->samples.empty())
        return make_error(fmt::format("nothing to plot: no samples in \"{}\" ({} malformed lines skipped)",
                                      history_path(), history->malformed));
    standby::LagPlotOptions opts;
    opts.source = history_source(*history);
    const std::string svg = svg::render(standby::lag_chart(*history, opts));
    if (auto r = fs::write_file_atomic(plot_, svg); !r) return r;
    std::fprintf(json_ ? stderr : stdout, "lag plot: %s (%zu samples%s)\n", plot_.c_str(), history->samples.size(),
                 history->malformed ? fmt::format(", {} malformed lines skipped", history->malformed).c_str() : "");
    return {};
}

Result<void> LagCommand::show_once() const {
    if (!summary_ && plot_.empty()) return show_current();
    if (summary_)
        if (auto r = show_summary(); !r) return r;
    if (!plot_.empty())
        if (auto r = write_plot(); !r) return r;
    return {};
}

int LagCommand::run() {
    if (watch_opt_->count() == 0) {
        if (count_ != 0) throw UsageError{"--count needs --watch"};
        auto r = show_once();
        if (!r) {
            std::fprintf(stderr, "understudy lag: error: %s\n", r.message().c_str());
            return kExitFailure;
        }
        return kExitOk;
    }
    double secs = 2;
    if (!watch_text_.empty()) {
        try {
            std::size_t used = 0;
            secs = std::stod(watch_text_, &used);
            if (used != watch_text_.size() || !(secs >= 0.1)) throw std::invalid_argument("range");
        } catch (const std::exception&) {
            throw UsageError{fmt::format("invalid --watch \"{}\" (expected seconds, at least 0.1)", watch_text_)};
        }
    }
    // On a terminal, redraw in place as watch(1) does; otherwise print one block per refresh.
    const bool tty = ::isatty(STDOUT_FILENO) == 1 && !json_;
    for (int n = 1;; ++n) {
        if (tty) std::fputs("\033[H\033[2J", stdout);
        // --json: JSON Lines (one compact document per refresh), errors on stderr.
        if (!json_) std::fprintf(stdout, "%severy %.1f s: understudy lag --dir %s\n", tty ? "" : "---- ", secs, dir_.c_str());
        if (auto r = show_once(); !r) std::fprintf(json_ ? stderr : stdout, "error: %s\n", r.message().c_str());
        std::fflush(stdout);
        if (count_ != 0 && n >= count_) break;
        std::this_thread::sleep_for(std::chrono::duration<double>(secs));
    }
    return kExitOk;
}

}  // namespace

std::unique_ptr<Command> make_lag_command(CLI::App& app) { return std::make_unique<LagCommand>(app); }

}  // namespace understudy::cli
