// `understudy standby` on size-limited tmpfs file systems the test mounts, filling up
// (tests/faults/disk_helpers.h):
// - during streaming: DIR/pg_wal on a small tmpfs of its own (the rest of DIR on a large one)
//   and a workload of WAL only (logical messages), so the receiver's segments fill it;
// - during replay: DIR/data on a small tmpfs of its own (the rest of DIR on a large one) and a
//   table with fillfactor 10, two rows a page: every ~1.6 kB of WAL makes an 8 kB page that
//   the replay writes.
// Expected: exit 1 with an error naming the file and the errno text; no complete segment that is
// not the primary's byte for byte, every .partial equal up to the flushed position; after space
// is freed (the tmpfs made larger) a restart catches up with no gap: segments byte-identical to
// the primary's, replay verification clean, and (replay case) the table's data file as long
// as the primary's. Skips (77) where a tmpfs cannot be mounted.
#include <signal.h>
#include <sys/statvfs.h>

#include "tests/faults/disk_helpers.h"
#include "tests/integration/standby_helpers.h"

using namespace understudy;
using namespace understudy::testing;
using namespace understudy::testing::receive;
using namespace understudy::testing::standby;
using namespace understudy::testing::disk;

namespace {

constexpr std::uint32_t kSeg = 1u << 20;

// The line of `log` that says "error:" (what the run reported).
std::string error_line(const std::string& log) {
    const auto at = log.find("error:");
    if (at == std::string::npos) return "";
    const auto begin = log.rfind('\n', at);
    return log.substr(begin == std::string::npos ? 0 : begin + 1, log.find('\n', at) - (begin == std::string::npos ? 0 : begin + 1));
}

std::uint64_t used_bytes(const std::string& mount) {
    struct statvfs st {};
    REQUIRE(::statvfs(mount.c_str(), &st) == 0);
    return (st.f_blocks - st.f_bfree) * st.f_frsize;
}

// Starts the standby on `sdir` and waits until it has applied the primary's current position,
// then stops it (SIGTERM, exit 0).
void run_until_caught_up(const PgCluster& pg, const std::string& sdir, const std::string& log) {
    const std::string status = sdir + "/status.json";
    auto sb = Child::spawn(standby_argv(pg, sdir, {"--verify"}), log);
    REQUIRE_MESSAGE(wait_streaming(pg), read_file(log));
    const XLogRecPtr target = current_lsn(pg);
    REQUIRE_MESSAGE(wait_until([&] { return caught_up_on(status, target, 1); }, 90s), read_file(log));
    sb.signal(SIGTERM);
    REQUIRE(sb.wait(30s) == 0);
}

// After the failure: space again, a restart catches up with the primary's position, stops
// cleanly; verification clean, segments byte-identical.
void restart_and_check(const PgCluster& pg, const std::string& sdir, const std::string& log) {
    const std::string status = sdir + "/status.json";
    // Heap WAL to verify after the restart (wal_consistency_checking), beside what the fault cut.
    pg.sql("create table if not exists after_fault(id int); insert into after_fault select generate_series(1, 1000)");
    const XLogRecPtr target = current_lsn(pg);
    auto sb = Child::spawn(standby_argv(pg, sdir, {"--verify"}), log);
    CHECK_MESSAGE(wait_until([&] { return caught_up_on(status, target, 1); }, 120s), read_file(log));
    sb.signal(SIGTERM);
    CHECK(sb.wait(30s) == 0);
    auto st = read_status(status);
    REQUIRE(st);
    auto counts = verify_counts(*st);
    MESSAGE("after the restart: " << counts.verified << " page images verified, " << counts.mismatched << " mismatched");
    CHECK(counts.verified > 0);
    CHECK(counts.mismatched == 0);
    auto cmp = compare_with_server(sdir + "/pg_wal", pg.wal_dir(), status_lsn(status, "flushed_lsn"), kSeg);
    CHECK_MESSAGE(cmp.problems.empty(), problems_text(cmp));
    CHECK(cmp.complete >= 2);
}

PgOptions primary_options() {
    return PgOptions{.conf = {"wal_consistency_checking = 'heap,heap2,btree'"}, .initdb_args = {"--wal-segsize=1"}};
}

}  // namespace

