// A small HTTP/1.0 server on libuv for the standby: GET /status (JSON) and GET /metrics
// (Prometheus text). Runs its own loop on its own thread; the content comes from a callback
// (called on that thread) so the server never touches the standby's state directly.
//
// Hostile clients cannot hold it: a request head is capped (431), a declared body too (413),
// a malformed request line is 400, a method other than GET/HEAD is 405; connections are capped
// (the ones past the cap get 503 and are closed), and each connection has a deadline from its
// accept to its last byte written (a client that sends half a request, or does not read the
// answer, is closed when it passes). Memory is bounded by max_connections * max_head_bytes plus
// the answers being written. Stopping closes every handle, so the destructor returns at once
// whatever the clients do.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace understudy::standby {

struct HttpResponse {
    int status = 200;
    std::string content_type;
    std::string body;
};

struct HttpLimits {
    std::size_t max_head_bytes = 8192;    // request line + headers; past it: 431
    std::size_t max_body_bytes = 8192;    // a Content-Length past it: 413 (a GET's body is ignored)
    std::size_t max_connections = 1024;   // open at once; past it: 503 and close
    std::chrono::milliseconds deadline{5000};  // from accept to the answer written; past it: closed
};

// What the bytes received so far on a connection say (parse_http_head).
struct HttpHead {
    enum class Kind { incomplete, request, error };
    Kind kind = Kind::incomplete;
    std::string method;
    std::string path;
    int error_status = 0;  // for Kind::error: 400, 405, 413 or 431
    std::string error_text;
};

// Pure: parses a request head ("METHOD SP target SP HTTP/x.y CRLF headers CRLF CRLF"; bare LF
// line ends are accepted too). GET and HEAD are requests; another well-formed method is 405.
HttpHead parse_http_head(std::string_view received, const HttpLimits& limits);

class HttpServer {
public:
    using Handler = std::function<HttpResponse(const std::string& path)>;
    HttpServer(std::string host, int port, Handler handler, HttpLimits limits = {});
    ~HttpServer();  // closes every connection, stops and joins
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;
    // Binds and starts the thread; an error names the address.
    Result<void> start();
    // The port listened on (the bound one when 0 was asked for); 0 before start().
    int port() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// "ADDR:PORT" or ":PORT" or "PORT" (loopback) -> host, port; false when malformed.
bool parse_http_address(const std::string& text, std::string& host, int& port);

}  // namespace understudy::standby
