// A small self-contained SVG line chart writer (no dependencies): a title and one or more panels
// stacked vertically, sharing the x axis; each panel has a frame, "nice" ticks with grid lines
// and labels on both axes, axis titles with units, and a legend. Used by `understudy lag --plot`
// (standby/lag_plot.h). Each series is drawn as <polyline> elements carrying
// data-series="<name>"; a NaN y value breaks the line (a gap in the data).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace understudy::svg {

struct Series {
    std::string name;   // the data-series attribute (an identifier)
    std::string label;  // legend text ("" = name)
    std::string color;  // any SVG colour, e.g. "#1f77b4"
    std::string dash;   // stroke-dasharray ("" = solid), so overlapping series stay visible
    std::vector<std::pair<double, double>> points;  // (x, y) in data units; y NaN = gap
};

struct Panel {
    std::string y_label;  // e.g. "lag (s)"
    std::vector<Series> series;
};

struct Chart {
    std::string title;
    std::string subtitle;  // one smaller line under the title ("" = none)
    std::string x_label;   // e.g. "time since 00:10:48 UTC (s)"
    std::vector<Panel> panels;
    int width = 960;
    int panel_height = 300;
};

// Tick positions covering [lo, hi] with a 1, 2 or 5 x 10^k step, about `target` of them; the
// first is <= lo and the last >= hi. lo == hi gives a unit-sized range around it.
std::vector<double> nice_ticks(double lo, double hi, int target = 6);
// A tick label with as many decimals as the step needs ("0.25", "1500", "2").
std::string tick_label(double value, double step);
// &, <, >, " and ' escaped for text and attribute values.
std::string xml_escape(std::string_view text);

// The whole document, starting with the XML declaration.
std::string render(const Chart& chart);

}  // namespace understudy::svg
