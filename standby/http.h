// A small HTTP/1.0 server on libuv for the standby: GET /status (JSON) and GET /metrics
// (Prometheus text). Runs its own loop on its own thread; the content comes from a callback
// (called on that thread) so the server never touches the standby's state directly.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/result.h"

namespace understudy::standby {

struct HttpResponse {
    int status = 200;
    std::string content_type;
    std::string body;
};

class HttpServer {
public:
    using Handler = std::function<HttpResponse(const std::string& path)>;
    HttpServer(std::string host, int port, Handler handler);
    ~HttpServer();  // stops and joins
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;
    // Binds and starts the thread; an error names the address.
    Result<void> start();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// "ADDR:PORT" or ":PORT" or "PORT" (loopback) -> host, port; false when malformed.
bool parse_http_address(const std::string& text, std::string& host, int& port);

}  // namespace understudy::standby
