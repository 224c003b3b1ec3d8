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

// Seconds between the Unix epoch and PostgreSQL's (2000-01-01 UTC).
constexpr std::int64_t kPgEpochUnixSeconds = 946684800;

// A label value with \ " and newline escaped (Prometheus text format).
std::string label_value(const std::string& v) {
    std::string out;
    for (char c : v) {
        if (c == '\\' || c == '"') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

}  // namespace

std::uint64_t StandbyStatus::receive_lag_bytes() const { return behind(primary_wal_end_lsn, received_lsn); }
std::uint64_t StandbyStatus::flush_lag_bytes() const { return behind(primary_wal_end_lsn, flushed_lsn); }
std::uint64_t StandbyStatus::apply_lag_bytes() const { return behind(primary_wal_end_lsn, applied_lsn); }

std::string pg_timestamp_text(std::int64_t ts) {
    const auto us = std::chrono::microseconds(ts) + std::chrono::seconds(kPgEpochUnixSeconds);
    return receiver::iso8601_utc(std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(us)));
}

std::string status_to_json(const StandbyStatus& s) {
    nlohmann::ordered_json j;
    j["system_identifier"] = fmt::format("{}", s.system_identifier);
    j["timeline"] = s.timeline;
    j["received_timeline"] = s.received_timeline;
    j["state"] = s.state;
    j["last_msg_receipt_time"] =
        s.last_msg_receipt_time != 0 ? nlohmann::ordered_json(pg_timestamp_text(s.last_msg_receipt_time)) : nullptr;
    j["seconds_since_last_message"] =
        s.seconds_since_last_message ? nlohmann::ordered_json(*s.seconds_since_last_message) : nullptr;
    j["slot"] = {{"name", s.slot},
                 {"restart_lsn", format_lsn(s.slot_restart_lsn)},
                 {"retained_bytes", s.slot_retained_bytes}};
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
    // Our clock minus the primary's; the lag seconds above include it (null: not known).
    j["clock_skew_seconds"] = s.clock_skew_seconds ? nlohmann::ordered_json(*s.clock_skew_seconds) : nullptr;
    j["clock_round_trips"] = s.clock_round_trips;
    if (s.last_applied_commit_time != 0) j["last_applied_commit_time"] = pg_timestamp_text(s.last_applied_commit_time);
    else j["last_applied_commit_time"] = nullptr;
    j["updated_at"] = receiver::iso8601_utc(s.updated_at);
    j["hot_standby_feedback_xmin"] = s.feedback_xmin;
    j["reconnects"] = nlohmann::ordered_json::object();
    for (const auto& [reason, n] : s.reconnects) j["reconnects"][reason] = n;
    // "rmgrs": since this process started (as the _total metrics); "rmgrs_total": every run on
    // this directory, kept in the replay state.
    auto counters_json = [&s](const std::vector<RmgrReplayCounters>& rows) {
        nlohmann::ordered_json out = nlohmann::ordered_json::object();
        for (const auto& r : rows) {
            nlohmann::ordered_json c = {{"records", r.records}, {"applied", r.applied}};
            if (s.verify) {
                c["verified"] = r.verified;
                c["mismatched"] = r.mismatched;
            }
            out[r.rmgr] = c;
        }
        return out;
    };
    j["rmgrs"] = counters_json(s.rmgrs);
    j["rmgrs_total"] = counters_json(s.rmgr_totals);
    if (!s.replay_json.empty()) j["replay"] = nlohmann::ordered_json::parse(s.replay_json, nullptr, false);
    if (s.directory && s.directory->known) j["directory"] = nlohmann::ordered_json::parse(directory_mode_json(*s.directory));
    else j["directory"] = nullptr;
    return j.dump(2) + "\n";
}

