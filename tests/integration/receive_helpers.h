// Shared helpers for the `understudy receive` integration tests: run the receiver, read its
// status file, and compare received segments byte for byte with the server's pg_wal.
#pragma once

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "common/lsn.h"
#include "tests/support/files.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/process.h"

namespace understudy::testing::receive {

namespace sfs = std::filesystem;
using namespace std::chrono_literals;

inline std::vector<std::string> receive_argv(const PgCluster& pg, const std::string& wal_dir,
                                             std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {understudy_bin(), "receive", "--primary", pg.conninfo(), "--wal-dir", wal_dir};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
}

inline std::optional<nlohmann::json> read_status(const std::string& path) {
    std::string text = read_file(path);
    if (text.empty()) return std::nullopt;
    try {
        return nlohmann::json::parse(text);
    } catch (...) {
        return std::nullopt;
    }
}

inline XLogRecPtr lsn_of(const std::string& text) {
    auto l = parse_lsn(text);
    REQUIRE_MESSAGE(l.has_value(), "not an LSN: " << text);
    return *l;
}

inline XLogRecPtr status_flushed(const std::string& status_path) {
    auto j = read_status(status_path);
    if (!j) return 0;
    return parse_lsn((*j)["flushed_lsn"].get<std::string>()).value_or(0);
}

// A primary with 1 MB WAL segments (initdb --wal-segsize=1): many segment switches under a
// small load.
inline PgOptions one_mb_segments() {
    PgOptions o;
    o.initdb_args = {"--wal-segsize=1"};
    return o;
}

// Waits (30 s at most) until the primary has one walsender: the receiver connected.
inline bool walsender_connected(const PgCluster& pg) {
    return wait_until([&] { return pg.sql("select count(*) from pg_stat_replication") == "1"; }, 30s);
}

// Waits until the receiver's status file says `lsn` is flushed.
inline bool wait_flushed(const std::string& status_path, XLogRecPtr lsn, std::chrono::milliseconds timeout = 60s) {
    return wait_until([&] { return status_flushed(status_path) >= lsn; }, timeout);
}

inline XLogRecPtr current_lsn(const PgCluster& pg) { return lsn_of(pg.sql("select pg_current_wal_lsn()")); }

struct Comparison {
    int complete = 0;                  // complete segments compared
    int partial = 0;                   // .partial files compared up to the flushed position
    std::vector<std::string> problems;  // empty when everything matches
};

// Compares every segment file in `received` with the same segment in `server_wal` (a pg_wal
// directory): complete segments in full, `.partial` files up to `flushed` (and, when the server
// no longer has the file under that name, with the server's own `.partial`). Also checks that
// segment numbers have no gap on each timeline.
inline Comparison compare_with_server(const std::string& received, const std::string& server_wal,
                                      XLogRecPtr flushed, std::uint32_t seg_size) {
    Comparison out;
    std::map<TimeLineID, std::vector<XLogSegNo>> segnos;
    for (auto& e : sfs::directory_iterator(received)) {
        std::string name = e.path().filename().string();
        auto parsed = parse_segment_file_name(name, seg_size);
        if (!parsed) continue;
        segnos[parsed->tli].push_back(parsed->segno);
        std::string mine = read_file(e.path().string());
        if (mine.size() != seg_size) {
            out.problems.push_back(name + ": size " + std::to_string(mine.size()));
            continue;
        }
        std::string base = name.substr(0, 24);
        std::string theirs_path = server_wal + "/" + base;
        if (!sfs::exists(theirs_path)) theirs_path += ".partial";
        if (!sfs::exists(theirs_path)) {
            out.problems.push_back(name + ": the server has no " + base);
            continue;
        }
        std::string theirs = read_file(theirs_path);
        if (!parsed->partial) {
            if (mine != theirs) out.problems.push_back(name + ": differs from the server's " + theirs_path);
            else ++out.complete;
            continue;
        }
        XLogRecPtr seg_start = segno_to_lsn(parsed->segno, seg_size);
        std::size_t upto = flushed > seg_start ? static_cast<std::size_t>(std::min<XLogRecPtr>(flushed - seg_start, seg_size)) : 0;
        if (theirs_path.ends_with(".partial")) {
            // The server's own .partial (an old timeline's last segment after a promotion): compare
            // everything the receiver holds in it.
            std::size_t end = mine.size();
            while (end > 0 && mine[end - 1] == 0) --end;
            upto = end;
        }
        if (mine.compare(0, upto, theirs, 0, upto) != 0)
            out.problems.push_back(name + ": first " + std::to_string(upto) + " bytes differ from " + theirs_path);
        else ++out.partial;
    }
    for (auto& [tli, list] : segnos) {
        std::sort(list.begin(), list.end());
        for (std::size_t i = 1; i < list.size(); ++i)
            if (list[i] != list[i - 1] + 1 && list[i] != list[i - 1])
                out.problems.push_back("gap on timeline " + std::to_string(tli) + " after segment " +
                                       std::to_string(list[i - 1]));
    }
    return out;
}

inline std::string problems_text(const Comparison& c) {
    std::string s;
    for (auto& p : c.problems) s += p + "\n";
    return s;
}

}  // namespace understudy::testing::receive
