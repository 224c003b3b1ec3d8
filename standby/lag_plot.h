// `understudy lag --plot FILE.svg`: the lag history (DIR/lag.jsonl) as one SVG with two panels
// sharing the time axis: the time lags (write, flush, apply: pg_stat_replication's write_lag,
// flush_lag, replay_lag) and the byte lags (receive, flush, apply: bytes behind the primary's
// WAL end). Units are chosen from the data (ms or s; B, kB, MB or GB as pg_size_pretty's
// 1024-based units; the x axis in s, min or h since the first sample). A pause in the history
// longer than three sampling intervals (the standby was down) breaks the lines. Long histories
// are reduced to at most `max_points` points per series, each the maximum over its run of
// consecutive samples, so short spikes stay visible.
#pragma once

#include <cstddef>
#include <string>

#include "standby/lag_history.h"
#include "standby/svg_plot.h"

namespace understudy::standby {

struct LagPlotOptions {
    std::string source;  // shown in the subtitle, e.g. the lag.jsonl path
    std::size_t max_points = 1500;
};

svg::Chart lag_chart(const LagHistory& history, const LagPlotOptions& opts);

// A value and unit for sizes: pg_size_pretty's units (B, kB, MB, GB, TB; 1024-based).
struct ByteUnit {
    const char* name;
    double divisor;
};
ByteUnit byte_unit_for(double max_bytes);

}  // namespace understudy::standby
