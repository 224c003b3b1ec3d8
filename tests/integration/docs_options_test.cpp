// The man pages (docs/man/*.scd) and the bash completion (`understudy completion bash`) list
// exactly the options `understudy SUB --help` prints, for every subcommand --help lists, so
// neither can drift from the option definitions: an option added to a command without its man
// page entry fails here, and so does a page entry for an option that is gone.
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "tests/support/files.h"
#include "tests/support/process.h"

using namespace understudy::testing;

namespace {

std::string source_root() {
    const char* root = std::getenv("UNDERSTUDY_SOURCE_ROOT");
    REQUIRE_MESSAGE(root != nullptr, "UNDERSTUDY_SOURCE_ROOT is not set (meson test sets it)");
    return root;
}

std::string help_text(const std::vector<std::string>& sub) {
    std::vector<std::string> argv = {understudy_bin()};
    argv.insert(argv.end(), sub.begin(), sub.end());
    argv.push_back("--help");
    RunResult r = run(argv);
    REQUIRE_MESSAGE(r.exit_code == 0, r.output);
    return r.output;
}

// The lines of the help section whose header is `header` ("Options:", "Subcommands:").
std::vector<std::string> help_section(const std::string& help, const std::string& header) {
    std::istringstream in(help);
    std::string line;
    std::vector<std::string> out;
    bool inside = false;
    while (std::getline(in, line)) {
        if (!line.empty() && line[0] != ' ') {
            inside = line == header;
            continue;
        }
        if (inside && !line.empty()) out.push_back(line);
    }
    return out;
}

// Option names in --help: the first column of each "  -v,--verbose ..." line.
std::set<std::string> help_options(const std::string& help) {
    std::set<std::string> out;
    for (const std::string& line : help_section(help, "Options:")) {
        std::smatch m;
        if (!std::regex_search(line, m, std::regex("^  (-[^ ]*)"))) continue;
        std::string names = m[1];
        std::stringstream ss(names);
        std::string name;
        while (std::getline(ss, name, ',')) {
            // CLI11 prints a flag's default value as --stats{rmgr}.
            name = name.substr(0, name.find('{'));
            out.insert(name);
        }
    }
    return out;
}

std::set<std::string> help_subcommands(const std::string& help) {
    std::set<std::string> out;
    for (const std::string& line : help_section(help, "Subcommands:")) {
        std::smatch m;
        if (std::regex_search(line, m, std::regex("^  ([a-z][a-z0-9-]*)"))) out.insert(m[1]);
    }
    return out;
}

// The scdoc source's "# OPTIONS" entries: lines starting "*-x*, *--name* ...".
std::set<std::string> page_options(const std::string& scd) {
    std::set<std::string> out;
    std::istringstream in(scd);
    std::string line;
    bool inside = false;
    const std::regex name("\\*(--?[A-Za-z0-9][A-Za-z0-9-]*)\\*");
    while (std::getline(in, line)) {
        if (line.rfind("# ", 0) == 0) {
            inside = line == "# OPTIONS";
            continue;
        }
        if (!inside || line.rfind("*-", 0) != 0) continue;
        for (std::sregex_iterator it(line.begin(), line.end(), name), end; it != end; ++it) out.insert((*it)[1]);
    }
    return out;
}

// What the generated completion offers after `understudy WORDS... CUR` (bash runs it).
std::set<std::string> completions(const std::string& script_path, const std::vector<std::string>& words,
                                  const std::string& cur) {
    std::string cmd = "source '" + script_path + "'; COMP_WORDS=(understudy";
    for (const auto& w : words) cmd += " '" + w + "'";
    cmd += " '" + cur + "'); COMP_CWORD=" + std::to_string(words.size() + 1) +
           "; COMPREPLY=(); _understudy; printf '%s\\n' \"${COMPREPLY[@]}\"";
    RunResult r = run({"bash", "-c", cmd});
    REQUIRE_MESSAGE(r.exit_code == 0, r.output);
    std::set<std::string> out;
    std::istringstream in(r.output);
    std::string line;
    while (std::getline(in, line))
        if (!line.empty()) out.insert(line);
    return out;
}

std::string names(const std::set<std::string>& s) {
    std::string out;
    for (const auto& x : s) out += (out.empty() ? "" : " ") + x;
    return out.empty() ? "(none)" : out;
}

std::set<std::string> minus(const std::set<std::string>& a, const std::set<std::string>& b) {
    std::set<std::string> out;
    for (const auto& x : a)
        if (!b.contains(x)) out.insert(x);
    return out;
}

}  // namespace

