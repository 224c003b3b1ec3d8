// The standby's side of a service manager's readiness protocol (common/sd_notify.h), for
// `Type=notify` units such as tools/systemd/understudy-standby@.service:
//   READY=1     once, when the standby streams and replays: the primary has sent everything
//               it had (its walsender is caught up, which is when pg_stat_replication shows
//               the standby as "streaming"), it is flushed here, and the replay thread runs
//               (its apply position is set);
//   STATUS=     each status interval, one line with the state, positions and lag;
//   WATCHDOG=1  from the coordinator's loop, every half WATCHDOG_USEC, when the manager set it;
//   STOPPING=1  when the standby starts shutting down.
// Without NOTIFY_SOCKET every call does nothing.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "common/lsn.h"
#include "common/result.h"
#include "common/sd_notify.h"
#include "standby/status.h"

namespace understudy::standby {

// What the coordinator knows at one tick.
struct ServiceTick {
    XLogRecPtr primary_wal_end = InvalidXLogRecPtr;  // from the primary's last w/k message
    XLogRecPtr flushed = InvalidXLogRecPtr;
    XLogRecPtr applied = InvalidXLogRecPtr;
    bool replay_running = false;
};

// READY=1's condition (see above).
bool ready_to_serve(const ServiceTick& tick);

// The STATUS= text: "streaming: applied 0/3000148, apply lag 0.004 s, 12.3 kB behind", with
// ", replay paused" while paused.
std::string service_status_text(const StandbyStatus& st);

class ServiceNotifier {
public:
    // NOTIFY_SOCKET and WATCHDOG_USEC from the environment; an unusable NOTIFY_SOCKET is an error.
    static Result<ServiceNotifier> from_environment();

    bool active() const { return socket_.active(); }
    // Each coordinator tick: READY=1 the first time ready_to_serve() holds, WATCHDOG=1 when due.
    void tick(const ServiceTick& tick);
    // Each status interval: STATUS=.
    void status(const StandbyStatus& st);
    // At the start of the shutdown: STOPPING=1 with the final status.
    void stopping(const std::string& reason);

private:
    void send(const std::string& state);

    service::NotifySocket socket_;
    std::optional<std::chrono::microseconds> watchdog_;
    std::chrono::steady_clock::time_point last_watchdog_{};
    bool ready_sent_ = false;
    bool stopping_sent_ = false;
    bool send_failed_ = false;  // warned once
};

}  // namespace understudy::standby