TEST_CASE("standby on a file system that fills up while streaming: exit 1 naming the segment; after space is freed it catches up, no gap") {
    skip_unless_mountable(false);
    PgCluster pg(primary_options());
    TempDir dir("understudy-fault-standby-wal-full");
    Tmpfs mnt(dir.path() + "/mnt", "256m");
    const std::string sdir = mnt.path() + "/s";
    Tmpfs wal(sdir + "/pg_wal", "64m");
    const std::string log1 = dir.path() + "/standby1.log", log2 = dir.path() + "/standby2.log",
                      log3 = dir.path() + "/standby3.log";
    HangReporter hang({log1, log2, log3}, 240s);
    run_until_caught_up(pg, sdir, log1);

    // 4 MB of room for segments, and 12 MB of WAL that writes no data pages: they fill it.
    wal.resize(std::to_string(used_bytes(wal.path()) / 1024 + 4096) + "k");
    auto sb = Child::spawn(standby_argv(pg, sdir, {"--verify"}), log2);
    REQUIRE_MESSAGE(wait_streaming(pg), read_file(log2));
    for (int i = 0; i < 12 && sb.running(); ++i)
        pg.sql("select pg_logical_emit_message(false, 'understudy-fault', repeat('w', 100000)) from generate_series(1, 10)");
    const int code = sb.wait(60s);
    const std::string text = read_file(log2);
    MESSAGE(error_line(text));
    CHECK_MESSAGE(code == 1, text);
    CHECK_MESSAGE(text.find("No space left on device") != std::string::npos, text);
    CHECK_MESSAGE(text.find("\"" + sdir + "/pg_wal/0000000100000000000000") != std::string::npos, text);
    CHECK_MESSAGE(text.find("reconnecting") == std::string::npos, text);  // a full disk is not a network fault
    const XLogRecPtr flushed = status_lsn(sdir + "/status.json", "flushed_lsn");
    CHECK(flushed > 0);
    auto problems = check_received(sdir + "/pg_wal", pg.wal_dir(), flushed);
    CHECK_MESSAGE(problems.empty(), join(problems));

    wal.resize("64m");
    restart_and_check(pg, sdir, log3);
}

TEST_CASE("standby whose data directory fills up during replay: exit 1 naming the file; after space is freed it catches up, no gap, verification clean") {
    skip_unless_mountable(false);
    PgCluster pg(primary_options());
    pg.sql("create table big(id int, x text) with (fillfactor = 10)");
    TempDir dir("understudy-fault-standby-data-full");
    Tmpfs mnt(dir.path() + "/mnt", "256m");
    const std::string sdir = mnt.path() + "/s";
    Tmpfs data(sdir + "/data", "64m");
    const std::string log1 = dir.path() + "/standby1.log", log2 = dir.path() + "/standby2.log",
                      log3 = dir.path() + "/standby3.log";
    HangReporter hang({log1, log2, log3}, 240s);
    run_until_caught_up(pg, sdir, log1);

    // 4 MB of room for data; 4000 rows of 700 bytes, two a page: 16 MB of pages from ~3.5 MB
    // of WAL. The checkpoint makes the restartpoint write whatever the replay still holds.
    data.resize(std::to_string(used_bytes(data.path()) / 1024 + 4096) + "k");
    auto sb = Child::spawn(standby_argv(pg, sdir, {"--verify"}), log2);
    REQUIRE_MESSAGE(wait_streaming(pg), read_file(log2));
    for (int i = 0; i < 4 && sb.running(); ++i)
        pg.sql("insert into big select g, repeat('d', 700) from generate_series(1, 1000) g; checkpoint");
    const int code = sb.wait(90s);
    const std::string text = read_file(log2);
    MESSAGE(error_line(text));
    CHECK_MESSAGE(code == 1, text);
    CHECK_MESSAGE(text.find("No space left on device") != std::string::npos, text);
    CHECK_MESSAGE(text.find("\"" + sdir + "/data/") != std::string::npos, text);
    CHECK_MESSAGE(text.find("reconnecting") == std::string::npos, text);
    auto problems = check_received(sdir + "/pg_wal", pg.wal_dir(), status_lsn(sdir + "/status.json", "flushed_lsn"));
    CHECK_MESSAGE(problems.empty(), join(problems));

    data.resize("256m");
    restart_and_check(pg, sdir, log3);
    // Every page of the table the failure interrupted is there: its file as long as the primary's.
    pg.sql("checkpoint");
    const std::string rel = pg.sql("select pg_relation_filepath('big')");
    const auto primary_size = sfs::file_size(pg.data_dir() + "/" + rel);
    std::error_code ec;
    const auto standby_size = sfs::file_size(sdir + "/data/" + rel, ec);
    MESSAGE("big: primary " << primary_size << " bytes, standby " << standby_size << " bytes");
    CHECK(primary_size >= 2000u * 8192u);
    CHECK(standby_size == primary_size);
}

