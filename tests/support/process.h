// Running programs from tests: capture output, run as the postgres user when we are root, and
// own background children (killed when the owner goes away).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace understudy::testing {

struct RunResult {
    int exit_code = -1;    // exit status, or 128+signal
    std::string output;    // stdout and stderr, interleaved
};

// Runs argv to completion; output captured. Never throws for a non-zero exit.
RunResult run(const std::vector<std::string>& argv, const std::vector<std::string>& env = {});

// Prefix that runs a command as the postgres OS user when we are root ("runuser -u postgres --").
std::vector<std::string> as_postgres(std::vector<std::string> argv);

// A child process running in the background. Output goes to a log file.
class Child {
public:
    Child() = default;
    // Starts argv with stdout+stderr redirected to log_path (appended).
    static Child spawn(const std::vector<std::string>& argv, const std::string& log_path,
                       const std::vector<std::string>& env = {});
    Child(Child&& o) noexcept;
    Child& operator=(Child&& o) noexcept;
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    ~Child();  // SIGKILL + reap if still running

    pid_t pid() const { return pid_; }
    bool running();
    void signal(int sig);
    // Waits for exit up to timeout; returns exit code (128+sig for signals) or -1 on timeout.
    int wait(std::chrono::milliseconds timeout);
    void kill9();

private:
    pid_t pid_ = -1;
    int status_ = -1;
};

// Environment path to the understudy binary under test (UNDERSTUDY_BIN, set by meson).
std::string understudy_bin();

// A temporary directory removed (recursively) on destruction. Owned by postgres if `for_postgres`.
class TempDir {
public:
    explicit TempDir(const std::string& prefix = "understudy-test", bool for_postgres = false);
    TempDir(TempDir&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir();
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// A TCP port on 127.0.0.1 that nobody listens on right now.
int free_port();

// Polls `pred` until true or timeout; returns whether it became true.
template <typename Pred>
bool wait_until(Pred pred, std::chrono::milliseconds timeout,
                std::chrono::milliseconds step = std::chrono::milliseconds(50));

}  // namespace understudy::testing

#include <thread>

template <typename Pred>
bool understudy::testing::wait_until(Pred pred, std::chrono::milliseconds timeout,
                                     std::chrono::milliseconds step) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred()) return true;
        std::this_thread::sleep_for(step);
    }
    return pred();
}
