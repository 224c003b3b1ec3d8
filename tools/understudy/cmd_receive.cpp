// PLACEHOLDER: the receive command is being written.
#include "tools/understudy/command.h"

#include <cstdio>

namespace understudy::cli {

namespace {
class ReceiveCommand final : public Command {
public:
    int run() override {
        std::fprintf(stderr, "understudy receive: not implemented yet\n");
        return kExitFailure;
    }
};
}  // namespace

std::unique_ptr<Command> make_receive_command(CLI::App& app) {
    app.add_subcommand("receive", "(not implemented yet)");
    return std::make_unique<ReceiveCommand>();
}

}  // namespace understudy::cli
