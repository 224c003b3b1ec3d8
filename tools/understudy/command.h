// A subcommand of the `understudy` executable. Each command lives in its own file
// (cmd_receive.cpp, cmd_waldump.cpp, ...), binds its options to its own members when it is
// registered, and runs after a successful parse.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <vector>

namespace understudy::cli {

// Exit statuses of every command: 0 success, 1 failure, 2 usage error.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

class Command {
public:
    virtual ~Command() = default;
    // Runs the command after parsing; returns the process exit status.
    virtual int run() = 0;
};

// A usage error found after CLI11's parse (e.g. a malformed LSN): print and exit 2.
struct UsageError {
    std::string message;
};

using CommandFactory = std::unique_ptr<Command> (*)(CLI::App& app);

// One factory per subcommand; each adds its subcommand to `app` and returns the command.
std::unique_ptr<Command> make_basebackup_command(CLI::App& app);
std::unique_ptr<Command> make_completion_command(CLI::App& app);
std::unique_ptr<Command> make_lag_command(CLI::App& app);
std::unique_ptr<Command> make_receive_command(CLI::App& app);
std::unique_ptr<Command> make_replay_command(CLI::App& app);
std::unique_ptr<Command> make_retire_command(CLI::App& app);
std::unique_ptr<Command> make_standby_command(CLI::App& app);
std::unique_ptr<Command> make_waldump_command(CLI::App& app);

// Maps -v/-vv/-q style counts to the log level, shared by every command.
void set_verbosity(int verbose_count);
// The long-running commands (standby, receive) log with timestamps, or, when stderr is
// journald's stream (JOURNAL_STREAM), with syslog priorities and no timestamps of their own.
void use_service_log_format();

}  // namespace understudy::cli
