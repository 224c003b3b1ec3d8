#include "redo/replay_state.h"

#include <sys/stat.h>

#include <cerrno>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/fs.h"

namespace understudy {

namespace {

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
