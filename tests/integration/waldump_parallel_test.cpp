// `understudy waldump --stats` reading the range's segments in parallel (--jobs): over real WAL
// from PostgreSQL 15 (1 MB segments, so a few MB make many chunks), its --stats and
// --stats=record output, error and exit status must be byte for byte those of --jobs 1 and of
// pg_waldump: over ranges starting and ending mid-segment, with an XLOG_SWITCH and a record
// spanning several whole segments inside the range, with a byte corrupted in the first, a
// middle and the last segment, with a zeroed tail, and with a .partial last segment. A trace
// (UNDERSTUDY_WALDUMP_TRACE_CHUNKS) shows the parallel path was taken and how many chunks joined.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>

#include "common/lsn.h"
#include "tests/integration/waldump_common.h"
#include "tests/support/pg_cluster.h"

using namespace understudy::testing;
using namespace understudy::testing::waldump;
namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t kSeg = 1024 * 1024;

std::uint64_t parse_lsn(const std::string& s) {
    unsigned hi = 0, lo = 0;
    REQUIRE(std::sscanf(s.c_str(), "%X/%X", &hi, &lo) == 2);
    return (std::uint64_t{hi} << 32) | lo;
}

std::string seg_name(std::uint64_t segno) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%08X%08X%08X", 1u, static_cast<unsigned>(segno / 4096),
                  static_cast<unsigned>(segno % 4096));
    return buf;
}

void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

struct Run {
    int exit_code = -1;
    std::string out;
    std::string err;
};

Run run_us(const std::vector<std::string>& args, const std::string& work, const std::string& jobs,
           bool trace = false) {
    std::vector<std::string> argv;
    if (trace) argv = {"/usr/bin/env", "UNDERSTUDY_WALDUMP_TRACE_CHUNKS=1"};
    argv.push_back(understudy_bin());
    argv.push_back("waldump");
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("--jobs");
    argv.push_back(jobs);
    auto r = run_tool(argv, work + "/us-" + jobs + ".out", std::chrono::seconds(60));
    REQUIRE_FALSE(r.timed_out);
    return {r.exit_code, read_file(r.out_path), r.err};
}

// "waldump: K chunks, J joined" from a traced run.
std::pair<int, int> chunk_trace(const std::string& err) {
    static const std::regex re(R"(waldump: (\d+) chunks, (\d+) joined)");
    std::smatch m;
    if (!std::regex_search(err, m, re)) return {0, 0};
    return {std::stoi(m[1]), std::stoi(m[2])};
}

struct Outcome {
    std::pair<int, int> trace;         // --jobs 4: chunks, joined (0, 0: read sequentially)
    std::pair<int, int> trace_single;  // --jobs 9: a chunk per segment
    Run parallel;
};

// --jobs 4 against --jobs 1 (always) and pg_waldump (when `with_pg`): stdout, stderr, status.
Outcome check_same(const std::vector<std::string>& args, const std::string& work, bool with_pg) {
    INFO("args: " << [&] { std::string s; for (auto& a : args) s += a + " "; return s; }());
    Run seq = run_us(args, work, "1");
    Run par = run_us(args, work, "4");
    CHECK(par.exit_code == seq.exit_code);
    CHECK(par.err == seq.err);
    CHECK(par.out == seq.out);
    CHECK(par.exit_code < 128);
    // A chunk per segment: some chunk starts inside the record that spans whole segments.
    Run single = run_us(args, work, "9");
    CHECK(single.exit_code == seq.exit_code);
    CHECK(single.err == seq.err);
    CHECK(single.out == seq.out);
    if (with_pg) {
        auto c = compare_waldump(args, work, 20, std::chrono::seconds(60));
        INFO(c.report());
        CHECK(c.identical());
    }
    Run traced = run_us(args, work, "4", true);
    CHECK(traced.out == seq.out);
    Run traced_single = run_us(args, work, "9", true);
    CHECK(traced_single.out == seq.out);
    return {chunk_trace(traced.err), chunk_trace(traced_single.err), par};
}

}  // namespace

