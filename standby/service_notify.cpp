#include "standby/service_notify.h"

#include <fmt/format.h>

#include "common/log.h"
#include "standby/lag_view.h"

namespace understudy::standby {

bool ready_to_serve(const ServiceTick& t) {
    return t.replay_running && t.applied != InvalidXLogRecPtr && t.primary_wal_end != InvalidXLogRecPtr &&
           t.flushed >= t.primary_wal_end;
}

std::string service_status_text(const StandbyStatus& st) {
    std::string s = fmt::format("{}: applied {}, apply lag {}, {} behind", st.state.empty() ? "starting" : st.state,
                                format_lsn(st.applied_lsn), pretty_seconds(st.lag_seconds[2]),
                                pretty_bytes(st.apply_lag_bytes()));
    if (st.replay_paused) s += ", replay paused";
    return s;
}

Result<ServiceNotifier> ServiceNotifier::from_environment() {
    auto socket = service::NotifySocket::from_environment();
    if (!socket) return socket.error();
    ServiceNotifier n;
    n.socket_ = std::move(*socket);
    if (n.socket_.active()) n.watchdog_ = service::watchdog_interval_from_environment();
    n.last_watchdog_ = std::chrono::steady_clock::now();
    return n;
}

void ServiceNotifier::send(const std::string& state) {
    if (auto r = socket_.send(state); !r && !send_failed_) {
        send_failed_ = true;
        log::warning("{} (further notification errors are not logged)", r.message());
    }
}

void ServiceNotifier::tick(const ServiceTick& t) {
    if (!active()) return;
    if (!ready_sent_ && ready_to_serve(t)) {
        ready_sent_ = true;
        send(fmt::format("READY=1\nSTATUS=streaming: applied {}", format_lsn(t.applied)));
        log::info("told the service manager: ready (flushed {}, applied {})", format_lsn(t.flushed),
                  format_lsn(t.applied));
    }
    if (watchdog_) {
        const auto now = std::chrono::steady_clock::now();
        if (now - last_watchdog_ >= *watchdog_ / 2) {
            last_watchdog_ = now;
            send("WATCHDOG=1");
        }
    }
}

void ServiceNotifier::status(const StandbyStatus& st) {
    if (active()) send("STATUS=" + service_status_text(st));
}

void ServiceNotifier::stopping(const std::string& reason) {
    if (!active() || stopping_sent_) return;
    stopping_sent_ = true;
    send(fmt::format("STOPPING=1\nSTATUS=stopping: {}", reason));
}

}  // namespace understudy::standby
