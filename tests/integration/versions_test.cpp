// Other PostgreSQL major versions (14, 16, 17, 18: real servers from tools/pg_versions.sh).
// `understudy receive` streams their WAL byte for byte, as the synchronous standby (PostgreSQL 14
// has no READ_REPLICATION_SLOT); the page magic of their WAL is the one common/wal_format.h names for
// the version; waldump reads that WAL to its end (every record, as many as the version's own
// pg_walinspect counts); replay applies the WAL of each (tests/integration/replay_versions.h
// verifies every page of it) to its end; `understudy standby` follows each primary (the primary
// sees it streaming, its replay_lsn reaches the primary's end); receive follows a promotion onto
// timeline 2; `standby --base-backup` of a 17 or 18 primary (a full directory, whose pg_control
// layout is not kept) is refused before anything is created. (With 18, every version understudy
// reads is replayed: the refusal of another version's WAL or primary is
// tests/redo/apply_pg18_test.cpp's.)
#include <signal.h>

#include <fstream>

#include <fmt/format.h>

#include "common/bytes.h"
#include "common/wal_format.h"
#include "tests/integration/receive_helpers.h"
#include "tests/integration/standby_helpers.h"

using namespace understudy;
using namespace understudy::testing;
using namespace understudy::testing::receive;

