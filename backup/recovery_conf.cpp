#include "backup/recovery_conf.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "common/fs.h"

namespace understudy::backup {

namespace {

// appendConnStrVal: plain when only [A-Za-z0-9_.], else in quotes with ' and \ escaped.
std::string conn_value(const std::string& v) {
    bool plain = !v.empty();
    for (char c : v)
        plain = plain && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                          c == '.');
    if (plain) return v;
    std::string out = "'";
    for (char c : v) {
        if (c == '\'' || c == '\\') out += '\\';
        out += c;
    }
    return out + "'";
}

// escape_quotes: ' and \ doubled, for a quoted configuration value.
std::string conf_escape(const std::string& v) {
    std::string out;
    for (char c : v) {
        if (c == '\'' || c == '\\') out += c;
        out += c;
    }
    return out;
}

Result<void> append_file(const std::string& path, const std::string& text, int flags) {
    fs::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0600));
    if (fd.get() < 0) return make_error(fmt::format("could not open \"{}\": {}", path, fs::errno_text(errno)));
    std::size_t off = 0;
    while (off < text.size()) {
        const ssize_t n = ::write(fd.get(), text.data() + off, text.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return make_error(fmt::format("could not write \"{}\": {}", path, fs::errno_text(errno)));
        off += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0) return make_error(fmt::format("could not fsync \"{}\": {}", path, fs::errno_text(errno)));
    return {};
}

}  // namespace

std::string recovery_config_text(const std::vector<std::pair<std::string, std::string>>& options, bool keep_password,
                                 const std::string& slot) {
    std::string conninfo;
    for (const auto& [key, value] : options) {
        if (value.empty() || key == "replication" || key == "dbname" || key == "fallback_application_name") continue;
        if (key == "password" && !keep_password) continue;
        conninfo += (conninfo.empty() ? "" : " ") + key + "=" + conn_value(value);
    }
    std::string text = fmt::format("primary_conninfo = '{}'\n", conf_escape(conninfo));
    if (!slot.empty()) text += fmt::format("primary_slot_name = '{}'\n", slot);  // [a-z0-9_] only: no escaping
    return text;
}

Result<void> write_recovery_config(const std::string& data_dir, const std::string& text) {
    if (auto r = append_file(data_dir + "/postgresql.auto.conf", text, O_APPEND); !r) return r;
    return append_file(data_dir + "/standby.signal", "", O_TRUNC);
}

}  // namespace understudy::backup
