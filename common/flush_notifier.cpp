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

XLogRecPtr FlushNotifier::flushed() const {
    std::lock_guard lock(mu_);
    return flushed_;
}

std::uint64_t FlushNotifier::generation() const {
    std::lock_guard lock(mu_);
    return generation_;
}

std::uint64_t FlushNotifier::wait_changed(std::uint64_t seen, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return generation_ != seen; });
    return generation_;
}

}  // namespace understudy
