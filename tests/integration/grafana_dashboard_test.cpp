// docs/grafana/understudy.json queries only metrics a running standby serves: every
// understudy_* name in its panel queries and variables is a family with at least one sample in
// GET /metrics of `understudy standby --verify --http` against a real PostgreSQL 15 primary.
#include <csignal>
#include <cstdlib>
#include <regex>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/integration/standby_helpers.h"

using namespace understudy;
using namespace understudy::testing;
using namespace understudy::testing::standby;
using namespace std::chrono_literals;

namespace {

// Every string in the dashboard's queries: panels[].targets[].expr and templating queries.
void collect_queries(const nlohmann::json& j, std::set<std::string>& names) {
    static const std::regex metric(R"(\bunderstudy_[a-z0-9_]+)");
    if (j.is_object()) {
        for (auto& [key, value] : j.items()) {
            if ((key == "expr" || key == "query" || key == "definition") && value.is_string()) {
                const std::string s = value.get<std::string>();
                for (std::sregex_iterator it(s.begin(), s.end(), metric), end; it != end; ++it) names.insert(it->str());
            } else {
                collect_queries(value, names);
            }
        }
    } else if (j.is_array()) {
        for (const auto& v : j) collect_queries(v, names);
    }
}

// Metric names with at least one sample ("name{labels}" keys).
std::set<std::string> served_names(const PromParse& p) {
    std::set<std::string> out;
    for (const auto& [series, value] : p.samples) out.insert(series.substr(0, series.find('{')));
    return out;
}

}  // namespace

TEST_CASE("grafana dashboard: every metric it queries is served by a running standby's /metrics") {
    const char* root = std::getenv("UNDERSTUDY_SOURCE_ROOT");
    REQUIRE(root != nullptr);
    const std::string dash_path = std::string(root) + "/docs/grafana/understudy.json";
    const auto dash = nlohmann::json::parse(read_file(dash_path), nullptr, false);
    REQUIRE_MESSAGE(!dash.is_discarded(), dash_path << " is not valid JSON");
    REQUIRE(dash["panels"].is_array());
    for (const auto& panel : dash["panels"]) {
        CAPTURE(panel["title"].get<std::string>());
        CHECK(!panel["targets"].empty());
    }
    std::set<std::string> queried;
    collect_queries(dash, queried);
    // The issue's list: lag seconds and bytes, positions, records per rmgr, mismatches,
    // reconnects by reason, clock skew.
    for (const char* must : {"understudy_apply_lag_seconds", "understudy_apply_lag_bytes", "understudy_applied_lsn_bytes",
                             "understudy_records_applied_total", "understudy_images_mismatched_total",
                             "understudy_reconnects_total", "understudy_clock_skew_seconds"})
        CHECK_MESSAGE(queried.contains(must), dash_path << " does not query " << must);

    PgCluster pg;
    pg.pgbench_init(1);
    TempDir dir("understudy-grafana");
    const std::string log_path = dir.path() + "/standby.log";
    const int http_port = free_port();
    HangReporter hang({log_path}, 120s);
    auto sb = Child::spawn(standby_argv(pg, dir.path() + "/s", {"--verify", "--http", std::to_string(http_port)}),
                           log_path);
    REQUIRE_MESSAGE(wait_streaming(pg), read_file(log_path));
    pg.sql("create table grafana_t(i int); insert into grafana_t select generate_series(1, 100)");

    // Served once replay has applied something (records per rmgr) and the clock skew is known.
    std::set<std::string> served, missing;
    std::string text;
    const bool all_served = wait_until([&] {
        text = http_get(http_port, "/metrics");
        const PromParse p = parse_prometheus_text(text);
        if (!p.ok) return false;
        served = served_names(p);
        missing.clear();
        for (const auto& name : queried)
            if (!served.contains(name)) missing.insert(name);
        return missing.empty();
    }, 60s, 200ms);
    std::string missing_text;
    for (const auto& m : missing) missing_text += " " + m;
    CHECK_MESSAGE(all_served, "queried by the dashboard but not served:" << missing_text << "\n/metrics:\n" << text
                                                                         << "\nlog:\n" << read_file(log_path));
    CHECK(parse_prometheus_text(text).ok);
    MESSAGE("dashboard queries " << queried.size() << " metrics; /metrics serves " << served.size());
    sb.signal(SIGTERM);
    CHECK(sb.wait(30s) == 0);
}
