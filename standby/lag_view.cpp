#include "standby/lag_view.h"

#include <cerrno>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <iterator>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/fs.h"
#include "standby/clock_skew.h"

namespace understudy::standby {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;

// A field that must be there; the error names it and the file.
template <typename T>
Result<T> field(const json& j, const char* name, const std::string& path) {
    auto it = j.find(name);
    if (it == j.end() || it->is_null())
        return make_error(fmt::format("status file \"{}\" has no \"{}\" (written by an older understudy?)", path, name));
    try {
        return it->get<T>();
    } catch (const json::exception&) {
        return make_error(fmt::format("status file \"{}\": \"{}\" has the wrong type", path, name));
    }
}

Result<XLogRecPtr> lsn_field(const json& j, const char* name, const std::string& path) {
    auto text = field<std::string>(j, name, path);
    if (!text) return text.error();
    auto lsn = parse_lsn(*text);
    if (!lsn) return make_error(fmt::format("status file \"{}\": \"{}\" is not an LSN: \"{}\"", path, name, *text));
    return *lsn;
}

template <typename T>
T value_or(const json& j, const char* name, T fallback) {
    auto it = j.find(name);
    if (it == j.end() || it->is_null()) return fallback;
    try {
        return it->get<T>();
    } catch (const json::exception&) {
        return fallback;
    }
}

std::vector<RmgrRow> rmgr_rows(const json& replay) {
    std::vector<RmgrRow> rows;
    auto it = replay.find("rmgrs");
    if (it == replay.end() || !it->is_object()) return rows;
    for (const auto& [name, c] : it->items()) {
        RmgrRow r;
        r.name = name;
        r.records = value_or<std::uint64_t>(c, "records", 0);
        r.applied = value_or<std::uint64_t>(c, "applied", 0);
        r.skipped_done = value_or<std::uint64_t>(c, "skipped_done", 0);
        r.unsupported = value_or<std::uint64_t>(c, "unsupported", 0);
        r.images_checked = value_or<std::uint64_t>(c, "images_checked", 0);
        r.images_mismatched = value_or<std::uint64_t>(c, "images_mismatched", 0);
        rows.push_back(std::move(r));
    }
    return rows;
}

std::string liveness_line(const CurrentLag& lag, double now, double stale_after) {
    const double age = now - lag.updated_at_unix;
    switch (liveness(lag, now, stale_after)) {
        case Liveness::running:
            return fmt::format("standby {}, status updated {} ago ({})", lag.state, pretty_seconds(std::max(age, 0.0)),
                               lag.updated_at);
        case Liveness::stopped:
            return fmt::format("NOT RUNNING: the standby stopped at {} ({} ago); the figures are from then",
                               lag.updated_at, pretty_seconds(age));
        case Liveness::stale:
            break;
    }
    return fmt::format("NOT RUNNING (status is stale): \"{}\" was last updated {} ago ({}) with state \"{}\": the "
                       "standby was killed or is stuck; the figures are from then",
                       lag.path, pretty_seconds(age), lag.updated_at, lag.state);
}

const char* liveness_name(Liveness l) {
    switch (l) {
        case Liveness::running: return "running";
        case Liveness::stopped: return "stopped";
        case Liveness::stale: return "stale";
    }
    return "?";
}

ordered_json percentiles_json(const Percentiles& p) {
    return ordered_json{{"p50", p.p50}, {"p90", p.p90}, {"p99", p.p99}, {"max", p.max}};
}

}  // namespace

std::optional<double> parse_iso8601_utc(const std::string& text) {
    std::tm tm{};
    int year = 0, mon = 0, day = 0, hour = 0, min = 0, sec = 0, consumed = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &mon, &day, &hour, &min, &sec, &consumed) != 6)
        return std::nullopt;
    double frac = 0;
    std::size_t pos = static_cast<std::size_t>(consumed);
    if (pos < text.size() && text[pos] == '.') {
        double scale = 0.1;
        for (++pos; pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])); ++pos) {
            frac += (text[pos] - '0') * scale;
            scale /= 10;
        }
    }
    if (pos + 1 != text.size() || text[pos] != 'Z') return std::nullopt;
    tm.tm_year = year - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = min;
    tm.tm_sec = sec;
    return static_cast<double>(::timegm(&tm)) + frac;
}

