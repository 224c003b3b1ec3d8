// The service manager's readiness protocol (systemd's sd_notify(3), documented in
// systemd's "sd_notify" and "Type=notify" pages): the manager puts the path of a unix datagram
// socket in NOTIFY_SOCKET ("/run/systemd/notify", or "@name" for the abstract namespace) and
// the service sends newline-separated assignments to it, one datagram each time: READY=1,
// STATUS=<text>, WATCHDOG=1, STOPPING=1. WATCHDOG_USEC (with WATCHDOG_PID, when set, naming
// this process) asks for WATCHDOG=1 more often than every that many microseconds.
// Without NOTIFY_SOCKET nothing is sent and nothing fails: the same binary runs by hand.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/fs.h"
#include "common/result.h"

namespace understudy::service {

class NotifySocket {
public:
    // Inactive: send() does nothing.
    NotifySocket() = default;
    // From NOTIFY_SOCKET; inactive when it is unset or empty. A value that is neither an
    // absolute path nor "@name", or longer than a unix socket address holds, is an error.
    static Result<NotifySocket> from_environment();
    // For `path` (the NOTIFY_SOCKET syntax).
    static Result<NotifySocket> open(const std::string& path);

    bool active() const { return fd_.valid(); }
    // One datagram holding `state` (e.g. "READY=1\nSTATUS=streaming"). Errors name the socket.
    Result<void> send(std::string_view state) const;

private:
    fs::UniqueFd fd_;
    sockaddr_un addr_{};
    socklen_t addr_len_ = 0;
    std::string path_;
};

// The watchdog interval the manager asked for (WATCHDOG_USEC), or nullopt when it is unset,
// not a positive number, or WATCHDOG_PID names another process.
std::optional<std::chrono::microseconds> watchdog_interval_from_environment();

// True when stderr is the journal stream systemd connected (JOURNAL_STREAM holds the
// "device:inode" of stderr), so journald timestamps each line itself.
bool stderr_is_journal();

}  // namespace understudy::service