std::string status_to_metrics(const StandbyStatus& s) {
    std::string out;
    auto header = [&out](const char* name, const char* type, const char* help) {
        out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
    };
    auto metric = [&](const char* name, const char* type, const char* help, auto value) {
        header(name, type, help);
        out += fmt::format("{} {}\n", name, value);
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
    metric("understudy_last_applied_commit_timestamp_seconds", "gauge",
           "Unix time of the last replayed commit or abort (pg_last_xact_replay_timestamp), 0 if none.",
           s.last_applied_commit_time == 0
               ? 0.0
               : static_cast<double>(s.last_applied_commit_time) / 1e6 + static_cast<double>(kPgEpochUnixSeconds));
    if (s.clock_skew_seconds)
        metric("understudy_clock_skew_seconds", "gauge",
               "This host's clock minus the primary's, best estimate; the lag seconds include it (absent: unknown).",
               *s.clock_skew_seconds);
    metric("understudy_replay_paused", "gauge", "1 while replay is paused (SIGUSR1), 0 otherwise.",
           s.replay_paused ? 1 : 0);
    metric("understudy_timeline", "gauge", "Timeline of the applied position (the replayed timeline).", s.timeline);
    metric("understudy_received_timeline", "gauge", "Timeline being received from the primary.", s.received_timeline);
    metric("understudy_hot_standby_feedback_xmin", "gauge", "xmin sent as hot standby feedback (0: none).",
           s.feedback_xmin);
    if (s.seconds_since_last_message)
        metric("understudy_seconds_since_last_message", "gauge",
               "Seconds since the last message from the primary (pg_stat_wal_receiver.last_msg_receipt_time).",
               *s.seconds_since_last_message);
    metric("understudy_receiver_streaming", "gauge",
           "1 while the receiver streams and hears from the primary, 0 while it waits, reconnects or is stopped.",
           s.state == "streaming" ? 1 : 0);
    metric("understudy_slot_retained_bytes", "gauge",
           "WAL the standby's replication slot holds back on the primary (WAL end - slot restart_lsn).",
           s.slot_retained_bytes);
    if (s.directory && s.directory->known) {
        metric("understudy_directory_full", "gauge",
               "1: DIR/data is a full data directory (base backup + pg_control); 0: sparse (pages from WAL only).",
               s.directory->full ? 1 : 0);
        metric("understudy_directory_server_can_start", "gauge",
               "1: a PostgreSQL server can start on DIR/data once the standby stops (full, past the backup's end).",
               s.directory->server_can_start ? 1 : 0);
        metric("understudy_last_restartpoint_lsn_bytes", "gauge",
               "The last restartpoint's checkpoint record (DIR/data's pg_control when full), as a byte position.",
               s.directory->last_restartpoint);
    }
    header("understudy_reconnects_total", "counter",
           "Reconnections to the primary, by reason (sqlstate_XXXXX: a server error with that SQLSTATE).");
    std::map<std::string, std::uint64_t> reasons = {
        {"connect_failed", 0}, {"setup_failed", 0}, {"timeout", 0}, {"primary_ended_stream", 0}, {"stream_error", 0}};
    for (const auto& [reason, n] : s.reconnects) reasons[reason] = n;
    for (const auto& [reason, n] : reasons)
        out += fmt::format("understudy_reconnects_total{{reason=\"{}\"}} {}\n", label_value(reason), n);
    header("understudy_records_applied_total", "counter", "WAL records replayed by this run, by resource manager.");
    for (const auto& r : s.rmgrs)
        out += fmt::format("understudy_records_applied_total{{rmgr=\"{}\"}} {}\n", label_value(r.rmgr), r.records);
    if (s.verify) {
        header("understudy_images_verified_total", "counter",
               "wal_consistency_checking page images compared after redo, by resource manager.");
        for (const auto& r : s.rmgrs)
            out += fmt::format("understudy_images_verified_total{{rmgr=\"{}\"}} {}\n", label_value(r.rmgr), r.verified);
        header("understudy_images_mismatched_total", "counter",
               "Page images that differed from the primary's after masking, by resource manager.");
        for (const auto& r : s.rmgrs)
            out += fmt::format("understudy_images_mismatched_total{{rmgr=\"{}\"}} {}\n", label_value(r.rmgr),
                               r.mismatched);
    }
    return out;
}

std::string status_to_lag_line(const StandbyStatus& s) {
    nlohmann::ordered_json j;
    j["t"] = unix_seconds(s.updated_at);
    j["primary_wal_end_lsn"] = format_lsn(s.primary_wal_end_lsn);
    j["applied_lsn"] = format_lsn(s.applied_lsn);
    j["receive_bytes"] = s.receive_lag_bytes();
    j["flush_bytes"] = s.flush_lag_bytes();
    j["apply_bytes"] = s.apply_lag_bytes();
    j["write_seconds"] = s.lag_seconds[0];
    j["flush_seconds"] = s.lag_seconds[1];
    j["apply_seconds"] = s.lag_seconds[2];
    return j.dump() + "\n";
}

}  // namespace understudy::standby
