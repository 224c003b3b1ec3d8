// DIR/lag.jsonl, the lag history the standby appends to every status interval (one JSON object
// per line, written by status_to_lag_line in standby/status.h), with its rotated predecessors
// lag.jsonl.1, .2, ... (standby/lag_history_files.h): parsing it for `understudy lag` (--plot,
// --summary), and percentiles over it. A line that is not such an object (a torn last
// line after a crash, an edit by hand) is skipped and counted, never fatal.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace understudy::standby {

// One line of lag.jsonl. Byte lags are against the primary's WAL end; time lags are the
// write/flush/apply lag of pg_stat_replication (standby/lag.h).
struct LagSample {
    double t = 0;  // unix seconds (status updated_at)
    std::uint64_t receive_bytes = 0;
    std::uint64_t flush_bytes = 0;
    std::uint64_t apply_bytes = 0;
    double write_seconds = 0;
    double flush_seconds = 0;
    double apply_seconds = 0;
};

struct LagHistory {
    std::vector<LagSample> samples;  // in file order (oldest file first)
    std::size_t lines = 0;           // non-empty lines read
    std::size_t malformed = 0;       // of those, skipped
    std::size_t first_malformed_line = 0;  // 1-based line number, 0 when none
    std::string first_malformed_file;      // its file (read_lag_history only)
    std::vector<std::string> files;        // files read, oldest first (read_lag_history only)
};

// Parses one line; nullopt when it is not a JSON object with a numeric "t" and the six lag
// fields as non-negative numbers.
std::optional<LagSample> parse_lag_line(std::string_view line);

// Keeps the samples with from <= t <= to (either bound optional).
struct TimeWindow {
    std::optional<double> from;
    std::optional<double> to;
    bool contains(double t) const { return (!from || t >= *from) && (!to || t <= *to); }
};

LagHistory parse_lag_history(std::istream& in, const TimeWindow& window = {});
// Reads `path` and its rotated files (path.N ... path.1, then path: time order); an error names
// the file (none of them: says which standby directory it belongs to).
Result<LagHistory> read_lag_history(const std::string& path, const TimeWindow& window = {});

// Nearest-rank percentiles (the smallest value with at least p% of the values at or below it)
// of one series.
struct Percentiles {
    double p50 = 0, p90 = 0, p99 = 0, max = 0;
};
Percentiles percentiles(std::vector<double> values);

// The six series of a history in a fixed order, with names as in lag.jsonl.
enum class LagSeries : std::size_t {
    write_seconds,
    flush_seconds,
    apply_seconds,
    receive_bytes,
    flush_bytes,
    apply_bytes,
};
inline constexpr std::size_t kLagSeriesCount = 6;
std::string_view series_name(LagSeries s);
double series_value(const LagSample& sample, LagSeries s);

struct LagSummary {
    std::size_t samples = 0;
    std::size_t malformed = 0;
    double first_t = 0, last_t = 0;
    std::array<Percentiles, kLagSeriesCount> series{};
    const Percentiles& operator[](LagSeries s) const { return series[static_cast<std::size_t>(s)]; }
};
LagSummary summarize(const LagHistory& history);

}  // namespace understudy::standby
