// A fake walsender for hostile-input tests: a TCP server on 127.0.0.1 speaking just enough of
// the PostgreSQL v3 protocol for `understudy receive`: SSL/GSS requests refused ('N'), startup
// answered with AuthenticationOk, ParameterStatus, BackendKeyData and ReadyForQuery; SHOW
// wal_segment_size, IDENTIFY_SYSTEM, TIMELINE_HISTORY and READ_REPLICATION_SLOT answered from a
// script; START_REPLICATION answered with CopyBothResponse, after which the script's `stream`
// sends what it likes (well-formed WAL, or malformed and truncated messages). One connection at
// a time on a thread of its own; every wait is bounded; stop() (or the destructor) ends it.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/bytes.h"
#include "common/lsn.h"

namespace understudy::testing::fake {

inline void store_be16(std::uint8_t* p, std::uint16_t v) {
    p[0] = static_cast<std::uint8_t>(v >> 8);
    p[1] = static_cast<std::uint8_t>(v);
}

// One client connection, seen from the server.
class Peer {
public:
    explicit Peer(int fd) : fd_(fd) {}
    ~Peer() { ::close(fd_); }
    Peer(const Peer&) = delete;
    Peer& operator=(const Peer&) = delete;

    // Reads exactly n bytes within `timeout`; false on EOF, error or timeout.
    bool read_exact(std::uint8_t* p, std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (n > 0) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return false;
            pollfd pfd{fd_, POLLIN, 0};
            if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) return false;
            const ssize_t got = ::recv(fd_, p, n, 0);
            if (got <= 0) return false;
            p += got;
            n -= static_cast<std::size_t>(got);
        }
        return true;
    }
    // A typed message from the client: its type byte and body; nullopt on EOF or timeout.
    std::optional<std::pair<char, std::vector<std::uint8_t>>> read_message(
        std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        std::uint8_t head[5];
        if (!read_exact(head, 5, timeout)) return std::nullopt;
        const std::uint32_t len = load_be32(head + 1);
        if (len < 4 || len > (1u << 24)) return std::nullopt;
        std::vector<std::uint8_t> body(len - 4);
        if (!read_exact(body.data(), body.size(), timeout)) return std::nullopt;
        return std::make_pair(static_cast<char>(head[0]), std::move(body));
    }
    void send_raw(const std::vector<std::uint8_t>& bytes) {
        std::size_t done = 0;
        while (done < bytes.size()) {
            const ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
            if (n <= 0) return;
            done += static_cast<std::size_t>(n);
        }
    }
    // A typed message: type byte, Int32 length (itself included), body.
    void send(char type, const std::vector<std::uint8_t>& body) {
        std::vector<std::uint8_t> m(5);
        m[0] = static_cast<std::uint8_t>(type);
        store_be32(m.data() + 1, static_cast<std::uint32_t>(body.size() + 4));
        m.insert(m.end(), body.begin(), body.end());
        send_raw(m);
    }
    void copy_data(const std::vector<std::uint8_t>& payload) { send('d', payload); }
    // Ends the connection from this side now (the client sees EOF).
    void close_now() { ::shutdown(fd_, SHUT_RDWR); }
    void ready() { send('Z', {'I'}); }
    void error(const std::string& sqlstate, const std::string& message) {
        std::vector<std::uint8_t> b;
        auto field = [&](char code, const std::string& v) {
            b.push_back(static_cast<std::uint8_t>(code));
            b.insert(b.end(), v.begin(), v.end());
            b.push_back(0);
        };
        field('S', "ERROR");
        field('V', "ERROR");
        field('C', sqlstate);
        field('M', message);
        b.push_back(0);
        send('E', b);
    }
    // A result set of text columns (NULL = nullopt) and its CommandComplete.
    void rows(const std::vector<std::string>& columns, const std::vector<std::vector<std::optional<std::string>>>& rows,
              const std::string& tag) {
        std::vector<std::uint8_t> t(2);
        store_be16(t.data(), static_cast<std::uint16_t>(columns.size()));
        for (const auto& c : columns) {
            t.insert(t.end(), c.begin(), c.end());
            t.push_back(0);
            std::uint8_t f[18] = {};
            store_be32(f + 6, 25);  // text
            store_be16(f + 10, 0xFFFF);
            store_be32(f + 12, 0xFFFFFFFF);
            t.insert(t.end(), f, f + 18);
        }
        send('T', t);
        for (const auto& r : rows) {
            std::vector<std::uint8_t> d(2);
            store_be16(d.data(), static_cast<std::uint16_t>(r.size()));
            for (const auto& v : r) {
                std::uint8_t len[4];
                store_be32(len, v ? static_cast<std::uint32_t>(v->size()) : 0xFFFFFFFFu);
                d.insert(d.end(), len, len + 4);
                if (v) d.insert(d.end(), v->begin(), v->end());
            }
            send('D', d);
        }
        std::vector<std::uint8_t> c(tag.begin(), tag.end());
        c.push_back(0);
        send('C', c);
    }
    // Waits (bounded) until the client closes the connection, discarding what it sends.
    void drain_until_closed(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        std::uint8_t buf[4096];
        while (std::chrono::steady_clock::now() < deadline) {
            pollfd pfd{fd_, POLLIN, 0};
            if (::poll(&pfd, 1, 100) < 0) return;
            if (pfd.revents == 0) continue;
            if (::recv(fd_, buf, sizeof buf, 0) <= 0) return;
        }
    }

