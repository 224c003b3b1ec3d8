#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "common/flush_notifier.h"

using namespace understudy;
using namespace std::chrono_literals;

namespace {
double elapsed_ms(std::chrono::steady_clock::time_point since) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - since).count();
}
}  // namespace

TEST_CASE("FlushNotifier: a publish wakes a waiter long before its timeout") {
    FlushNotifier n;
    const std::uint64_t seen = n.generation();
    std::atomic<bool> waiting{false};
    std::uint64_t woke_at = 0;
    double waited_ms = 0;
    std::thread waiter([&] {
        waiting.store(true);
        const auto t0 = std::chrono::steady_clock::now();
        woke_at = n.wait_changed(seen, 10s);
        waited_ms = elapsed_ms(t0);
    });
    while (!waiting.load()) std::this_thread::yield();
    std::this_thread::sleep_for(20ms);  // let it block
    n.publish(0x16B374D848ull);
    waiter.join();
    CHECK(woke_at == seen + 1);
    CHECK(n.flushed() == 0x16B374D848ull);
    CHECK(waited_ms < 5000.0);  // woken, not timed out
}

TEST_CASE("FlushNotifier: a publish before the wait is not lost") {
    FlushNotifier n;
    const std::uint64_t seen = n.generation();
    n.publish(100);  // between the waiter's look and its wait
    const auto t0 = std::chrono::steady_clock::now();
    CHECK(n.wait_changed(seen, 10s) == seen + 1);
    CHECK(elapsed_ms(t0) < 1000.0);
}

TEST_CASE("FlushNotifier: without news the wait ends at its timeout") {
    FlushNotifier n;
    n.publish(200);
    const std::uint64_t seen = n.generation();
    const auto t0 = std::chrono::steady_clock::now();
    CHECK(n.wait_changed(seen, 50ms) == seen);
    CHECK(elapsed_ms(t0) >= 45.0);
    CHECK(n.flushed() == 200u);
}

TEST_CASE("FlushNotifier: wake() releases waiters without changing the position") {
    FlushNotifier n;
    n.publish(300);
    const std::uint64_t seen = n.generation();
    std::uint64_t got = 0;
    std::thread waiter([&] { got = n.wait_changed(seen, 10s); });
    std::this_thread::sleep_for(20ms);
    n.wake();
    waiter.join();
    CHECK(got == seen + 1);
    CHECK(n.flushed() == 300u);
}