Result<CurrentLag> parse_status(const std::string& text, const std::string& path) {
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return make_error(fmt::format("status file \"{}\" is not a JSON object (damaged? the standby rewrites it "
                                      "every status interval)",
                                      path));
    CurrentLag c;
    c.path = path;
    auto sysid = field<std::string>(j, "system_identifier", path);
    auto tli = field<std::uint32_t>(j, "timeline", path);
    auto end = lsn_field(j, "primary_wal_end_lsn", path);
    auto rcv = lsn_field(j, "received_lsn", path);
    auto fl = lsn_field(j, "flushed_lsn", path);
    auto ap = lsn_field(j, "applied_lsn", path);
    auto upd = field<std::string>(j, "updated_at", path);
    auto lag = field<json>(j, "lag", path);
    for (const Error* e : {sysid ? nullptr : &sysid.error(), tli ? nullptr : &tli.error(), end ? nullptr : &end.error(),
                           rcv ? nullptr : &rcv.error(), fl ? nullptr : &fl.error(), ap ? nullptr : &ap.error(),
                           upd ? nullptr : &upd.error(), lag ? nullptr : &lag.error()})
        if (e) return *e;
    c.system_identifier = *sysid;
    c.timeline = *tli;
    c.primary_wal_end_lsn = *end;
    c.received_lsn = *rcv;
    c.flushed_lsn = *fl;
    c.applied_lsn = *ap;
    c.updated_at = *upd;
    auto when = parse_iso8601_utc(c.updated_at);
    if (!when)
        return make_error(fmt::format("status file \"{}\": \"updated_at\" is not an ISO 8601 UTC time: \"{}\"", path,
                                      c.updated_at));
    c.updated_at_unix = *when;
    c.state = value_or<std::string>(j, "state", "unknown");
    c.replay_paused = value_or<bool>(j, "replay_paused", false);
    c.receive_bytes = value_or<std::uint64_t>(*lag, "receive_bytes", 0);
    c.flush_bytes = value_or<std::uint64_t>(*lag, "flush_bytes", 0);
    c.apply_bytes = value_or<std::uint64_t>(*lag, "apply_bytes", 0);
    c.write_seconds = value_or<double>(*lag, "write_seconds", 0);
    c.flush_seconds = value_or<double>(*lag, "flush_seconds", 0);
    c.apply_seconds = value_or<double>(*lag, "apply_seconds", 0);
    if (auto it = j.find("clock_skew_seconds"); it != j.end() && it->is_number())
        c.clock_skew_seconds = it->get<double>();
    if (auto it = j.find("last_applied_commit_time"); it != j.end() && it->is_string())
        c.last_applied_commit_time = it->get<std::string>();
    if (auto it = j.find("seconds_since_last_message"); it != j.end() && it->is_number())
        c.seconds_since_last_message = it->get<double>();
    if (auto it = j.find("slot"); it != j.end() && it->is_object()) {
        c.slot = value_or<std::string>(*it, "name", "");
        if (auto r = it->find("retained_bytes"); r != it->end() && r->is_number_unsigned())
            c.slot_retained_bytes = r->get<std::uint64_t>();
    }
    if (auto it = j.find("replay"); it != j.end() && it->is_object()) {
        c.verify = value_or<bool>(*it, "verify", false);
        c.records = value_or<std::uint64_t>(*it, "records", 0);
        c.mismatches_total = value_or<std::uint64_t>(*it, "mismatches_total", 0);
        c.rmgrs = rmgr_rows(*it);
    }
    if (auto it = j.find("rmgrs_total"); it != j.end() && it->is_object()) {
        std::uint64_t n = 0;
        for (const auto& [name, counters] : it->items()) n += value_or<std::uint64_t>(counters, "records", 0);
        c.records_all_runs = n;
    }
    return c;
}

Result<CurrentLag> read_current_lag(const std::string& dir) {
    const std::string path = dir + "/status.json";
    if (!std::filesystem::exists(path)) {
        if (!std::filesystem::is_directory(dir))
            return make_error(fmt::format("no standby directory \"{}\": is a standby running with --dir {}?", dir, dir));
        return make_error(fmt::format("no status file \"{}\": is a standby running with --dir {}?", path, dir));
    }
    auto text = fs::read_file(path);
    if (!text) return text.error();
    return parse_status(*text, path);
}

Liveness liveness(const CurrentLag& lag, double now_unix, double stale_after) {
    if (lag.state == "stopped") return Liveness::stopped;
    if (now_unix - lag.updated_at_unix > stale_after) return Liveness::stale;
    return Liveness::running;
}

