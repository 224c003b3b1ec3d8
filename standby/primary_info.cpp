#include "standby/primary_info.h"

#include <libpq-fe.h>

#include <memory>

#include <fmt/format.h>

#include "backup/slot.h"
#include "redo/replayer.h"
#include "redo/storage/control_file.h"
#include "common/wal_format.h"
#include "receiver/connection.h"
#include "receiver/protocol.h"

namespace understudy::standby {

namespace {

// One row of text values of a query, or an error naming the query.
Result<std::vector<std::string>> query_row(PGconn* conn, const char* sql, std::vector<const char*> params = {}) {
    receiver::PgResultPtr res(PQexecParams(conn, sql, static_cast<int>(params.size()), nullptr, params.data(), nullptr,
                                           nullptr, 0));
    if (PQresultStatus(res.get()) != PGRES_TUPLES_OK)
        return make_error(fmt::format("query \"{}\" on the primary failed: {}", sql,
                                      receiver::one_line(PQresultErrorMessage(res.get()))));
    std::vector<std::string> row;
    if (PQntuples(res.get()) == 0) return row;
    for (int i = 0; i < PQnfields(res.get()); ++i)
        row.emplace_back(PQgetisnull(res.get(), 0, i) ? "" : PQgetvalue(res.get(), 0, i));
    return row;
}

Result<XLogRecPtr> lsn_value(const std::string& text, const char* what) {
    auto lsn = parse_lsn(text);
    if (!lsn) return make_error(fmt::format("the primary returned \"{}\" as {}, not an LSN", text, what));
    return *lsn;
}

// Three readings of the primary's clock; keeps the one with the shortest round trip.
void read_primary_clock(PGconn* conn, PrimaryInfo& info) {
    const char* sql = "select ((extract(epoch from clock_timestamp()) - 946684800) * 1000000)::bigint::text";
    for (int i = 0; i < 3; ++i) {
        const std::int64_t sent = receiver::current_timestamp();
        auto row = query_row(conn, sql);
        const std::int64_t received = receiver::current_timestamp();
        if (!row || row->empty()) return;
        const std::int64_t primary = std::stoll(row->at(0));
        if (info.clock_primary == 0 || received - sent < info.clock_received - info.clock_sent) {
            info.clock_sent = sent;
            info.clock_primary = primary;
            info.clock_received = received;
        }
    }
}

}  // namespace

Result<PrimaryInfo> query_primary(const std::string& conninfo, const std::string& slot, bool full_directory) {
    // connect_timeout 10 s unless the conninfo says otherwise (a later keyword wins, and the
    // expanded conninfo comes after it), so an unreachable primary is an error, not a hang.
    const char* keywords[] = {"connect_timeout", "dbname", nullptr};
    const char* values[] = {"10", conninfo.c_str(), nullptr};
    receiver::PgConnPtr conn(PQconnectdbParams(keywords, values, 1));
    if (PQstatus(conn.get()) != CONNECTION_OK)
        return make_error(fmt::format("could not connect to the primary: {}", receiver::one_line(PQerrorMessage(conn.get()))));
    PrimaryInfo info;
    info.server_version_num = PQserverVersion(conn.get());
    // Before anything is created on the primary (a slot would hold its WAL back for nothing).
    if (const int major = info.server_version_num / 10000; !redo::replayable_major(major)) {
        const char* shown = PQparameterStatus(conn.get(), "server_version");
        return make_error(unsupported_primary_version_message(
            "understudy standby", shown != nullptr ? shown : fmt::format("{}", info.server_version_num), major,
            redo::replayable_majors_text()));
    }
    if (auto r = backup::check_wal_level(conn.get()); !r) return r.error();
    // --base-backup: the directory is full and its pg_control rewritten at every restartpoint,
    // which needs that version's layout; refused before the slot or the backup exist.
    if (const int major = info.server_version_num / 10000; full_directory && !storage::control_file_kept_for_major(major)) {
        const char* shown = PQparameterStatus(conn.get(), "server_version");
        return make_error(fmt::format(
            "the primary runs PostgreSQL {}, whose pg_control understudy standby --base-backup cannot keep (it "
            "knows PG_CONTROL_VERSION 1300, 1700 and 1800: PostgreSQL 14 to 18); run understudy standby without "
            "--base-backup (a sparse directory)",
            shown != nullptr ? shown : fmt::format("{}", info.server_version_num)));
    }
    auto sys = query_row(conn.get(), "select system_identifier::text from pg_control_system()");
    if (!sys) return sys.error();
    info.system_identifier = std::stoull(sys->at(0));
    auto ckpt = query_row(conn.get(), "select redo_lsn::text, timeline_id::text from pg_control_checkpoint()");
    if (!ckpt) return ckpt.error();
    auto redo = lsn_value(ckpt->at(0), "the checkpoint's redo_lsn");
    if (!redo) return redo.error();
    info.redo_lsn = *redo;
    info.timeline = static_cast<TimeLineID>(std::stoul(ckpt->at(1)));

    // The slot first (backup/slot.h, as `understudy basebackup` creates it).
    auto slot_state = backup::ensure_physical_slot(conn.get(), slot);
    if (!slot_state) return slot_state.error();
    info.slot_created = slot_state->created;
    info.slot_restart_lsn = slot_state->restart_lsn;
    // The upstream's WAL end: pg_current_wal_lsn() on a primary; a standby being followed (a
    // cascade) has no such function in recovery, its WAL ends where it has received or replayed.
    auto now = query_row(conn.get(),
                         "select (case when pg_is_in_recovery() then coalesce(greatest(pg_last_wal_receive_lsn(), "
                         "pg_last_wal_replay_lsn()), '0/0'::pg_lsn) else pg_current_wal_lsn() end)::text, "
                         "current_setting('max_slot_wal_keep_size')");
    if (!now) return now.error();
    auto current = lsn_value(now->at(0), "the upstream's WAL end");
    if (!current) return current.error();
    info.current_lsn = *current;
    info.max_slot_wal_keep_size = now->at(1);
    read_primary_clock(conn.get(), info);
    return info;
}

}  // namespace understudy::standby
