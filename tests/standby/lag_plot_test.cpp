// The lag history as a chart: two panels (time, bytes), the six series, units from the data,
// gaps where the standby was down, reduction that keeps spikes.
#include <doctest/doctest.h>

#include <cmath>

#include "standby/lag_plot.h"
#include "tests/standby/xml_check.h"

using namespace understudy;
using namespace understudy::standby;

namespace {

LagSample sample(double t, std::uint64_t bytes, double secs) {
    return LagSample{t, bytes / 2, bytes, bytes, secs / 2, secs, secs};
}

const svg::Series& series(const svg::Chart& c, std::size_t panel, const std::string& name) {
    for (const auto& s : c.panels.at(panel).series)
        if (s.name == name) return s;
    FAIL("no series " << name);
    throw 0;
}

}  // namespace

TEST_CASE("lag_chart: two panels with the three time and three byte series, units chosen from the data") {
    LagHistory h;
    for (int i = 0; i < 30; ++i) h.samples.push_back(sample(1000 + i, static_cast<std::uint64_t>(i) * 1024 * 1024, i * 0.1));
    h.malformed = 2;
    svg::Chart c = lag_chart(h, {"d/lag.jsonl", 1500});
    REQUIRE(c.panels.size() == 2);
    CHECK(c.panels[0].y_label == "time lag (s)");
    CHECK(c.panels[1].y_label == "behind primary WAL end (MB)");
    for (const char* n : {"write_seconds", "flush_seconds", "apply_seconds"}) CHECK(series(c, 0, n).points.size() == 30);
    for (const char* n : {"receive_bytes", "flush_bytes", "apply_bytes"}) CHECK(series(c, 1, n).points.size() == 30);
    CHECK(series(c, 1, "apply_bytes").points.back().second == doctest::Approx(29));   // MB
    CHECK(series(c, 0, "apply_seconds").points.back().second == doctest::Approx(2.9));
    CHECK(series(c, 0, "apply_seconds").points.back().first == doctest::Approx(29));   // s since the first
    CHECK(c.subtitle.find("30 samples") != std::string::npos);
    CHECK(c.subtitle.find("2 malformed lines skipped") != std::string::npos);
    CHECK(c.x_label.find("(s)") != std::string::npos);
    auto x = testing::check_xml(svg::render(c));
    CHECK_MESSAGE(x.error.empty(), x.error);
}

TEST_CASE("lag_chart: sub-second lags in ms, small byte lags in bytes") {
    LagHistory h;
    for (int i = 0; i < 5; ++i) h.samples.push_back(sample(i, 100, 0.004));
    svg::Chart c = lag_chart(h, {"x", 1500});
    CHECK(c.panels[0].y_label == "time lag (ms)");
    CHECK(c.panels[1].y_label == "behind primary WAL end (B)");
    CHECK(series(c, 0, "apply_seconds").points[0].second == doctest::Approx(4));
}

TEST_CASE("lag_chart: a pause in the history breaks the lines") {
    LagHistory h;
    for (int i = 0; i < 10; ++i) h.samples.push_back(sample(i, 10, 0.5));
    for (int i = 0; i < 10; ++i) h.samples.push_back(sample(100 + i, 10, 0.5));  // down for 90 s
    svg::Chart c = lag_chart(h, {"x", 1500});
    const auto& pts = series(c, 0, "apply_seconds").points;
    REQUIRE(pts.size() == 21);
    CHECK(std::isnan(pts[10].second));
    auto x = testing::check_xml(svg::render(c));
    REQUIRE(x.error.empty());
    int runs = 0;
    for (const auto& e : x.elements)
        runs += e.name == "polyline" && e.attrs.at("data-series") == "apply_bytes";
    CHECK(runs == 2);
}

TEST_CASE("lag_chart: long histories are reduced to max_points, keeping each bucket's maximum") {
    LagHistory h;
    for (int i = 0; i < 10000; ++i) h.samples.push_back(sample(i, 0, i == 4321 ? 7.5 : 0.01));
    svg::Chart c = lag_chart(h, {"x", 1000});
    const auto& pts = series(c, 0, "apply_seconds").points;
    CHECK(pts.size() == 1000);
    double peak = 0;
    for (const auto& p : pts) peak = std::max(peak, p.second);
    CHECK(peak == 7.5);  // the one-sample spike survives
    CHECK(c.subtitle.find("maximum of 10 samples") != std::string::npos);
    CHECK(c.x_label.find("(min)") != std::string::npos);  // 10000 s span
}

TEST_CASE("byte_unit_for: 1024-based units") {
    CHECK(std::string(byte_unit_for(0).name) == "B");
    CHECK(std::string(byte_unit_for(1023).name) == "B");
    CHECK(std::string(byte_unit_for(1024).name) == "kB");
    CHECK(std::string(byte_unit_for(5.0 * 1024 * 1024 * 1024).name) == "GB");
}
