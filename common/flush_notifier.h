// A wake-up between the thread that makes WAL durable and the threads waiting for it: the
// standby's receiver publishes each new flushed position, the replayer blocks until there is
// something new instead of sleeping a fixed poll. PostgreSQL 15 does the same with latches:
// the walreceiver calls WakeupRecovery() after XLogWalRcvFlush() (walreceiver.c), and the
// startup process sleeps on its recoveryWakeupLatch in WaitForWALToBecomeAvailable
// (xlogrecovery.c) until then.
//
// Waiters remember generation() before they look at the WAL, and wait_changed() returns as
// soon as anything was published or woken after that, so a notification between the look and
// the wait is never lost. Every wait has a timeout (a safety net; not the normal wake-up).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "common/lsn.h"

namespace understudy {

class FlushNotifier {
public:
    // A new flushed position (InvalidXLogRecPtr allowed: "no limit" for the replayer); wakes
    // every waiter.
    void publish(XLogRecPtr flushed);
    // Wakes every waiter without a new position (stop, resume).
    void wake();

    XLogRecPtr flushed() const { return flushed_.load(); }
    // Bumped by every publish() and wake(). Read without the lock (the replayer looks once per
    // record); it only changes under the lock, where wait_changed() checks it, so a wake-up
    // between a waiter's look and its wait is still never lost.
    std::uint64_t generation() const { return generation_.load(); }

    // Blocks until generation() differs from `seen` or `timeout` passes; returns the
    // generation then (equal to `seen` on a timeout).
    std::uint64_t wait_changed(std::uint64_t seen, std::chrono::milliseconds timeout) const;

private:
    mutable std::mutex mu_;
    mutable std::condition_variable cv_;
    std::atomic<XLogRecPtr> flushed_{InvalidXLogRecPtr};
    std::atomic<std::uint64_t> generation_{0};
};

}  // namespace understudy
