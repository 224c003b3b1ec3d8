// Durability of `understudy replay`: replay is killed with SIGKILL at several moments and rerun
// until it completes; the data directory then is byte-identical (every relation file, the SLRUs
// and the replay state) to that of an uninterrupted replay of the same WAL. And corrupt WAL:
// replay stops at the damaged record with an error naming its LSN, exit status 1, and the
// directory holds exactly the records before it (identical to a replay with --end there).
#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <sstream>
#include <thread>

#include "tests/integration/replay_common.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/process.h"

using namespace understudy::testing;
using namespace understudy::testing::replay;

namespace {

// pgbench WAL with checkpoints in the middle (restartpoints for the replay).
struct Wal {
    std::string redo;
    std::string dir;
};

Wal make_wal(const PgCluster& pg, const std::string& work) {
    Wal w;
    w.redo = checkpoint_redo_lsn(pg);
    pg.pgbench_init(4);
    for (int i = 0; i < 3; ++i) {
        auto r = pg.pgbench(2, 2);
        REQUIRE_MESSAGE(r.exit_code == 0, r.output);
        pg.sql("CHECKPOINT");
    }
    w.dir = work + "/wal";
    switch_and_copy_wal(pg, w.dir);
    return w;
}

std::string join_names(const std::vector<std::string>& v) {
    std::string s;
    for (std::size_t i = 0; i < v.size() && i < 20; ++i) s += v[i] + "\n";
    return s;
}

}  // namespace

TEST_CASE("replay killed with SIGKILL and rerun ends with the same files as an uninterrupted run") {
    auto opts = waldump::workload_options("off", false);
    PgCluster pg(opts);
    TempDir work("replay-crash");
    const Wal wal = make_wal(pg, work.path());

    const std::string ref = work.path() + "/ref";
    auto full = run_replay({"--wal-dir", wal.dir, "--data-dir", ref, "--start", wal.redo}, work.path());
    REQUIRE_MESSAGE(full.exit_code == 0, full.err);
    const auto ref_files = data_files(ref);
    REQUIRE(ref_files.size() > 10);

    // Kill at growing delays; a small page cache makes pages reach the disk between
    // restartpoints (dirty evictions), the case minRecoveryPoint reasoning is about.
    const std::string crashed = work.path() + "/crashed";
    int kills = 0, runs = 0;
    for (int delay_ms = 30; runs < 40; delay_ms = delay_ms * 3 / 2, ++runs) {
        std::vector<std::string> argv{understudy_bin(), "replay", "--wal-dir", wal.dir, "--data-dir", crashed,
                                      "--start", wal.redo, "--cache-mb", "2"};
        Child child = Child::spawn(argv, work.path() + "/crashed.log");
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
        if (child.running()) {
            child.kill9();
            int st = child.wait(std::chrono::seconds(10));
            if (st == 128 + 9) {
                ++kills;
                continue;
            }
        }
        int st = child.wait(std::chrono::seconds(300));
        REQUIRE_MESSAGE(st == 0, waldump::read_file(work.path() + "/crashed.log"));
        break;
    }
    MESSAGE("replay killed ", kills, " times before a run completed");
    CHECK(kills >= 2);
    // A last rerun after completion changes nothing either.
    auto again = run_replay({"--wal-dir", wal.dir, "--data-dir", crashed, "--start", wal.redo}, work.path());
    REQUIRE_MESSAGE(again.exit_code == 0, again.err);

    const auto got = data_files(crashed);
    const auto diff = differing_files(ref_files, got);
    CHECK_MESSAGE(diff.empty(), "differing files:\n", join_names(diff));
    CHECK(got.size() == ref_files.size());
}

TEST_CASE("corrupt WAL: replay stops at the damaged record, names its LSN, keeps everything before it") {
    auto opts = waldump::workload_options("off", false);
    PgCluster pg(opts);
    TempDir work("replay-corrupt");
    const Wal wal = make_wal(pg, work.path());

    // Pick a record in the middle of the WAL (pg_waldump's own listing) and damage its data.
    auto dump = run({pg_tool("pg_waldump"), "-p", wal.dir, "-s", wal.redo});
    std::istringstream in(dump.output);
    std::vector<std::string> lsns;
    for (std::string line; std::getline(in, line);) {
        auto p = line.find(", lsn: ");
        if (p == std::string::npos || line.find("rmgr: Heap ") != 0) continue;
        lsns.push_back(line.substr(p + 7, line.find(',', p + 7) - (p + 7)));
    }
    REQUIRE(lsns.size() > 100);
    const std::string bad = lsn_text(lsn_value(lsns[lsns.size() / 2]));  // without pg_waldump's zero padding
    const std::uint64_t bad_lsn = lsn_value(bad);
    const std::uint64_t seg_size = 16 * 1024 * 1024;
    // The segment holding the record's header; 30 bytes in is inside its data (xl_tot_len > 30
    // for a heap record with a block reference), and in the same page as long as the header
    // does not start within 30 bytes of the page end.
    std::uint64_t damage_at = bad_lsn + 30;
    if ((bad_lsn % 8192) > 8192 - 40) damage_at = bad_lsn + 8;  // stay inside the page: the header's xl_xid
    const std::uint64_t segno = damage_at / seg_size;
    char name[32];
    std::snprintf(name, sizeof name, "%08X%08X%08X", 1u, static_cast<unsigned>(segno >> 8),
                  static_cast<unsigned>(segno & 0xFF));
    const std::string path = wal.dir + "/" + name;
    {
        int fd = ::open(path.c_str(), O_RDWR);
        REQUIRE(fd >= 0);
        unsigned char b = 0;
        const off_t off = static_cast<off_t>(damage_at % seg_size);
        REQUIRE(::pread(fd, &b, 1, off) == 1);
        b ^= 0x5A;
        REQUIRE(::pwrite(fd, &b, 1, off) == 1);
        ::close(fd);
    }

    const std::string data = work.path() + "/data", report = work.path() + "/report.json";
    auto r = run_replay({"--wal-dir", wal.dir, "--data-dir", data, "--start", wal.redo, "--report", report},
                        work.path());
    INFO("stderr: ", r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("invalid WAL record at " + bad) != std::string::npos);
    auto j = read_json(report);
    CHECK(j["stop_reason"] == "corrupt WAL");
    CHECK(j["error"].get<std::string>().find(bad) != std::string::npos);
    // The apply position is the end of the record before the damaged one.
    auto state = read_json(data + "/understudy_replay_state.json");
    CHECK(lsn_value(j["end_lsn"]) <= bad_lsn);
    CHECK(state["apply_lsn"] == j["end_lsn"]);

    // Everything before the damaged record, nothing after: the same files as a replay of the
    // intact prefix (--end at the damaged record).
    const std::string prefix = work.path() + "/prefix";
    auto p = run_replay({"--wal-dir", wal.dir, "--data-dir", prefix, "--start", wal.redo, "--end", bad},
                        work.path());
    REQUIRE_MESSAGE(p.exit_code == 0, p.err);
    const auto diff = differing_files(data_files(prefix), data_files(data));
    CHECK_MESSAGE(diff.empty(), "differing files:\n", join_names(diff));

    // A rerun stops at the same record again.
    auto again = run_replay({"--wal-dir", wal.dir, "--data-dir", data}, work.path());
    CHECK(again.exit_code == 1);
    CHECK(again.err.find("invalid WAL record at " + bad) != std::string::npos);
}
