#include "backup/manifest.h"

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "backup/sha256.h"

namespace understudy::backup {

namespace {

Result<std::string> hex_decode(const std::string& hex) {
    if (hex.size() % 2 != 0) return make_error(fmt::format("\"{}\" is not hex", hex));
    std::string out;
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        auto nibble = [](char c) -> int {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            return -1;
        };
        const int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
        if (hi < 0 || lo < 0) return make_error(fmt::format("\"{}\" is not hex", hex));
        out.push_back(static_cast<char>(hi * 16 + lo));
    }
    return out;
}

Result<XLogRecPtr> manifest_lsn(const nlohmann::json& j, const char* key) {
    if (!j.contains(key) || !j[key].is_string()) return make_error(fmt::format("a WAL range has no \"{}\"", key));
    auto lsn = parse_lsn(j[key].get<std::string>());
    if (!lsn) return make_error(fmt::format("WAL range \"{}\": \"{}\" is not an LSN", key, j[key].get<std::string>()));
    return *lsn;
}

}  // namespace

std::string crc32c_manifest_hex(std::uint32_t crc) {
    const std::uint8_t bytes[4] = {static_cast<std::uint8_t>(crc), static_cast<std::uint8_t>(crc >> 8),
                                   static_cast<std::uint8_t>(crc >> 16), static_cast<std::uint8_t>(crc >> 24)};
    return to_hex(bytes, 4);
}

Result<Manifest> parse_manifest(std::string_view text) {
    // The checksum covers everything before the last line (pg_verifybackup: at least two lines,
    // the last one newline-terminated).
    if (text.empty() || text.back() != '\n') return make_error("backup_manifest: the last line is not newline-terminated");
    const std::size_t penultimate = text.rfind('\n', text.size() - 2);
    if (penultimate == std::string_view::npos) return make_error("backup_manifest: expected at least 2 lines");
    nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) return make_error("backup_manifest is not a JSON object");
    // Version 1 (PG13-16); 2 (PG17+) adds System-Identifier.
    const auto& version = j["PostgreSQL-Backup-Manifest-Version"];
    if (!version.is_number_unsigned() || (version != 1 && version != 2))
        return make_error(fmt::format("backup_manifest: PostgreSQL-Backup-Manifest-Version is {}, not 1 or 2",
                                      version.dump()));
    if (!j.contains("Manifest-Checksum") || !j["Manifest-Checksum"].is_string())
        return make_error("backup_manifest has no Manifest-Checksum");
    const std::string expected = j["Manifest-Checksum"].get<std::string>();
    const std::string actual = sha256_hex(text.substr(0, penultimate + 1));
    if (expected.size() != 64) return make_error(fmt::format("backup_manifest: invalid Manifest-Checksum \"{}\"", expected));
    std::string lowered;
    for (char c : expected) lowered.push_back(static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c));
    if (lowered != actual)
        return make_error(fmt::format("backup_manifest: manifest checksum mismatch (SHA-256 {} computed, {} stored); "
                                      "the manifest was damaged in transit: take the backup again",
                                      actual, expected));
    Manifest m;
    m.version = version.get<int>();
    if (m.version >= 2) {
        if (!j.contains("System-Identifier") || !j["System-Identifier"].is_number_unsigned())
            return make_error("backup_manifest: version 2 without a System-Identifier");
        m.system_identifier = j["System-Identifier"].get<std::uint64_t>();
    }
    if (!j.contains("Files") || !j["Files"].is_array()) return make_error("backup_manifest has no \"Files\" array");
    for (const auto& f : j["Files"]) {
        ManifestFile mf;
        if (f.contains("Path") && f["Path"].is_string()) {
            mf.path = f["Path"].get<std::string>();
        } else if (f.contains("Encoded-Path") && f["Encoded-Path"].is_string()) {
            auto p = hex_decode(f["Encoded-Path"].get<std::string>());
            if (!p) return make_error(fmt::format("backup_manifest: Encoded-Path: {}", p.message()));
            mf.path = *p;
        } else {
            return make_error("backup_manifest: a file entry has neither Path nor Encoded-Path");
        }
        if (!f.contains("Size") || !f["Size"].is_number_unsigned())
            return make_error(fmt::format("backup_manifest: file \"{}\" has no Size", mf.path));
        mf.size = f["Size"].get<std::uint64_t>();
        mf.checksum_algorithm = f.value("Checksum-Algorithm", std::string("NONE"));
        mf.checksum = f.value("Checksum", std::string());
        m.files.push_back(std::move(mf));
    }
    if (j.contains("WAL-Ranges") && j["WAL-Ranges"].is_array()) {
        for (const auto& w : j["WAL-Ranges"]) {
            ManifestWalRange r;
            if (!w.contains("Timeline") || !w["Timeline"].is_number_unsigned())
                return make_error("backup_manifest: a WAL range has no Timeline");
            r.timeline = w["Timeline"].get<TimeLineID>();
            auto s = manifest_lsn(w, "Start-LSN");
            if (!s) return make_error(fmt::format("backup_manifest: {}", s.message()));
            auto e = manifest_lsn(w, "End-LSN");
            if (!e) return make_error(fmt::format("backup_manifest: {}", e.message()));
            r.start_lsn = *s;
            r.end_lsn = *e;
            m.wal_ranges.push_back(r);
        }
    }
    return m;
}