std::string pretty_bytes(std::uint64_t bytes) {
    if (bytes < 10 * 1024) return fmt::format("{} bytes", bytes);
    static constexpr const char* units[] = {"kB", "MB", "GB", "TB"};
    double v = static_cast<double>(bytes) / 1024;
    std::size_t u = 0;
    while (v >= 1024 && u + 1 < std::size(units)) {
        v /= 1024;
        ++u;
    }
    return fmt::format("{:.1f} {}", v, units[u]);
}

std::string pretty_seconds(double s) {
    if (s < 10) return fmt::format("{:.3f} s", s);
    if (s < 600) return fmt::format("{:.1f} s", s);
    if (s < 3 * 3600) return fmt::format("{} min {} s", static_cast<long>(s) / 60, static_cast<long>(s) % 60);
    return fmt::format("{} h {} min", static_cast<long>(s) / 3600, static_cast<long>(s) / 60 % 60);
}

std::string format_current_lag(const CurrentLag& lag, double now, double stale_after) {
    std::string out;
    auto it = std::back_inserter(out);
    fmt::format_to(it, "{}\n", liveness_line(lag, now, stale_after));
    const bool running = liveness(lag, now, stale_after) == Liveness::running;
    fmt::format_to(it, "system {}, timeline {}{}\n\n", lag.system_identifier, lag.timeline,
                   !running              ? ""
                   : lag.replay_paused ? ", replay PAUSED (SIGUSR2 resumes it)"
                                       : ", replay running");
    fmt::format_to(it, "{:<17} {:>18} {:>16}   {}\n", "position", "LSN", "behind primary", "time lag");
    fmt::format_to(it, "{:<17} {:>18}\n", "primary WAL end", format_lsn(lag.primary_wal_end_lsn));
    fmt::format_to(it, "{:<17} {:>18} {:>16}   write {}\n", "received", format_lsn(lag.received_lsn),
                   pretty_bytes(lag.receive_bytes), pretty_seconds(lag.write_seconds));
    fmt::format_to(it, "{:<17} {:>18} {:>16}   flush {}\n", "flushed", format_lsn(lag.flushed_lsn),
                   pretty_bytes(lag.flush_bytes), pretty_seconds(lag.flush_seconds));
    fmt::format_to(it, "{:<17} {:>18} {:>16}   apply {}\n", "applied", format_lsn(lag.applied_lsn),
                   pretty_bytes(lag.apply_bytes), pretty_seconds(lag.apply_seconds));
    if (lag.seconds_since_last_message)
        fmt::format_to(it, "\nlast message from the primary: {} before the status update\n",
                       pretty_seconds(*lag.seconds_since_last_message));
    if (lag.slot_retained_bytes)
        fmt::format_to(it, "slot \"{}\" holds back {} of WAL on the primary (`understudy retire` drops it)\n",
                       lag.slot, pretty_bytes(*lag.slot_retained_bytes));
    if (lag.clock_skew_seconds)
        fmt::format_to(it, "\nclock: this host is {} the primary's (the time lags include it)\n",
                       skew_text(*lag.clock_skew_seconds));
    if (lag.last_applied_commit_time) {
        auto when = parse_iso8601_utc(*lag.last_applied_commit_time);
        fmt::format_to(it, "\nlast applied commit: {}{}\n", *lag.last_applied_commit_time,
                       when ? fmt::format(" ({} before the status update)",
                                          pretty_seconds(std::max(0.0, lag.updated_at_unix - *when)))
                            : "");
    } else {
        fmt::format_to(it, "\nlast applied commit: none reported\n");
    }
    return out;
}

std::string current_lag_json(const CurrentLag& lag, double now, double stale_after) {
    ordered_json j;
    j["status_file"] = lag.path;
    j["liveness"] = liveness_name(liveness(lag, now, stale_after));
    j["age_seconds"] = now - lag.updated_at_unix;
    j["state"] = lag.state;
    j["system_identifier"] = lag.system_identifier;
    j["timeline"] = lag.timeline;
    j["replay_paused"] = lag.replay_paused;
    j["primary_wal_end_lsn"] = format_lsn(lag.primary_wal_end_lsn);
    j["received_lsn"] = format_lsn(lag.received_lsn);
    j["flushed_lsn"] = format_lsn(lag.flushed_lsn);
    j["applied_lsn"] = format_lsn(lag.applied_lsn);
    j["lag"] = ordered_json{{"receive_bytes", lag.receive_bytes}, {"flush_bytes", lag.flush_bytes},
                            {"apply_bytes", lag.apply_bytes},     {"write_seconds", lag.write_seconds},
                            {"flush_seconds", lag.flush_seconds}, {"apply_seconds", lag.apply_seconds}};
    j["clock_skew_seconds"] = lag.clock_skew_seconds ? ordered_json(*lag.clock_skew_seconds) : ordered_json(nullptr);
    j["last_applied_commit_time"] =
        lag.last_applied_commit_time ? ordered_json(*lag.last_applied_commit_time) : ordered_json(nullptr);
    j["seconds_since_last_message"] =
        lag.seconds_since_last_message ? ordered_json(*lag.seconds_since_last_message) : ordered_json(nullptr);
    j["slot"] = lag.slot.empty() ? ordered_json(nullptr) : ordered_json(lag.slot);
    j["slot_retained_bytes"] = lag.slot_retained_bytes ? ordered_json(*lag.slot_retained_bytes) : ordered_json(nullptr);
    j["updated_at"] = lag.updated_at;
    return j.dump(2) + "\n";
}

