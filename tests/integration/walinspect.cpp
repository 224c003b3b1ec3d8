#include "tests/integration/walinspect.h"

#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <tuple>
#include <set>
#include <filesystem>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <stdexcept>

#include "tests/integration/waldump_common.h"
#include "tests/integration/waldump_versions.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/process.h"

namespace understudy::testing::waldump {

namespace fs = std::filesystem;

namespace {

// What both sides say about one record.
struct RecordView {
    std::string type;         // rm_identify
    std::string description;  // rm_desc (newlines as \n)
    std::vector<std::tuple<std::string, std::string, std::string>> blocks;  // rel, fork, blk
};

std::string escape_newlines(const std::string& s) {
    std::string out;
    for (char c : s) out += c == '\n' ? std::string("\\n") : std::string(1, c);
    return out;
}

// "rel 1663/5/16384 fork fsm blk 2" (the fork is left out for main) in a block_ref column.
std::vector<std::tuple<std::string, std::string, std::string>> blocks_of(const std::string& block_ref) {
    static const std::regex re(R"(rel (\d+/\d+/\d+)(?: fork (\w+))? blk (\d+))");
    std::vector<std::tuple<std::string, std::string, std::string>> blocks;
    for (std::sregex_iterator it(block_ref.begin(), block_ref.end(), re), end; it != end; ++it)
        blocks.emplace_back((*it)[1], (*it)[2].matched ? (*it)[2].str() : "main", (*it)[3]);
    return blocks;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) lines.push_back(line);
    return lines;
}

std::vector<std::string> fields_of(const std::string& line, char sep) {
    std::vector<std::string> f;
    std::string part;
    std::istringstream in(line);
    while (std::getline(in, part, sep)) f.push_back(part);
    if (!line.empty() && line.back() == sep) f.emplace_back();
    return f;
}

// Rows "name count rec_size fpi_size combined" of our --stats / --stats=record output.
std::map<std::string, std::string> our_stats(const std::string& text) {
    static const std::regex re(R"(^(\S+)\s+(\d+) \(\s*[\d.]+\)\s+(\d+) \(\s*[\d.]+\)\s+(\d+) \(\s*[\d.]+\)\s+(\d+) \(\s*[\d.]+\)\s*$)");
    std::map<std::string, std::string> rows;
    for (auto& line : lines_of(text)) {
        std::smatch m;
        if (!std::regex_match(line, m, re) || m[2] == "0") continue;
        rows[m[1]] = m[2].str() + " " + m[3].str() + " " + m[4].str() + " " + m[5].str();
    }
    return rows;
}

}  // namespace

namespace {

std::uint64_t parse_lsn(const std::string& text) {
    auto slash = text.find('/');
    if (slash == std::string::npos) throw std::runtime_error("not an LSN: " + text);
    return (std::stoull(text.substr(0, slash), nullptr, 16) << 32) | std::stoull(text.substr(slash + 1), nullptr, 16);
}

std::string lsn_text(std::uint64_t lsn) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%X/%X", static_cast<unsigned>(lsn >> 32), static_cast<unsigned>(lsn));
    return buf;
}

constexpr std::uint64_t kFixtureSegSize = 1u << 20;  // the fixtures' initdb --wal-segsize=1

// The first LSN of a 1 MB segment named `name` (TTTTTTTTLLLLLLLLSSSSSSSS).
std::uint64_t segment_start(const std::string& name) {
    if (name.size() != 24) throw std::runtime_error("not a WAL segment name: " + name);
    const std::uint64_t log = std::stoull(name.substr(8, 8), nullptr, 16);
    const std::uint64_t seg = std::stoull(name.substr(16, 8), nullptr, 16);
    return log * 0x100000000ull + seg * kFixtureSegSize;
}

