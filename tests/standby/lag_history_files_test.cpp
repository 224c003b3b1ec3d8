// DIR/lag.jsonl rotation (standby/lag_history_files.h) and reading the rotated files in time
// order (read_lag_history): lines written by the producer (status_to_lag_line), no line lost or
// repeated, the oldest file dropped, a gap left by a crash between renames, a file seen under
// two names mid-rotation read once.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "standby/lag_history.h"
#include "standby/lag_history_files.h"
#include "standby/status.h"

using namespace understudy;
using namespace understudy::standby;

namespace {

std::string producer_line(double t) {
    StandbyStatus s;
    s.primary_wal_end_lsn = 0x5000000;
    s.applied_lsn = 0x5000000 - static_cast<std::uint64_t>(t);
    s.updated_at = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::duration<double>(t)));
    return status_to_lag_line(s);
}

struct TmpDir {
    std::string path;
    TmpDir() {
        char tmpl[] = "/tmp/understudy-unit-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TmpDir() { std::filesystem::remove_all(path); }
};

std::uintmax_t file_size(const std::string& p) { return std::filesystem::file_size(p); }

std::size_t count_lines(const std::string& p) {
    std::ifstream in(p);
    std::size_t n = 0;
    for (std::string line; std::getline(in, line);) ++n;
    return n;
}

}  // namespace

TEST_CASE("lag history files: rotated names") {
    CHECK(is_rotated_name("lag.jsonl.1", "lag.jsonl"));
    CHECK(is_rotated_name("lag.jsonl.3", "lag.jsonl"));
    CHECK(is_rotated_name("lag.jsonl.12", "lag.jsonl"));
    CHECK_FALSE(is_rotated_name("lag.jsonl", "lag.jsonl"));
    CHECK_FALSE(is_rotated_name("lag.jsonl.", "lag.jsonl"));
    CHECK_FALSE(is_rotated_name("lag.jsonl.0", "lag.jsonl"));
    CHECK_FALSE(is_rotated_name("lag.jsonl.01", "lag.jsonl"));
    CHECK_FALSE(is_rotated_name("lag.jsonl.1x", "lag.jsonl"));
    CHECK_FALSE(is_rotated_name("lag.jsonl.-1", "lag.jsonl"));
    CHECK_FALSE(is_rotated_name("lag.jsonl.tmp", "lag.jsonl"));
    CHECK_FALSE(is_rotated_name("lag.jsonlx.1", "lag.jsonl"));
    CHECK_FALSE(is_rotated_name("status.json.1", "lag.jsonl"));
}

TEST_CASE("lag history files: rotation by size keeps N files, drops the oldest, loses no kept line") {
    TmpDir d;
    const std::string path = d.path + "/lag.jsonl";
    const std::size_t line_size = producer_line(1000).size();
    const std::uint64_t max_bytes = 10 * line_size + line_size / 2;  // 10 lines a file
    LagHistoryWriter w(path, {max_bytes, 3});
    const int total = 123;
    for (int t = 1000; t < 1000 + total; ++t) REQUIRE(w.append(producer_line(t)).ok());

    for (const char* suffix : {"", ".1", ".2", ".3"}) {
        REQUIRE(std::filesystem::exists(path + suffix));
        CHECK(file_size(path + suffix) <= max_bytes);
    }
    CHECK_FALSE(std::filesystem::exists(path + ".4"));
    // 123 lines: 12 full files and 3 lines; the newest 3 full files are kept as .1 .. .3.
    CHECK(count_lines(path) == 3);
    for (const char* suffix : {".1", ".2", ".3"}) CHECK(count_lines(path + suffix) == 10);

    const auto files = lag_history_files(path);
    REQUIRE(files.size() == 4);
    CHECK(files[0] == path + ".3");
    CHECK(files[3] == path);

    auto h = read_lag_history(path);
    REQUIRE(h.ok());
    CHECK(h->files == files);
    CHECK(h->malformed == 0);
    REQUIRE(h->samples.size() == 33);
    // Time order across files, consecutive: the newest 33 lines written, none lost or repeated.
    for (std::size_t i = 0; i < h->samples.size(); ++i)
        CHECK(h->samples[i].t == doctest::Approx(1000 + total - 33 + static_cast<double>(i)));

    // --from/--to span file boundaries.
    auto w2 = read_lag_history(path, TimeWindow{1095, 1115});
    REQUIRE(w2.ok());
    REQUIRE(w2->samples.size() == 21);
    CHECK(w2->samples.front().t == doctest::Approx(1095));
    CHECK(w2->samples.back().t == doctest::Approx(1115));
}

