#include "standby/http.h"

#include <arpa/inet.h>
#include <uv.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <exception>
#include <thread>
#include <unordered_set>

#include <fmt/format.h>

namespace understudy::standby {

namespace {

using Clock = std::chrono::steady_clock;

const char* reason_phrase(int status) {
    switch (status) {
        case 200: return "OK";
        case 400: return "Bad Request";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 413: return "Content Too Large";
        case 431: return "Request Header Fields Too Large";
        case 503: return "Service Unavailable";
        default: return "Internal Server Error";
    }
}

HttpHead head_error(int status, std::string text) {
    HttpHead h;
    h.kind = HttpHead::Kind::error;
    h.error_status = status;
    h.error_text = std::move(text);
    return h;
}

// RFC 9110 tchar: what a method or a header name may hold.
bool is_token(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) == 0 && std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos)
            return false;
    }
    return true;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

}  // namespace

HttpHead parse_http_head(std::string_view received, const HttpLimits& limits) {
    // The head ends at the first empty line (CRLF CRLF, or LF LF from a hand-typed request).
    std::size_t end = received.find("\r\n\r\n");
    std::size_t end_len = 4;
    if (const std::size_t lf = received.find("\n\n"); lf != std::string_view::npos && lf < end) {
        end = lf;
        end_len = 2;
    }
    if (end == std::string_view::npos) {
        if (received.size() > limits.max_head_bytes)
            return head_error(431, fmt::format("request head longer than {} bytes\n", limits.max_head_bytes));
        return {};
    }
    if (end + end_len > limits.max_head_bytes)
        return head_error(431, fmt::format("request head longer than {} bytes\n", limits.max_head_bytes));
    const std::string_view head = received.substr(0, end);
    const std::size_t line_end = std::min(head.find('\n'), head.size());
    std::string_view line = head.substr(0, line_end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    // METHOD SP request-target SP HTTP-version, single spaces.
    const std::size_t sp1 = line.find(' ');
    const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
        return head_error(400, "malformed request line (expected \"GET /path HTTP/1.0\")\n");
    const std::string_view method = line.substr(0, sp1);
    const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const std::string_view version = line.substr(sp2 + 1);
    const bool version_ok = version.size() == 8 && version.substr(0, 5) == "HTTP/" && std::isdigit(static_cast<unsigned char>(version[5])) &&
                            version[6] == '.' && std::isdigit(static_cast<unsigned char>(version[7]));
    if (!is_token(method) || target.empty() || target.front() != '/' || !version_ok)
        return head_error(400, "malformed request line (expected \"GET /path HTTP/1.0\")\n");
    for (char c : target)
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return head_error(400, "malformed request target\n");
    // Header fields: "name: value" each; a declared body larger than the cap is refused.
    std::size_t pos = line_end + 1;
    while (pos < head.size()) {
        const std::size_t next = std::min(head.find('\n', pos), head.size());
        const std::string_view field = head.substr(pos, next - pos);
        pos = next + 1;
        const std::size_t colon = field.find(':');
        if (colon == std::string_view::npos || !is_token(field.substr(0, colon)))
            return head_error(400, "malformed header field (expected \"Name: value\")\n");
        if (iequals(field.substr(0, colon), "Content-Length")) {
            const std::string_view v = trim(field.substr(colon + 1));
            if (v.empty() || v.find_first_not_of("0123456789") != std::string_view::npos)
                return head_error(400, "malformed Content-Length\n");
            if (v.size() > 18 || std::stoull(std::string(v)) > limits.max_body_bytes)
                return head_error(413, fmt::format("request body larger than {} bytes\n", limits.max_body_bytes));
        }
    }
    if (method != "GET" && method != "HEAD")
        return head_error(405, fmt::format("method {} is not supported: only GET (and HEAD)\n", method));
    HttpHead h;
    h.kind = HttpHead::Kind::request;
    h.method = std::string(method);
    h.path = std::string(target.substr(0, target.find('?')));
    return h;
}

struct HttpServer::Impl {
    struct Client {
        uv_tcp_t tcp{};
        uv_write_t write_req{};
        Impl* server = nullptr;
        std::string request;
        std::string response;
        Clock::time_point deadline;
        bool answered = false;
    };

    std::string host;
    int port = 0;
    std::atomic<int> bound_port{0};
    Handler handler;
    HttpLimits limits;
    uv_loop_t loop{};
    uv_tcp_t server{};
    uv_async_t stop_async{};
    uv_timer_t sweep{};
    std::thread thread;
    bool started = false;
    std::unordered_set<Client*> clients;
    // Clients whose close has begun (their socket is already shut; the handle is freed on the
    // loop's next closing phase): not counted against max_connections, so a client that saw
    // the previous ones closed is not refused in that gap.
    std::size_t closing = 0;
    // One read buffer for the loop: libuv hands each read to on_read before the next alloc.
    char read_buf[16384];

    static void on_client_closed(uv_handle_t* h) {
        auto* c = static_cast<Client*>(h->data);
        c->server->clients.erase(c);
        --c->server->closing;
        delete c;
    }

    static void close_client(Client* c) {
        auto* h = reinterpret_cast<uv_handle_t*>(&c->tcp);
        if (uv_is_closing(h)) return;
        ++c->server->closing;
        uv_close(h, on_client_closed);
    }

    static void on_written(uv_write_t* req, int) { close_client(static_cast<Client*>(req->data)); }

    static void on_alloc(uv_handle_t* h, std::size_t, uv_buf_t* buf) {
        auto* self = static_cast<Client*>(h->data)->server;
        buf->base = self->read_buf;
        buf->len = sizeof self->read_buf;
    }

    void answer(Client* c, int status, const std::string& content_type, const std::string& body, bool with_body,
                const char* extra_header = "") {
        c->answered = true;
        c->response = fmt::format(
            "HTTP/1.0 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n{}Connection: close\r\n\r\n", status,
            reason_phrase(status), content_type, body.size(), extra_header);
        if (with_body) c->response += body;
        uv_read_stop(reinterpret_cast<uv_stream_t*>(&c->tcp));
        uv_buf_t buf = uv_buf_init(c->response.data(), static_cast<unsigned>(c->response.size()));
        c->write_req.data = c;
        if (uv_write(&c->write_req, reinterpret_cast<uv_stream_t*>(&c->tcp), &buf, 1, on_written) != 0)
            close_client(c);
    }

    static void on_read(uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
        auto* c = static_cast<Client*>(s->data);
        Impl& self = *c->server;
        if (n < 0) return close_client(c);
        if (c->answered) return;
        // Never more than one byte past the cap is kept: enough to know it was passed.
        const std::size_t room = self.limits.max_head_bytes + 1 - std::min(c->request.size(), self.limits.max_head_bytes + 1);
        c->request.append(buf->base, std::min(static_cast<std::size_t>(n), room));
        const HttpHead head = parse_http_head(c->request, self.limits);
        switch (head.kind) {
            case HttpHead::Kind::incomplete: return;
            case HttpHead::Kind::error:
                return self.answer(c, head.error_status, "text/plain", head.error_text, true,
                                   head.error_status == 405 ? "Allow: GET, HEAD\r\n" : "");
            case HttpHead::Kind::request: break;
        }
        HttpResponse r;
        try {
            r = self.handler(head.path);
        } catch (const std::exception& e) {
            r = HttpResponse{500, "text/plain", fmt::format("internal error: {}\n", e.what())};
        } catch (...) {
            r = HttpResponse{500, "text/plain", "internal error\n"};
        }
        self.answer(c, r.status, r.content_type, r.body, head.method == "GET");
    }

    static void on_connection(uv_stream_t* listener, int status) {
        if (status < 0) return;
        auto* self = static_cast<Impl*>(listener->data);
        auto* c = new Client;
        c->server = self;
        c->deadline = Clock::now() + self->limits.deadline;
        uv_tcp_init(&self->loop, &c->tcp);
        c->tcp.data = c;
        const bool over_cap = self->clients.size() - self->closing >= self->limits.max_connections;
        self->clients.insert(c);
        if (uv_accept(listener, reinterpret_cast<uv_stream_t*>(&c->tcp)) != 0) return close_client(c);
        if (over_cap)
            return self->answer(c, 503, "text/plain",
                                fmt::format("more than {} connections open; try again\n", self->limits.max_connections),
                                true);
        uv_read_start(reinterpret_cast<uv_stream_t*>(&c->tcp), on_alloc, on_read);
    }

    static void on_sweep(uv_timer_t* t) {
        auto* self = static_cast<Impl*>(t->data);
        const auto now = Clock::now();
        for (Client* c : self->clients)
            if (now >= c->deadline) close_client(c);
    }

    // On the loop's thread: every handle closed, so uv_run returns.
    static void on_stop(uv_async_t* a) {
        auto* self = static_cast<Impl*>(a->data);
        uv_close(reinterpret_cast<uv_handle_t*>(&self->server), nullptr);
        uv_close(reinterpret_cast<uv_handle_t*>(&self->sweep), nullptr);
        uv_close(reinterpret_cast<uv_handle_t*>(&self->stop_async), nullptr);
        for (Client* c : self->clients) close_client(c);
    }
};

HttpServer::HttpServer(std::string host, int port, Handler handler, HttpLimits limits)
    : impl_(std::make_unique<Impl>()) {
    impl_->host = std::move(host);
    impl_->port = port;
    impl_->handler = std::move(handler);
    impl_->limits = limits;
}

HttpServer::~HttpServer() {
    if (!impl_->started) return;
    uv_async_send(&impl_->stop_async);
    impl_->thread.join();
    uv_loop_close(&impl_->loop);
}

int HttpServer::port() const { return impl_->bound_port.load(); }

Result<void> HttpServer::start() {
    Impl& s = *impl_;
    uv_loop_init(&s.loop);
    uv_tcp_init(&s.loop, &s.server);
    s.server.data = &s;
    sockaddr_in addr{};
    if (int rc = uv_ip4_addr(s.host.c_str(), s.port, &addr); rc != 0) {
        uv_close(reinterpret_cast<uv_handle_t*>(&s.server), nullptr);
        uv_run(&s.loop, UV_RUN_DEFAULT);
        uv_loop_close(&s.loop);
        return make_error(fmt::format("--http: \"{}\" is not an IPv4 address: {}", s.host, uv_strerror(rc)));
    }
    int rc = uv_tcp_bind(&s.server, reinterpret_cast<const sockaddr*>(&addr), 0);
    if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(&s.server), 1024, Impl::on_connection);
    if (rc == 0) {
        sockaddr_storage bound{};
        int len = sizeof bound;
        rc = uv_tcp_getsockname(&s.server, reinterpret_cast<sockaddr*>(&bound), &len);
        if (rc == 0) s.bound_port = ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    }
    if (rc != 0) {
        uv_close(reinterpret_cast<uv_handle_t*>(&s.server), nullptr);
        uv_run(&s.loop, UV_RUN_DEFAULT);
        uv_loop_close(&s.loop);
        return make_error(fmt::format("--http: could not listen on {}:{}: {}", s.host, s.port, uv_strerror(rc)));
    }
    uv_async_init(&s.loop, &s.stop_async, Impl::on_stop);
    s.stop_async.data = &s;
    uv_timer_init(&s.loop, &s.sweep);
    s.sweep.data = &s;
    const auto period = std::clamp<std::int64_t>(s.limits.deadline.count() / 4, 10, 500);
    uv_timer_start(&s.sweep, Impl::on_sweep, static_cast<std::uint64_t>(period), static_cast<std::uint64_t>(period));
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
    if (port_text.empty() || port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string::npos)
        return false;
    port = std::stoi(port_text);
    return port > 0 && port < 65536;
}

}  // namespace understudy::standby
