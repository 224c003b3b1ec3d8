#include "receiver/connection.h"

#include <fmt/format.h>

namespace understudy::receiver {

Result<ConnParams> replication_conn_params(const std::string& conninfo,
                                           const std::optional<std::string>& application_name) {
    auto params = parse_conninfo(conninfo);
    if (!params) return params.error();
    params->set("replication", "true");
    if (application_name) params->set("application_name", *application_name);
    else params->set_default("application_name", "understudy");
    return params;
}

std::string one_line(const std::string& libpq_message) {
    std::string out;
    bool space = false;
    for (char c : redact_passwords(libpq_message)) {
        if (c == '\n' || c == '\r' || c == '\t') {
            space = true;
            continue;
        }
        if (space && !out.empty()) out += ' ';
        space = false;
        out += c;
    }
    return out;
}

bool is_permanent_connect_failure(const std::string& message) {
    static const char* const kPermanent[] = {
        "password authentication failed",
        "no password supplied",
        "must be superuser or replication role",
        "no pg_hba.conf entry",
        "does not exist",  // role or database
        "authentication failed",
        "SSL error: certificate",
        "invalid connection option",
    };
    for (const char* p : kPermanent)
        if (message.find(p) != std::string::npos) return true;
    return false;
}

ResultRows result_rows(const PGresult* res) {
    ResultRows out;
    int nf = PQnfields(res);
    for (int c = 0; c < nf; ++c) out.columns.emplace_back(PQfname(res, c));
    for (int r = 0; r < PQntuples(res); ++r) {
        std::vector<std::optional<std::string>> row;
        for (int c = 0; c < nf; ++c) {
            if (PQgetisnull(res, r, c)) row.emplace_back(std::nullopt);
            else row.emplace_back(std::string(PQgetvalue(res, r, c), static_cast<std::size_t>(PQgetlength(res, r, c))));
        }
        out.rows.push_back(std::move(row));
    }
    return out;
}

Result<Connection> Connection::start(const ConnParams& params) {
    std::vector<const char*> keys, values;
    for (auto& [k, v] : params.params) {
        keys.push_back(k.c_str());
        values.push_back(v.c_str());
    }
    keys.push_back(nullptr);
    values.push_back(nullptr);
    PgConnPtr conn(PQconnectStartParams(keys.data(), values.data(), 0));
    if (!conn) return make_error("out of memory allocating a libpq connection");
    if (PQstatus(conn.get()) == CONNECTION_BAD)
        return make_error(fmt::format("could not connect to the primary ({}): {}", params.redacted(),
                                      one_line(PQerrorMessage(conn.get()))));
    if (PQsetnonblocking(conn.get(), 1) != 0)
        return make_error(fmt::format("could not make the connection non-blocking: {}",
                                      one_line(PQerrorMessage(conn.get()))));
    return Connection(std::move(conn));
}

Result<PollWant> Connection::connect_poll() {
    switch (PQconnectPoll(conn_.get())) {
        case PGRES_POLLING_READING: return PollWant::Read;
        case PGRES_POLLING_WRITING: return PollWant::Write;
        case PGRES_POLLING_OK: return PollWant::Done;
        case PGRES_POLLING_FAILED:
        default: return make_error(error_message());
    }
}

std::string Connection::error_message() const {
    if (!conn_) return "no connection";
    return one_line(PQerrorMessage(conn_.get()));
}

int Connection::server_version_num() const { return PQserverVersion(conn_.get()); }

std::string Connection::server_version() const {
    int v = PQserverVersion(conn_.get());
    return fmt::format("{}.{}", v / 10000, v % 10000);
}

Result<void> Connection::send_query(const std::string& sql) {
    if (!PQsendQuery(conn_.get(), sql.c_str()))
        return make_error(fmt::format("could not send \"{}\" to the primary: {}", sql, error_message()));
    return {};
}

Result<bool> Connection::flush() {
    int r = PQflush(conn_.get());
    if (r < 0) return make_error(fmt::format("could not send data to the primary: {}", error_message()));
    return r == 0;
}

Result<void> Connection::consume_input() {
    if (!PQconsumeInput(conn_.get()))
        return make_error(fmt::format("could not receive data from the primary: {}", error_message()));
    return {};
}

Result<void> Connection::put_copy_data(const std::uint8_t* data, std::size_t size) {
    if (PQputCopyData(conn_.get(), reinterpret_cast<const char*>(data), static_cast<int>(size)) <= 0)
        return make_error(fmt::format("could not send a message to the primary: {}", error_message()));
    return {};
}

Result<void> Connection::put_copy_end() {
    if (PQputCopyEnd(conn_.get(), nullptr) <= 0)
        return make_error(fmt::format("could not end the copy stream: {}", error_message()));
    return {};
}

}  // namespace understudy::receiver