// What the comparison of one group found.
struct Tally {
    std::size_t records = 0, type_diffs = 0, desc_diffs = 0, block_diffs = 0, missing = 0, extra = 0, bad_json = 0;
    std::size_t stats_diffs = 0;
    std::set<std::string> types;  // "Rmgr/TYPE" of every record compared
    std::string first_diffs;
    void note(const std::string& s) {
        if (std::count(first_diffs.begin(), first_diffs.end(), '\n') < 40) first_diffs += s + "\n";
    }
};

// A description as the server's rm_desc prints it, with its timestamps as pg_waldump prints them:
// the backend's timestamptz_to_str writes ISO style with a numeric zone and the fraction's
// trailing zeros cut ("2026-12-07 02:48:55.87158+00"), the frontend's "%Y-%m-%d %H:%M:%S.%06d %Z"
// ("2026-12-07 02:48:55.871580 UTC"). Both run in UTC here (the server's timezone setting, the
// test's TZ).
std::string with_frontend_timestamps(const std::string& desc) {
    static const std::regex ts(R"((\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(?:\.(\d{1,6}))?\+00)");
    std::string out;
    auto begin = std::sregex_iterator(desc.begin(), desc.end(), ts);
    std::size_t from = 0;
    for (auto it = begin; it != std::sregex_iterator(); ++it) {
        const std::smatch& m = *it;
        out += desc.substr(from, static_cast<std::size_t>(m.position(0)) - from);
        std::string frac = m[2].matched ? m[2].str() : "";
        frac.resize(6, '0');
        out += m[1].str() + "." + frac + " UTC";
        from = static_cast<std::size_t>(m.position(0) + m.length(0));
    }
    return out + desc.substr(from);
}

// pg_get_wal_records_info over [start, end) against understudy's --json records of that range.
void compare_records(const PgCluster& pg, const std::vector<nlohmann::json>& ours, const std::string& start,
                     const std::string& end, Tally& t) {
    std::string rows = pg.sql(
        "select string_agg(start_lsn::text || chr(31) || resource_manager || chr(31) || record_type || chr(31) || "
        "replace(coalesce(description, ''), chr(10), '\\n') || chr(31) || coalesce(block_ref, ''), chr(30) "
        "order by start_lsn) from pg_get_wal_records_info('" + start + "', '" + end + "')");
    std::map<std::string, std::pair<std::string, RecordView>> theirs;
    for (auto& rec : fields_of(rows, '\x1e')) {
        if (rec.empty()) continue;
        auto f = fields_of(rec, '\x1f');
        REQUIRE_MESSAGE(f.size() == 5, "unexpected pg_get_wal_records_info row: " << rec.substr(0, 200));
        theirs[f[0]] = {f[1], RecordView{f[2], with_frontend_timestamps(f[3]), blocks_of(f[4])}};
    }
    std::set<std::string> seen;
    for (const nlohmann::json& j : ours) {
        const std::string lsn = j.value("lsn", "");
        ++t.records;
        seen.insert(lsn);
        auto it = theirs.find(lsn);
        if (it == theirs.end()) {
            ++t.extra;
            t.note("  " + lsn + ": not in pg_get_wal_records_info");
            continue;
        }
        const RecordView& r = it->second.second;
        t.types.insert(it->second.first + "/" + r.type);
        const std::string type = j.value("type", "");
        const std::string desc = escape_newlines(j.value("desc", ""));
        if (type != r.type) {
            ++t.type_diffs;
            t.note("  " + lsn + " record_type: < " + r.type + " > " + type);
        }
        if (desc != r.description) {
            ++t.desc_diffs;
            t.note("  " + lsn + " " + r.type + " description:\n    < " + r.description.substr(0, 300) + "\n    > " +
                   desc.substr(0, 300));
        }
        std::vector<std::tuple<std::string, std::string, std::string>> blocks;
        for (auto& b : j["blocks"])
            blocks.emplace_back(std::to_string(b.value("spcNode", 0u)) + "/" + std::to_string(b.value("dbNode", 0u)) + "/" +
                                    std::to_string(b.value("relNode", 0u)),
                                b.value("fork", ""), std::to_string(b.value("blkno", 0u)));
        if (blocks != r.blocks) {
            ++t.block_diffs;
            t.note("  " + lsn + " " + r.type + ": block references differ");
        }
    }
    for (auto& [lsn, r] : theirs)
        if (!seen.count(lsn)) {
            ++t.missing;
            t.note("  " + lsn + " " + r.second.type + ": pg_walinspect has it, understudy does not");
        }
}

