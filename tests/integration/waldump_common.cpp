#include "tests/integration/waldump_common.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace understudy::testing::waldump {

namespace {

int decode_wait_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

std::size_t count_lines(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::size_t n = 0;
    char buf[1 << 16];
    while (f.read(buf, sizeof buf) || f.gcount() > 0) {
        for (std::streamsize i = 0; i < f.gcount(); ++i) n += buf[i] == '\n';
        if (!f) break;
    }
    return n;
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << text;
}

std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (auto& x : v) s += (s.empty() ? "" : " ") + x;
    return s;
}

}  // namespace

// (waldump_common.h)
std::pair<std::size_t, std::string> diff_files(const std::string& a, const std::string& b,
                                               std::size_t max_lines) {
    auto r = run({"diff", a, b});
    std::size_t n = 0, shown = 0;
    std::string first;
    std::vector<std::string> left, right;
    auto flush = [&] {
        for (std::size_t i = 0; i < std::max(left.size(), right.size()) && shown < max_lines; ++i) {
            if (i < left.size()) first += "    " + left[i].substr(0, 400) + "\n", ++shown;
            if (i < right.size()) first += "    " + right[i].substr(0, 400) + "\n", ++shown;
        }
        left.clear();
        right.clear();
    };
    std::istringstream in(r.output);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("< ", 0) == 0) {
            ++n;
            left.push_back(line);
        } else if (line.rfind("> ", 0) == 0) {
            ++n;
            right.push_back(line);
        } else if (line != "---") {
            flush();
        }
    }
    flush();
    return {n, first};
}

const std::vector<std::string>& all_rmgr_names() {
    static const std::vector<std::string> names = {
        "XLOG",   "Transaction", "Storage", "CLOG",     "Database", "Tablespace",
        "MultiXact", "RelMap",   "Standby", "Heap2",    "Heap",     "Btree",
        "Hash",   "Gin",         "Gist",    "Sequence", "SPGist",   "BRIN",
        "CommitTs", "ReplicationOrigin", "Generic", "LogicalMessage"};
    return names;
}

std::string source_root() {
    const char* p = std::getenv("UNDERSTUDY_SOURCE_ROOT");
    if (!p || !*p) throw std::runtime_error("UNDERSTUDY_SOURCE_ROOT is not set (run the tests with meson test)");
    return p;
}

ToolRun run_tool(const std::vector<std::string>& argv, const std::string& out_path,
                 std::chrono::seconds timeout) {
    std::string err_path = out_path + ".stderr";
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int devnull = ::open("/dev/null", O_RDONLY);
        if (out < 0 || err < 0 || devnull < 0) ::_exit(127);
        ::dup2(out, 1);
        ::dup2(err, 2);
        ::dup2(devnull, 0);
        std::vector<char*> a;
        for (auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
        a.push_back(nullptr);
        ::execvp(a[0], a.data());
        std::fprintf(stderr, "exec %s failed: %s\n", a[0], std::strerror(errno));
        ::_exit(127);
    }
    ToolRun r;
    r.out_path = out_path;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    auto step = std::chrono::milliseconds(1);
    int status = 0;
    for (;;) {
        pid_t w = ::waitpid(pid, &status, WNOHANG);
        if (w == pid) {
            r.exit_code = decode_wait_status(status);
            break;
        }
        if (w < 0 && errno != EINTR) throw std::runtime_error("waitpid failed");
        if (std::chrono::steady_clock::now() >= deadline) {
            ::kill(pid, SIGKILL);
            while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
            }
            r.timed_out = true;
            r.exit_code = -1;
            break;
        }
        std::this_thread::sleep_for(step);
        if (step < std::chrono::milliseconds(20)) step *= 2;
    }
    r.err = read_file(err_path);
    return r;
}

std::string normalise_program_name(const std::string& err) {
    static const char* const prefixes[] = {"pg_waldump: ", "understudy waldump: ", "understudy: "};
    std::istringstream in(err);
    std::string line, out;
    while (std::getline(in, line)) {
        for (const char* p : prefixes) {
            if (line.rfind(p, 0) == 0) {
                line = "PROG: " + line.substr(std::strlen(p));
                break;
            }
        }
        out += line + "\n";
    }
    return out;
}

std::string Comparison::report() const {
    std::string s = "waldump " + join(args) + "\n";
    s += "  pg_waldump: exit " + std::to_string(pg.exit_code) + ", " + std::to_string(pg_lines) +
         " lines" + (pg.timed_out ? " (TIMED OUT)" : "") + "\n";
    s += "  understudy: exit " + std::to_string(us.exit_code) + ", " + std::to_string(us_lines) +
         " lines" + (us.timed_out ? " (TIMED OUT)" : "") + "\n";
    s += "  differing lines: " + std::to_string(differing_lines) + "\n";
    if (!first_differences.empty()) s += "  first differences (< pg_waldump, > understudy):\n" + first_differences;
    return s;
}

