// Corruption trials: copy real segments from a throwaway PostgreSQL 15 (1 MB segments,
// wal_compression = pglz), flip bytes at seeded random positions, and run `understudy waldump`
// and pg_waldump on each corrupted copy. Every understudy run must end (no crash: exit < 128; no
// hang: killed after a timeout) and either print exactly what pg_waldump prints, or stop with an
// error naming an LSN ("at X/Y") after printing only lines pg_waldump also prints, in the same
// order: never a record past the point where pg_waldump found the corruption (no silent misread).
//
// UNDERSTUDY_CORRUPTION_SEED (default 20261121) and UNDERSTUDY_CORRUPTION_TRIALS (default 500)
// make a run reproducible; the seed is printed.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>

#include "tests/integration/waldump_common.h"
#include "tests/support/pg_cluster.h"

using namespace understudy::testing;
using namespace understudy::testing::waldump;
namespace fs = std::filesystem;

namespace {

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::stoull(v) : fallback;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) out.push_back(line);
    return out;
}

void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Offset just past the last non-zero byte: where the WAL in a segment ends.
std::size_t used_length(const std::string& seg) {
    std::size_t n = seg.size();
    while (n > 0 && seg[n - 1] == '\0') --n;
    return n;
}

struct Corruption {
    std::vector<std::size_t> offsets;
    std::string describe() const {
        std::string s;
        for (auto o : offsets) s += (s.empty() ? "" : ",") + std::to_string(o);
        return "bytes flipped at offsets " + s;
    }
};

// Flips 1..4 bytes: mostly inside the used part of the segment, sometimes in a page header,
// sometimes anywhere (including the zero tail).
Corruption corrupt(std::string& seg, std::mt19937_64& rng) {
    Corruption c;
    std::size_t used = std::max<std::size_t>(used_length(seg), 1);
    int count = 1 + static_cast<int>(rng() % 4);
    int where = static_cast<int>(rng() % 10);
    for (int i = 0; i < count; ++i) {
        std::size_t off;
        if (where < 6) {
            off = rng() % used;
        } else if (where < 8) {  // a page header (long at offset 0: 40 bytes, short: 24)
            std::size_t page = (rng() % ((used + 8191) / 8192)) * 8192;
            off = page + rng() % (page == 0 ? 40 : 24);
        } else {
            off = rng() % seg.size();
        }
        unsigned char mask = static_cast<unsigned char>(1 + rng() % 255);
        seg[off] = static_cast<char>(static_cast<unsigned char>(seg[off]) ^ mask);
        c.offsets.push_back(off);
    }
    return c;
}

std::string strip_desc(const std::string& line) {
    auto p = line.find(", desc: ");
    return p == std::string::npos ? line : line.substr(0, p);
}

struct Tally {
    int identical = 0;
    int error_with_lsn = 0;
    int stricter = 0;  // understudy reported corruption where pg_waldump did not
    int pg_errors = 0;  // trials where pg_waldump itself stopped with an error
};

// Checks one trial; returns a failure description, or "" if the run is acceptable.
std::string judge(const Comparison& c, bool ignore_desc, Tally& tally) {
    if (c.us.timed_out) return "understudy waldump hung (killed at the timeout)";
    if (c.us.exit_code >= 128 || c.us.exit_code < 0)
        return "understudy waldump crashed (exit " + std::to_string(c.us.exit_code) + ")";
    if (c.identical() && !ignore_desc) {
        ++tally.identical;
        return "";
    }
    auto pg = lines_of(read_file(c.pg.out_path));
    auto us = lines_of(read_file(c.us.out_path));
    if (ignore_desc) {
        for (auto& l : pg) l = strip_desc(l);
        for (auto& l : us) l = strip_desc(l);
        if (pg == us && c.pg.exit_code == c.us.exit_code &&
            normalise_program_name(c.pg.err) == normalise_program_name(c.us.err)) {
            ++tally.identical;
            return "";
        }
    }
    static const std::regex names_lsn(R"(at [0-9A-F]+/[0-9A-F]+)");
    if (c.us.exit_code == 0 || !std::regex_search(c.us.err, names_lsn))
        return "output differs from pg_waldump's and understudy did not report an error naming an LSN";
    // Everything printed must be what pg_waldump prints, in order, and no more.
    if (us.size() > pg.size())
        return "understudy printed " + std::to_string(us.size()) + " lines, pg_waldump only " +
               std::to_string(pg.size()) + ": records past the corruption (silent misread)";
    for (std::size_t i = 0; i < us.size(); ++i)
        if (us[i] != pg[i]) return "line " + std::to_string(i + 1) + " differs: misread\n  pg: " + pg[i] + "\n  us: " + us[i];
    ++tally.error_with_lsn;
    if (c.pg.exit_code == 0) ++tally.stricter;
    return "";
}

}  // namespace