// pg_get_wal_stats over [start, end) against understudy's --stats and --stats=record figures.
void compare_stats(const PgCluster& pg, const std::vector<std::string>& us_argv, const std::string& start,
                   const std::string& end, const std::string& work, Tally& t) {
    for (bool per_record : {false, true}) {
        std::string stats = pg.sql(
            "select string_agg(\"resource_manager/record_type\" || ' ' || count || ' ' || record_size || ' ' || "
            "fpi_size || ' ' || combined_size, chr(10) order by 1) from pg_get_wal_stats('" + start + "', '" + end +
            "', " + (per_record ? "true" : "false") + ") where count > 0");
        std::map<std::string, std::string> want;
        for (auto& l : lines_of(stats)) {
            auto sp = l.find(' ');
            want[l.substr(0, sp)] = l.substr(sp + 1);
        }
        std::vector<std::string> argv = us_argv;
        argv.push_back(per_record ? "--stats=record" : "--stats");
        ToolRun s = run_tool(argv, work + "/us.stats", std::chrono::seconds(120));
        auto got = our_stats(read_file(s.out_path));
        if (want.empty()) t.note("  " + start + ".." + end + ": pg_get_wal_stats returned nothing");
        for (auto& [name, v] : want)
            if (got[name] != v) {
                ++t.stats_diffs;
                t.note("  " + start + ".." + end + (per_record ? " per record " : " per rmgr ") + name + ": < " + v + " > " + got[name]);
            }
        for (auto& [name, v] : got)
            if (!want.count(name)) {
                ++t.stats_diffs;
                t.note("  " + start + ".." + end + " " + name + ": < (none) > " + v);
            }
    }
}

}  // namespace