TEST_CASE("lag history files: max 0 never rotates; a line longer than max still goes into a fresh file") {
    TmpDir d;
    const std::string path = d.path + "/lag.jsonl";
    LagHistoryWriter never(path, {0, 3});
    for (int t = 0; t < 50; ++t) REQUIRE(never.append(producer_line(t)).ok());
    CHECK(count_lines(path) == 50);
    CHECK_FALSE(std::filesystem::exists(path + ".1"));

    LagHistoryWriter tiny(path, {10, 2});  // every line is longer than 10 bytes
    REQUIRE(tiny.append(producer_line(50)).ok());
    REQUIRE(tiny.append(producer_line(51)).ok());
    CHECK(count_lines(path) == 1);
    CHECK(count_lines(path + ".1") == 1);
    CHECK(count_lines(path + ".2") == 50);
    auto h = read_lag_history(path);
    REQUIRE(h.ok());
    REQUIRE(h->samples.size() == 52);
    CHECK(h->samples.back().t == doctest::Approx(51));
}

TEST_CASE("lag history files: a gap left by a crash between renames is read in order and closed") {
    TmpDir d;
    const std::string path = d.path + "/lag.jsonl";
    // As after "PATH.2 -> PATH.3" succeeded and the process died before "PATH.1 -> PATH.2":
    // .3 and .1 exist, .2 does not.
    std::ofstream(path + ".3") << producer_line(1) << producer_line(2);
    std::ofstream(path + ".1") << producer_line(3) << producer_line(4);
    std::ofstream(path) << producer_line(5);
    auto h = read_lag_history(path);
    REQUIRE(h.ok());
    REQUIRE(h->samples.size() == 5);
    for (std::size_t i = 0; i < 5; ++i) CHECK(h->samples[i].t == doctest::Approx(1 + static_cast<double>(i)));

    LagHistoryWriter w(path, {1, 3});
    REQUIRE(w.rotate().ok());  // .1 -> .2, PATH -> .1; the missing .2 is skipped
    REQUIRE(w.append(producer_line(6)).ok());
    CHECK(count_lines(path + ".3") == 2);
    CHECK(count_lines(path + ".2") == 2);
    CHECK(count_lines(path + ".1") == 1);
    auto after = read_lag_history(path);
    REQUIRE(after.ok());
    REQUIRE(after->samples.size() == 6);
    CHECK(after->samples.back().t == doctest::Approx(6));
}

TEST_CASE("lag history files: a file seen under two names (mid-rotation) is read once") {
    TmpDir d;
    const std::string path = d.path + "/lag.jsonl";
    std::ofstream(path + ".1") << producer_line(1) << producer_line(2);
    std::ofstream(path) << producer_line(3);
    // A reader that opened PATH and then lists the directory after "PATH -> PATH.1" sees its
    // open file as PATH.1 too; a hard link gives the same view without a race.
    std::filesystem::rename(path + ".1", path + ".2");
    REQUIRE(::link(path.c_str(), (path + ".1").c_str()) == 0);
    auto h = read_lag_history(path);
    REQUIRE(h.ok());
    CHECK(h->files.size() == 2);
    REQUIRE(h->samples.size() == 3);
    CHECK(h->samples[0].t == doctest::Approx(1));
    CHECK(h->samples[2].t == doctest::Approx(3));
}

TEST_CASE("lag history files: only rotated files (PATH not yet recreated) are still read; none is an error") {
    TmpDir d;
    const std::string path = d.path + "/lag.jsonl";
    auto none = read_lag_history(path);
    REQUIRE_FALSE(none.ok());
    CHECK(none.message().find(path) != std::string::npos);
    std::ofstream(path + ".1") << producer_line(7);
    auto h = read_lag_history(path);
    REQUIRE(h.ok());
    CHECK(h->samples.size() == 1);
}

TEST_CASE("lag history files: a smaller keep removes the files numbered past it at the next rotation") {
    TmpDir d;
    const std::string path = d.path + "/lag.jsonl";
    for (int n = 5; n >= 1; --n) std::ofstream(path + "." + std::to_string(n)) << producer_line(10 - n);
    std::ofstream(path) << producer_line(10);
    REQUIRE(read_lag_history(path)->samples.size() == 6);  // all are read before the rotation
    LagHistoryWriter w(path, {1, 2});
    REQUIRE(w.append(producer_line(11)).ok());
    CHECK(std::filesystem::exists(path + ".1"));
    CHECK(std::filesystem::exists(path + ".2"));
    for (const char* gone : {".3", ".4", ".5"}) CHECK_FALSE(std::filesystem::exists(path + gone));
    auto h = read_lag_history(path);
    REQUIRE(h.ok());
    REQUIRE(h->samples.size() == 3);
    CHECK(h->samples[0].t == doctest::Approx(9));   // old .1, now .2
    CHECK(h->samples[1].t == doctest::Approx(10));  // old PATH, now .1
    CHECK(h->samples[2].t == doctest::Approx(11));
}
