#include "tests/support/process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace understudy::testing {

namespace {

std::vector<char*> make_argv(const std::vector<std::string>& argv) {
    std::vector<char*> out;
    for (auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
    out.push_back(nullptr);
    return out;
}

void apply_env(const std::vector<std::string>& env) {
    for (auto& kv : env) {
        auto eq = kv.find('=');
        if (eq == std::string::npos) ::unsetenv(kv.c_str());
        else ::setenv(kv.substr(0, eq).c_str(), kv.substr(eq + 1).c_str(), 1);
    }
}

int decode_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

}  // namespace

RunResult run(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        ::dup2(fds[1], 1);
        ::dup2(fds[1], 2);
        int devnull = ::open("/dev/null", O_RDONLY);
        if (devnull >= 0) ::dup2(devnull, 0);
        apply_env(env);
        auto a = make_argv(argv);
        ::execvp(a[0], a.data());
        std::fprintf(stderr, "exec %s failed: %s\n", a[0], std::strerror(errno));
        ::_exit(127);
    }
    ::close(fds[1]);
    RunResult r;
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fds[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        r.output.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    r.exit_code = decode_status(status);
    return r;
}

std::vector<std::string> as_postgres(std::vector<std::string> argv) {
    if (::geteuid() != 0) return argv;
    std::vector<std::string> out = {"runuser", "-u", "postgres", "--"};
    out.insert(out.end(), argv.begin(), argv.end());
    return out;
}

Child Child::spawn(const std::vector<std::string>& argv, const std::string& log_path,
                   const std::vector<std::string>& env) {
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            ::dup2(fd, 1);
            ::dup2(fd, 2);
        }
        int devnull = ::open("/dev/null", O_RDONLY);
        if (devnull >= 0) ::dup2(devnull, 0);
        apply_env(env);
        auto a = make_argv(argv);
        ::execvp(a[0], a.data());
        ::_exit(127);
    }
    Child c;
    c.pid_ = pid;
    return c;
}

Child::Child(Child&& o) noexcept : pid_(o.pid_), status_(o.status_) { o.pid_ = -1; }
Child& Child::operator=(Child&& o) noexcept {
    if (this != &o) {
        kill9();
        pid_ = o.pid_;
        status_ = o.status_;
        o.pid_ = -1;
    }
    return *this;
}
Child::~Child() { kill9(); }

bool Child::running() {
    if (pid_ < 0) return false;
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
        status_ = decode_status(status);
        pid_ = -1;
        return false;
    }
    return true;
}

void Child::signal(int sig) {
    if (pid_ > 0) ::kill(pid_, sig);
}

int Child::wait(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (running()) {
        if (std::chrono::steady_clock::now() >= deadline) return -1;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return status_;
}

void Child::kill9() {
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        status_ = decode_status(status);
        pid_ = -1;
    }
}

std::string understudy_bin() {
    const char* p = std::getenv("UNDERSTUDY_BIN");
    if (!p || !*p) throw std::runtime_error("UNDERSTUDY_BIN is not set (run the tests with meson test)");
    return p;
}

TempDir::TempDir(const std::string& prefix, bool for_postgres) {
    // tools/test.sh sets UNDERSTUDY_TEST_RUN so that its clean-up of leftover servers only
    // matches directories of its own run, never those of another run on the same machine.
    std::string run;
    if (const char* r = std::getenv("UNDERSTUDY_TEST_RUN"); r && *r) run = std::string(r) + "-";
    std::string tmpl = "/tmp/" + prefix + "-" + run + "XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (!::mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
    path_ = buf.data();
    if (for_postgres && ::geteuid() == 0) {
        struct passwd* pw = ::getpwnam("postgres");
        if (!pw) throw std::runtime_error("no postgres user on this machine");
        if (::chown(path_.c_str(), pw->pw_uid, pw->pw_gid) != 0)
            throw std::runtime_error("chown of " + path_ + " failed");
    }
}

TempDir::~TempDir() {
    if (path_.empty()) return;
    if (const char* keep = std::getenv("UNDERSTUDY_KEEP_TMP"); keep && *keep) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

int free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        throw std::runtime_error("bind for a free port failed");
    }
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    int port = ntohs(addr.sin_port);
    ::close(fd);
    return port;
}

}  // namespace understudy::testing
