#include "standby/directory_mode.h"

#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "redo/replay_state.h"
#include "redo/storage/control_file.h"

namespace understudy::standby {

Result<DirectoryMode> read_directory_mode(const std::string& dir) {
    const std::string data = dir + "/data";
    DirectoryMode m;
    auto state = read_replay_state(data);
    if (!state) return state.error();
    if (!*state) {
        m.reason = fmt::format("no replay state in \"{}\" yet", data);
        return m;
    }
    const ReplayState& s = **state;
    m.known = true;
    m.full = s.full;
    m.apply_lsn = s.apply_lsn;
    m.last_restartpoint = s.last_restartpoint_lsn;
    m.last_restartpoint_redo = s.last_restartpoint_redo;
    m.backup_end = s.backup_end_lsn;
    if (!s.full) {
        m.reason = "sparse: pages come only from the WAL, there is no global/pg_control or PG_VERSION (pg_ctl start "
                   "refuses it); start a standby with --base-backup on an empty directory for a full one";
        return m;
    }
    auto cf = storage::read_control_file(data);
    if (!cf) {
        m.reason = cf.message();
        return m;
    }
    m.control_checkpoint = cf->checkPoint;
    m.control_min_recovery_point = cf->minRecoveryPoint;
    m.control_state = storage::db_state_name(cf->state);
    std::error_code ec;
    if (s.backup_end_lsn == InvalidXLogRecPtr)
        m.reason = fmt::format("the end of the base backup (started at {}) is not replayed yet",
                               format_lsn(s.backup_start_lsn));
    else if (std::filesystem::exists(data + "/backup_label", ec))
        m.reason = "backup_label is still there (the backup's end was replayed; the standby renames it next)";
    else {
        m.server_can_start = true;
        m.reason = fmt::format("pg_ctl start -D {} (as the directory's owner, mode 0700) once understudy has stopped; "
                               "it recovers from the restartpoint at {} and is consistent at {}",
                               data, format_lsn(cf->checkPoint), format_lsn(cf->minRecoveryPoint));
    }
    return m;
}

std::string format_directory_mode(const DirectoryMode& m) {
    if (!m.known) return fmt::format("directory: unknown ({})\n", m.reason);
    std::string out = fmt::format("directory: {}, applied to {}, last restartpoint {} (redo {})\n",
                                  m.full ? "full" : "sparse", format_lsn(m.apply_lsn), format_lsn(m.last_restartpoint),
                                  format_lsn(m.last_restartpoint_redo));
    if (m.full)
        out += fmt::format("pg_control: state \"{}\", checkpoint {}, minRecoveryPoint {}; backup end {}\n",
                           m.control_state.empty() ? "unreadable" : m.control_state, format_lsn(m.control_checkpoint),
                           format_lsn(m.control_min_recovery_point),
                           m.backup_end == InvalidXLogRecPtr ? std::string("not reached") : format_lsn(m.backup_end));
    out += fmt::format("server can start: {} ({})\n", m.server_can_start ? "yes" : "no", m.reason);
    return out;
}

std::string directory_mode_json(const DirectoryMode& m) {
    nlohmann::ordered_json j;
    j["mode"] = !m.known ? "unknown" : m.full ? "full" : "sparse";
    j["apply_lsn"] = format_lsn(m.apply_lsn);
    j["last_restartpoint_lsn"] = format_lsn(m.last_restartpoint);
    j["last_restartpoint_redo"] = format_lsn(m.last_restartpoint_redo);
    j["backup_end_lsn"] = format_lsn(m.backup_end);
    j["control_checkpoint"] = format_lsn(m.control_checkpoint);
    j["control_min_recovery_point"] = format_lsn(m.control_min_recovery_point);
    j["control_state"] = m.control_state;
    j["server_can_start"] = m.server_can_start;
    j["reason"] = m.reason;
    return j.dump();
}

}  // namespace understudy::standby