private:
    int fd_;
};

// An XLogData message ('w' dataStart walEnd sendTime data).
inline std::vector<std::uint8_t> xlog_data(XLogRecPtr start, const std::vector<std::uint8_t>& data) {
    std::vector<std::uint8_t> m(25);
    m[0] = 'w';
    store_be64(m.data() + 1, start);
    store_be64(m.data() + 9, start + data.size());
    store_be64(m.data() + 17, 0);
    m.insert(m.end(), data.begin(), data.end());
    return m;
}

// Bytes that pass for WAL at [start, start + n): page headers (XLogPageHeaderData, the long
// one at a segment start with `sysid` and `seg_size`) where pages begin, non-zero filler
// between them. Not records: the receiver does not decode WAL.
inline std::vector<std::uint8_t> synthetic_wal(XLogRecPtr start, std::size_t n, std::uint64_t sysid,
                                               std::uint32_t seg_size) {
    std::vector<std::uint8_t> out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(((start + i) * 13 + 5) | 1);
    for (XLogRecPtr p = (start + 8191) / 8192 * 8192; p + 40 <= start + n; p += 8192) {
        std::uint8_t* h = out.data() + (p - start);
        const bool long_header = p % seg_size == 0;
        store<std::uint16_t>(h, 0xD110);
        store<std::uint16_t>(h + 2, long_header ? 0x0002 : 0);
        store<std::uint32_t>(h + 4, 1);
        store<std::uint64_t>(h + 8, p);
        store<std::uint32_t>(h + 16, 0);
        if (long_header) {
            store<std::uint64_t>(h + 24, sysid);
            store<std::uint32_t>(h + 32, seg_size);
            store<std::uint32_t>(h + 36, 8192);
        }
    }
    return out;
}

struct Script {
    std::uint64_t systemid = 7300000000000000001ull;
    TimeLineID timeline = 1;
    XLogRecPtr xlogpos = 0x3000000;
    std::string wal_segment_size = "1MB";
    // TIMELINE_HISTORY's content (the file name is always the one asked for).
    std::string history_content;
    // After CopyBothResponse, with the position START_REPLICATION asked for. When it returns,
    // the server waits for the client to close.
    std::function<void(Peer&, XLogRecPtr start)> stream;
};

class FakeWalsender {
public:
    explicit FakeWalsender(Script script) : script_(std::move(script)) {
        listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int one = 1;
        ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 4) != 0)
            throw std::runtime_error("fake walsender: cannot listen on 127.0.0.1");
        socklen_t len = sizeof addr;
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~FakeWalsender() { stop(); }
    FakeWalsender(const FakeWalsender&) = delete;
    FakeWalsender& operator=(const FakeWalsender&) = delete;

    int port() const { return port_; }
    std::string conninfo() const {
        return "host=127.0.0.1 port=" + std::to_string(port_) + " user=postgres sslmode=disable gssencmode=disable";
    }
    int connections() const { return connections_.load(); }
    int streams_started() const { return streams_.load(); }
    std::vector<std::string> queries() const {
        std::lock_guard lock(mu_);
        return queries_;
    }
    void stop() {
        if (stopping_.exchange(true)) return;
        if (thread_.joinable()) thread_.join();
        ::close(listen_fd_);
    }

