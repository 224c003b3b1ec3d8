#include "standby/lag_history.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/fs.h"
#include "standby/lag_history_files.h"

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

namespace {

// Appends the lines of `in` to `h` (`file` names them in first_malformed_file).
void parse_into(LagHistory& h, std::istream& in, const TimeWindow& window, const std::string& file) {
    std::size_t lineno = 0;
    for (std::string line; std::getline(in, line);) {
        ++lineno;
        if (blank(line)) continue;
        ++h.lines;
        auto s = parse_lag_line(line);
        if (!s) {
            if (h.malformed++ == 0) {
                h.first_malformed_line = lineno;
                h.first_malformed_file = file;
            }
            continue;
        }
        if (window.contains(s->t)) h.samples.push_back(*s);
    }
}

// One history file opened for reading, with its identity (rotation renames; the inode stays).
struct OpenHistoryFile {
    std::string path;
    fs::UniqueFd fd;
    dev_t dev = 0;
    ino_t ino = 0;
};

Result<std::string> read_all(const OpenHistoryFile& f) {
    std::string out;
    char buf[65536];
    for (;;) {
        const ssize_t n = ::read(f.fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)
            return make_error(fmt::format("could not read lag history \"{}\": {}", f.path, fs::errno_text(errno)));
        if (n == 0) return out;
        out.append(buf, static_cast<std::size_t>(n));
    }
}

}  // namespace

LagHistory parse_lag_history(std::istream& in, const TimeWindow& window) {
    LagHistory h;
    parse_into(h, in, window, "");
    return h;
}

Result<LagHistory> read_lag_history(const std::string& path, const TimeWindow& window) {
    // Open newest first, PATH before listing the rotated files: a rotation between two opens
    // then shows up as a file already open under its old name (skipped by its inode), never as
    // a file missed.
    std::vector<OpenHistoryFile> open;
    auto open_one = [&](const std::string& name) -> Result<void> {
        OpenHistoryFile f{name, fs::UniqueFd(::open(name.c_str(), O_RDONLY | O_CLOEXEC))};
        if (!f.fd.valid()) {
            if (errno == ENOENT) return {};  // renamed or dropped by a rotation since
            return make_error(fmt::format("could not open lag history \"{}\": {}", name, fs::errno_text(errno)));
        }
        struct stat st {};
        if (::fstat(f.fd.get(), &st) != 0)
            return make_error(fmt::format("could not stat lag history \"{}\": {}", name, fs::errno_text(errno)));
        f.dev = st.st_dev;
        f.ino = st.st_ino;
        const bool seen = std::any_of(open.begin(), open.end(),
                                      [&](const OpenHistoryFile& o) { return o.dev == f.dev && o.ino == f.ino; });
        if (!seen) open.push_back(std::move(f));
        return {};
    };
    if (auto r = open_one(path); !r) return r.error();
    const std::vector<std::string> names = lag_history_files(path);
    for (auto it = names.rbegin(); it != names.rend(); ++it)
        if (*it != path)
            if (auto r = open_one(*it); !r) return r.error();
    if (open.empty())
        return make_error(fmt::format("no lag history \"{}\": is a standby running (or has one run) with --dir on "
                                      "that directory?",
                                      path));
    LagHistory h;
    for (auto it = open.rbegin(); it != open.rend(); ++it) {
        auto text = read_all(*it);
        if (!text) return text.error();
        std::istringstream in(std::move(*text));
        parse_into(h, in, window, it->path);
        h.files.push_back(it->path);
    }
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
