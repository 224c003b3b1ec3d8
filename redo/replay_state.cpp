#include "redo/replay_state.h"

#include <sys/stat.h>

#include <cerrno>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/fs.h"

namespace understudy {

namespace {

std::string hex_encode(const std::string& bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const char c : bytes) {
        const auto b = static_cast<unsigned char>(c);
        out.push_back(kDigits[b >> 4]);
        out.push_back(kDigits[b & 15]);
    }
    return out;
}

std::optional<std::string> hex_decode(const std::string& text) {
    if (text.size() % 2 != 0) return std::nullopt;
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out(text.size() / 2, '\0');
    for (std::size_t i = 0; i < out.size(); ++i) {
        const int hi = nibble(text[2 * i]), lo = nibble(text[2 * i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out[i] = static_cast<char>(hi << 4 | lo);
    }
    return out;
}

using nlohmann::json;

constexpr const char* kFormat = "understudy replay state";

Error field_error(const std::string& source, const char* field, const char* what) {
    return make_error(fmt::format("replay state \"{}\": field \"{}\" {}; remove the file to replay from the start, "
                                  "or restore it from a backup",
                                  source, field, what));
}

Result<std::uint64_t> get_uint(const json& j, const char* field, std::uint64_t max, const std::string& source) {
    if (!j.contains(field)) return field_error(source, field, "is missing");
    const json& v = j.at(field);
    if (!v.is_number_unsigned()) return field_error(source, field, "is not a non-negative integer");
    const auto n = v.get<std::uint64_t>();
    if (n > max) return field_error(source, field, "is out of range");
    return n;
}

Result<XLogRecPtr> get_lsn(const json& j, const char* field, const std::string& source) {
    if (!j.contains(field)) return field_error(source, field, "is missing");
    const json& v = j.at(field);
    if (!v.is_string()) return field_error(source, field, "is not an LSN string");
    auto lsn = parse_lsn(v.get<std::string>());
    if (!lsn) return field_error(source, field, "is not a valid LSN (X/X)");
    return *lsn;
}

Result<void> parse_prepared_xacts(const json& j, const std::string& source, ReplayState& s) {
    if (!j.contains("prepared_xacts")) return {};
    const json& arr = j.at("prepared_xacts");
    if (!arr.is_array()) return field_error(source, "prepared_xacts", "is not an array");
    for (const json& e : arr) {
        if (!e.is_object()) return field_error(source, "prepared_xacts", "has an element that is not an object");
        PreparedXact p;
        auto xid = get_uint(e, "xid", 0xFFFFFFFFu, source);
        if (!xid) return xid.error();
        if (!e.contains("gid") || !e.at("gid").is_string()) return field_error(source, "gid", "is not a string");
        auto start = get_lsn(e, "prepare_start_lsn", source);
        if (!start) return start.error();
        auto end = get_lsn(e, "prepare_end_lsn", source);
        if (!end) return end.error();
        auto db = get_uint(e, "database", 0xFFFFFFFFu, source);
        if (!db) return db.error();
        auto owner = get_uint(e, "owner", 0xFFFFFFFFu, source);
        if (!owner) return owner.error();
        if (!e.contains("prepared_at") || !e.at("prepared_at").is_number_integer())
            return field_error(source, "prepared_at", "is not an integer");
        p.xid = static_cast<TransactionId>(*xid);
        p.gid = e.at("gid").get<std::string>();
        p.prepare_start_lsn = *start;
        p.prepare_end_lsn = *end;
        p.database = static_cast<Oid>(*db);
        p.owner = static_cast<Oid>(*owner);
        p.prepared_at = e.at("prepared_at").get<std::int64_t>();
        if (e.contains("data_hex")) {
            if (!e.at("data_hex").is_string()) return field_error(source, "data_hex", "is not a string");
            auto bytes = hex_decode(e.at("data_hex").get<std::string>());
            if (!bytes) return field_error(source, "data_hex", "is not hexadecimal");
            p.data = std::move(*bytes);
        }
        if (e.contains("on_disk")) {
            if (!e.at("on_disk").is_boolean()) return field_error(source, "on_disk", "is not a boolean");
            p.on_disk = e.at("on_disk").get<bool>();
        }
        s.prepared_xacts.push_back(std::move(p));
    }
    return {};
}

Result<void> parse_replication_origins(const json& j, const std::string& source, ReplayState& s) {
    if (!j.contains("replication_origins")) return {};
    const json& arr = j.at("replication_origins");
    if (!arr.is_array()) return field_error(source, "replication_origins", "is not an array");
    for (const json& e : arr) {
        if (!e.is_object())
            return field_error(source, "replication_origins", "has an element that is not an object");
        auto id = get_uint(e, "roident", 0xFFFFu, source);
        if (!id) return id.error();
        auto remote = get_lsn(e, "remote_lsn", source);
        if (!remote) return remote.error();
        auto local = get_lsn(e, "local_lsn", source);
        if (!local) return local.error();
        s.replication_origins.push_back({static_cast<RepOriginId>(*id), *remote, *local});
    }
    return {};
}

Result<void> parse_rmgr_totals(const json& j, const std::string& source, ReplayState& s) {
    if (!j.contains("rmgr_totals")) return {};
    const json& arr = j.at("rmgr_totals");
    if (!arr.is_array()) return field_error(source, "rmgr_totals", "is not an array");
    constexpr std::uint64_t u64 = ~std::uint64_t{0};
    for (const json& e : arr) {
        if (!e.is_object()) return field_error(source, "rmgr_totals", "has an element that is not an object");
        auto id = get_uint(e, "rmgr_id", 255, source);
        if (!id) return id.error();
        auto records = get_uint(e, "records", u64, source);
        if (!records) return records.error();
        auto applied = get_uint(e, "applied", u64, source);
        if (!applied) return applied.error();
        auto checked = get_uint(e, "images_checked", u64, source);
        if (!checked) return checked.error();
        auto mismatched = get_uint(e, "images_mismatched", u64, source);
        if (!mismatched) return mismatched.error();
        s.rmgr_totals.push_back({static_cast<std::uint8_t>(*id), *records, *applied, *checked, *mismatched});
    }
    return {};
}

// The fields appended after version 1's first set: optional, defaults when absent.
Result<void> parse_appended_fields(const json& j, const std::string& source, ReplayState& s) {
    if (j.contains("latest_completed_xid")) {
        auto v = get_uint(j, "latest_completed_xid", 0xFFFFFFFFu, source);
        if (!v) return v.error();
        s.latest_completed_xid = static_cast<TransactionId>(*v);
    }
    if (j.contains("commit_ts_active")) {
        if (!j.at("commit_ts_active").is_boolean()) return field_error(source, "commit_ts_active", "is not a boolean");
        s.commit_ts_active = j.at("commit_ts_active").get<bool>();
    }
    s.pg_major_version = 15;  // files written before the field: only 15 WAL was replayed
    if (j.contains("pg_major_version")) {
        auto v = get_uint(j, "pg_major_version", 99, source);
        if (!v) return v.error();
        s.pg_major_version = static_cast<int>(*v);
    }
    if (j.contains("directory_mode")) {
        const json& m = j.at("directory_mode");
        if (!m.is_string() || (m.get<std::string>() != "sparse" && m.get<std::string>() != "full"))
            return field_error(source, "directory_mode", "is not \"sparse\" or \"full\"");
        s.full = m.get<std::string>() == "full";
    }
    for (auto [name, field] : {std::pair{"backup_start_lsn", &s.backup_start_lsn},
                               std::pair{"backup_end_lsn", &s.backup_end_lsn},
                               std::pair{"min_recovery_point", &s.min_recovery_point}}) {
        if (!j.contains(name)) continue;
        auto v = get_lsn(j, name, source);
        if (!v) return v.error();
        *field = *v;
    }
    if (auto r = parse_prepared_xacts(j, source, s); !r) return r;
    if (auto r = parse_rmgr_totals(j, source, s); !r) return r;
    return parse_replication_origins(j, source, s);
}

}  // namespace

std::string replay_state_path(const std::string& data_dir) { return data_dir + "/" + std::string(kReplayStateFile); }

std::string replay_state_to_json(const ReplayState& s) {
    json j = json::object();
    j["format"] = kFormat;
    j["version"] = kReplayStateVersion;
    j["apply_lsn"] = format_lsn(s.apply_lsn);
    j["last_restartpoint_lsn"] = format_lsn(s.last_restartpoint_lsn);
    j["last_restartpoint_redo"] = format_lsn(s.last_restartpoint_redo);
    j["timeline"] = s.timeline;
    j["next_full_xid"] = s.next_full_xid;
    j["next_oid"] = s.next_oid;
    j["next_multixact"] = s.next_multixact;
    j["next_multixact_offset"] = s.next_multixact_offset;
    j["oldest_running_xid"] = s.oldest_running_xid;
    j["latest_completed_xid"] = s.latest_completed_xid;
    if (s.commit_ts_active) j["commit_ts_active"] = *s.commit_ts_active;
    j["directory_mode"] = s.full ? "full" : "sparse";
    if (s.full) {
        j["backup_start_lsn"] = format_lsn(s.backup_start_lsn);
        j["backup_end_lsn"] = format_lsn(s.backup_end_lsn);
        j["min_recovery_point"] = format_lsn(s.min_recovery_point);
    }
    j["pg_major_version"] = s.pg_major_version;  // 0: not known yet (no record read)
    json prepared = json::array();
    for (const auto& p : s.prepared_xacts) {
        json e = {{"xid", p.xid},
                  {"gid", p.gid},
                  {"prepare_start_lsn", format_lsn(p.prepare_start_lsn)},
                  {"prepare_end_lsn", format_lsn(p.prepare_end_lsn)},
                  {"database", p.database},
                  {"owner", p.owner},
                  {"prepared_at", p.prepared_at}};
        if (!p.data.empty()) e["data_hex"] = hex_encode(p.data);
        if (p.on_disk) e["on_disk"] = true;
        prepared.push_back(std::move(e));
    }
    j["prepared_xacts"] = std::move(prepared);
    json origins = json::array();
    for (const auto& o : s.replication_origins)
        origins.push_back({{"roident", o.roident},
                           {"remote_lsn", format_lsn(o.remote_lsn)},
                           {"local_lsn", format_lsn(o.local_lsn)}});
    j["replication_origins"] = std::move(origins);
    json totals = json::array();
    for (const auto& t : s.rmgr_totals)
        totals.push_back({{"rmgr_id", t.rmgr_id},
                          {"records", t.records},
                          {"applied", t.applied},
                          {"images_checked", t.images_checked},
                          {"images_mismatched", t.images_mismatched}});
    j["rmgr_totals"] = std::move(totals);
    return j.dump(2) + "\n";
}

Result<ReplayState> parse_replay_state(std::string_view text, const std::string& source) {
    json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object())
        return make_error(fmt::format("replay state \"{}\" is not a JSON object; remove the file to replay from "
                                      "the start, or restore it from a backup",
                                      source));
    if (!j.contains("format") || !j["format"].is_string() || j["format"].get<std::string>() != kFormat)
        return field_error(source, "format", "is not \"understudy replay state\"");
    auto version = get_uint(j, "version", 1u << 30, source);
    if (!version) return version.error();
    if (*version != kReplayStateVersion)
        return make_error(fmt::format("replay state \"{}\" has version {}, this understudy reads version {}", source,
                                      *version, kReplayStateVersion));
    constexpr std::uint64_t u32 = 0xFFFFFFFFu;
    ReplayState s;
    auto apply = get_lsn(j, "apply_lsn", source);
    if (!apply) return apply.error();
    auto rp = get_lsn(j, "last_restartpoint_lsn", source);
    if (!rp) return rp.error();
    auto rp_redo = get_lsn(j, "last_restartpoint_redo", source);
    if (!rp_redo) return rp_redo.error();
    auto tli = get_uint(j, "timeline", u32, source);
    if (!tli) return tli.error();
    auto xid = get_uint(j, "next_full_xid", ~std::uint64_t{0}, source);
    if (!xid) return xid.error();
    auto oid = get_uint(j, "next_oid", u32, source);
    if (!oid) return oid.error();
    auto multi = get_uint(j, "next_multixact", u32, source);
    if (!multi) return multi.error();
    auto moff = get_uint(j, "next_multixact_offset", u32, source);
    if (!moff) return moff.error();
    auto oldest = get_uint(j, "oldest_running_xid", u32, source);
    if (!oldest) return oldest.error();
    s.apply_lsn = *apply;
    s.last_restartpoint_lsn = *rp;
    s.last_restartpoint_redo = *rp_redo;
    s.timeline = static_cast<TimeLineID>(*tli);
    s.next_full_xid = *xid;
    s.next_oid = static_cast<Oid>(*oid);
    s.next_multixact = static_cast<std::uint32_t>(*multi);
    s.next_multixact_offset = static_cast<std::uint32_t>(*moff);
    s.oldest_running_xid = static_cast<TransactionId>(*oldest);
    if (auto r = parse_appended_fields(j, source, s); !r) return r.error();
    if (s.last_restartpoint_redo > s.last_restartpoint_lsn)
        return field_error(source, "last_restartpoint_redo", "is past last_restartpoint_lsn");
    return s;
}

Result<void> write_replay_state(const std::string& data_dir, const ReplayState& state) {
    return fs::write_file_atomic(replay_state_path(data_dir), replay_state_to_json(state));
}

Result<std::optional<ReplayState>> read_replay_state(const std::string& data_dir) {
    const std::string path = replay_state_path(data_dir);
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return std::optional<ReplayState>{};
        return make_error(fmt::format("could not stat replay state \"{}\": {}", path, fs::errno_text(errno)));
    }
    auto text = fs::read_file(path);
    if (!text) return text.error();
    auto s = parse_replay_state(*text, path);
    if (!s) return s.error();
    return std::optional<ReplayState>(*s);
}

}  // namespace understudy
