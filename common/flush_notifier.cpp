#include "common/flush_notifier.h"

namespace understudy {

void FlushNotifier::publish(XLogRecPtr flushed) {
    {
        std::lock_guard lock(mu_);
        flushed_ = flushed;
        ++generation_;
    }
    cv_.notify_all();
}

void FlushNotifier::wake() {
    {
        std::lock_guard lock(mu_);
        ++generation_;
    }
    cv_.notify_all();
}

std::uint64_t FlushNotifier::wait_changed(std::uint64_t seen, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return generation_.load() != seen; });
    return generation_.load();
}

}  // namespace understudy