namespace {

constexpr std::uint32_t kSegSize = 1u << 20;  // initdb --wal-segsize=1: switches are cheap

PgOptions options_for(int major) {
    PgOptions o = one_mb_segments();
    if (major != 15) o.bindir = pg_version_bindir(major);
    return o;
}

// WAL over a few segment switches.
void make_wal(const PgCluster& pg) {
    pg.sql("create table if not exists filler(x text)");
    for (int i = 0; i < 3; ++i)
        pg.sql("insert into filler select repeat('x', 1000) from generate_series(1, 400); select pg_switch_wal()");
    pg.sql("insert into filler values ('tail')");
}

// The page magic (xlp_magic) of a segment file's first page.
std::uint16_t first_page_magic(const std::string& path) {
    const std::string bytes = read_file(path);
    REQUIRE_MESSAGE(bytes.size() >= SizeOfXLogLongPHD, path << " is too short");
    return load<std::uint16_t>(reinterpret_cast<const std::uint8_t*>(bytes.data()) + page_layout::xlp_magic);
}

// The first complete segment in `dir` (full path).
std::string first_complete_segment(const std::string& dir) {
    std::vector<std::string> names;
    for (auto& e : sfs::directory_iterator(dir)) {
        auto parsed = parse_segment_file_name(e.path().filename().string(), kSegSize);
        if (parsed && !parsed->partial) names.push_back(e.path().filename().string());
    }
    REQUIRE_MESSAGE(!names.empty(), "no complete segment in " << dir);
    std::sort(names.begin(), names.end());
    return dir + "/" + names.front();
}

// Runs argv in the background and requires it to exit within `timeout` (a follower must not
// wait on WAL it cannot read); returns exit code and log.
RunResult run_bounded(const std::vector<std::string>& argv, const std::string& log, std::chrono::seconds timeout) {
    auto child = Child::spawn(argv, log);
    RunResult r;
    r.exit_code = child.wait(timeout);
    r.output = read_file(log);
    return r;
}

// Timeline following (TIMELINE_HISTORY, end of timeline): the server is restarted in standby
// mode (standby.signal, no primary_conninfo: it replays its own pg_wal and waits), `receive`
// resumes streaming from it, then it is promoted to timeline 2.
void check_timeline_switch(PgCluster& pg, const std::string& dir, const std::string& wal) {
    pg.stop();
    { std::ofstream(pg.data_dir() + "/standby.signal"); }
    pg.start();
    REQUIRE(pg.sql("select pg_is_in_recovery()") == "t");
    const std::string log = dir + "/receive-tli.log";
    const std::string status = dir + "/status-tli.json";
    auto rcv = Child::spawn(receive_argv(pg, wal, {"--status-file", status, "--status-interval", "1", "-v"}), log);
    REQUIRE_MESSAGE(walsender_connected(pg), read_file(log));
    pg.promote();
    REQUIRE(wait_until([&] { return pg.sql("select pg_is_in_recovery()") == "f"; }, 30s));
    REQUIRE(pg.sql("select substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)") == "00000002");
    make_wal(pg);
    const XLogRecPtr target = current_lsn(pg);
    REQUIRE_MESSAGE(wait_until([&] {
                        auto st = read_status(status);
                        return st && (*st)["timeline"] == 2 && status_flushed(status) >= target;
                    }, 60s),
                    read_file(log));
    rcv.signal(SIGINT);
    CHECK(rcv.wait(30s) == 0);
    CHECK_MESSAGE(read_file(log).find("following timeline 2") != std::string::npos, read_file(log));
    REQUIRE(sfs::exists(wal + "/00000002.history"));
    CHECK(read_file(wal + "/00000002.history") == read_file(pg.wal_dir() + "/00000002.history"));
    // Timeline 1's last segment is the server's own file, and past the switch point its bytes
    // are not WAL of timeline 1 (with PostgreSQL 18 they differed from the receiver's there,
    // while the bytes before it matched). It is compared up to the switch point; everything
    // else whole (or up to the flushed position).
    const std::string history = read_file(wal + "/00000002.history");
    const auto tab = history.find('\t');
    REQUIRE(tab != std::string::npos);
    const XLogRecPtr switch_lsn = lsn_of(history.substr(tab + 1, history.find('\t', tab + 1) - tab - 1));
    const std::string tail_name = segment_file_name(1, lsn_to_segno(switch_lsn, kSegSize), kSegSize);
    const std::size_t tail_len = segment_offset(switch_lsn, kSegSize);
    CHECK(read_file(wal + "/" + tail_name + ".partial").substr(0, tail_len) ==
          read_file(pg.wal_dir() + "/" + tail_name).substr(0, tail_len));
    auto cmp = compare_with_server(wal, pg.wal_dir(), status_flushed(status), kSegSize);
    std::erase_if(cmp.problems, [&](const std::string& p) { return p.starts_with(tail_name + ".partial:"); });
    CHECK_MESSAGE(cmp.problems.empty(), problems_text(cmp) << read_file(log));
    CHECK(cmp.partial >= 1);  // timeline 2's current segment
    CHECK(cmp.complete >= 1);
}

void check_other_version(int major) {
    PgCluster pg(options_for(major));
    REQUIRE(std::stoi(pg.sql("show server_version_num")) / 10000 == major);
    TempDir dir("understudy-ver");
    const std::string wal = dir.path() + "/wal";
    const std::string status = dir.path() + "/status.json";
    const std::string slot = "understudy_ver";

    // ---- receive: a slot created through the replication protocol, segments byte-identical.
    auto child = Child::spawn(receive_argv(pg, wal, {"--slot", slot, "--create-slot", "--status-file", status,
                                                     "--status-interval", "1", "-v"}),
                              dir.path() + "/receive.log");
    REQUIRE_MESSAGE(walsender_connected(pg), read_file(dir.path() + "/receive.log"));
    // As the synchronous standby: the commits below return only when the receiver's replies
    // say their WAL is flushed.
    pg.sql("alter system set synchronous_standby_names = 'understudy'");
    pg.sql("select pg_reload_conf()");
    CHECK(wait_until([&] { return pg.sql("select sync_state from pg_stat_replication") == "sync"; }, 30s));
    make_wal(pg);
    XLogRecPtr target = current_lsn(pg);
    REQUIRE_MESSAGE(wait_flushed(status, target), read_file(dir.path() + "/receive.log"));
    CHECK(lsn_of(pg.sql("select flush_lsn from pg_stat_replication")) >= target);
    pg.sql("alter system reset synchronous_standby_names");
    pg.sql("select pg_reload_conf()");
    child.signal(SIGINT);
    REQUIRE(child.wait(30s) == 0);
    CHECK(pg.sql(fmt::format("select slot_type from pg_replication_slots where slot_name = '{}'", slot)) ==
          "physical");
    auto cmp = compare_with_server(wal, pg.wal_dir(), status_flushed(status), kSegSize);
    CHECK_MESSAGE(cmp.problems.empty(), problems_text(cmp));
    CHECK(cmp.complete >= 3);
    CHECK(cmp.partial == 1);

    // A second run resumes from the files, finds the slot (on 14: CREATE says it exists), stops
    // at --endpos, and the bytes still match.
    make_wal(pg);
    target = current_lsn(pg);
    auto again = run(receive_argv(pg, wal, {"--slot", slot, "--create-slot", "--endpos", format_lsn(target),
                                            "--no-loop", "-v"}));
    REQUIRE_MESSAGE(again.exit_code == 0, again.output);
    CHECK_MESSAGE(again.output.find("resuming from the files") != std::string::npos, again.output);
    cmp = compare_with_server(wal, pg.wal_dir(), target, kSegSize);
    CHECK_MESSAGE(cmp.problems.empty(), problems_text(cmp));
    CHECK(cmp.complete >= 6);

    // A slot that does not exist (on 14 only START_REPLICATION can say so): exit 1, no retrying.
    auto missing = run_bounded(receive_argv(pg, dir.path() + "/wal-missing-slot", {"--slot", "no_such_slot"}),
                               dir.path() + "/missing-slot.log", 30s);
    CHECK_MESSAGE(missing.exit_code == 1, missing.output);
    CHECK_MESSAGE(missing.output.find("\"no_such_slot\" does not exist") != std::string::npos, missing.output);

    // ---- the page magic of this server's WAL is the one the table names for its version.
    const std::string segment = first_complete_segment(wal);
    const std::uint16_t magic = first_page_magic(segment);
    CHECK(first_page_magic(first_complete_segment(pg.wal_dir())) == magic);
    CHECK(wal_major_version_for_magic(magic) == major);
    REQUIRE(wal_format_for_magic(magic) != nullptr);
    CHECK(wal_format_for_magic(magic)->major_version == major);
    const std::string seg_name = sfs::path(segment).filename().string();
    const std::string seg_start = format_lsn(parse_segment_file_name(seg_name, kSegSize)->segno * kSegSize);

    // ---- waldump reads it: a file, a directory with a start, --stats; every record is read.
    for (const auto& args : std::vector<std::vector<std::string>>{
             {segment}, {"-p", wal, "-s", seg_start}, {"-p", wal, "-s", seg_start, "--stats"}}) {
        std::vector<std::string> argv = {understudy_bin(), "waldump"};
        argv.insert(argv.end(), args.begin(), args.end());
        auto r = run_bounded(argv, dir.path() + "/waldump.log", 60s);
        // A directory's WAL ends at the receiver's partial segment: pg_waldump's "error in WAL
        // record" for its zeroed tail, exit 1, is expected there; a whole file reads cleanly.
        if (args.size() == 1) CHECK_MESSAGE(r.exit_code == 0, args.back() << ": " << r.output);
        CHECK_MESSAGE(r.output.find("PostgreSQL 15 WAL") == std::string::npos, r.output);
        CHECK_MESSAGE(r.output.find("invalid magic") == std::string::npos, r.output);
        if (args.back() == "--stats")
            CHECK_MESSAGE(r.output.find("Total") != std::string::npos, r.output);
        else
            CHECK_MESSAGE(r.output.find("rmgr: XLOG") != std::string::npos, r.output);
        sfs::remove(dir.path() + "/waldump.log");
    }

    // ---- replay of its WAL from the first checkpoint: applied to its end.
    {
        auto r = run_bounded({understudy_bin(), "replay", "--wal-dir", wal, "--data-dir", dir.path() + "/data"},
                             dir.path() + "/replay.log", 60s);
        CHECK_MESSAGE(r.exit_code == 0, r.output);
        CHECK_MESSAGE(r.output.find("end of WAL") != std::string::npos, r.output);
        sfs::remove(dir.path() + "/replay.log");
    }

    {
        // ---- standby: follows the primary; the primary sees it streaming and replaying.
        const std::string sdir = dir.path() + "/standby";
        const std::string log_path = dir.path() + "/standby.log";
        auto sb = Child::spawn(standby::standby_argv(pg, sdir), log_path);
        REQUIRE_MESSAGE(standby::wait_streaming(pg), read_file(log_path));
        pg.sql("create table standby_probe as select g as x from generate_series(1, 1000) g");
        const XLogRecPtr end = current_lsn(pg);
        CHECK_MESSAGE(wait_until([&] { return standby::status_lsn(sdir + "/status.json", "applied_lsn") >= end; }, 60s),
                      read_file(log_path));
        // The apply position reaches the primary (what remote_apply waits for).
        CHECK_MESSAGE(wait_until([&] { return parse_lsn(standby::replication_field(pg, "replay_lsn")).value_or(0) >= end; },
                                 30s),
                      pg.sql("select write_lsn, flush_lsn, replay_lsn from pg_stat_replication"));
        // The per-rmgr counters are published with the replayer's periodic report, which can trail
        // applied_lsn by one report interval.
        auto applied_of = [&](const char* rmgr) -> std::uint64_t {
            auto st = standby::read_status(sdir + "/status.json");
            if (!st || !(*st)["rmgrs"].contains(rmgr)) return 0;
            return (*st)["rmgrs"][rmgr]["applied"].get<std::uint64_t>();
        };
        CHECK_MESSAGE(wait_until([&] { return applied_of("Heap") > 0 && applied_of("Transaction") > 0; }, 30s),
                      read_file(sdir + "/status.json"));
        sb.signal(SIGTERM);
        CHECK(sb.wait(30s) == 0);
        pg.sql("select pg_drop_replication_slot('understudy')");
    }

    check_timeline_switch(pg, dir.path(), wal);
}

}  // namespace

TEST_CASE("PostgreSQL 14: receive byte-identical (slot without READ_REPLICATION_SLOT); waldump reads its WAL; "
          "replay applies it; standby follows it") {
    check_other_version(14);
}

TEST_CASE("PostgreSQL 16: receive byte-identical; waldump reads its WAL; replay applies it; standby follows it") {
    check_other_version(16);
}

TEST_CASE("PostgreSQL 17: receive byte-identical; waldump reads its WAL; replay applies it; standby follows it") {
    check_other_version(17);
}

TEST_CASE("PostgreSQL 18: receive byte-identical; waldump reads its WAL; replay applies it; standby follows it") {
    check_other_version(18);
}

TEST_CASE("PostgreSQL 15's page magic is the format understudy reads") {
    PgCluster pg(options_for(15));
    REQUIRE(std::stoi(pg.sql("show server_version_num")) / 10000 == 15);
    make_wal(pg);
    const std::uint16_t magic = first_page_magic(first_complete_segment(pg.wal_dir()));
    CHECK(wal_major_version_for_magic(magic) == 15);
    REQUIRE(wal_format_for_magic(magic) != nullptr);
    CHECK(wal_format_for_magic(magic) == &kWalFormatPg15);
}