TEST_CASE("standby --base-backup into a file system that fills up during the backup: exit 1 naming the file, no "
          "directory that looks complete, no slot left; after space is freed the backup completes and replay follows") {
    skip_unless_mountable(false);
    PgCluster pg(primary_options());
    // About 30 MB of relation files (pgbench scale 2) on a 12 MB file system.
    pg.pgbench_init(2);
    TempDir dir("understudy-fault-basebackup-full");
    const std::string sdir = dir.path() + "/s";
    Tmpfs mnt(sdir, "12m");
    const std::string log1 = dir.path() + "/standby1.log", log2 = dir.path() + "/standby2.log";
    HangReporter hang({log1, log2}, 240s);
    const auto argv = standby_argv(pg, sdir, {"--base-backup", "--checkpoint", "fast", "--progress", "plain", "--verify"});

    auto sb = Child::spawn(argv, log1);
    const int code = sb.wait(120s);
    const std::string text = read_file(log1);
    MESSAGE(error_line(text));
    CHECK_MESSAGE(code == 1, text);
    CHECK_MESSAGE(text.find("No space left on device") != std::string::npos, text);
    CHECK_MESSAGE(text.find("could not write \"" + sdir + "/data.partial/") != std::string::npos, text);
    CHECK_MESSAGE(text.find("free space on that file system or give another --dir") != std::string::npos, text);
    std::error_code ec;
    CHECK_FALSE(sfs::exists(sdir + "/data", ec));
    CHECK_FALSE(sfs::exists(sdir + "/data.partial", ec));
    // The slot this run created went with the failed backup (a kept slot would hold WAL back).
    CHECK(pg.sql("select count(*) from pg_replication_slots") == "0");
    MESSAGE("used after the failure: " << used_bytes(mnt.path()) << " bytes");
    CHECK(used_bytes(mnt.path()) < 1u << 20);

    // Room again: the same command takes the backup and the standby catches up and verifies.
    mnt.resize("256m");
    auto sb2 = Child::spawn(argv, log2);
    REQUIRE_MESSAGE(wait_streaming(pg), read_file(log2));
    // WAL with page images to verify, after the new backup's start.
    pg.sql("create table after_fault(id int); insert into after_fault select generate_series(1, 1000); checkpoint; "
           "update pgbench_accounts set abalance = abalance + 1 where aid < 2000");
    const XLogRecPtr target = current_lsn(pg);
    CHECK_MESSAGE(wait_until([&] { return caught_up_on(sdir + "/status.json", target, 1); }, 120s), read_file(log2));
    sb2.signal(SIGTERM);
    CHECK(sb2.wait(30s) == 0);
    const std::string text2 = read_file(log2);
    CHECK_MESSAGE(text2.find("manifest verified") != std::string::npos, text2);
    CHECK(sfs::exists(sdir + "/data/global/pg_control", ec));
    CHECK_FALSE(sfs::exists(sdir + "/data.partial", ec));
    auto st = read_status(sdir + "/status.json");
    REQUIRE(st);
    auto counts = verify_counts(*st);
    MESSAGE("after the restart: " << counts.verified << " page images verified, " << counts.mismatched << " mismatched");
    CHECK(counts.verified > 0);
    CHECK(counts.mismatched == 0);
    const std::string rel = pg.sql("select pg_relation_filepath('pgbench_accounts')");
    CHECK(sfs::file_size(sdir + "/data/" + rel, ec) >= 2u * 1600u * 1024u);
    pg.sql("select pg_drop_replication_slot('understudy')");
}
