// standby/http.h: the request head parser's table, and the server against hostile clients
// (1000 at once, half requests, oversized and malformed requests, other methods, the
// connection cap and deadline, and a stop that does not wait for any of them).
#include <unistd.h>

#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <thread>
#include <string>
#include <vector>

#include "standby/http.h"
#include "tests/support/raw_http.h"

using understudy::standby::HttpHead;
using understudy::standby::HttpLimits;
using understudy::standby::HttpResponse;
using understudy::standby::HttpServer;
using understudy::standby::parse_http_head;
using namespace understudy::testing::http;

namespace {

HttpResponse echo_handler(const std::string& path) {
    if (path == "/status") return HttpResponse{200, "application/json", "{\"ok\": true}\n"};
    return HttpResponse{404, "text/plain", "not found\n"};
}

struct Fds {
    std::vector<int> fds;
    ~Fds() {
        for (int fd : fds)
            if (fd >= 0) ::close(fd);
    }
};

}  // namespace

TEST_CASE("the request head parser: complete, incomplete, malformed, oversized and other methods") {
    const HttpLimits lim;
    CHECK(parse_http_head("GET /status HT", lim).kind == HttpHead::Kind::incomplete);
    CHECK(parse_http_head("GET /status HTTP/1.0\r\nHost: x\r\n", lim).kind == HttpHead::Kind::incomplete);
    auto ok = parse_http_head("GET /status?x=1 HTTP/1.1\r\nHost: a\r\n\r\n", lim);
    REQUIRE(ok.kind == HttpHead::Kind::request);
    CHECK(ok.method == "GET");
    CHECK(ok.path == "/status");
    CHECK(parse_http_head("HEAD /metrics HTTP/1.0\n\n", lim).path == "/metrics");
    struct Row {
        std::string head;
        int status;
    };
    const std::vector<Row> rows = {
        {"POST /status HTTP/1.0\r\n\r\n", 405},
        {"DELETE / HTTP/1.1\r\nHost: a\r\n\r\n", 405},
        {"GARBAGE\r\n\r\n", 400},
        {"GET /status\r\n\r\n", 400},
        {"GET  /status HTTP/1.0\r\n\r\n", 400},
        {"GET status HTTP/1.0\r\n\r\n", 400},
        {"GET /status HTTP/x.y\r\n\r\n", 400},
        {"G(T /status HTTP/1.0\r\n\r\n", 400},
        {"GET /status HTTP/1.0\r\nno colon here\r\n\r\n", 400},
        {"GET /status HTTP/1.0\r\nContent-Length: ten\r\n\r\n", 400},
        {"GET /status HTTP/1.0\r\nContent-Length: 8193\r\n\r\n", 413},
        {"GET /status HTTP/1.0\r\ncontent-length: 99999999999999999999999\r\n\r\n", 413},
        {"GET /status HTTP/1.0\r\nX: " + std::string(9000, 'a') + "\r\n\r\n", 431},
        {"GET /" + std::string(9000, 'a'), 431},
    };
    for (const Row& r : rows) {
        CAPTURE(r.head.substr(0, 60));
        const HttpHead h = parse_http_head(r.head, lim);
        CHECK(h.kind == HttpHead::Kind::error);
        CHECK(h.error_status == r.status);
        CHECK(!h.error_text.empty());
    }
    // Content-Length within the cap is fine (the body of a GET is ignored).
    CHECK(parse_http_head("GET /status HTTP/1.0\r\nContent-Length: 10\r\n\r\n", lim).kind == HttpHead::Kind::request);
}