Result<void> verify_backup_files(const Manifest& m, const std::map<std::string, ReceivedFile>& received) {
    std::vector<std::string> problems;
    std::map<std::string, bool> listed;
    for (const ManifestFile& f : m.files) {
        listed[f.path] = true;
        auto it = received.find(f.path);
        if (it == received.end()) {
            problems.push_back(fmt::format("\"{}\" is in the manifest but was not received", f.path));
            continue;
        }
        if (it->second.size != f.size) {
            problems.push_back(fmt::format("\"{}\" has size {} but the manifest says {}", f.path, it->second.size, f.size));
            continue;
        }
        if (f.checksum_algorithm == "NONE") continue;
        if (f.checksum_algorithm != "CRC32C") {
            problems.push_back(fmt::format("\"{}\": checksum algorithm {} is not checked here (only CRC32C, the "
                                           "server's default)",
                                           f.path, f.checksum_algorithm));
            continue;
        }
        const std::string got = crc32c_manifest_hex(it->second.crc32c);
        std::string want;
        for (char c : f.checksum) want.push_back(static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c));
        if (got != want)
            problems.push_back(fmt::format("\"{}\" has CRC32C {} but the manifest says {}", f.path, got, f.checksum));
    }
    for (const auto& [path, file] : received)
        if (!listed.contains(path)) problems.push_back(fmt::format("\"{}\" was received but is not in the manifest", path));
    if (problems.empty()) return {};
    std::string text;
    for (std::size_t i = 0; i < problems.size() && i < 5; ++i) text += (i == 0 ? "" : "; ") + problems[i];
    if (problems.size() > 5) text += fmt::format("; and {} more", problems.size() - 5);
    return make_error(fmt::format("the backup does not match its manifest ({} problem{}): {}; take the backup again",
                                  problems.size(), problems.size() == 1 ? "" : "s", text));
}

Result<void> verify_wal_range(const Manifest& m, TimeLineID timeline, XLogRecPtr start, XLogRecPtr end) {
    if (m.wal_ranges.size() != 1)
        return make_error(fmt::format("backup_manifest has {} WAL ranges; a backup of a primary has one",
                                      m.wal_ranges.size()));
    const ManifestWalRange& r = m.wal_ranges.front();
    if (r.timeline != timeline || r.start_lsn != start || r.end_lsn != end)
        return make_error(fmt::format("backup_manifest's WAL range is timeline {} {}..{}, but the server reported the "
                                      "backup as timeline {} {}..{}",
                                      r.timeline, format_lsn(r.start_lsn), format_lsn(r.end_lsn), timeline,
                                      format_lsn(start), format_lsn(end)));
    return {};
}

}  // namespace understudy::backup
