// Shell completion generated from the CLI11 definitions that also print --help, so the two
// cannot disagree: the subcommands the help lists, and for each its options (short and long
// names), with the options that take a value left to the shell's default (file name) completion.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace understudy::cli {

// The bash script (`complete -F _understudy understudy`) for `app` and its visible subcommands.
std::string bash_completion_script(const CLI::App& app);

}  // namespace understudy::cli
