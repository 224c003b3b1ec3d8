// The catch-up progress display: while the standby is more than kBacklogBytes behind the
// primary's WAL end it reports bytes behind, the apply rate and an ETA. On a terminal one line
// is redrawn in place ("\r" + erase line) twice a second; otherwise a plain line every
// `plain_every` seconds (default kPlainEvery; --progress-interval). One last line says when it
// caught up. Pure: it returns the text to write.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace understudy::standby {

class CatchUpProgress {
public:
    static constexpr std::uint64_t kBacklogBytes = 1u << 20;  // 1 MB behind: catching up
    static constexpr double kRedrawEvery = 0.5;               // seconds, terminal
    static constexpr double kPlainEvery = 5.0;                // seconds, not a terminal

    explicit CatchUpProgress(bool terminal, double plain_every = kPlainEvery)
        : terminal_(terminal), plain_every_(plain_every) {}
    // `now` in seconds (any monotonic origin), `behind` = primary WAL end - applied position,
    // `applied` = applied position. Returns the text to write to stderr, if any (a terminal's
    // text starts with "\r\x1b[K" and has no newline until the final line).
    std::optional<std::string> update(double now, std::uint64_t behind, std::uint64_t applied);

private:
    std::string describe(std::uint64_t behind) const;

    double every() const { return terminal_ ? kRedrawEvery : plain_every_; }

    bool terminal_;
    double plain_every_;
    bool active_ = false;
    double started_ = 0, last_shown_ = 0, last_sample_t_ = 0;
    std::uint64_t start_applied_ = 0, last_sample_applied_ = 0, last_behind_ = 0;
    double rate_ = 0;        // applied bytes per second (smoothed)
    double close_rate_ = 0;  // how fast the gap shrinks, bytes per second (smoothed)
};

// "1.5 MB", "312 kB", "2.0 GB" (powers of 1024, as pg_size_pretty).
std::string bytes_text(double bytes);

}  // namespace understudy::standby
