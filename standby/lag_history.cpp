#include "standby/lag_history.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace understudy::standby {

namespace {

std::optional<double> number_field(const nlohmann::json& j, const char* name) {
    auto it = j.find(name);
    if (it == j.end() || !it->is_number()) return std::nullopt;
    const double v = it->get<double>();
    if (!std::isfinite(v)) return std::nullopt;
    return v;
}

std::optional<std::uint64_t> bytes_field(const nlohmann::json& j, const char* name) {
    auto it = j.find(name);
    if (it == j.end()) return std::nullopt;
    if (it->is_number_unsigned()) return it->get<std::uint64_t>();
    auto v = number_field(j, name);  // 12.0 is accepted, -1 and 1e30 are not
    if (!v || *v < 0 || *v >= 1.8e19) return std::nullopt;
    return static_cast<std::uint64_t>(*v);
}

std::optional<double> seconds_field(const nlohmann::json& j, const char* name) {
    auto v = number_field(j, name);
    if (!v || *v < 0) return std::nullopt;
    return v;
}

bool blank(std::string_view line) {
    return std::all_of(line.begin(), line.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

}  // namespace

std::optional<LagSample> parse_lag_line(std::string_view line) {
    auto j = nlohmann::json::parse(line.begin(), line.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) return std::nullopt;
    auto t = number_field(j, "t");
    auto rb = bytes_field(j, "receive_bytes");
    auto fb = bytes_field(j, "flush_bytes");
    auto ab = bytes_field(j, "apply_bytes");
    auto ws = seconds_field(j, "write_seconds");
    auto fs = seconds_field(j, "flush_seconds");
    auto as = seconds_field(j, "apply_seconds");
    if (!t || !rb || !fb || !ab || !ws || !fs || !as) return std::nullopt;
    return LagSample{*t, *rb, *fb, *ab, *ws, *fs, *as};
}

LagHistory parse_lag_history(std::istream& in, const TimeWindow& window) {
    LagHistory h;
    std::size_t lineno = 0;
    for (std::string line; std::getline(in, line);) {
        ++lineno;
        if (blank(line)) continue;
        ++h.lines;
        auto s = parse_lag_line(line);
        if (!s) {
            if (h.malformed++ == 0) h.first_malformed_line = lineno;
            continue;
        }
        if (window.contains(s->t)) h.samples.push_back(*s);
    }
    return h;
}

Result<LagHistory> read_lag_history(const std::string& path, const TimeWindow& window) {
    std::ifstream in(path);
    if (!in) {
        const int err = errno;
        if (err == ENOENT)
            return make_error(fmt::format("no lag history \"{}\": is a standby running (or has one run) with --dir on "
                                          "that directory?",
                                          path));
        return make_error(fmt::format("could not open lag history \"{}\": {}", path, std::strerror(err)));
    }
    LagHistory h = parse_lag_history(in, window);
    if (in.bad()) return make_error(fmt::format("could not read lag history \"{}\"", path));
    return h;
}

Percentiles percentiles(std::vector<double> values) {
    Percentiles p;
    if (values.empty()) return p;
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    auto rank = [&](double pct) {
        auto r = static_cast<std::size_t>(std::ceil(pct / 100.0 * static_cast<double>(n)));
        return values[std::clamp<std::size_t>(r, 1, n) - 1];
    };
    p.p50 = rank(50);
    p.p90 = rank(90);
    p.p99 = rank(99);
    p.max = values.back();
    return p;
}

std::string_view series_name(LagSeries s) {
    switch (s) {
        case LagSeries::write_seconds: return "write_seconds";
        case LagSeries::flush_seconds: return "flush_seconds";
        case LagSeries::apply_seconds: return "apply_seconds";
        case LagSeries::receive_bytes: return "receive_bytes";
        case LagSeries::flush_bytes: return "flush_bytes";
        case LagSeries::apply_bytes: return "apply_bytes";
    }
    return "?";
}

double series_value(const LagSample& sample, LagSeries s) {
    switch (s) {
        case LagSeries::write_seconds: return sample.write_seconds;
        case LagSeries::flush_seconds: return sample.flush_seconds;
        case LagSeries::apply_seconds: return sample.apply_seconds;
        case LagSeries::receive_bytes: return static_cast<double>(sample.receive_bytes);
        case LagSeries::flush_bytes: return static_cast<double>(sample.flush_bytes);
        case LagSeries::apply_bytes: return static_cast<double>(sample.apply_bytes);
    }
    return 0;
}

LagSummary summarize(const LagHistory& history) {
    LagSummary s;
    s.samples = history.samples.size();
    s.malformed = history.malformed;
    if (history.samples.empty()) return s;
    s.first_t = history.samples.front().t;
    s.last_t = history.samples.back().t;
    for (std::size_t k = 0; k < kLagSeriesCount; ++k) {
        std::vector<double> values;
        values.reserve(history.samples.size());
        for (const auto& sample : history.samples) values.push_back(series_value(sample, static_cast<LagSeries>(k)));
        s.series[k] = percentiles(std::move(values));
    }
    return s;
}

}  // namespace understudy::standby
