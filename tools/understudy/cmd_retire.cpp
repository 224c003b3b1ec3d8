// `understudy retire --dir DIR`: the end of a standby's life. Drops its physical replication slot
// on the primary (which otherwise keeps every WAL segment from the slot's restart_lsn on, until
// the primary's disk fills unless max_slot_wal_keep_size is set) and removes DIR. Refused while a
// standby runs on DIR (its lock) or while a walsender streams with the slot.
#include <cstdio>
#include <string>

#include "standby/retire.h"
#include "tools/understudy/command.h"

namespace understudy::cli {

namespace {

class RetireCommand final : public Command {
public:
    explicit RetireCommand(CLI::App& app) {
        sub_ = app.add_subcommand("retire", "retire a standby: drop its replication slot on the primary, then remove "
                                            "its directory (refused while the standby runs)");
        sub_->add_option("--dir", opts_.dir, "the standby's directory")->required();
        sub_->add_option("--primary", primary_,
                         "connection string of the primary (default: the one DIR/primary.json saved, without any "
                         "password: .pgpass or PGPASSFILE give it)");
        sub_->add_option("-S,--slot", slot_, "the slot to drop (default: DIR/primary.json's, else understudy)");
        sub_->add_flag("--keep-dir", opts_.keep_dir, "drop the slot only; keep DIR");
        sub_->add_flag("-v,--verbose", verbose_, "more messages (-vv: debug)");
    }

    int run() override {
        set_verbosity(verbose_ + 1);  // what was dropped and removed is always said
        if (sub_->count("--primary")) opts_.conninfo = primary_;
        if (sub_->count("--slot")) opts_.slot = slot_;
        if (auto r = standby::retire_standby(opts_); !r) {
            std::fprintf(stderr, "understudy retire: error: %s\n", r.message().c_str());
            return kExitFailure;
        }
        return kExitOk;
    }

private:
    CLI::App* sub_ = nullptr;
    standby::RetireOptions opts_;
    std::string primary_, slot_;
    int verbose_ = 0;
};

}  // namespace

std::unique_ptr<Command> make_retire_command(CLI::App& app) { return std::make_unique<RetireCommand>(app); }

}  // namespace understudy::cli
