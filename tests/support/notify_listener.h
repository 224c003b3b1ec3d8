// The service manager's end of the readiness protocol (common/sd_notify.h) for tests: a unix
// datagram socket bound at a path (or "@name", abstract) whose messages a test reads with a
// timeout, as systemd reads NOTIFY_SOCKET.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>

namespace understudy::testing {

class NotifyListener {
public:
    explicit NotifyListener(std::string path) : path_(std::move(path)) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0) throw std::runtime_error("NotifyListener: socket() failed");
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        if (path_.size() >= sizeof(addr.sun_path)) throw std::runtime_error("NotifyListener: path too long: " + path_);
        std::memcpy(addr.sun_path, path_.data(), path_.size());
        const bool abstract = path_[0] == '@';
        if (abstract) addr.sun_path[0] = '\0';
        const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path_.size() + (abstract ? 0 : 1));
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0)
            throw std::runtime_error("NotifyListener: bind(" + path_ + ") failed: " + std::strerror(errno));
    }
    NotifyListener(const NotifyListener&) = delete;
    NotifyListener& operator=(const NotifyListener&) = delete;
    ~NotifyListener() {
        ::close(fd_);
        if (path_[0] == '/') ::unlink(path_.c_str());
    }
    const std::string& path() const { return path_; }

    // The next datagram, or nullopt when none arrives within `timeout`.
    std::optional<std::string> receive(std::chrono::milliseconds timeout) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
        char buf[4096];
        const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n < 0) return std::nullopt;
        return std::string(buf, static_cast<std::size_t>(n));
    }

private:
    std::string path_;
    int fd_ = -1;
};

}  // namespace understudy::testing