TEST_CASE("waldump --stats in parallel: identical to --jobs 1 and pg_waldump") {
    PgCluster pg(workload_options("off", false, {"--wal-segsize=1"}));
    pg.sql("create table p (id int primary key, v text)");
    pg.sql("checkpoint");
    const std::string start = pg.sql("select pg_current_wal_insert_lsn()");
    pg.sql("insert into p select g, md5(g::text) from generate_series(1, 20000) g");
    pg.sql("select pg_switch_wal()");  // an XLOG_SWITCH inside the range
    pg.sql("update p set v = v || 'x' where id % 3 = 0");
    // A record spanning more than two whole segments: no record begins in some chunk's first
    // segment.
    pg.sql("select pg_logical_emit_message(false, 'big', repeat('0123456789abcdef', 180000))");
    pg.sql("delete from p where id % 4 = 0");
    pg.sql("vacuum p");
    pg.sql("select pg_logical_emit_message(true, 'parallel', 'end')");
    const std::string end = pg.sql("select pg_current_wal_insert_lsn()");
    pg.stop();

    const std::uint64_t start_lsn = parse_lsn(start), end_lsn = parse_lsn(end);
    const std::uint64_t first_seg = start_lsn / kSeg, last_seg = end_lsn / kSeg;
    MESSAGE("range " << start << " .. " << end << ": " << last_seg - first_seg + 1 << " segments");
    REQUIRE(last_seg - first_seg + 1 >= 8);
    REQUIRE(start_lsn % kSeg != 0);
    REQUIRE(end_lsn % kSeg != 0);

    TempDir work("understudy-wdpar");
    const std::string wal = work.path() + "/wal";
    auto reset_wal = [&] {
        fs::remove_all(wal);
        fs::create_directories(wal);
        for (std::uint64_t s = first_seg; s <= last_seg; ++s)
            fs::copy_file(pg.wal_dir() + "/" + seg_name(s), wal + "/" + seg_name(s));
    };
    reset_wal();
    const std::vector<std::string> range = {"-p", wal, "-s", start, "-e", end};

    SUBCASE("whole range, mid-segment start and end, --stats and --stats=record") {
        for (const char* st : {"--stats", "--stats=record"}) {
            auto args = range;
            args.push_back(st);
            auto o = check_same(args, work.path(), true);
            CHECK(o.trace.first == 4);
            CHECK(o.trace.second == 4);  // every seam joined: the parallel result is used
            // A chunk per segment: the chunk before the big record's segments continues alone.
            MESSAGE("--jobs 9: " << o.trace_single.first << " chunks, " << o.trace_single.second << " joined");
            CHECK(o.trace_single.first == 9);
            CHECK(o.trace_single.second >= 2);
            CHECK(o.trace_single.second < 9);
            CHECK(o.parallel.exit_code == 0);
            CHECK(o.parallel.out.find("Total") != std::string::npos);
        }
        // STARTSEG ENDSEG, -z, filters and -n (sequential)
        check_same({"-p", wal, seg_name(first_seg + 1), seg_name(last_seg - 1), "-z"}, work.path(), true);
        check_same({"-p", wal, "-s", start, "-e", end, "--stats=record", "-r", "Heap"}, work.path(), true);
        auto limited = check_same({"-p", wal, "-s", start, "-e", end, "--stats", "-n", "5000"}, work.path(), true);
        CHECK(limited.trace.first == 0);
        // ends just inside the segment after the big record's end / a few bytes into a segment
        check_same({"-p", wal, "-s", start, "-e", understudy::format_lsn((first_seg + 3) * kSeg + 8), "--stats"},
                   work.path(), true);
    }

    SUBCASE("a corrupted byte in the first, a middle and the last segment") {
        for (std::uint64_t seg : {first_seg, (first_seg + last_seg) / 2, last_seg}) {
            reset_wal();
            const std::string path = wal + "/" + seg_name(seg);
            std::string bytes = read_file(path);
            // Inside the used part, past the long page header, off any page header.
            std::size_t off = seg == last_seg ? (end_lsn % kSeg) / 2 : kSeg / 2 + 1000;
            if (seg == first_seg) off = std::max<std::size_t>(off, start_lsn % kSeg + 5000);
            bytes[off] = static_cast<char>(bytes[off] ^ 0x5A);
            write_bytes(path, bytes);
            INFO("segment " << seg_name(seg) << " offset " << off);
            for (const char* st : {"--stats", "--stats=record"}) {
                auto args = range;
                args.push_back(st);
                auto o = check_same(args, work.path(), true);
                CHECK(o.parallel.exit_code == 1);
                CHECK(o.parallel.err.find(" at ") != std::string::npos);
                CHECK(o.trace.first == 4);
                CHECK(o.trace.second >= 1);
            }
        }
    }

    SUBCASE("a zeroed tail: the WAL ends before -e") {
        const std::uint64_t mid = (first_seg + last_seg) / 2;
        for (std::uint64_t s = mid; s <= last_seg; ++s) {
            const std::string path = wal + "/" + seg_name(s);
            std::string bytes = read_file(path);
            std::size_t from = s == mid ? kSeg / 3 : 0;
            std::fill(bytes.begin() + static_cast<std::ptrdiff_t>(from), bytes.end(), '\0');
            write_bytes(path, bytes);
        }
        auto args = range;
        args.push_back("--stats=record");
        auto o = check_same(args, work.path(), true);
        CHECK(o.parallel.exit_code == 1);
        CHECK(o.trace.first == 4);
        CHECK(o.trace.second < 4);  // the chunk that met the zeros continued alone
    }

    SUBCASE("a .partial last segment") {
        fs::rename(wal + "/" + seg_name(last_seg), wal + "/" + seg_name(last_seg) + ".partial");
        for (const char* st : {"--stats", "--stats=record"}) {
            auto args = range;
            args.push_back(st);
            // pg_waldump 15 does not read .partial files: compared with --jobs 1 only.
            auto o = check_same(args, work.path(), false);
            CHECK(o.parallel.exit_code == 0);
            CHECK(o.trace.second == 4);
        }
        // and with the .partial segment gone, the error names the missing segment alike
        fs::remove(wal + "/" + seg_name(last_seg) + ".partial");
        auto args = range;
        args.push_back("--stats");
        auto o = check_same(args, work.path(), true);
        CHECK(o.parallel.exit_code == 1);
    }
}
