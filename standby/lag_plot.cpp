#include "standby/lag_plot.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <ctime>
#include <limits>

#include <fmt/format.h>

namespace understudy::standby {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct SeriesStyle {
    LagSeries series;
    const char* label;
    const char* color;
    const char* dash;
};
// Same colour per position in both panels (receive/write, flush, apply); dashes keep series
// that coincide (write and flush usually do) distinguishable.
constexpr std::array<SeriesStyle, 3> kTimeSeries{{
    {LagSeries::write_seconds, "write lag", "#1f77b4", "2 3"},
    {LagSeries::flush_seconds, "flush lag", "#ff7f0e", "7 4"},
    {LagSeries::apply_seconds, "apply (replay) lag", "#2ca02c", ""},
}};
constexpr std::array<SeriesStyle, 3> kByteSeries{{
    {LagSeries::receive_bytes, "received, behind", "#1f77b4", "2 3"},
    {LagSeries::flush_bytes, "flushed, behind", "#ff7f0e", "7 4"},
    {LagSeries::apply_bytes, "applied, behind", "#2ca02c", ""},
}};

// One point of a reduced series: its time and the maximum of each series over its samples.
struct Bucket {
    double t = kNaN;  // NaN marks a gap
    std::array<double, kLagSeriesCount> max{};
};

double median_interval(const std::vector<LagSample>& s) {
    std::vector<double> d;
    for (std::size_t i = 1; i < s.size(); ++i) d.push_back(s[i].t - s[i - 1].t);
    if (d.empty()) return 1;
    std::nth_element(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(d.size() / 2), d.end());
    return std::max(d[d.size() / 2], 1e-3);
}

std::vector<Bucket> reduce(const std::vector<LagSample>& samples, std::size_t max_points) {
    std::vector<Bucket> out;
    if (samples.empty()) return out;
    const std::size_t per = std::max<std::size_t>(1, (samples.size() + max_points - 1) / std::max<std::size_t>(max_points, 1));
    const double gap = 3 * median_interval(samples);
    Bucket cur;
    std::size_t in_cur = 0;
    double t_first = 0, t_last = 0;
    auto close = [&] {
        if (in_cur == 0) return;
        cur.t = (t_first + t_last) / 2;
        out.push_back(cur);
        cur = Bucket{};
        in_cur = 0;
    };
    for (std::size_t i = 0; i < samples.size(); ++i) {
        const LagSample& s = samples[i];
        if (i > 0 && s.t - samples[i - 1].t > gap) {
            close();
            out.push_back(Bucket{});  // gap
        }
        if (in_cur == 0) t_first = s.t;
        t_last = s.t;
        for (std::size_t k = 0; k < kLagSeriesCount; ++k)
            cur.max[k] = std::max(in_cur == 0 ? 0.0 : cur.max[k], series_value(s, static_cast<LagSeries>(k)));
        if (++in_cur == per) close();
    }
    close();
    return out;
}

std::string utc_time(double unix_seconds, const char* format) {
    std::time_t t = static_cast<std::time_t>(std::floor(unix_seconds));
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, format, &tm);
    return buf;
}

template <std::size_t N>
svg::Panel make_panel(const std::vector<Bucket>& buckets, const std::array<SeriesStyle, N>& styles, double t0,
                      double x_div, double y_div, std::string y_label) {
    svg::Panel p;
    p.y_label = std::move(y_label);
    for (const auto& st : styles) {
        svg::Series s;
        s.name = std::string(series_name(st.series));
        s.label = st.label;
        s.color = st.color;
        s.dash = st.dash;
        for (const auto& b : buckets) {
            if (std::isnan(b.t)) s.points.emplace_back(kNaN, kNaN);
            else s.points.emplace_back((b.t - t0) / x_div, b.max[static_cast<std::size_t>(st.series)] / y_div);
        }
        p.series.push_back(std::move(s));
    }
    return p;
}

double max_of(const std::vector<Bucket>& buckets, LagSeries a, LagSeries b, LagSeries c) {
    double m = 0;
    for (const auto& bk : buckets) {
        if (std::isnan(bk.t)) continue;
        for (auto s : {a, b, c}) m = std::max(m, bk.max[static_cast<std::size_t>(s)]);
    }
    return m;
}

}  // namespace

ByteUnit byte_unit_for(double max_bytes) {
    static constexpr std::array<ByteUnit, 5> units{{
        {"B", 1}, {"kB", 1024.0}, {"MB", 1024.0 * 1024}, {"GB", 1024.0 * 1024 * 1024},
        {"TB", 1024.0 * 1024 * 1024 * 1024},
    }};
    ByteUnit u = units[0];
    for (const auto& cand : units)
        if (max_bytes >= cand.divisor) u = cand;
    return u;
}

svg::Chart lag_chart(const LagHistory& history, const LagPlotOptions& opts) {
    const auto buckets = reduce(history.samples, opts.max_points);
    svg::Chart chart;
    chart.title = "understudy standby lag";
    const double t0 = history.samples.empty() ? 0 : history.samples.front().t;
    const double t1 = history.samples.empty() ? 0 : history.samples.back().t;
    const double span = t1 - t0;
    const double x_div = span > 3 * 3600 ? 3600 : span > 600 ? 60 : 1;
    const char* x_unit = x_div == 3600 ? "h" : x_div == 60 ? "min" : "s";
    chart.x_label = fmt::format("time since {} UTC ({})", utc_time(t0, "%Y-%m-%d %H:%M:%S"), x_unit);
    const std::size_t per = buckets.empty() ? 1 : (history.samples.size() + opts.max_points - 1) / opts.max_points;
    chart.subtitle = fmt::format("{}: {} samples, {} to {} UTC{}{}", opts.source, history.samples.size(),
                                 utc_time(t0, "%H:%M:%S"), utc_time(t1, "%H:%M:%S"),
                                 history.malformed ? fmt::format(", {} malformed lines skipped", history.malformed) : "",
                                 per > 1 ? fmt::format("; each point is the maximum of {} samples", per) : "");

    const double max_s =
        max_of(buckets, LagSeries::write_seconds, LagSeries::flush_seconds, LagSeries::apply_seconds);
    const bool ms = max_s < 1;
    chart.panels.push_back(make_panel(buckets, kTimeSeries, t0, x_div, ms ? 1e-3 : 1,
                                      fmt::format("time lag ({})", ms ? "ms" : "s")));
    const ByteUnit bu =
        byte_unit_for(max_of(buckets, LagSeries::receive_bytes, LagSeries::flush_bytes, LagSeries::apply_bytes));
    chart.panels.push_back(make_panel(buckets, kByteSeries, t0, x_div, bu.divisor,
                                      fmt::format("behind primary WAL end ({})", bu.name)));
    return chart;
}

}  // namespace understudy::standby