Comparison compare_waldump(const std::vector<std::string>& args, const std::string& work_dir,
                           std::size_t max_diff_lines, std::chrono::seconds timeout) {
    Comparison c;
    c.args = args;
    std::vector<std::string> pg_argv = {pg_tool("pg_waldump")};
    pg_argv.insert(pg_argv.end(), args.begin(), args.end());
    std::vector<std::string> us_argv = {understudy_bin(), "waldump"};
    us_argv.insert(us_argv.end(), args.begin(), args.end());
    c.pg = run_tool(pg_argv, work_dir + "/pg.out", timeout);
    c.us = run_tool(us_argv, work_dir + "/us.out", timeout);
    c.pg_lines = count_lines(c.pg.out_path);
    c.us_lines = count_lines(c.us.out_path);

    auto [n_out, first_out] = diff_files(c.pg.out_path, c.us.out_path, max_diff_lines);
    write_file(work_dir + "/pg.err.n", normalise_program_name(c.pg.err));
    write_file(work_dir + "/us.err.n", normalise_program_name(c.us.err));
    auto [n_err, first_err] = diff_files(work_dir + "/pg.err.n", work_dir + "/us.err.n", 10);
    c.differing_lines = n_out + n_err + (c.pg.exit_code != c.us.exit_code ? 1 : 0);
    c.first_differences = first_out;
    if (n_err) c.first_differences += "  stderr:\n" + first_err;
    if (c.pg.exit_code != c.us.exit_code)
        c.first_differences += "  exit status: pg_waldump " + std::to_string(c.pg.exit_code) +
                               ", understudy " + std::to_string(c.us.exit_code) + "\n";
    return c;
}

std::map<std::string, std::uint64_t> rmgr_counts(const std::string& stats_output) {
    std::map<std::string, std::uint64_t> counts;
    std::istringstream in(stats_output);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream l(line);
        std::string name, n;
        if (!(l >> name >> n)) continue;
        if (n.empty() || n.find_first_not_of("0123456789") != std::string::npos) continue;
        counts[name] = std::stoull(n);
    }
    return counts;
}

std::vector<std::string> missing_rmgrs(const std::map<std::string, std::uint64_t>& counts) {
    std::vector<std::string> missing;
    for (auto& name : all_rmgr_names()) {
        auto it = counts.find(name);
        if (it == counts.end() || it->second == 0) missing.push_back(name);
    }
    return missing;
}

PgOptions workload_options(const std::string& wal_compression, bool consistency_checking,
                           std::vector<std::string> initdb_args) {
    PgOptions o;
    o.conf = {"wal_level = logical",
              "max_prepared_transactions = 10",
              "track_commit_timestamp = on",
              "wal_log_hints = on",
              "wal_keep_size = 16GB",
              "max_wal_size = 4GB",
              "fsync = off",
              "wal_compression = " + wal_compression};
    if (consistency_checking) o.conf.push_back("wal_consistency_checking = all");
    o.initdb_args = std::move(initdb_args);
    return o;
}

WalRange run_workload(PgCluster& pg, const std::string& file, bool restart) {
    std::string ts = pg.base_dir() + "/ts";
    auto mk = run(as_postgres({"mkdir", "-p", ts}));
    if (mk.exit_code != 0) throw std::runtime_error("mkdir " + ts + ": " + mk.output);
    WalRange range;
    range.start = pg.sql("select pg_current_wal_insert_lsn()");
    std::string path = source_root() + "/tests/workloads/" + file;
    auto r = pg.client("psql", {"-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-v", "tsdir=" + ts, "-f", path,
                                "-d", "postgres"});
    if (r.exit_code != 0) throw std::runtime_error("workload " + path + " failed:\n" + r.output);
    if (restart) {
        pg.sql("alter system set max_wal_senders = 12");
        pg.restart();
        // A transaction after the restart, whatever tables the workload made.
        pg.sql("create table if not exists wdt_after_restart (i int); insert into wdt_after_restart values (100)");
    }
    range.end = pg.sql("select pg_current_wal_insert_lsn()");
    return range;
}

std::size_t count_compressed_images(const std::string& dump_path, const std::string& method) {
    std::ifstream f(dump_path);
    std::string line, needle = "method: " + method;
    std::size_t n = 0;
    while (std::getline(f, line)) n += line.find(needle) != std::string::npos;
    return n;
}

}  // namespace understudy::testing::waldump