void check_against_walinspect(int major) {
    const std::string fixture = version_fixture_dir(major);
    REQUIRE_MESSAGE(fs::is_directory(fixture + "/wal"), "missing " << fixture << "/wal (tools/make_version_fixtures.sh)");
    TempDir tmp("understudy-walinspect");
    const std::string wal = tmp.path() + "/wal";
    unpack_zst_dir(fixture + "/wal", wal);

    // The groups of the fixture: the segments each text case reads.
    std::vector<std::pair<std::string, std::string>> groups;
    std::uint64_t last_end = 0;
    for (auto& c : read_fixture_cases(fixture)) {
        if (c.name.size() < 5 || c.name.compare(c.name.size() - 5, 5, ".text") != 0) continue;
        REQUIRE_MESSAGE(c.args.size() == 4, "unexpected arguments of " << c.name);
        groups.emplace_back(c.args[2], c.args[3]);
        last_end = std::max(last_end, segment_start(c.args[3]) + kFixtureSegSize);
    }
    REQUIRE(groups.size() > 4);

    // A server of the version whose WAL has gone past every fixture segment (a logical message
    // and a switch per segment), with those segments then put in its pg_wal in place of its own:
    // pg_walinspect reads WAL by LSN from pg_wal and checks no system identifier.
    PgOptions opts;
    opts.initdb_args = {"--wal-segsize=1"};
    opts.conf = {"fsync = off", "max_wal_size = 32MB", "min_wal_size = 4MB", "timezone = 'UTC'"};
    ::setenv("TZ", "UTC", 1);  // understudy waldump's timestamps (pg_waldump's localtime)
    if (major != 15) opts.bindir = pg_version_bindir(major);
    PgCluster pg(opts);
    pg.sql("create extension pg_walinspect");
    const std::uint64_t switches = last_end / kFixtureSegSize + 2;
    pg.sql("select count(*) from (select pg_logical_emit_message(false, 'understudy', 'x'), pg_switch_wal() "
           "from generate_series(1, " + std::to_string(switches) + ")) s");
    REQUIRE(parse_lsn(pg.sql("select pg_current_wal_flush_lsn()")) > last_end);
    // Keep the segments put in place from being recycled by a checkpoint.
    pg.sql("alter system set wal_keep_size = '2GB'");
    pg.sql("select pg_reload_conf()");
    pg.sql("checkpoint");
    for (auto& e : fs::directory_iterator(wal)) {
        const std::string dst = pg.wal_dir() + "/" + e.path().filename().string();
        fs::copy_file(e.path(), dst, fs::copy_options::overwrite_existing);
        fs::permissions(dst, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
    }
    MESSAGE("PostgreSQL " << major << " (" << pg.sql("select version()") << "): " << groups.size()
                          << " groups of fixture segments up to " << lsn_text(last_end));

    Tally t;
    std::size_t ranges = 0;
    for (auto& [first_seg, last_seg] : groups) {
        // Our records of the group, as `waldump FIRST LAST` reads them; the range compared ends
        // at the start of the last one: pg_walinspect reads the record after its end LSN before
        // it stops, and the record after the group's last is in a segment the fixture lacks.
        ToolRun json = run_tool({understudy_bin(), "waldump", "--json", "-p", wal, first_seg, last_seg},
                                tmp.path() + "/us.json", std::chrono::seconds(120));
        std::vector<nlohmann::json> ours;
        std::ifstream f(json.out_path);
        std::string line;
        while (std::getline(f, line)) {
            try {
                ours.push_back(nlohmann::json::parse(line));
            } catch (const std::exception&) {
                if (t.bad_json++ == 0) t.note("  bad JSON: " + line.substr(0, 200));
            }
        }
        if (ours.size() < 2) continue;
        const std::string start = lsn_text(segment_start(first_seg));
        const std::string end = ours.back().value("lsn", "");
        ours.pop_back();
        compare_records(pg, ours, start, end, t);
        compare_stats(pg, {understudy_bin(), "waldump", "-p", wal, "-s", start, "-e", end}, start, end, tmp.path(), t);
        ++ranges;
    }

    // Every record type the fixture holds (pg_waldump's --stats=record of its groups), but those
    // that are only ever a group's last record.
    std::set<std::string> in_fixture;
    for (auto& c : read_fixture_cases(fixture))
        if (c.name.size() > 13 && c.name.compare(c.name.size() - 13, 13, ".stats_record") == 0) {
            auto more = record_types_in_stats(read_zst_file(fixture + "/expected/" + c.name + ".out.zst"));
            in_fixture.insert(more.begin(), more.end());
        }
    std::string not_compared;
    for (auto& type : in_fixture) {
        // --stats=record names "Heap/INSERT+INIT"; pg_walinspect's record_type is "INSERT+INIT" too.
        if (!t.types.count(type)) not_compared += type + " ";
    }
    MESSAGE("PostgreSQL " << major << ": " << ranges << " ranges, " << t.records << " records compared with pg_walinspect ("
                          << t.types.size() << " record types; fixture types not compared: "
                          << (not_compared.empty() ? "none" : not_compared) << "); record_type differs " << t.type_diffs
                          << ", description " << t.desc_diffs << ", block refs " << t.block_diffs
                          << ", only in pg_walinspect " << t.missing << ", only in understudy " << t.extra
                          << "; pg_get_wal_stats rows differing " << t.stats_diffs);
    CHECK(ranges == groups.size());
    CHECK(t.records > 1000);
    CHECK_MESSAGE(t.bad_json == 0, t.bad_json << " --json lines do not parse\n" << t.first_diffs);
    CHECK_MESSAGE(t.type_diffs + t.desc_diffs + t.block_diffs + t.missing + t.extra + t.stats_diffs == 0,
                  "first differences (< pg_walinspect, > understudy):\n" << t.first_diffs);
    CHECK_MESSAGE(not_compared.empty(), "record types of the fixture no range compared: " << not_compared);
}

}  // namespace understudy::testing::waldump
