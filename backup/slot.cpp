#include "backup/slot.h"

#include <cstring>

#include <vector>

#include <fmt/format.h>

#include "receiver/connection.h"

namespace understudy::backup {

namespace {

// The hint for the error a role without REPLICATION (or superuser) gets.
std::string permission_hint(const std::string& message) {
    if (message.find("permission denied") == std::string::npos && message.find("must be superuser") == std::string::npos)
        return "";
    return "; the role needs the REPLICATION attribute (ALTER ROLE ... REPLICATION) or superuser";
}

Result<std::vector<std::string>> query_row(PGconn* conn, const char* sql, const std::string& param) {
    const char* params[] = {param.c_str()};
    receiver::PgResultPtr res(PQexecParams(conn, sql, 1, nullptr, params, nullptr, nullptr, 0));
    const ExecStatusType status = PQresultStatus(res.get());
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
        const std::string msg = receiver::one_line(PQresultErrorMessage(res.get()));
        return make_error(fmt::format("query \"{}\" on the primary failed: {}{}", sql, msg, permission_hint(msg)));
    }
    std::vector<std::string> row;
    if (PQntuples(res.get()) == 0) return row;
    for (int i = 0; i < PQnfields(res.get()); ++i)
        row.emplace_back(PQgetisnull(res.get(), 0, i) ? "" : PQgetvalue(res.get(), 0, i));
    return row;
}

}  // namespace

Result<SlotState> ensure_physical_slot(PGconn* conn, const std::string& slot) {
    const char* slot_sql =
        "select coalesce(restart_lsn::text, ''), slot_type from pg_replication_slots where slot_name = $1";
    SlotState state;
    auto existing = query_row(conn, slot_sql, slot);
    if (!existing) return existing.error();
    if (!existing->empty() && existing->at(1) != "physical")
        return make_error(fmt::format("replication slot \"{}\" on the primary is a {} slot, not a physical one; give "
                                      "another --slot",
                                      slot, existing->at(1)));
    if (existing->empty()) {
        auto created = query_row(conn, "select lsn::text from pg_create_physical_replication_slot($1, true)", slot);
        if (!created) return created.error();
        state.created = true;
        existing = query_row(conn, slot_sql, slot);
        if (!existing) return existing.error();
    }
    if (!existing->empty() && !existing->at(0).empty()) {
        auto lsn = parse_lsn(existing->at(0));
        if (!lsn)
            return make_error(fmt::format("the primary returned \"{}\" as slot \"{}\"'s restart_lsn, not an LSN",
                                          existing->at(0), slot));
        state.restart_lsn = *lsn;
    }
    return state;
}

Result<void> check_wal_level(PGconn* conn) {
    PGresult* res = PQexec(conn, "select current_setting('wal_level')");
    const bool minimal = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
                         std::strcmp(PQgetvalue(res, 0, 0), "minimal") == 0;
    PQclear(res);
    if (minimal)
        return make_error("the primary runs with wal_level = minimal, which allows no base backup or standby; set "
                          "wal_level = replica (or logical) in its postgresql.conf and restart it");
    return {};
}

Result<void> drop_physical_slot(PGconn* conn, const std::string& slot) {
    auto r = query_row(conn, "select pg_drop_replication_slot($1)", slot);
    if (!r) return r.error();
    return {};
}

}  // namespace understudy::backup
