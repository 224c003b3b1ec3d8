// What status.json, /metrics and `understudy lag` say about the link to the primary: the state
// (what the receiver is doing, and "waiting" when it streams but has heard nothing for longer
// than a healthy primary stays silent), the time since the last message from the primary
// (pg_stat_wal_receiver.last_msg_receipt_time), and lags that count that silence: while nothing
// is heard the write, flush and apply lags are at least the time since the last message, so
// they grow during a silent network cut instead of staying at their last value (0 on an idle
// primary). A healthy standby hears from the primary at least once per reply interval (each
// periodic reply asks for an answer: the clock probe, standby/clock_skew.h).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "receiver/walreceiver.h"

namespace understudy::standby {

struct LinkView {
    std::string state;
    std::optional<double> seconds_since_last_message;  // none before the first message
    std::array<double, 3> lag_seconds{};               // write, flush, apply
};

// Silence longer than this is "waiting": twice the reply interval, at least 2 s.
std::chrono::milliseconds silence_limit(std::chrono::milliseconds reply_interval);

// Pure: the view from the receiver's activity, whether anything was flushed yet, the last
// receipt time and now (PostgreSQL timestamps, microseconds) and the lag tracker's lags.
LinkView link_view(receiver::ReceiverActivity activity, bool flushed_any, std::int64_t last_receipt,
                   std::int64_t now, std::chrono::milliseconds limit, const std::array<double, 3>& lag_seconds);

}  // namespace understudy::standby
