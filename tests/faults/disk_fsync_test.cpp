// Disk faults under `understudy receive`, on an ext4 over a loop device whose backing file is on
// a tmpfs (tests/faults/disk_helpers.h; device-mapper is not available everywhere, loop devices
// are): ext4's emergency read-only remount mid-stream, and an fdatasync that fails (the next
// segment's blocks are punched out of the image and the tmpfs is full, so their writeback fails).
// Expected: exit 1 with the file named; no flush position past the failure; a restart after the
// repair resumes from the last durable position and, once the page cache is dropped (unmount,
// mount), every segment is byte-identical to the primary's. Skips (77) where mounting or loop
// devices are not available.
#include <signal.h>

#include "tests/faults/disk_helpers.h"
#include "tests/integration/receive_helpers.h"

using namespace understudy;
using namespace understudy::testing;
using namespace understudy::testing::receive;
using namespace understudy::testing::disk;

namespace {

constexpr std::uint32_t kSeg = 1u << 20;

void insert_wal(const PgCluster& pg, int rows) {
    pg.sql("insert into filler select repeat('x', 1000) from generate_series(1, " + std::to_string(rows) + ")");
}

// A primary with 1 MB segments and `understudy receive` writing into `wal` on a 48 MB ext4 on a
// loop device (8 MB of headroom in the image's tmpfs), through the slot "faultdisk".
struct ReceiveOnLoop {
    PgCluster pg{one_mb_segments()};
    TempDir dir;
    LoopExt4 disk;
    std::string wal = disk.mnt() + "/wal";
    std::string status = dir.path() + "/status.json";
    std::string log = dir.path() + "/receive.log";
    Child child;

    explicit ReceiveOnLoop(const std::string& prefix) : dir(prefix), disk(dir.path(), 48, 8) {
        pg.sql("create table filler(x text)");
        child = Child::spawn(receive_argv(pg, wal, {"--slot", "faultdisk", "--create-slot", "--status-file", status,
                                                    "--status-interval", "1", "-v"}),
                             log);
        REQUIRE_MESSAGE(walsender_connected(pg), read_file(log));
    }

    // The repaired disk: a restart to the primary's current position exits 0; then, with the
    // page cache dropped, every segment on the device is identical to the primary's.
    void restart_and_compare(const std::string& expect_in_output) {
        insert_wal(pg, 200);
        const XLogRecPtr endpos = current_lsn(pg);
        auto again = run(receive_argv(pg, wal, {"--slot", "faultdisk", "--status-file", status, "--endpos",
                                                format_lsn(endpos), "-v"}));
        CHECK_MESSAGE(again.exit_code == 0, again.output);
        if (!expect_in_output.empty())
            CHECK_MESSAGE(again.output.find(expect_in_output) != std::string::npos, again.output);
        disk.umount();
        disk.mount();
        auto cmp = compare_with_server(wal, pg.wal_dir(), endpos, kSeg);
        CHECK_MESSAGE(cmp.problems.empty(), problems_text(cmp));
        CHECK(cmp.complete >= 2);
        pg.sql("select pg_drop_replication_slot('faultdisk')");
    }
};

}  // namespace

TEST_CASE("ext4's emergency read-only remount mid-stream stops receive with the file named; after fsck a restart resumes with no gap") {
    skip_unless_mountable(true);
    ReceiveOnLoop r("understudy-fault-erofs");
    insert_wal(r.pg, 1500);
    REQUIRE_MESSAGE(wait_flushed(r.status, current_lsn(r.pg), 30s), read_file(r.log));

    r.disk.trigger_fs_error();
    for (int i = 0; i < 6 && r.child.running(); ++i) {
        insert_wal(r.pg, 300);
        r.pg.sql("select pg_switch_wal()");
    }
    const int code = r.child.wait(60s);
    const std::string text = read_file(r.log);
    CHECK_MESSAGE(code == 1, text);
    CHECK_MESSAGE(text.find(r.wal + "/") != std::string::npos, text);
    CHECK_MESSAGE((text.find("Read-only file system") != std::string::npos ||
                   text.find("Input/output error") != std::string::npos),
                  text);

    r.disk.umount();
    CHECK(r.disk.fsck() <= 1);
    r.disk.mount();
    r.restart_and_compare("");
}

