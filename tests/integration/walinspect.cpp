#include "tests/integration/walinspect.h"

#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <tuple>

#include "tests/integration/waldump_common.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/process.h"

namespace understudy::testing::waldump {

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

void check_against_walinspect(int major) {
    PgOptions opts = workload_options("pglz", true, {"--wal-segsize=1"});
    if (major != 15) opts.bindir = pg_version_bindir(major);
    PgCluster pg(opts);
    WalRange first = run_workload(pg, "all_rmgrs.sql", false);
    WalRange range = run_workload(pg, "coverage_extras.sql", true);
    range.start = first.start;
    pg.sql("create extension pg_walinspect");
    MESSAGE("PostgreSQL " << major << " (" << pg.sql("select version()") << "): WAL " << range.start << " .. " << range.end);

    // pg_walinspect, one line per record: lsn, record_type, description, block_ref.
    std::string rows = pg.sql(
        "select string_agg(start_lsn::text || chr(31) || record_type || chr(31) || "
        "replace(coalesce(description, ''), chr(10), '\\n') || chr(31) || coalesce(block_ref, ''), chr(30) "
        "order by start_lsn) from pg_get_wal_records_info('" + range.start + "', '" + range.end + "')");
    std::map<std::string, RecordView> theirs;
    for (auto& rec : fields_of(rows, '\x1e')) {
        auto f = fields_of(rec, '\x1f');
        REQUIRE_MESSAGE(f.size() == 4, "unexpected pg_get_wal_records_info row: " << rec.substr(0, 200));
        theirs[f[0]] = RecordView{f[1], f[2], blocks_of(f[3])};
    }
    REQUIRE(theirs.size() > 1000);

    TempDir tmp("understudy-walinspect");
    const std::vector<std::string> range_args = {"-p", pg.wal_dir(), "-s", range.start, "-e", range.end};
    auto us_args = [&](std::vector<std::string> extra) {
        std::vector<std::string> argv = {understudy_bin(), "waldump"};
        argv.insert(argv.end(), range_args.begin(), range_args.end());
        argv.insert(argv.end(), extra.begin(), extra.end());
        return argv;
    };
    ToolRun json = run_tool(us_args({"--json"}), tmp.path() + "/us.json", std::chrono::seconds(300));
    CHECK_MESSAGE(json.exit_code == 0, "understudy waldump --json: exit " << json.exit_code << ": " << json.err);
    std::ifstream f(json.out_path);
    std::string line;
    std::size_t ours_n = 0, type_diffs = 0, desc_diffs = 0, block_diffs = 0, missing = 0, bad_json = 0;
    std::string first_diffs;
    auto note = [&](const std::string& s) {
        if (std::count(first_diffs.begin(), first_diffs.end(), '\n') < 30) first_diffs += s + "\n";
    };
    while (std::getline(f, line)) {
        nlohmann::json j;
        try {
            j = nlohmann::json::parse(line);
        } catch (const std::exception& e) {
            if (bad_json++ == 0) note("  bad JSON: " + line.substr(0, 200));
            continue;
        }
        ++ours_n;
        const std::string lsn = j.value("lsn", "");
        auto it = theirs.find(lsn);
        if (it == theirs.end()) {
            ++missing;
            note("  " + lsn + ": not in pg_get_wal_records_info");
            continue;
        }
        const RecordView& t = it->second;
        const std::string type = j.value("type", "");
        const std::string desc = escape_newlines(j.value("desc", ""));
        if (type != t.type) {
            ++type_diffs;
            note("  " + lsn + " record_type: < " + t.type + " > " + type);
        }
        if (desc != t.description) {
            ++desc_diffs;
            note("  " + lsn + " " + t.type + " description:\n    < " + t.description.substr(0, 300) + "\n    > " + desc.substr(0, 300));
        }
        std::vector<std::tuple<std::string, std::string, std::string>> blocks;
        for (auto& b : j["blocks"])
            blocks.emplace_back(std::to_string(b.value("spcNode", 0u)) + "/" + std::to_string(b.value("dbNode", 0u)) + "/" +
                                    std::to_string(b.value("relNode", 0u)),
                                b.value("fork", ""), std::to_string(b.value("blkno", 0u)));
        if (blocks != t.blocks) {
            ++block_diffs;
            note("  " + lsn + " " + t.type + ": block references differ");
        }
    }
    MESSAGE("PostgreSQL " << major << ": pg_walinspect " << theirs.size() << " records, understudy " << ours_n
                          << "; record_type differs " << type_diffs << ", description " << desc_diffs
                          << ", block refs " << block_diffs << ", not in pg_walinspect " << missing);
    CHECK_MESSAGE(bad_json == 0, bad_json << " --json lines do not parse\n" << first_diffs);
    CHECK_MESSAGE(ours_n == theirs.size(), "record count: pg_walinspect " << theirs.size() << ", understudy " << ours_n);
    CHECK_MESSAGE(type_diffs + desc_diffs + block_diffs + missing == 0, "first differences (< pg_walinspect, > understudy):\n"
                                                                        << first_diffs);

    // pg_get_wal_stats against --stats (per rmgr) and --stats=record.
    for (bool per_record : {false, true}) {
        std::string stats = pg.sql(
            "select string_agg(resource_manager || ' ' || count || ' ' || record_size || ' ' || fpi_size || ' ' || "
            "combined_size, chr(10) order by resource_manager) from pg_get_wal_stats('" + range.start + "', '" +
            range.end + "', " + (per_record ? "true" : "false") + ") where count > 0");
        std::map<std::string, std::string> want;
        for (auto& l : lines_of(stats)) {
            auto sp = l.find(' ');
            want[l.substr(0, sp)] = l.substr(sp + 1);
        }
        ToolRun s = run_tool(us_args({per_record ? "--stats=record" : "--stats"}), tmp.path() + "/us.stats", std::chrono::seconds(300));
        auto got = our_stats(read_file(s.out_path));
        std::string diffs;
        for (auto& [name, v] : want)
            if (got[name] != v) diffs += "  " + name + ": < " + v + " > " + got[name] + "\n";
        for (auto& [name, v] : got)
            if (!want.count(name)) diffs += "  " + name + ": < (none) > " + v + "\n";
        CHECK_MESSAGE(!want.empty(), "pg_get_wal_stats returned nothing");
        CHECK_MESSAGE(diffs.empty(), "pg_get_wal_stats(per_record " << per_record
                                     << ") vs understudy waldump (count rec fpi combined):\n" << diffs);
    }
}

}  // namespace understudy::testing::waldump