TEST_CASE("the HTTP server answers 1000 concurrent clients, refuses bad requests, and stops at once with 50 half requests open") {
    raise_fd_limit();
    auto server = std::make_unique<HttpServer>("127.0.0.1", 0, echo_handler);
    REQUIRE(server->start());
    const int port = server->port();
    REQUIRE(port > 0);

    // 1000 connections open at once, then each sends its request, then each reads its answer.
    Fds many;
    for (int i = 0; i < 1000; ++i) many.fds.push_back(connect_port(port));
    for (int fd : many.fds) REQUIRE(fd >= 0);
    for (int fd : many.fds) send_all(fd, "GET /status HTTP/1.0\r\n\r\n");
    int answered = 0;
    for (int fd : many.fds) {
        const std::string r = read_until_eof(fd, std::chrono::seconds(10));
        if (http_status(r) == 200 && r.find("{\"ok\": true}") != std::string::npos) ++answered;
    }
    CHECK(answered == 1000);

    struct Case {
        std::string request;
        int status;
    };
    const std::vector<Case> cases = {
        {"POST /status HTTP/1.0\r\nContent-Length: 2\r\n\r\n{}", 405},
        {"PUT /metrics HTTP/1.1\r\nHost: a\r\n\r\n", 405},
        {"this is not http\r\n\r\n", 400},
        {"GET /status HTTP/1.0\r\nContent-Length: 1000000\r\n\r\n", 413},
        {"GET /status HTTP/1.0\r\n" + std::string(1 << 20, 'x'), 431},
        {"GET /nope HTTP/1.0\r\n\r\n", 404},
    };
    for (const Case& c : cases) {
        CAPTURE(c.request.substr(0, 40));
        const int fd = connect_port(port);
        REQUIRE(fd >= 0);
        send_all(fd, c.request);
        bool eof = false;
        const std::string r = read_until_eof(fd, std::chrono::seconds(5), &eof);
        CHECK(http_status(r) == c.status);
        CHECK(eof);
        if (c.status == 405) CHECK(r.find("Allow: GET, HEAD\r\n") != std::string::npos);
        ::close(fd);
    }
    // HEAD: the head only.
    {
        const int fd = connect_port(port);
        send_all(fd, "HEAD /status HTTP/1.0\r\n\r\n");
        const std::string r = read_until_eof(fd, std::chrono::seconds(5));
        CHECK(http_status(r) == 200);
        CHECK(r.find("{\"ok\"") == std::string::npos);
        ::close(fd);
    }

    // 50 clients that send half a request and wait: the server's destructor returns at once and
    // every one of them sees its connection closed.
    Fds slow;
    for (int i = 0; i < 50; ++i) {
        slow.fds.push_back(connect_port(port));
        send_all(slow.fds.back(), "GET /sta");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const auto t0 = std::chrono::steady_clock::now();
    server.reset();
    const double stop_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    MESSAGE("stop with 50 half requests open: " << stop_s << " s");
    CHECK(stop_s < 0.5);
    int closed = 0;
    for (int fd : slow.fds) {
        bool eof = false;
        read_until_eof(fd, std::chrono::seconds(1), &eof);
        if (eof) ++closed;
    }
    CHECK(closed == 50);
}

TEST_CASE("the HTTP server closes a client that does not finish its request by the deadline, and caps connections") {
    HttpLimits lim;
    lim.deadline = std::chrono::milliseconds(300);
    lim.max_connections = 5;
    HttpServer server("127.0.0.1", 0, echo_handler, lim);
    REQUIRE(server.start());
    Fds slow;
    for (int i = 0; i < 5; ++i) {
        slow.fds.push_back(connect_port(server.port()));
        send_all(slow.fds.back(), "GET /status HTTP/1.0\r\n");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    // The sixth while five are open: 503, closed.
    {
        const int fd = connect_port(server.port());
        send_all(fd, "GET /status HTTP/1.0\r\n\r\n");
        const std::string r = read_until_eof(fd, std::chrono::seconds(2));
        CHECK(http_status(r) == 503);
        ::close(fd);
    }
    // The five are closed by their deadline (300 ms, checked every 75 ms) without an answer.
    const auto t0 = std::chrono::steady_clock::now();
    int closed = 0;
    for (int fd : slow.fds) {
        bool eof = false;
        const std::string r = read_until_eof(fd, std::chrono::seconds(3), &eof);
        if (eof && r.empty()) ++closed;
    }
    CHECK(closed == 5);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
    // Then new clients are served again.
    const int fd = connect_port(server.port());
    send_all(fd, "GET /status HTTP/1.0\r\n\r\n");
    CHECK(http_status(read_until_eof(fd, std::chrono::seconds(2))) == 200);
    ::close(fd);
}
