// A raw HTTP/1.0 client over TCP on 127.0.0.1 for the tests of the HTTP endpoint
// (tests/standby/http_test.cpp, the server alone; tests/integration/standby_guard_test.cpp,
// `understudy standby --http`): connections it opens and holds, half requests, requests sent
// byte for byte as given, no parsing beyond the status code.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace understudy::testing::http {

// 1000+ descriptors open at once: the soft limit may be 1024 (a fresh Debian).
inline void raise_fd_limit() {
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &rl);
    }
}

// A connected socket to 127.0.0.1:port, or -1.
inline int connect_port(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// Sends what it can of `s`; the server may close early (431): the rest is then not needed.
inline void send_all(int fd, const std::string& s) {
    for (std::size_t off = 0; off < s.size();) {
        ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
        if (n <= 0) return;
        off += static_cast<std::size_t>(n);
    }
}

// Everything until EOF or `timeout`; *eof says whether the server closed.
inline std::string read_until_eof(int fd, std::chrono::milliseconds timeout, bool* eof = nullptr) {
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    if (eof) *eof = false;
    for (;;) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return out;
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return out;
        char buf[8192];
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
            if (eof) *eof = true;
            return out;
        }
        out.append(buf, static_cast<std::size_t>(n));
    }
}

// The status code of an HTTP/1.0 response, 0 when it is not one.
inline int http_status(const std::string& response) {
    if (response.rfind("HTTP/1.0 ", 0) != 0 || response.size() < 12) return 0;
    return std::stoi(response.substr(9, 3));
}

// One request on its own connection; the response as read until the server closes (10 s at most).
inline std::string http_exchange(int port, const std::string& request) {
    const int fd = connect_port(port);
    if (fd < 0) return "";
    send_all(fd, request);
    std::string r = read_until_eof(fd, std::chrono::seconds(10));
    ::close(fd);
    return r;
}

}  // namespace understudy::testing::http
