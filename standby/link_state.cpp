#include "standby/link_state.h"

#include <algorithm>

namespace understudy::standby {

std::chrono::milliseconds silence_limit(std::chrono::milliseconds reply_interval) {
    return std::max(reply_interval * 2, std::chrono::milliseconds(2000));
}

LinkView link_view(receiver::ReceiverActivity activity, bool flushed_any, std::int64_t last_receipt,
                   std::int64_t now, std::chrono::milliseconds limit, const std::array<double, 3>& lag_seconds) {
    using receiver::ReceiverActivity;
    LinkView v;
    v.lag_seconds = lag_seconds;
    if (last_receipt != 0) v.seconds_since_last_message = std::max(0.0, static_cast<double>(now - last_receipt) / 1e6);
    const bool silent = v.seconds_since_last_message &&
                        *v.seconds_since_last_message * 1000.0 > static_cast<double>(limit.count());
    switch (activity) {
        case ReceiverActivity::starting: v.state = "starting"; break;
        case ReceiverActivity::connecting: v.state = "connecting"; break;
        case ReceiverActivity::reconnecting: v.state = "reconnecting"; break;
        case ReceiverActivity::stopped: v.state = "stopped"; break;
        case ReceiverActivity::streaming: v.state = silent ? "waiting" : flushed_any ? "streaming" : "starting"; break;
    }
    // Not hearing from the primary: whatever it wrote since, we have not got.
    const bool cut = v.seconds_since_last_message &&
                     (v.state == "waiting" || v.state == "connecting" || v.state == "reconnecting");
    if (cut)
        for (double& l : v.lag_seconds) l = std::max(l, *v.seconds_since_last_message);
    return v;
}

}  // namespace understudy::standby
