// What `ps` and /proc/PID/cmdline show of our command line: the arguments with every password
// of a conninfo replaced (password=***, postgres://user:***@host), written over the argv memory
// the kernel reports, as PostgreSQL's ps_status.c rewrites it. Call it once, after the options
// are parsed (the parser keeps its own copies) and before any thread starts.
#pragma once

#include <string>

namespace understudy {

// `arg` with each password replaced: "***" when that fits in the original length, else as
// many '*' as the password had (the rewritten command line can never be longer than the old).
std::string redact_argument(const std::string& arg);

// Rewrites argv[0..argc) in place (the strings are contiguous on Linux; the rest is zeroed).
// Returns whether anything changed.
bool hide_passwords_in_argv(int argc, char** argv);

}  // namespace understudy
