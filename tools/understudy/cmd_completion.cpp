// `understudy completion bash`: prints the bash completion script generated from the option
// definitions (tools/understudy/completion.h). Hidden from --help (an empty group); meson runs
// it at build time to make the installed completion file.
#include <cstdio>
#include <string>

#include "tools/understudy/command.h"
#include "tools/understudy/completion.h"

namespace understudy::cli {

namespace {

class CompletionCommand final : public Command {
public:
    explicit CompletionCommand(CLI::App& app) : app_(app) {
        auto* sub = app.add_subcommand("completion", "print a shell completion script generated from the options");
        sub->group("");
        sub->add_option("shell", shell_, "the shell: bash")->required()->check(CLI::IsMember({"bash"}));
    }
    int run() override {
        const std::string script = bash_completion_script(app_);
        std::fwrite(script.data(), 1, script.size(), stdout);
        return kExitOk;
    }

private:
    const CLI::App& app_;
    std::string shell_;
};

}  // namespace

std::unique_ptr<Command> make_completion_command(CLI::App& app) { return std::make_unique<CompletionCommand>(app); }

}  // namespace understudy::cli
