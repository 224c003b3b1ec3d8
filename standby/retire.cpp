#include "standby/retire.h"

#include <libpq-fe.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/conninfo.h"
#include "common/dir_lock.h"
#include "common/fs.h"
#include "common/log.h"
#include "receiver/connection.h"

namespace understudy::standby {

namespace {

// libpq's quoting of a conninfo value: single quotes, with \ and ' escaped.
std::string quote_value(const std::string& v) {
    std::string out = "'";
    for (char c : v) {
        if (c == '\\' || c == '\'') out += '\\';
        out += c;
    }
    return out + "'";
}

}  // namespace

Result<std::string> conninfo_without_password(const std::string& conninfo) {
    auto params = parse_conninfo(conninfo);
    if (!params) return params.error();
    std::string out;
    for (const auto& [k, v] : params->params) {
        if (k == "password") continue;
        if (!out.empty()) out += ' ';
        out += k + "=" + quote_value(v);
    }
    return out;
}

Result<void> save_primary_file(const std::string& dir, const std::string& conninfo, const std::string& slot) {
    auto safe = conninfo_without_password(conninfo);
    if (!safe) return safe.error();
    nlohmann::ordered_json j;
    j["conninfo"] = *safe;
    j["slot"] = slot;
    return fs::write_file_atomic(dir + "/" + kPrimaryFileName, j.dump(2) + "\n");
}

Result<std::optional<SavedPrimary>> read_primary_file(const std::string& dir) {
    const std::string path = dir + "/" + kPrimaryFileName;
    if (!std::filesystem::exists(path)) return std::optional<SavedPrimary>{};
    auto text = fs::read_file(path);
    if (!text) return text.error();
    auto j = nlohmann::json::parse(*text, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("conninfo") || !j["conninfo"].is_string() ||
        !j.contains("slot") || !j["slot"].is_string())
        return make_error(fmt::format("\"{}\" is not a standby's primary file (expected {{\"conninfo\": ..., \"slot\": "
                                      "...}}); give --primary and --slot",
                                      path));
    return std::optional<SavedPrimary>{SavedPrimary{j["conninfo"].get<std::string>(), j["slot"].get<std::string>()}};
}

Result<void> retire_standby(const RetireOptions& opts) {
    const std::string& dir = opts.dir;
    if (!std::filesystem::is_directory(dir))
        return make_error(fmt::format("--dir \"{}\" is not a directory; give the directory of the standby to retire", dir));
    // Only a standby's own files go; anything else means this is not (only) a standby directory.
    static const std::set<std::string> kKnown = {"pg_wal",      "data",           "status.json",  "status.json.tmp",
                                                 "lag.jsonl",   kDirLockFileName, kPrimaryFileName,
                                                 "primary.json.tmp"};
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
        const std::string name = e.path().filename().string();
        if (!kKnown.contains(name) && name.rfind("lag.jsonl.", 0) != 0)
            return make_error(fmt::format("--dir \"{}\" holds \"{}\", which is not a standby's file; nothing was "
                                          "dropped or removed",
                                          dir, name));
    }
    if (ec) return make_error(fmt::format("--dir \"{}\": could not list it: {}", dir, ec.message()));
    std::vector<DirLock> locks;
    for (const std::string& d : {dir, dir + "/pg_wal", dir + "/data"}) {
        if (d != dir && !std::filesystem::is_directory(d)) continue;
        auto l = DirLock::acquire(d, "understudy retire", fmt::format("--dir \"{}\"", d));
        if (!l) return l.error();
        locks.push_back(std::move(*l));
    }
    auto saved = read_primary_file(dir);
    if (!saved) return saved.error();
    std::string conninfo;
    if (opts.conninfo) conninfo = *opts.conninfo;
    else if (*saved) conninfo = (*saved)->conninfo;
    else
        return make_error(fmt::format("--dir \"{}\" has no {} (made by understudy standby); give --primary", dir,
                                      kPrimaryFileName));
    const std::string slot = opts.slot ? *opts.slot : (*saved ? (*saved)->slot : std::string("understudy"));

    const char* keywords[] = {"connect_timeout", "dbname", nullptr};
    const char* values[] = {"10", conninfo.c_str(), nullptr};
    receiver::PgConnPtr conn(PQconnectdbParams(keywords, values, 1));
    if (PQstatus(conn.get()) != CONNECTION_OK)
        return make_error(fmt::format("could not connect to the primary to drop slot \"{}\": {}; nothing was removed "
                                      "(give --primary with a reachable primary)",
                                      slot, receiver::one_line(PQerrorMessage(conn.get()))));
    const char* params[] = {slot.c_str()};
    // A walsender whose standby just stopped holds the slot for a moment longer: up to 10 s.
    receiver::PgResultPtr res;
    for (int attempt = 0;; ++attempt) {
        res.reset(PQexecParams(conn.get(),
                               "select active::text, coalesce(active_pid::text, ''), slot_type from "
                               "pg_replication_slots where slot_name = $1",
                               1, nullptr, params, nullptr, nullptr, 0));
        if (PQresultStatus(res.get()) != PGRES_TUPLES_OK)
            return make_error(fmt::format("could not read slot \"{}\" on the primary: {}; nothing was removed", slot,
                                          receiver::one_line(PQresultErrorMessage(res.get()))));
        if (PQntuples(res.get()) == 0 || std::string(PQgetvalue(res.get(), 0, 0)) != "true" || attempt == 20) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    if (PQntuples(res.get()) == 0) {
        log::info("replication slot \"{}\" does not exist on the primary (already dropped)", slot);
    } else {
        if (std::string(PQgetvalue(res.get(), 0, 2)) != "physical")
            return make_error(fmt::format("slot \"{}\" on the primary is a {} slot, not this standby's; nothing was "
                                          "dropped or removed",
                                          slot, PQgetvalue(res.get(), 0, 2)));
        if (std::string(PQgetvalue(res.get(), 0, 0)) == "true")
            return make_error(fmt::format("slot \"{}\" is in use by walsender pid {} on the primary: a standby streams "
                                          "with it; stop that standby first (nothing was dropped or removed)",
                                          slot, PQgetvalue(res.get(), 0, 1)));
        receiver::PgResultPtr drop(PQexecParams(conn.get(), "select pg_drop_replication_slot($1)", 1, nullptr, params,
                                                nullptr, nullptr, 0));
        if (PQresultStatus(drop.get()) != PGRES_TUPLES_OK)
            return make_error(fmt::format("could not drop slot \"{}\" on the primary: {}; nothing was removed", slot,
                                          receiver::one_line(PQresultErrorMessage(drop.get()))));
        log::info("dropped replication slot \"{}\" on the primary: it no longer holds back WAL", slot);
    }
    if (opts.keep_dir) return {};
    locks.clear();
    std::filesystem::remove_all(dir, ec);
    if (ec) return make_error(fmt::format("slot \"{}\" was dropped, but removing --dir \"{}\" failed: {}", slot, dir, ec.message()));
    log::info("removed \"{}\"", dir);
    return {};
}

}  // namespace understudy::standby