TEST_CASE("man pages: one per subcommand --help lists, each with exactly --help's options") {
    const std::string man_dir = source_root() + "/docs/man";
    const std::string top_help = help_text({});
    const std::set<std::string> subs = help_subcommands(top_help);
    REQUIRE_MESSAGE(subs.size() >= 5, top_help);  // lag, receive, replay, standby, waldump at least
    CHECK_MESSAGE(!subs.contains("completion"), "the completion subcommand is meant to be hidden");

    const std::string top_page = read_file(man_dir + "/understudy.1.scd");
    REQUIRE_FALSE(top_page.empty());
    CHECK_MESSAGE(page_options(top_page) == help_options(top_help),
                  "understudy.1.scd OPTIONS: " << names(page_options(top_page)) << "; --help: "
                                               << names(help_options(top_help)));
    for (const std::string& sub : subs) {
        CAPTURE(sub);
        CHECK_MESSAGE(top_page.find("*" + sub + "*\n") != std::string::npos,
                      "understudy.1.scd's COMMANDS does not list " << sub);
        const std::string page_path = man_dir + "/understudy-" + sub + ".1.scd";
        const std::string page = read_file(page_path);
        REQUIRE_MESSAGE(!page.empty(), page_path << " is missing: every subcommand has a man page");
        const std::set<std::string> in_help = help_options(help_text({sub}));
        const std::set<std::string> in_page = page_options(page);
        REQUIRE_MESSAGE(in_help.size() >= 2, help_text({sub}));  // -h/--help at least
        CHECK_MESSAGE(minus(in_help, in_page).empty(),
                      page_path << " lacks options --help has: " << names(minus(in_help, in_page)));
        CHECK_MESSAGE(minus(in_page, in_help).empty(),
                      page_path << " has options --help does not: " << names(minus(in_page, in_help)));
    }
}

TEST_CASE("bash completion: every subcommand, and every option of each subcommand's --help") {
    TempDirectory dir("understudy-completion");
    RunResult gen = run({understudy_bin(), "completion", "bash"});
    REQUIRE_MESSAGE(gen.exit_code == 0, gen.output);
    REQUIRE(gen.output.find("complete -o default -F _understudy understudy") != std::string::npos);
    const std::string script = dir.path + "/understudy";
    dir.write_text("understudy", gen.output);

    const std::string top_help = help_text({});
    const std::set<std::string> subs = help_subcommands(top_help);
    CHECK_MESSAGE(completions(script, {}, "") == subs, names(completions(script, {}, "")) << " vs " << names(subs));
    CHECK(completions(script, {}, "--") == std::set<std::string>{"--help", "--version"});
    for (const std::string& sub : subs) {
        CAPTURE(sub);
        const std::set<std::string> in_help = help_options(help_text({sub}));
        const std::set<std::string> offered = completions(script, {sub}, "-");
        CHECK_MESSAGE(offered == in_help, "completion offers " << names(offered) << "; --help has " << names(in_help));
    }
    // After an option that takes a value nothing is offered (bash falls back to file names);
    // after a flag the options are offered again.
    CHECK(completions(script, {"standby", "--dir"}, "").empty());
    CHECK(completions(script, {"standby", "--verify"}, "--pri") == std::set<std::string>{"--primary"});
    CHECK(completions(script, {"waldump", "-p", "/tmp"}, "--st") == std::set<std::string>{"--start", "--stats"});
}