TEST_CASE("corrupted segments: no crash, no hang, no silent misread") {
    const std::uint64_t seed = env_number("UNDERSTUDY_CORRUPTION_SEED", 20261121);
    const int trials = static_cast<int>(env_number("UNDERSTUDY_CORRUPTION_TRIALS", 500));
    const bool ignore_desc = env_number("UNDERSTUDY_CORRUPTION_IGNORE_DESC", 0) != 0;
    MESSAGE("corruption trials: seed " << seed << ", " << trials
            << " trials (UNDERSTUDY_CORRUPTION_SEED / UNDERSTUDY_CORRUPTION_TRIALS)");
    if (ignore_desc) MESSAGE("UNDERSTUDY_CORRUPTION_IGNORE_DESC is set: desc: text NOT compared (diagnosis only)");

    // Real WAL: heap, btree, full-page images compressed with pglz, 1 MB segments.
    PgCluster pg(workload_options("pglz", false, {"--wal-segsize=1"}));
    pg.sql("create table c (id int primary key, v text, n int)");
    pg.sql("insert into c select g, md5(g::text), g % 10 from generate_series(1, 20000) g");
    pg.sql("create index on c (n)");
    pg.sql("checkpoint");
    pg.sql("update c set v = v || 'u' where id % 5 = 0");
    pg.sql("delete from c where id % 7 = 0");
    pg.sql("vacuum c");
    pg.sql("select pg_logical_emit_message(true, 'corruption', 'end')");
    std::string end_seg = pg.sql("select pg_walfile_name(pg_current_wal_insert_lsn())");
    pg.stop();

    // Sources: a complete segment from the middle, and the last (partly filled, zero tail).
    std::vector<std::string> segs;
    for (auto& e : fs::directory_iterator(pg.wal_dir())) {
        auto n = e.path().filename().string();
        if (n.size() == 24 && n.find_first_not_of("0123456789ABCDEF") == std::string::npos && n <= end_seg)
            segs.push_back(n);
    }
    std::sort(segs.begin(), segs.end());
    REQUIRE(segs.size() >= 3);
    std::vector<std::string> sources = {segs[segs.size() - 2], segs.back()};
    std::vector<std::string> originals;
    for (auto& s : sources) originals.push_back(read_file(pg.wal_dir() + "/" + s));

    TempDir work("understudy-wdcorrupt");
    std::mt19937_64 rng(seed);
    Tally tally;
    int failures = 0;
    for (int t = 0; t < trials; ++t) {
        std::size_t which = static_cast<std::size_t>(t % 2);
        std::string bytes = originals[which];
        auto how = corrupt(bytes, rng);
        std::string dir = work.path() + "/wal";
        fs::remove_all(dir);
        fs::create_directories(dir);
        write_bytes(dir + "/" + sources[which], bytes);
        std::vector<std::string> args = {"-p", dir, sources[which]};
        if (t % 5 == 4) args.push_back("-b");
        // --stats reads records without decoding their blocks: it must stop exactly where
        // decoding them does, with the same error.
        const bool stats = t % 5 == 2;
        if (stats) args.push_back("--stats=record");
        auto c = compare_waldump(args, work.path(), 10, std::chrono::seconds(20));
        REQUIRE_FALSE(c.pg.timed_out);
        tally.pg_errors += c.pg.exit_code != 0;
        std::string why;
        if (stats && !c.identical()) {
            std::vector<std::string> text = {understudy_bin(), "waldump", "-p", dir, sources[which]};
            auto decoded = run_tool(text, work.path() + "/us-text.out", std::chrono::seconds(20));
            if (c.us.exit_code == 0 || c.us.exit_code != decoded.exit_code || c.us.err != decoded.err)
                why = "--stats ended differently from a decoding run: " + c.us.err + " vs " + decoded.err;
            else
                ++tally.error_with_lsn;
        } else {
            why = judge(c, ignore_desc, tally);
        }
        if (!why.empty()) {
            ++failures;
            if (failures <= 5) {
                INFO("trial " << t << " (seed " << seed << "): " << sources[which] << ", " << how.describe());
                INFO(c.report());
                FAIL_CHECK(why);
            }
        }
    }
    MESSAGE("corruption trials: " << trials << " runs: " << tally.identical << " identical to pg_waldump, "
            << tally.error_with_lsn << " stopped with an error naming an LSN (" << tally.stricter
            << " where pg_waldump saw no error), " << failures << " failed; pg_waldump reported an error in "
            << tally.pg_errors);
    CHECK(failures == 0);
    CHECK(tally.identical + tally.error_with_lsn == trials);
}
