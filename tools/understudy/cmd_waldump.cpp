// PLACEHOLDER: the waldump command is being written.
#include "tools/understudy/command.h"

#include <cstdio>

namespace understudy::cli {

namespace {
class WaldumpCommand final : public Command {
public:
    int run() override {
        std::fprintf(stderr, "understudy waldump: not implemented yet\n");
        return kExitFailure;
    }
};
}  // namespace

std::unique_ptr<Command> make_waldump_command(CLI::App& app) {
    app.add_subcommand("waldump", "(not implemented yet)");
    return std::make_unique<WaldumpCommand>();
}

}  // namespace understudy::cli
