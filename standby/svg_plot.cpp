#include "standby/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>

#include <fmt/format.h>

namespace understudy::svg {

namespace {

constexpr double kMarginLeft = 80;
constexpr double kMarginRight = 190;  // legend column
constexpr double kTitleHeight = 56;
constexpr double kPanelGap = 34;      // between one panel's plot area and the next
constexpr double kBottom = 52;        // x tick labels + x axis title
constexpr int kTicks = 6;

struct Range {
    double lo = std::numeric_limits<double>::infinity();
    double hi = -std::numeric_limits<double>::infinity();
    void add(double v) {
        if (std::isnan(v)) return;
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    bool empty() const { return lo > hi; }
};

// Where a panel's plot area is on the page, and the data range it shows.
struct Frame {
    double left, top, width, height;
    double x_lo, x_hi, y_lo, y_hi;
    double px(double x) const { return left + (x - x_lo) / (x_hi - x_lo) * width; }
    double py(double y) const { return top + height - (y - y_lo) / (y_hi - y_lo) * height; }
};

Range x_range(const Chart& chart) {
    Range r;
    for (const auto& p : chart.panels)
        for (const auto& s : p.series)
            for (const auto& [x, y] : s.points) r.add(x);
    if (r.empty()) r = Range{0, 1};
    return r;
}

// Lags are never negative: the y axis always includes 0.
Range y_range(const Panel& panel) {
    Range r{0, 0};
    for (const auto& s : panel.series)
        for (const auto& [x, y] : s.points) r.add(y);
    return r;
}

void text(std::string& out, double x, double y, std::string_view anchor, std::string_view content,
          std::string_view extra = "") {
    fmt::format_to(std::back_inserter(out), "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"{}\"{}>{}</text>\n", x, y,
                   anchor, extra, xml_escape(content));
}

void line(std::string& out, double x1, double y1, double x2, double y2, std::string_view style) {
    fmt::format_to(std::back_inserter(out), "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" {}/>\n", x1,
                   y1, x2, y2, style);
}

std::string dash_attr(const Series& s) {
    return s.dash.empty() ? std::string() : fmt::format(" stroke-dasharray=\"{}\"", xml_escape(s.dash));
}

// One <polyline> per run of points without a NaN.
void polylines(std::string& out, const Frame& f, const Series& s) {
    std::string pts;
    auto flush = [&] {
        if (pts.empty()) return;
        fmt::format_to(std::back_inserter(out),
                       "<polyline class=\"series\" data-series=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.6\" "
                       "stroke-linejoin=\"round\"{} points=\"{}\"/>\n",
                       xml_escape(s.name), xml_escape(s.color), dash_attr(s), pts);
        pts.clear();
    };
    for (const auto& [x, y] : s.points) {
        if (std::isnan(y) || std::isnan(x)) {
            flush();
            continue;
        }
        if (!pts.empty()) pts += ' ';
        fmt::format_to(std::back_inserter(pts), "{:.1f},{:.1f}", f.px(x), f.py(y));
    }
    flush();
}

void panel(std::string& out, const Chart& chart, const Panel& p, const Frame& f, const std::vector<double>& xticks,
           const std::vector<double>& yticks, bool last, std::size_t index) {
    fmt::format_to(std::back_inserter(out), "<g class=\"panel\" id=\"panel-{}\">\n", index);
    fmt::format_to(std::back_inserter(out),
                   "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"#ffffff\" "
                   "stroke=\"#444444\"/>\n",
                   f.left, f.top, f.width, f.height);
    const double ystep = yticks.size() > 1 ? yticks[1] - yticks[0] : 1;
    for (double v : yticks) {
        const double y = f.py(v);
        line(out, f.left, y, f.left + f.width, y, "stroke=\"#dddddd\"");
        line(out, f.left - 5, y, f.left, y, "stroke=\"#444444\"");
        text(out, f.left - 8, y + 4, "end", tick_label(v, ystep));
    }
    const double xstep = xticks.size() > 1 ? xticks[1] - xticks[0] : 1;
    for (double v : xticks) {
        const double x = f.px(v);
        line(out, x, f.top, x, f.top + f.height, "stroke=\"#eeeeee\"");
        line(out, x, f.top + f.height, x, f.top + f.height + 5, "stroke=\"#444444\"");
        if (last) text(out, x, f.top + f.height + 19, "middle", tick_label(v, xstep));
    }
    const double cy = f.top + f.height / 2;
    text(out, 18, cy, "middle", p.y_label, fmt::format(" transform=\"rotate(-90 18 {:.1f})\"", cy));
    if (last) text(out, f.left + f.width / 2, f.top + f.height + 42, "middle", chart.x_label);
    for (const auto& s : p.series) polylines(out, f, s);
    // Legend, to the right of the plot area.
    double ly = f.top + 14;
    for (const auto& s : p.series) {
        const double lx = f.left + f.width + 16;
        fmt::format_to(std::back_inserter(out),
                       "<line class=\"legend\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" "
                       "stroke-width=\"2.5\"{}/>\n",
                       lx, ly - 4, lx + 26, ly - 4, xml_escape(s.color), dash_attr(s));
        text(out, lx + 32, ly, "start", s.label.empty() ? s.name : s.label);
        ly += 20;
    }
    out += "</g>\n";
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int target) {
    if (!std::isfinite(lo) || !std::isfinite(hi)) return {0, 1};
    if (hi < lo) std::swap(lo, hi);
    if (hi == lo) hi = lo + std::max(std::abs(lo) * 0.5, 1.0);
    const double raw = (hi - lo) / std::max(target, 1);
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    const double r = raw / mag;
    const double step = (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
    const double first = std::floor(lo / step + 1e-9);
    const double last = std::ceil(hi / step - 1e-9);
    std::vector<double> ticks;
    for (double k = first; k <= last + 0.5; k += 1) ticks.push_back(k * step);
    if (ticks.size() < 2) ticks.push_back(ticks.back() + step);
    return ticks;
}

std::string tick_label(double value, double step) {
    int decimals = 0;
    if (step > 0 && step < 1) decimals = static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
    if (std::abs(value) < step * 1e-6) value = 0;  // no "-0"
    return fmt::format("{:.{}f}", value, decimals);
}

std::string xml_escape(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    for (char c : in) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            default:
                // XML 1.0 has no place for other control characters.
                if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') out += ' ';
                else out += c;
        }
    }
    return out;
}

std::string render(const Chart& chart) {
    const std::size_t n = chart.panels.size();
    const double width = chart.width;
    const double plot_h = chart.panel_height - kPanelGap;
    const double height = kTitleHeight + static_cast<double>(n) * chart.panel_height + kBottom;
    std::string out;
    auto it = std::back_inserter(out);
    fmt::format_to(it, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fmt::format_to(it,
                   "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{0}\" height=\"{1:.0f}\" "
                   "viewBox=\"0 0 {0} {1:.0f}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\" "
                   "fill=\"#222222\">\n",
                   chart.width, height);
    fmt::format_to(it, "<title>{}</title>\n", xml_escape(chart.title));
    fmt::format_to(it, "<rect width=\"100%\" height=\"100%\" fill=\"#fafafa\"/>\n");
    text(out, width / 2, 24, "middle", chart.title, " font-size=\"16\" font-weight=\"bold\"");
    if (!chart.subtitle.empty()) text(out, width / 2, 42, "middle", chart.subtitle, " font-size=\"11\" fill=\"#555555\"");

    const Range xr = x_range(chart);
    const auto xticks = nice_ticks(xr.lo, xr.hi, kTicks + 2);
    for (std::size_t i = 0; i < n; ++i) {
        const Panel& p = chart.panels[i];
        const Range yr = y_range(p);
        const auto yticks = nice_ticks(yr.lo, yr.hi, kTicks);
        Frame f{kMarginLeft, kTitleHeight + static_cast<double>(i) * chart.panel_height + 8,
                width - kMarginLeft - kMarginRight, plot_h,
                xticks.front(), xticks.back(), yticks.front(), yticks.back()};
        panel(out, chart, p, f, xticks, yticks, i + 1 == n, i);
    }
    out += "</svg>\n";
    return out;
}

}  // namespace understudy::svg