std::string format_summary(const LagSummary& s, const std::string& history_path, const CurrentLag* replay) {
    std::string out;
    auto it = std::back_inserter(out);
    fmt::format_to(it, "lag over {} samples of {} ({} s){}\n", s.samples, history_path,
                   fmt::format("{:.1f}", s.last_t - s.first_t),
                   s.malformed ? fmt::format(", {} malformed lines skipped", s.malformed) : "");
    fmt::format_to(it, "{:<14} {:>12} {:>12} {:>12} {:>12}\n", "", "p50", "p90", "p99", "max");
    for (auto k : {LagSeries::write_seconds, LagSeries::flush_seconds, LagSeries::apply_seconds}) {
        const Percentiles& p = s[k];
        fmt::format_to(it, "{:<14} {:>12.4f} {:>12.4f} {:>12.4f} {:>12.4f}\n", series_name(k), p.p50, p.p90, p.p99,
                       p.max);
    }
    for (auto k : {LagSeries::receive_bytes, LagSeries::flush_bytes, LagSeries::apply_bytes}) {
        const Percentiles& p = s[k];
        fmt::format_to(it, "{:<14} {:>12.0f} {:>12.0f} {:>12.0f} {:>12.0f}\n", series_name(k), p.p50, p.p90, p.p99,
                       p.max);
    }
    if (replay == nullptr) return out;
    fmt::format_to(it, "\nreplay since the standby last started ({}): {} records{}\n", replay->path, replay->records,
                   replay->verify ? fmt::format(", --verify: {} page mismatches", replay->mismatches_total)
                                  : ", not verified (no --verify)");
    if (replay->records_all_runs)
        fmt::format_to(it, "replay over every run on this directory: {} records\n", *replay->records_all_runs);
    fmt::format_to(it, "{:<18} {:>10} {:>10} {:>10} {:>11} {:>10} {:>9}\n", "rmgr", "records", "applied", "done",
                   "unsupported", "verified", "mismatch");
    for (const RmgrRow& r : replay->rmgrs)
        fmt::format_to(it, "{:<18} {:>10} {:>10} {:>10} {:>11} {:>10} {:>9}\n", r.name, r.records, r.applied,
                       r.skipped_done, r.unsupported, r.images_checked, r.images_mismatched);
    return out;
}

std::string summary_json(const LagSummary& s, const std::string& history_path, const CurrentLag* replay) {
    ordered_json j;
    j["history_file"] = history_path;
    j["samples"] = s.samples;
    j["malformed_lines"] = s.malformed;
    j["from"] = s.first_t;
    j["to"] = s.last_t;
    ordered_json lag;
    for (std::size_t k = 0; k < kLagSeriesCount; ++k)
        lag[std::string(series_name(static_cast<LagSeries>(k)))] = percentiles_json(s.series[k]);
    j["lag"] = lag;
    if (replay != nullptr) {
        ordered_json rm = ordered_json::object();
        for (const RmgrRow& r : replay->rmgrs)
            rm[r.name] = ordered_json{{"records", r.records},           {"applied", r.applied},
                                      {"skipped_done", r.skipped_done}, {"unsupported", r.unsupported},
                                      {"verified", r.images_checked},   {"mismatched", r.images_mismatched}};
        j["replay"] = ordered_json{{"status_file", replay->path},
                                   {"records", replay->records},
                                   {"verify", replay->verify},
                                   {"mismatches_total", replay->mismatches_total},
                                   {"records_all_runs", replay->records_all_runs
                                                            ? ordered_json(*replay->records_all_runs)
                                                            : ordered_json(nullptr)},
                                   {"rmgrs", rm}};
    }
    return j.dump(2) + "\n";
}

}  // namespace understudy::standby
