#include "receiver/status_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/fs.h"

namespace understudy::receiver {

std::string iso8601_utc(std::chrono::system_clock::time_point t) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
    std::time_t secs = static_cast<std::time_t>(us / 1000000);
    std::tm tm{};
    ::gmtime_r(&secs, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                       tm.tm_hour, tm.tm_min, tm.tm_sec, us % 1000000);
}

std::string status_to_json(const ReceiverStatus& s) {
    nlohmann::json j;
    j["system_identifier"] = std::to_string(s.system_identifier);
    j["timeline"] = s.timeline;
    j["received_lsn"] = format_lsn(s.received_lsn);
    j["flushed_lsn"] = format_lsn(s.flushed_lsn);
    j["applied_lsn"] = format_lsn(s.applied_lsn);
    j["primary_wal_end_lsn"] = format_lsn(s.primary_wal_end_lsn);
    j["wal_segment_size"] = s.wal_segment_size;
    j["slot"] = s.slot.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.slot);
    j["state"] = s.state;
    j["reconnects"] = s.reconnects;
    j["updated_at"] = iso8601_utc(s.updated_at);
    return j.dump(2) + "\n";
}

Result<void> write_status_file(const std::string& path, const ReceiverStatus& s) {
    const std::string tmp = path + ".tmp";
    const std::string text = status_to_json(s);
    fs::UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!fd.valid())
        return make_error(fmt::format("could not create status file \"{}\": {}", tmp, fs::errno_text(errno)));
    std::size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            return make_error(fmt::format("could not write status file \"{}\": {}", tmp, fs::errno_text(errno)));
        }
        done += static_cast<std::size_t>(n);
    }
    fd.reset();
    if (::rename(tmp.c_str(), path.c_str()) != 0)
        return make_error(fmt::format("could not rename \"{}\" to \"{}\": {}", tmp, path, fs::errno_text(errno)));
    return {};
}

}  // namespace understudy::receiver
