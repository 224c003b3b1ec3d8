#include "standby/http.h"

#include <uv.h>

#include <thread>

#include <fmt/format.h>

namespace understudy::standby {

namespace {

struct Client {
    uv_tcp_t tcp;
    std::string request;
    std::string response;
    uv_write_t write_req;
    HttpServer::Handler* handler = nullptr;
};

void on_client_closed(uv_handle_t* h) { delete static_cast<Client*>(h->data); }

void on_written(uv_write_t* req, int) {
    auto* c = static_cast<Client*>(req->data);
    uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), on_client_closed);
}

void on_alloc(uv_handle_t*, std::size_t suggested, uv_buf_t* buf) {
    buf->base = new char[suggested];
    buf->len = suggested;
}

const char* reason(int status) { return status == 200 ? "OK" : status == 404 ? "Not Found" : "Bad Request"; }

// Answers once the request line and headers are in (the body of a GET is ignored).
void respond(Client* c) {
    HttpResponse r;
    const auto line_end = c->request.find("\r\n");
    const std::string line = c->request.substr(0, line_end);
    if (line.rfind("GET ", 0) != 0) {
        r = HttpResponse{400, "text/plain", "only GET is supported\n"};
    } else {
        std::string path = line.substr(4, line.find(' ', 4) - 4);
        r = (*c->handler)(path);
    }
    c->response = fmt::format("HTTP/1.0 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
                              r.status, reason(r.status), r.content_type, r.body.size(), r.body);
    uv_buf_t buf = uv_buf_init(c->response.data(), static_cast<unsigned>(c->response.size()));
    c->write_req.data = c;
    uv_read_stop(reinterpret_cast<uv_stream_t*>(&c->tcp));
    uv_write(&c->write_req, reinterpret_cast<uv_stream_t*>(&c->tcp), &buf, 1, on_written);
}

void on_read(uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
    auto* c = static_cast<Client*>(s->data);
    if (n > 0) c->request.append(buf->base, static_cast<std::size_t>(n));
    delete[] buf->base;
    if (n < 0) {
        uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), on_client_closed);
        return;
    }
    if (c->request.find("\r\n\r\n") != std::string::npos || c->request.size() > 65536) respond(c);
}

}  // namespace

struct HttpServer::Impl {
    std::string host;
    int port;
    Handler handler;
    uv_loop_t loop{};
    uv_tcp_t server{};
    uv_async_t stop_async{};
    std::thread thread;
    bool started = false;

    static void on_connection(uv_stream_t* server, int status) {
        if (status < 0) return;
        auto* self = static_cast<Impl*>(server->data);
        auto* c = new Client;
        c->handler = &self->handler;
        uv_tcp_init(&self->loop, &c->tcp);
        c->tcp.data = c;
        if (uv_accept(server, reinterpret_cast<uv_stream_t*>(&c->tcp)) != 0) {
            uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), on_client_closed);
            return;
        }
        uv_read_start(reinterpret_cast<uv_stream_t*>(&c->tcp), on_alloc, on_read);
    }
};

HttpServer::HttpServer(std::string host, int port, Handler handler) : impl_(std::make_unique<Impl>()) {
    impl_->host = std::move(host);
    impl_->port = port;
    impl_->handler = std::move(handler);
}

HttpServer::~HttpServer() {
    if (!impl_->started) return;
    uv_async_send(&impl_->stop_async);
    impl_->thread.join();
    uv_loop_close(&impl_->loop);
}

Result<void> HttpServer::start() {
    Impl& s = *impl_;
    uv_loop_init(&s.loop);
    uv_tcp_init(&s.loop, &s.server);
    s.server.data = &s;
    sockaddr_in addr{};
    if (int rc = uv_ip4_addr(s.host.c_str(), s.port, &addr); rc != 0)
        return make_error(fmt::format("--http: \"{}\" is not an IPv4 address: {}", s.host, uv_strerror(rc)));
    int rc = uv_tcp_bind(&s.server, reinterpret_cast<const sockaddr*>(&addr), 0);
    if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(&s.server), 16, Impl::on_connection);
    if (rc != 0) {
        uv_close(reinterpret_cast<uv_handle_t*>(&s.server), nullptr);
        uv_run(&s.loop, UV_RUN_DEFAULT);
        uv_loop_close(&s.loop);
        return make_error(fmt::format("--http: could not listen on {}:{}: {}", s.host, s.port, uv_strerror(rc)));
    }
    uv_async_init(&s.loop, &s.stop_async, [](uv_async_t* a) {
        auto* self = static_cast<Impl*>(a->data);
        uv_close(reinterpret_cast<uv_handle_t*>(&self->server), nullptr);
        uv_close(reinterpret_cast<uv_handle_t*>(&self->stop_async), nullptr);
    });
    s.stop_async.data = &s;
    s.started = true;
    s.thread = std::thread([&s] { uv_run(&s.loop, UV_RUN_DEFAULT); });
    return {};
}

bool parse_http_address(const std::string& text, std::string& host, int& port) {
    host = "127.0.0.1";
    std::string port_text = text;
    if (auto colon = text.rfind(':'); colon != std::string::npos) {
        if (colon > 0) host = text.substr(0, colon);
        port_text = text.substr(colon + 1);
    }
    if (port_text.empty() || port_text.find_first_not_of("0123456789") != std::string::npos) return false;
    port = std::stoi(port_text);
    return port > 0 && port < 65536;
}

}  // namespace understudy::standby
