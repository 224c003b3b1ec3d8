// The SVG writer: ticks, labels, escaping, and a document that is well-formed XML with one
// polyline per unbroken run of each series.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <limits>

#include "standby/svg_plot.h"
#include "tests/standby/xml_check.h"

using namespace understudy;
using namespace understudy::testing;

namespace {

bool is_nice_step(double step) {
    const double mag = std::pow(10.0, std::floor(std::log10(step) + 1e-9));
    const double r = step / mag;
    return std::abs(r - 1) < 1e-9 || std::abs(r - 2) < 1e-9 || std::abs(r - 5) < 1e-9;
}

std::vector<const XmlElement*> by_name(const XmlCheck& x, const std::string& name) {
    std::vector<const XmlElement*> out;
    for (const auto& e : x.elements)
        if (e.name == name) out.push_back(&e);
    return out;
}

}  // namespace

TEST_CASE("nice_ticks: 1/2/5 steps covering the range") {
    struct Case {
        double lo, hi;
    };
    for (Case c : {Case{0, 7.3}, Case{0, 0.0042}, Case{0, 123456789}, Case{-3, 17}, Case{0.5, 0.51}, Case{0, 1}}) {
        CAPTURE(c.lo);
        CAPTURE(c.hi);
        auto t = svg::nice_ticks(c.lo, c.hi, 6);
        REQUIRE(t.size() >= 3);
        CHECK(t.size() <= 13);
        CHECK(t.front() <= c.lo);
        CHECK(t.back() >= c.hi);
        const double step = t[1] - t[0];
        CHECK(is_nice_step(step));
        for (std::size_t i = 1; i < t.size(); ++i) CHECK(t[i] - t[i - 1] == doctest::Approx(step));
    }
    auto t = svg::nice_ticks(0, 7.3, 6);
    CHECK(t == std::vector<double>{0, 2, 4, 6, 8});
    // A flat series (all zero while caught up) still gets an axis.
    auto flat = svg::nice_ticks(0, 0, 6);
    CHECK(flat.front() == 0);
    CHECK(flat.back() >= 1);
}

TEST_CASE("tick_label: as many decimals as the step needs, no -0") {
    CHECK(svg::tick_label(0.30000000000000004, 0.1) == "0.3");
    CHECK(svg::tick_label(0.05, 0.05) == "0.05");
    CHECK(svg::tick_label(1500, 500) == "1500");
    CHECK(svg::tick_label(-1e-17, 0.1) == "0.0");
    CHECK(svg::tick_label(2, 1) == "2");
}

TEST_CASE("xml_escape: markup characters and control bytes") {
    CHECK(svg::xml_escape("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&apos;");
    CHECK(svg::xml_escape(std::string("x\x01y", 3)) == "x y");
}

TEST_CASE("render: well-formed XML with axes, legend and one polyline per unbroken run") {
    svg::Chart c;
    c.title = "lag of <dir> & co";
    c.subtitle = "3 samples";
    c.x_label = "time (s)";
    svg::Panel p1;
    p1.y_label = "time lag (s)";
    const double nan = std::numeric_limits<double>::quiet_NaN();
    p1.series.push_back({"apply_seconds", "apply lag", "#2ca02c", "", {{0, 0.1}, {1, 0.4}, {2, 0.2}}});
    p1.series.push_back({"flush_seconds", "flush \"lag\"", "#ff7f0e", "7 4", {{0, 0.1}, {nan, nan}, {2, 0.1}}});
    svg::Panel p2;
    p2.y_label = "behind (MB)";
    p2.series.push_back({"apply_bytes", "", "#2ca02c", "", {{0, 3}, {1, 12.5}, {2, 0}}});
    c.panels = {p1, p2};
    const std::string doc = svg::render(c);

    XmlCheck x = check_xml(doc);
    REQUIRE_MESSAGE(x.error.empty(), x.error << "\n" << doc);
    REQUIRE(!x.elements.empty());
    CHECK(x.elements.front().name == "svg");
    CHECK(x.elements.front().attrs.at("xmlns") == "http://www.w3.org/2000/svg");
    CHECK(by_name(x, "title").front()->text == "lag of &lt;dir&gt; &amp; co");

    std::map<std::string, int> runs;
    for (const auto* e : by_name(x, "polyline")) {
        runs[e->attrs.at("data-series")]++;
        // Every point is inside the 960-wide document.
        std::string pts = e->attrs.at("points");
        for (std::size_t i = 0; i < pts.size();) {
            double px = std::stod(pts.substr(i));
            CHECK(px >= 0);
            CHECK(px <= 960);
            i = pts.find(' ', i);
            if (i == std::string::npos) break;
            ++i;
        }
    }
    CHECK(runs["apply_seconds"] == 1);
    CHECK(runs["flush_seconds"] == 2);  // the NaN breaks it
    CHECK(runs["apply_bytes"] == 1);
    CHECK(runs.size() == 3);

    // Two panels, each with a frame; legend entries; tick labels with units on the axes.
    CHECK(by_name(x, "g").size() == 2);
    std::vector<std::string> texts;
    for (const auto* e : by_name(x, "text")) texts.push_back(e->text);
    auto has = [&](const std::string& s) { return std::find(texts.begin(), texts.end(), s) != texts.end(); };
    CHECK(has("apply lag"));
    CHECK(has("flush &quot;lag&quot;"));
    CHECK(has("apply_bytes"));  // no label: the name
    CHECK(has("time lag (s)"));
    CHECK(has("behind (MB)"));
    CHECK(has("time (s)"));
    CHECK(has("0.4"));   // top y tick of panel 1 (0 .. 0.4 in steps of 0.1)
    CHECK(has("15"));    // panel 2: 0 .. 15 in steps of 5
    CHECK(has("2.0"));   // x: 0 .. 2 in steps of 0.5
    int legend = 0;
    for (const auto& e : x.elements) legend += e.name == "line" && e.attrs.count("class") && e.attrs.at("class") == "legend";
    CHECK(legend == 3);
}

TEST_CASE("render: an empty chart is still a valid document") {
    svg::Chart c;
    c.title = "nothing";
    c.panels.push_back(svg::Panel{"y", {}});
    XmlCheck x = check_xml(svg::render(c));
    CHECK_MESSAGE(x.error.empty(), x.error);
}
