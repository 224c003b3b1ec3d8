// `understudy receive`: stream WAL from a primary into a directory, as a standby the primary can
// count as synchronous. See receiver/walreceiver.h and docs/architecture.md.
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "common/dir_lock.h"
#include "common/log.h"
#include "common/lsn.h"
#include "receiver/protocol.h"
#include "receiver/walreceiver.h"
#include "tools/understudy/command.h"

namespace understudy::cli {

namespace {

class ReceiveCommand final : public Command {
public:
    explicit ReceiveCommand(CLI::App& app) {
        sub_ = app.add_subcommand("receive",
                                  "Stream WAL from a primary into a directory, as a standby the primary can "
                                  "count as synchronous");
        sub_->add_option("--primary", primary_,
                         "libpq connection string or URI of the primary (host=... port=... user=... or "
                         "postgresql://...); replication=true is added; passwords, .pgpass, service files and "
                         "TLS work as in libpq")
            ->type_name("CONNINFO")
            ->required();
        sub_->add_option("--wal-dir", wal_dir_,
                         "directory for the received segment files (created if missing); streaming resumes from "
                         "the files already in it")
            ->type_name("DIR")
            ->required();
        sub_->add_option("--slot", slot_, "stream through this physical replication slot")->type_name("NAME");
        sub_->add_flag("--create-slot", create_slot_,
                       "create the --slot (reserving WAL) if it does not exist yet");
        sub_->add_option("--endpos", endpos_text_,
                         "stop (exit 0) once all WAL up to this LSN (e.g. 0/3000000) is flushed")
            ->type_name("LSN");
        sub_->add_flag("--no-loop", no_loop_, "exit with an error when a connection fails or is lost, instead of retrying with "
                       "capped exponential backoff (0.5 s doubling to 15 s)");
        sub_->add_option("--status-interval", status_interval_,
                         "seconds between status updates sent to the primary (0: only after writes and on "
                         "request)")
            ->type_name("SECS")
            ->default_val(10)
            ->check(CLI::NonNegativeNumber);
        sub_->add_option("--timeout", timeout_,
                         "seconds without any message before the connection is dropped and remade; after half of "
                         "it the primary is asked for a reply (0: never)")
            ->type_name("SECS")
            ->default_val(60)
            ->check(CLI::NonNegativeNumber);
        sub_->add_option("--application-name", application_name_,
                         "application_name the primary sees (pg_stat_replication, synchronous_standby_names); "
                         "default: the conninfo's, else \"understudy\"")
            ->type_name("NAME");
        sub_->add_option("--status-file", status_file_,
                         "JSON file rewritten atomically at each status update: system_identifier, timeline, "
                         "received_lsn, flushed_lsn, primary_wal_end_lsn, updated_at, ...")
            ->type_name("FILE");
        sub_->add_flag("-v,--verbose", verbose_, "print progress (-vv: debug output)");
    }

    int run() override {
        set_verbosity(verbose_);
        use_service_log_format();
        receiver::ReceiverOptions opts;
        opts.conninfo = primary_;
        opts.wal_dir = wal_dir_;
        if (!slot_.empty() && !receiver::is_valid_slot_name(slot_))
            throw UsageError{fmt::format("invalid --slot \"{}\": slot names use only lower case letters, digits "
                                         "and underscores, at most 63 characters",
                                         slot_)};
        if (create_slot_ && slot_.empty()) throw UsageError{"--create-slot needs --slot NAME"};
        opts.slot = slot_;
        opts.create_slot = create_slot_;
        if (!endpos_text_.empty()) {
            auto lsn = parse_lsn(endpos_text_);
            if (!lsn)
                throw UsageError{fmt::format("invalid --endpos \"{}\": expected an LSN such as 0/3000000",
                                             endpos_text_)};
            opts.endpos = *lsn;
        }
        if (wal_dir_.empty()) throw UsageError{"--wal-dir must not be empty"};
        opts.loop = !no_loop_;
        opts.status_interval = std::chrono::milliseconds(static_cast<long long>(status_interval_ * 1000));
        opts.timeout = std::chrono::milliseconds(static_cast<long long>(timeout_ * 1000));
        if (sub_->count("--application-name")) opts.application_name = application_name_;
        opts.status_file = status_file_;

        // One writer per directory: refused while a standby or another receive writes it.
        auto lock = DirLock::acquire(wal_dir_, "understudy receive", fmt::format("--wal-dir \"{}\"", wal_dir_));
        if (!lock) {
            log::error("{}", lock.message());
            return kExitFailure;
        }
        receiver::WalReceiver receiver(std::move(opts));
        auto r = receiver.run();
        if (!r) {
            log::error("{}", r.message());
            return kExitFailure;
        }
        return kExitOk;
    }

private:
    CLI::App* sub_ = nullptr;
    std::string primary_;
    std::string wal_dir_;
    std::string slot_;
    bool create_slot_ = false;
    std::string endpos_text_;
    bool no_loop_ = false;
    double status_interval_ = 10;
    double timeout_ = 60;
    std::string application_name_;
    std::string status_file_;
    int verbose_ = 0;
};

}  // namespace

std::unique_ptr<Command> make_receive_command(CLI::App& app) { return std::make_unique<ReceiveCommand>(app); }

}  // namespace understudy::cli
