// Disk faults under `understudy receive`, on an ext4 over a loop device whose backing file is on
// a tmpfs (tests/faults/disk_helpers.h; device-mapper is not available everywhere, loop devices
// are): an fdatasync that fails (the blocks under the open segment's tail are punched out of the
// image and the tmpfs is full, so their writeback fails).
// In suite 'wip': measured 2026-12-07, receive stops with exit 1 naming the .partial ("could not
// fdatasync ... not retrying"), records understudy.fsync-failed and writes no understudy.stopped
// (those checks pass), but the flushed position it had reported was already 123,864 bytes past
// the first punched byte, and after the restart and a remount segment 7 differed from the
// primary's: an earlier fdatasync returned success for data that did not reach the device.
// Not yet known whether the fault injection is imprecise (writeback of the punched range
// succeeding before the tmpfs was full) or the writer misses an error. Expected: exit 1 with the file named; no flush position past the failure;
// a restart after the repair resumes from the last durable position and, once the page cache is
// dropped (unmount, mount), every segment is byte-identical to the primary's. Skips (77) where
// mounting or loop devices are not available.
#include <signal.h>

#include "tests/faults/disk_helpers.h"
#include "tests/integration/receive_helpers.h"

using namespace understudy;
using namespace understudy::testing;
using namespace understudy::testing::receive;
using namespace understudy::testing::disk;

namespace {

constexpr std::uint32_t kSeg = 1u << 20;

// The .partial file in `wal` (the segment being written); "" when there is none.
std::string open_partial(const std::string& wal) {
    std::string newest;
    for (auto& e : sfs::directory_iterator(wal)) {
        const std::string name = e.path().filename().string();
        if (name.ends_with(".partial") && name > sfs::path(newest).filename().string()) newest = e.path().string();
    }
    return newest;
}

void insert_wal(const PgCluster& pg, int rows) {
    pg.sql("insert into filler select repeat('x', 1000) from generate_series(1, " + std::to_string(rows) + ")");
}

}  // namespace

TEST_CASE("a failed fdatasync stops receive with the segment named, is never retried, and a restart re-receives from the durable position") {
    skip_unless_mountable(true);
    PgCluster pg(one_mb_segments());
    pg.sql("create table filler(x text)");
    TempDir dir("understudy-fault-fsync");
    LoopExt4 disk(dir.path(), 48, 8);
    const std::string wal = disk.mnt() + "/wal";
    const std::string status = dir.path() + "/status.json";
    const std::string log = dir.path() + "/receive.log";
    const std::vector<std::string> opts = {"--slot", "faultdisk", "--status-file", status, "--status-interval", "1", "-v"};
    auto first_opts = opts;
    first_opts.push_back("--create-slot");
    auto child = Child::spawn(receive_argv(pg, wal, first_opts), log);
    REQUIRE_MESSAGE(walsender_connected(pg), read_file(log));
    pg.sql("select pg_switch_wal()");
    insert_wal(pg, 100);
    XLogRecPtr idle = current_lsn(pg);
    REQUIRE_MESSAGE(wait_flushed(status, idle, 30s), read_file(log));

    // The open segment's tail, from 192 kB past what is flushed, loses its blocks' backing pages.
    const std::string partial = open_partial(wal);
    REQUIRE(!partial.empty());
    const XLogRecPtr flushed_before = status_flushed(status);
    const std::uint64_t valid = segment_offset(flushed_before, kSeg);
    const std::uint64_t punch_from = (valid + (192u << 10)) / 4096 * 4096;
    REQUIRE_MESSAGE(punch_from + (128u << 10) < kSeg, "the open segment is too full to punch: rerun");
    CHECK(disk.punch_file_tail(partial, punch_from) > 0);
    fill_up(disk.backing().path());

    // WAL that reaches the punched blocks: its writeback, and so the fdatasync, fails.
    for (int i = 0; i < 6 && child.running(); ++i) insert_wal(pg, 300);
    const int code = child.wait(60s);
    const std::string text = read_file(log);
    CHECK_MESSAGE(code == 1, text);
    CHECK_MESSAGE(text.find("could not fdatasync WAL segment \"" + partial + "\"") != std::string::npos, text);
    CHECK_MESSAGE(text.find("not retrying") != std::string::npos, text);
    // Nothing past the failure was reported flushed: not in the status file, not to the primary.
    const XLogRecPtr seg_start = flushed_before - valid;
    CHECK(status_flushed(status) <= seg_start + punch_from);
    CHECK(sfs::exists(wal + "/understudy.fsync-failed"));
    CHECK_FALSE(sfs::exists(wal + "/understudy.stopped"));

    // The disk is repaired (space again), but the page cache still holds the pages whose
    // writeback failed, marked clean: a restart that trusted a scan of the .partial would skip
    // them and they would never reach the disk.
    sfs::remove(disk.backing().path() + "/filler");
    insert_wal(pg, 200);
    const XLogRecPtr endpos = current_lsn(pg);
    auto again = run(receive_argv(pg, wal, {"--slot", "faultdisk", "--status-file", status, "--endpos",
                                            format_lsn(endpos), "-v"}));
    CHECK_MESSAGE(again.exit_code == 0, again.output);
    CHECK_MESSAGE(again.output.find("last position known durable") != std::string::npos, again.output);
    CHECK_FALSE(sfs::exists(wal + "/understudy.fsync-failed"));

    // What the device holds, without the page cache: identical to the primary's WAL, no gap.
    disk.umount();
    disk.mount();
    auto cmp = compare_with_server(wal, pg.wal_dir(), endpos, kSeg);
    CHECK_MESSAGE(cmp.problems.empty(), problems_text(cmp));
    CHECK(cmp.complete >= 2);
    pg.sql("select pg_drop_replication_slot('faultdisk')");
}

