// understudy: a lightweight PostgreSQL physical standby. Entry point: parses the subcommand
// and hands over to it. Exit status: 0 success, 1 failure, 2 usage error.
#include <sys/stat.h>

#include <cstdio>
#include <exception>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "common/process_title.h"
#include "tools/understudy/command.h"

namespace {

// Commands are registered here; a new subcommand is one line.
constexpr understudy::cli::CommandFactory kFactories[] = {
    understudy::cli::make_basebackup_command,
    understudy::cli::make_completion_command,
    understudy::cli::make_lag_command,
    understudy::cli::make_receive_command,
    understudy::cli::make_replay_command,
    understudy::cli::make_retire_command,
    understudy::cli::make_standby_command,
    understudy::cli::make_waldump_command,
};

}  // namespace

int main(int argc, char** argv) {
    using namespace understudy::cli;
    // Files and directories we create are the owner's only (0600 / 0700), as PostgreSQL's.
    ::umask(077);
    CLI::App app{"understudy: a lightweight PostgreSQL physical standby", "understudy"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "understudy 0.1.0");

    std::vector<std::pair<CLI::App*, std::unique_ptr<Command>>> commands;
    for (auto factory : kFactories) {
        auto before = app.get_subcommands({}).size();
        auto cmd = factory(app);
        auto subs = app.get_subcommands({});
        commands.emplace_back(subs.size() > before ? subs.back() : nullptr, std::move(cmd));
    }

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        std::fprintf(stderr, "Try \"understudy --help\" for more information.\n");
        return kExitUsage;
    }

    // A password given in --primary no longer shows in ps or /proc/PID/cmdline (the parser
    // kept its own copies of the arguments).
    understudy::hide_passwords_in_argv(argc, argv);

    for (auto& [sub, cmd] : commands) {
        if (sub && sub->parsed()) {
            try {
                return cmd->run();
            } catch (const UsageError& e) {
                std::fprintf(stderr, "understudy %s: %s\n", sub->get_name().c_str(), e.message.c_str());
                std::fprintf(stderr, "Try \"understudy %s --help\" for more information.\n",
                             sub->get_name().c_str());
                return kExitUsage;
            } catch (const std::exception& e) {
                std::fprintf(stderr, "understudy %s: error: %s\n", sub->get_name().c_str(), e.what());
                return kExitFailure;
            }
        }
    }
    return kExitUsage;
}
