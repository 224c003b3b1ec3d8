#include "common/sd_notify.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

namespace understudy::service {

Result<NotifySocket> NotifySocket::from_environment() {
    const char* path = std::getenv("NOTIFY_SOCKET");
    if (path == nullptr || *path == '\0') return NotifySocket{};
    return open(path);
}

Result<NotifySocket> NotifySocket::open(const std::string& path) {
    NotifySocket s;
    if (path.empty() || (path[0] != '/' && path[0] != '@'))
        return make_error(fmt::format("NOTIFY_SOCKET \"{}\" is neither an absolute path nor an abstract socket "
                                      "(\"@name\"); unset it or give the service manager's socket",
                                      path));
    if (path.size() >= sizeof(s.addr_.sun_path))
        return make_error(fmt::format("NOTIFY_SOCKET \"{}\" is longer than a unix socket address ({} bytes)", path,
                                      sizeof(s.addr_.sun_path) - 1));
    s.addr_.sun_family = AF_UNIX;
    std::memcpy(s.addr_.sun_path, path.data(), path.size());
    // The abstract namespace: a leading NUL instead of '@', and the length counts exactly the name.
    if (path[0] == '@') s.addr_.sun_path[0] = '\0';
    s.addr_len_ = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + (path[0] == '@' ? 0 : 1));
    s.fd_ = fs::UniqueFd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!s.fd_.valid())
        return make_error(fmt::format("NOTIFY_SOCKET \"{}\": could not create a datagram socket: {}", path,
                                      fs::errno_text(errno)));
    s.path_ = path;
    return s;
}

Result<void> NotifySocket::send(std::string_view state) const {
    if (!active()) return {};
    ssize_t n;
    do {
        n = ::sendto(fd_.get(), state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&addr_),
                     addr_len_);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return make_error(fmt::format("NOTIFY_SOCKET \"{}\": could not send \"{}\": {}", path_,
                                      state.substr(0, state.find('\n')), fs::errno_text(errno)));
    return {};
}

std::optional<std::chrono::microseconds> watchdog_interval_from_environment() {
    const char* usec = std::getenv("WATCHDOG_USEC");
    if (usec == nullptr || *usec == '\0') return std::nullopt;
    char* end = nullptr;
    errno = 0;
    const unsigned long long v = std::strtoull(usec, &end, 10);
    if (errno != 0 || *end != '\0' || v == 0) return std::nullopt;
    if (const char* pid = std::getenv("WATCHDOG_PID"); pid != nullptr && *pid != '\0') {
        char* pend = nullptr;
        const long p = std::strtol(pid, &pend, 10);
        if (*pend != '\0' || p != static_cast<long>(::getpid())) return std::nullopt;
    }
    return std::chrono::microseconds(static_cast<std::int64_t>(v));
}

bool stderr_is_journal() {
    const char* js = std::getenv("JOURNAL_STREAM");
    if (js == nullptr || *js == '\0') return false;
    unsigned long long dev = 0, ino = 0;
    char tail = 0;
    if (std::sscanf(js, "%llu:%llu%c", &dev, &ino, &tail) != 2) return false;
    struct stat st {};
    if (::fstat(STDERR_FILENO, &st) != 0) return false;
    return static_cast<unsigned long long>(st.st_dev) == dev && static_cast<unsigned long long>(st.st_ino) == ino;
}

}  // namespace understudy::service
