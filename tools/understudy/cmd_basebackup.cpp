// `understudy basebackup`: a base backup of the primary taken natively over the replication
// protocol (backup/base_backup.h) into DIR/data, its manifest verified, with the physical slot
// created first. SIGINT/SIGTERM end it at once; what it wrote stays as DIR/data.partial, which
// never looks complete and which the next run removes.
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "backup/base_backup.h"
#include "common/dir_lock.h"
#include "common/log.h"
#include "tools/understudy/command.h"

namespace understudy::cli {

namespace {

class BaseBackupCommand final : public Command {
public:
    explicit BaseBackupCommand(CLI::App& app) {
        auto* sub = app.add_subcommand("basebackup", "take a base backup of the primary over the replication protocol "
                                                     "into DIR/data, its manifest verified");
        sub->add_option("--primary", opts_.conninfo, "connection string of the primary (libpq conninfo or URI)")
            ->required();
        sub->add_option("--dir", opts_.dir, "directory the backup goes to, as DIR/data (which must not exist)")
            ->required();
        sub->add_option("-S,--slot", opts_.slot,
                        "physical replication slot created before the backup so the WAL from its start on is kept "
                        "(default understudy; an existing one is used)");
        sub->add_flag("--no-slot", no_slot_, "create no slot (the WAL from the backup's start may be removed)");
        sub->add_option("--application-name", application_name_,
                        "application_name shown in pg_stat_replication (default: the conninfo's, else understudy)");
        sub->add_option("-l,--label", opts_.label, "the backup's label (default \"understudy base backup\")");
        sub->add_option("-c,--checkpoint", checkpoint_,
                        "the primary's checkpoint at the start: fast (at once) or spread (default spread)")
            ->check(CLI::IsMember({"fast", "spread"}));
        sub->add_flag("-R,--write-recovery-conf", opts_.write_recovery_conf,
                      "write standby.signal and primary_conninfo / primary_slot_name to postgresql.auto.conf, as "
                      "pg_basebackup -R does");
        sub->add_option("-r,--max-rate", opts_.max_rate_kb,
                        "the primary sends at most this many kB/s (32 to 1048576; default: unthrottled)")
            ->check(CLI::Range(32, 1048576));
        sub->add_option("-T,--tablespace-mapping", mappings_,
                        "put the tablespace at OLDDIR on the primary into NEWDIR (absolute paths; repeatable); "
                        "without one a tablespace goes inside DIR/data/pg_tblspc/OID");
        sub->add_option("--progress", progress_,
                        "progress (bytes, rate, ETA): auto (a redrawn line on a terminal, log lines otherwise), tty "
                        "(the redrawn line always), plain (log lines), off (default auto)")
            ->check(CLI::IsMember({"auto", "tty", "plain", "off"}));
        sub->add_option("--progress-interval", progress_interval_,
                        "seconds between plain progress lines (not on a terminal; default 5)")
            ->check(CLI::Range(0.1, 3600.0));
        sub->add_flag("-v,--verbose", verbose_, "more messages (-vv: debug)");
    }

    int run() override {
        set_verbosity(verbose_ + 1);  // the backup's steps are always said
        if (!application_name_.empty()) opts_.application_name = application_name_;
        if (no_slot_) opts_.slot.clear();
        opts_.fast_checkpoint = checkpoint_ == "fast";
        for (const std::string& m : mappings_) {
            auto parsed = backup::parse_tablespace_mapping(m);
            if (!parsed) throw UsageError{parsed.message()};
            opts_.tablespace_mappings.push_back(*parsed);
        }
        opts_.progress_interval = std::chrono::milliseconds(static_cast<long>(progress_interval_ * 1000));
        using Progress = backup::BaseBackupOptions::Progress;
        opts_.progress = progress_ == "tty" ? Progress::terminal
                         : progress_ == "plain" ? Progress::plain
                         : progress_ == "off"   ? Progress::off
                                                : Progress::automatic;
        if (auto r = fs_prepare(); !r) return fail(r.message());
        auto lock = DirLock::acquire(opts_.dir, "understudy basebackup", fmt::format("--dir \"{}\"", opts_.dir));
        if (!lock) return fail(lock.message());
        auto result = backup::take_base_backup(opts_);
        if (!result) return fail(result.message());
        log::info("base backup complete in \"{}\": {} files, {} bytes, {} tablespace{} besides the main one, WAL {}..{} "
                  "on timeline {} (checkpoint {}), {:.1f} s",
                  result->data_dir, result->files, result->bytes, result->tablespaces,
                  result->tablespaces == 1 ? "" : "s", format_lsn(result->start_lsn), format_lsn(result->end_lsn),
                  result->timeline, format_lsn(result->checkpoint_lsn), result->seconds);
        return kExitOk;
    }

private:
    // DirLock needs DIR to exist.
    Result<void> fs_prepare() {
        std::error_code ec;
        std::filesystem::create_directories(opts_.dir, ec);
        if (ec)
            return make_error(fmt::format("--dir \"{}\": could not create it: {}; give a directory you can create",
                                          opts_.dir, ec.message()));
        return {};
    }

    static int fail(const std::string& message) {
        std::fprintf(stderr, "understudy basebackup: error: %s\n", message.c_str());
        return kExitFailure;
    }

    backup::BaseBackupOptions opts_;
    std::string application_name_, checkpoint_ = "spread", progress_ = "auto";
    std::vector<std::string> mappings_;
    double progress_interval_ = 5.0;
    bool no_slot_ = false;
    int verbose_ = 0;
};

}  // namespace

std::unique_ptr<Command> make_basebackup_command(CLI::App& app) { return std::make_unique<BaseBackupCommand>(app); }

}  // namespace understudy::cli