private:
    void serve() {
        // Bounded: 60 connections at most, each handled to its end before the next.
        for (int n = 0; n < 60 && !stopping_.load();) {
            pollfd pfd{listen_fd_, POLLIN, 0};
            if (::poll(&pfd, 1, 100) <= 0) continue;
            const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0) continue;
            ++n;
            ++connections_;
            Peer peer(fd);
            handle(peer);
        }
    }

    // The startup packet (after refusing SSL/GSS encryption requests); false if none came.
    bool startup(Peer& peer) {
        for (int i = 0; i < 3; ++i) {
            std::uint8_t head[8];
            if (!peer.read_exact(head, 8)) return false;
            const std::uint32_t len = load_be32(head);
            const std::uint32_t code = load_be32(head + 4);
            if (len < 8 || len > 10000) return false;
            std::vector<std::uint8_t> rest(len - 8);
            if (!peer.read_exact(rest.data(), rest.size())) return false;
            if (code == 80877103 || code == 80877104) {  // SSLRequest, GSSENCRequest
                peer.send_raw({'N'});
                continue;
            }
            return code == 196608;  // protocol 3.0
        }
        return false;
    }

    void handle(Peer& peer) {
        if (!startup(peer)) return;
        peer.send('R', {0, 0, 0, 0});  // AuthenticationOk
        auto param = [&](const std::string& k, const std::string& v) {
            std::vector<std::uint8_t> b(k.begin(), k.end());
            b.push_back(0);
            b.insert(b.end(), v.begin(), v.end());
            b.push_back(0);
            peer.send('S', b);
        };
        param("server_version", "15.4");
        param("server_encoding", "UTF8");
        param("client_encoding", "UTF8");
        param("DateStyle", "ISO, MDY");
        param("integer_datetimes", "on");
        param("standard_conforming_strings", "on");
        peer.send('K', {0, 0, 0x30, 0x39, 0, 0, 0, 1});
        peer.ready();
        for (int i = 0; i < 20 && !stopping_.load(); ++i) {
            auto msg = peer.read_message();
            if (!msg || msg->first == 'X') return;
            if (msg->first != 'Q') continue;
            std::string q(msg->second.begin(), msg->second.end());
            while (!q.empty() && q.back() == '\0') q.pop_back();
            {
                std::lock_guard lock(mu_);
                queries_.push_back(q);
            }
            if (q.rfind("SHOW wal_segment_size", 0) == 0) {
                peer.rows({"wal_segment_size"}, {{script_.wal_segment_size}}, "SHOW");
            } else if (q.rfind("IDENTIFY_SYSTEM", 0) == 0) {
                peer.rows({"systemid", "timeline", "xlogpos", "dbname"},
                          {{std::to_string(script_.systemid), std::to_string(script_.timeline),
                            format_lsn(script_.xlogpos), std::nullopt}},
                          "IDENTIFY_SYSTEM");
            } else if (q.rfind("TIMELINE_HISTORY", 0) == 0) {
                const TimeLineID tli = static_cast<TimeLineID>(std::stoul(q.substr(17)));
                peer.rows({"filename", "content"}, {{history_file_name(tli), script_.history_content}},
                          "TIMELINE_HISTORY");
            } else if (q.rfind("READ_REPLICATION_SLOT", 0) == 0) {
                peer.rows({"slot_type", "restart_lsn", "restart_tli"}, {{std::nullopt, std::nullopt, std::nullopt}},
                          "READ_REPLICATION_SLOT");
            } else if (q.rfind("START_REPLICATION", 0) == 0) {
                // "START_REPLICATION [SLOT s] PHYSICAL X/X [TIMELINE n]"
                const auto at = q.find("PHYSICAL ");
                const auto lsn = parse_lsn(q.substr(at + 9, q.find(' ', at + 9) - (at + 9)));
                peer.send('W', {0, 0, 0});  // CopyBothResponse: text, no columns
                ++streams_;
                if (script_.stream) script_.stream(peer, lsn.value_or(0));
                peer.drain_until_closed();
                return;
            } else {
                peer.error("42601", "fake walsender: unexpected command");
            }
            peer.ready();
        }
    }

    Script script_;
    int listen_fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<int> connections_{0};
    std::atomic<int> streams_{0};
    mutable std::mutex mu_;
    std::vector<std::string> queries_;
    std::thread thread_;
};

}  // namespace understudy::testing::fake
