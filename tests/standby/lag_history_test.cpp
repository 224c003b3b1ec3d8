// DIR/lag.jsonl parsing (malformed lines skipped and counted), time windows, percentiles.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "standby/lag_history.h"
#include "standby/status.h"

using namespace understudy;
using namespace understudy::standby;

namespace {

// A line as the standby writes it (standby/status.h), not a hand-made one.
std::string producer_line(double t, std::uint64_t apply_bytes, double apply_seconds) {
    StandbyStatus s;
    s.primary_wal_end_lsn = 0x5000000;
    s.received_lsn = 0x5000000 - 100;
    s.flushed_lsn = 0x5000000 - 200;
    s.applied_lsn = 0x5000000 - apply_bytes;
    s.lag_seconds = {apply_seconds / 4, apply_seconds / 2, apply_seconds};
    s.updated_at = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::duration<double>(t)));
    return status_to_lag_line(s);
}

}  // namespace

TEST_CASE("lag history: a line written by the standby parses back to the same values") {
    auto s = parse_lag_line(producer_line(1763770000.25, 4096, 0.008));
    REQUIRE(s);
    CHECK(s->t == doctest::Approx(1763770000.25).epsilon(1e-12));
    CHECK(s->receive_bytes == 100);
    CHECK(s->flush_bytes == 200);
    CHECK(s->apply_bytes == 4096);
    CHECK(s->write_seconds == doctest::Approx(0.002));
    CHECK(s->flush_seconds == doctest::Approx(0.004));
    CHECK(s->apply_seconds == doctest::Approx(0.008));
}

TEST_CASE("lag history: malformed lines are skipped and counted, blank lines ignored") {
    std::stringstream in;
    in << producer_line(100, 1, 0.1)                                                    // 1 ok
       << "\n"                                                                          // 2 blank
       << "{\"t\": 101, \"receive_bytes\": 0, \"flush_bytes\": 0, \"apply_bytes\": \n"  // 3 torn
       << "not json at all\n"                                                           // 4
       << "[1, 2, 3]\n"                                                                 // 5 not an object
       << "{\"t\": 102, \"receive_bytes\": 0, \"flush_bytes\": 0, \"apply_bytes\": 0, \"write_seconds\": 0, "
          "\"flush_seconds\": 0}\n"  // 6 apply_seconds missing
       << "{\"t\": 103, \"receive_bytes\": -5, \"flush_bytes\": 0, \"apply_bytes\": 0, \"write_seconds\": 0, "
          "\"flush_seconds\": 0, \"apply_seconds\": 0}\n"  // 7 negative bytes
       << "{\"t\": \"104\", \"receive_bytes\": 0, \"flush_bytes\": 0, \"apply_bytes\": 0, \"write_seconds\": 0, "
          "\"flush_seconds\": 0, \"apply_seconds\": 0}\n"  // 8 t is a string
       << producer_line(105, 2, 0.2)                       // 9 ok
       << "{\"t\": 106, \"receive_bytes\": 3.0, \"flush_bytes\": 0, \"apply_bytes\": 7, \"write_seconds\": 0, "
          "\"flush_seconds\": 0, \"apply_seconds\": 0.5, \"extra\": true}\n"  // 10 ok (integral float, extra field)
       << "{\"t\": 107, \"receive_bytes\"";                                    // 11 torn last line, no newline
    LagHistory h = parse_lag_history(in);
    CHECK(h.lines == 10);
    CHECK(h.malformed == 7);
    CHECK(h.first_malformed_line == 3);
    REQUIRE(h.samples.size() == 3);
    CHECK(h.samples[0].t == 100);
    CHECK(h.samples[1].apply_bytes == 2);
    CHECK(h.samples[2].receive_bytes == 3);
    CHECK(h.samples[2].apply_seconds == 0.5);
}

TEST_CASE("lag history: the time window keeps samples between --from and --to, inclusive") {
    std::stringstream in;
    for (int t = 10; t <= 20; ++t) in << producer_line(t, static_cast<std::uint64_t>(t), 0);
    TimeWindow w;
    w.from = 12;
    w.to = 15;
    LagHistory h = parse_lag_history(in, w);
    REQUIRE(h.samples.size() == 4);
    CHECK(h.samples.front().t == 12);
    CHECK(h.samples.back().t == 15);
    CHECK(h.malformed == 0);
}

TEST_CASE("lag history: reading a missing file names it and the standby directory question") {
    auto r = read_lag_history("/nonexistent-understudy/lag.jsonl");
    REQUIRE_FALSE(r.ok());
    CHECK(r.message().find("\"/nonexistent-understudy/lag.jsonl\"") != std::string::npos);
    CHECK(r.message().find("--dir") != std::string::npos);

    char tmpl[] = "/tmp/understudy-unit-XXXXXX";
    std::string dir = ::mkdtemp(tmpl);
    {
        std::ofstream f(dir + "/lag.jsonl");
        f << producer_line(1, 10, 0.5) << "garbage\n" << producer_line(2, 20, 1.5);
    }
    auto ok = read_lag_history(dir + "/lag.jsonl");
    REQUIRE(ok.ok());
    CHECK(ok->samples.size() == 2);
    CHECK(ok->malformed == 1);
    std::filesystem::remove_all(dir);
}

TEST_CASE("percentiles: nearest rank") {
    std::vector<double> v;
    for (int i = 100; i >= 1; --i) v.push_back(i);  // unsorted on purpose
    Percentiles p = percentiles(v);
    CHECK(p.p50 == 50);
    CHECK(p.p90 == 90);
    CHECK(p.p99 == 99);
    CHECK(p.max == 100);

    p = percentiles({7});
    CHECK(p.p50 == 7);
    CHECK(p.p99 == 7);
    CHECK(p.max == 7);

    p = percentiles({1, 2, 3});  // ranks ceil(1.5)=2, ceil(2.7)=3, ceil(2.97)=3
    CHECK(p.p50 == 2);
    CHECK(p.p90 == 3);

    p = percentiles({});
    CHECK(p.max == 0);
}

TEST_CASE("summarize: each series from its own field") {
    std::stringstream in;
    for (int i = 1; i <= 10; ++i) in << producer_line(1000 + i, static_cast<std::uint64_t>(i) * 1000, i * 0.01);
    LagSummary s = summarize(parse_lag_history(in));
    CHECK(s.samples == 10);
    CHECK(s.first_t == 1001);
    CHECK(s.last_t == 1010);
    CHECK(s[LagSeries::apply_bytes].max == 10000);
    CHECK(s[LagSeries::apply_bytes].p50 == 5000);
    CHECK(s[LagSeries::apply_seconds].p90 == doctest::Approx(0.09));
    CHECK(s[LagSeries::write_seconds].max == doctest::Approx(0.025));
    CHECK(s[LagSeries::receive_bytes].max == 100);
    CHECK(s[LagSeries::flush_bytes].p99 == 200);
    CHECK(series_name(LagSeries::flush_seconds) == "flush_seconds");
}