// The fault: every block of the next segment (the preallocated file the receiver renames to
// the next .partial) loses its backing page and the tmpfs is full, so the first writeback of
// that segment fails as a whole. Not a punched range inside the open segment: the loop driver
// writes a request to its backing file with one write, and a write that runs out of space
// after its first pages returns a short count, which the loop driver reports as success for
// the whole request (measured on this kernel: a 16 kB pwrite + fdatasync over 8 kB of backed and
// 8 kB of punched pages returns 0, and after a remount the punched half reads as zeros). A
// punched range that starts inside a request loses data behind a successful fdatasync, which
// no writer can see; a request that starts in a punched page fails whole. (The same happens
// when a punched range starts inside a page of the image: that page is only zeroed, not freed,
// so LoopExt4 makes an ext4 with 4 kB blocks, one page each.)
TEST_CASE("a failed fdatasync stops receive with the segment named, is never retried, and a restart re-receives from the durable position") {
    skip_unless_mountable(true);
    ReceiveOnLoop r("understudy-fault-fsync");
    r.pg.sql("select pg_switch_wal()");
    insert_wal(r.pg, 100);
    REQUIRE_MESSAGE(wait_flushed(r.status, current_lsn(r.pg), 30s), read_file(r.log));

    // The open segment has room left; the next one is preallocated beside it.
    const XLogRecPtr flushed_before = status_flushed(r.status);
    const XLogRecPtr next_seg = flushed_before - segment_offset(flushed_before, kSeg) + kSeg;
    const std::string prealloc = r.wal + "/xlogtemp.understudy";
    REQUIRE_MESSAGE(wait_until([&] { return sfs::exists(prealloc) && sfs::file_size(prealloc) == kSeg; }, 10s),
                    "no preallocated next segment \"" << prealloc << "\": " << read_file(r.log));
    CHECK(r.disk.punch_file_tail(prealloc, 0) == kSeg);
    fill_up(r.disk.backing().path());

    // WAL into the next segment: its writeback, and so the fdatasync, fails.
    for (int i = 0; i < 6 && r.child.running(); ++i) insert_wal(r.pg, 300);
    const int code = r.child.wait(60s);
    const std::string text = read_file(r.log);
    CHECK_MESSAGE(code == 1, text);
    const std::string partial = r.wal + "/" + segment_file_name(1, lsn_to_segno(next_seg, kSeg), kSeg) + ".partial";
    CHECK_MESSAGE(text.find("could not fdatasync WAL segment \"" + partial + "\"") != std::string::npos, text);
    // The last durable position named is where the failed segment starts (the one before was
    // completed and fdatasynced), and nothing past it was reported flushed: not in the status
    // file, not to the primary (its slot).
    CHECK_MESSAGE(text.find("not retrying") != std::string::npos, text);
    CHECK_MESSAGE(text.find("receives everything from " + format_lsn(next_seg) + " on timeline 1") != std::string::npos,
                  text);
    CHECK(status_flushed(r.status) <= next_seg);
    CHECK(lsn_of(r.pg.sql("select restart_lsn from pg_replication_slots where slot_name = 'faultdisk'")) <= next_seg);
    CHECK(sfs::exists(r.wal + "/understudy.fsync-failed"));
    CHECK_FALSE(sfs::exists(r.wal + "/understudy.stopped"));

    // The disk is repaired (space again), but the page cache still holds the pages whose
    // writeback failed, marked clean: a restart that trusted a scan of the .partial would skip
    // them and they would never reach the disk.
    sfs::remove(r.disk.backing().path() + "/filler");
    r.restart_and_compare("last position known durable");
    CHECK_FALSE(sfs::exists(r.wal + "/understudy.fsync-failed"));
}
