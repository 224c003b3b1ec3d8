// A TCP relay that delays every byte by a fixed time in each direction: listens on
// `listen_addr`:port (an address of the test's own veth pair), connects each client to
// 127.0.0.1:`upstream_port`. It stands in for `tc qdisc ... netem delay` on kernels without
// sch_netem; what netem adds beyond a delay (reordering, loss) the test makes with iptables.
// Each accepted connection gets a reader and a writer thread per direction; bytes read at time
// t are written at t + delay, in order.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

namespace understudy::testing::faults {

class DelayRelay {
public:
    DelayRelay(const std::string& listen_addr, int upstream_port, std::chrono::milliseconds delay)
        : upstream_port_(upstream_port), delay_(delay) {
        listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = 0;
        if (::inet_pton(AF_INET, listen_addr.c_str(), &addr.sin_addr) != 1 ||
            ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 16) != 0) {
            ::close(listen_fd_);
            throw std::runtime_error("delay relay: cannot listen on " + listen_addr);
        }
        socklen_t len = sizeof addr;
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        accept_thread_ = std::thread([this] { accept_loop(); });
    }
    ~DelayRelay() {
        stop_ = true;
        accept_thread_.join();
        ::close(listen_fd_);
        std::lock_guard lock(mu_);
        for (auto& c : connections_) c->close();
        connections_.clear();
    }
    DelayRelay(const DelayRelay&) = delete;
    DelayRelay& operator=(const DelayRelay&) = delete;

    int port() const { return port_; }
    int connections() const { return accepted_; }

private:
    using Clock = std::chrono::steady_clock;

    // One direction: a reader thread queues chunks stamped with their due time, a writer thread
    // writes each when due. Either side's end or error shuts both sockets down.
    struct Pipe {
        std::mutex mu;
        std::condition_variable cv;
        std::deque<std::pair<Clock::time_point, std::string>> chunks;
        bool eof = false;
        std::thread reader, writer;
    };

    struct Connection {
        int client = -1, upstream = -1;
        Pipe up, down;  // client -> upstream, upstream -> client
        void close() {
            ::shutdown(client, SHUT_RDWR);
            ::shutdown(upstream, SHUT_RDWR);
            for (Pipe* p : {&up, &down}) {
                {
                    std::lock_guard lock(p->mu);
                    p->eof = true;
                }
                p->cv.notify_all();
            }
            for (Pipe* p : {&up, &down}) {
                if (p->reader.joinable()) p->reader.join();
                if (p->writer.joinable()) p->writer.join();
            }
            ::close(client);
            ::close(upstream);
        }
    };

    void accept_loop() {
        while (!stop_) {
            pollfd p{listen_fd_, POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) continue;
            const int client = ::accept(listen_fd_, nullptr, nullptr);
            if (client < 0) continue;
            const int upstream = ::socket(AF_INET, SOCK_STREAM, 0);
            sockaddr_in to{};
            to.sin_family = AF_INET;
            to.sin_port = htons(static_cast<std::uint16_t>(upstream_port_));
            to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            if (::connect(upstream, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
                ::close(client);
                ::close(upstream);
                continue;
            }
            int one = 1;
            ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            ::setsockopt(upstream, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            auto c = std::make_unique<Connection>();
            c->client = client;
            c->upstream = upstream;
            start(c->up, client, upstream);
            start(c->down, upstream, client);
            ++accepted_;
            std::lock_guard lock(mu_);
            connections_.push_back(std::move(c));
        }
    }

    void start(Pipe& pipe, int from, int to) {
        pipe.reader = std::thread([this, &pipe, from] {
            char buf[65536];
            for (;;) {
                const ssize_t n = ::read(from, buf, sizeof buf);
                std::lock_guard lock(pipe.mu);
                if (n <= 0) {
                    pipe.eof = true;
                    pipe.cv.notify_all();
                    return;
                }
                pipe.chunks.emplace_back(Clock::now() + delay_, std::string(buf, static_cast<std::size_t>(n)));
                pipe.cv.notify_all();
            }
        });
        pipe.writer = std::thread([&pipe, to] {
            std::unique_lock lock(pipe.mu);
            for (;;) {
                pipe.cv.wait(lock, [&] { return pipe.eof || !pipe.chunks.empty(); });
                if (pipe.chunks.empty()) break;  // eof and nothing left
                const auto due = pipe.chunks.front().first;
                if (Clock::now() < due) {
                    pipe.cv.wait_until(lock, due);
                    continue;
                }
                std::string data = std::move(pipe.chunks.front().second);
                pipe.chunks.pop_front();
                lock.unlock();
                std::size_t off = 0;
                while (off < data.size()) {
                    const ssize_t w = ::send(to, data.data() + off, data.size() - off, MSG_NOSIGNAL);
                    if (w <= 0) break;
                    off += static_cast<std::size_t>(w);
                }
                lock.lock();
                if (off < data.size()) break;
            }
            // The other side learns of the end as it would through the network.
            ::shutdown(to, SHUT_WR);
        });
    }

    int listen_fd_ = -1;
    int port_ = 0;
    int upstream_port_;
    std::chrono::milliseconds delay_;
    std::atomic<bool> stop_{false};
    std::atomic<int> accepted_{0};
    std::thread accept_thread_;
    std::mutex mu_;
    std::list<std::unique_ptr<Connection>> connections_;
};

}  // namespace understudy::testing::faults
