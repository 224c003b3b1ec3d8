// A replication connection to the primary: libpq objects owned by unique_ptr, a non-blocking
// connect (PQconnectStartParams/PQconnectPoll, driven by the caller's event loop), async queries,
// and every libpq message passed through redact_passwords and folded onto one line.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/conninfo.h"
#include "common/result.h"
#include "receiver/protocol.h"

namespace understudy::receiver {

struct PgConnDeleter {
    void operator()(PGconn* c) const { PQfinish(c); }
};
struct PgResultDeleter {
    void operator()(PGresult* r) const { PQclear(r); }
};
struct PgFreeDeleter {
    void operator()(void* p) const { PQfreemem(p); }
};
using PgConnPtr = std::unique_ptr<PGconn, PgConnDeleter>;
using PgResultPtr = std::unique_ptr<PGresult, PgResultDeleter>;
using PgBufferPtr = std::unique_ptr<char, PgFreeDeleter>;

// The user's conninfo plus replication=true and application_name (explicit > conninfo's >
// "understudy"). Error if the string does not parse.
Result<ConnParams> replication_conn_params(const std::string& conninfo,
                                           const std::optional<std::string>& application_name);

// A libpq message made printable: passwords redacted, trailing newlines dropped, lines joined.
std::string one_line(const std::string& libpq_message);

// Whether a connection failure needs the operator (bad password, no replication privilege, no
// pg_hba entry, unknown database/user) rather than a retry.
bool is_permanent_connect_failure(const std::string& message);

// Rows of a PGresult in text form.
ResultRows result_rows(const PGresult* res);

enum class PollWant { Read, Write, Done };

class Connection {
public:
    Connection() = default;
    // PQconnectStartParams; the caller then drives connect_poll() on socket readiness.
    static Result<Connection> start(const ConnParams& params);

    // PQconnectPoll (PG15 fe-connect.c): what to wait for next, Done when connected.
    Result<PollWant> connect_poll();

    PGconn* get() const { return conn_.get(); }
    int socket() const { return conn_ ? PQsocket(conn_.get()) : -1; }
    explicit operator bool() const { return static_cast<bool>(conn_); }
    void reset() { conn_.reset(); }
    // The redacted one-line error of the connection.
    std::string error_message() const;
    std::string server_version() const;
    int server_version_num() const;  // PQserverVersion: 140023 for 14.23

    // PQsendQuery; then call flush() until it reports done, and read results on readability.
    Result<void> send_query(const std::string& sql);
    // PQflush: true when everything is sent, false when the socket would block.
    Result<bool> flush();
    // PQconsumeInput.
    Result<void> consume_input();
    bool is_busy() const { return PQisBusy(conn_.get()) != 0; }
    PgResultPtr next_result() { return PgResultPtr(PQgetResult(conn_.get())); }

    // PQputCopyData of one message (buffered; call flush()).
    Result<void> put_copy_data(const std::uint8_t* data, std::size_t size);
    Result<void> put_copy_end();

private:
    explicit Connection(PgConnPtr c) : conn_(std::move(c)) {}
    PgConnPtr conn_;
};

}  // namespace understudy::receiver
