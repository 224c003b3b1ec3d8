#include "standby/status.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "receiver/status_file.h"

namespace understudy::standby {

namespace {

std::uint64_t behind(XLogRecPtr end, XLogRecPtr pos) { return end > pos ? end - pos : 0; }

double unix_seconds(std::chrono::system_clock::time_point t) {
    return std::chrono::duration<double>(t.time_since_epoch()).count();
}

}  // namespace

std::uint64_t StandbyStatus::receive_lag_bytes() const { return behind(primary_wal_end_lsn, received_lsn); }
std::uint64_t StandbyStatus::flush_lag_bytes() const { return behind(primary_wal_end_lsn, flushed_lsn); }
std::uint64_t StandbyStatus::apply_lag_bytes() const { return behind(primary_wal_end_lsn, applied_lsn); }

std::string status_to_json(const StandbyStatus& s) {
    nlohmann::ordered_json j;
    j["system_identifier"] = fmt::format("{}", s.system_identifier);
    j["timeline"] = s.timeline;
    j["state"] = s.state;
    j["replay_paused"] = s.replay_paused;
    j["primary_wal_end_lsn"] = format_lsn(s.primary_wal_end_lsn);
    j["received_lsn"] = format_lsn(s.received_lsn);
    j["flushed_lsn"] = format_lsn(s.flushed_lsn);
    j["applied_lsn"] = format_lsn(s.applied_lsn);
    j["lag"] = {
        {"receive_bytes", s.receive_lag_bytes()}, {"flush_bytes", s.flush_lag_bytes()},
        {"apply_bytes", s.apply_lag_bytes()},     {"write_seconds", s.lag_seconds[0]},
        {"flush_seconds", s.lag_seconds[1]},      {"apply_seconds", s.lag_seconds[2]},
    };
    // Not tracked yet: the replay engine does not report commit timestamps to its observer.
    j["last_applied_commit_time"] = nullptr;
    j["updated_at"] = receiver::iso8601_utc(s.updated_at);
    if (!s.replay_json.empty()) j["replay"] = nlohmann::ordered_json::parse(s.replay_json, nullptr, false);
    return j.dump(2) + "\n";
}

std::string status_to_metrics(const StandbyStatus& s) {
    std::string out;
    auto metric = [&out](const char* name, const char* type, const char* help, auto value) {
        out += fmt::format("# HELP {} {}\n# TYPE {} {}\n{} {}\n", name, help, name, type, name, value);
    };
    metric("understudy_primary_wal_end_lsn_bytes", "gauge", "Primary's WAL end (from w/k messages) as a byte position.",
           s.primary_wal_end_lsn);
    metric("understudy_received_lsn_bytes", "gauge", "WAL received and written, as a byte position.", s.received_lsn);
    metric("understudy_flushed_lsn_bytes", "gauge", "WAL flushed to disk, as a byte position.", s.flushed_lsn);
    metric("understudy_applied_lsn_bytes", "gauge", "WAL applied by the replayer, as a byte position.", s.applied_lsn);
    metric("understudy_receive_lag_bytes", "gauge", "Bytes between the primary's WAL end and the received position.",
           s.receive_lag_bytes());
    metric("understudy_flush_lag_bytes", "gauge", "Bytes between the primary's WAL end and the flushed position.",
           s.flush_lag_bytes());
    metric("understudy_apply_lag_bytes", "gauge", "Bytes between the primary's WAL end and the applied position.",
           s.apply_lag_bytes());
    metric("understudy_write_lag_seconds", "gauge", "Time since the primary sent the WAL last written (as write_lag).",
           s.lag_seconds[0]);
    metric("understudy_flush_lag_seconds", "gauge", "Time since the primary sent the WAL last flushed (as flush_lag).",
           s.lag_seconds[1]);
    metric("understudy_apply_lag_seconds", "gauge", "Time since the primary sent the WAL last applied (as replay_lag).",
           s.lag_seconds[2]);
    metric("understudy_replay_paused", "gauge", "1 while replay is paused (SIGUSR1), 0 otherwise.",
           s.replay_paused ? 1 : 0);
    metric("understudy_timeline", "gauge", "Timeline being followed.", s.timeline);
    return out;
}

std::string status_to_lag_line(const StandbyStatus& s) {
    nlohmann::ordered_json j;
    j["t"] = unix_seconds(s.updated_at);
    j["receive_bytes"] = s.receive_lag_bytes();
    j["flush_bytes"] = s.flush_lag_bytes();
    j["apply_bytes"] = s.apply_lag_bytes();
    j["write_seconds"] = s.lag_seconds[0];
    j["flush_seconds"] = s.lag_seconds[1];
    j["apply_seconds"] = s.lag_seconds[2];
    return j.dump() + "\n";
}

}  // namespace understudy::standby
