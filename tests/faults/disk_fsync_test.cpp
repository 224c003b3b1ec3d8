// Disk faults under `understudy receive`, on an ext4 over a loop device whose backing file is on
// a tmpfs (tests/faults/disk_helpers.h; device-mapper is not available everywhere, loop devices
// are): ext4's emergency read-only remount mid-stream. (The failed-fdatasync case is in
// disk_fsync_wip_test.cpp, suite 'wip': see there.) Expected: exit 1 with the file named; no flush position past the failure;
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

void insert_wal(const PgCluster& pg, int rows) {
    pg.sql("insert into filler select repeat('x', 1000) from generate_series(1, " + std::to_string(rows) + ")");
}

}  // namespace

TEST_CASE("ext4's emergency read-only remount mid-stream stops receive with the file named; after fsck a restart resumes with no gap") {
    skip_unless_mountable(true);
    PgCluster pg(one_mb_segments());
    pg.sql("create table filler(x text)");
    TempDir dir("understudy-fault-erofs");
    LoopExt4 disk(dir.path(), 48, 8);
    const std::string wal = disk.mnt() + "/wal";
    const std::string status = dir.path() + "/status.json";
    const std::string log = dir.path() + "/receive.log";
    auto child = Child::spawn(receive_argv(pg, wal, {"--slot", "faultdisk", "--create-slot", "--status-file", status,
                                                     "--status-interval", "1", "-v"}),
                              log);
    REQUIRE_MESSAGE(walsender_connected(pg), read_file(log));
    insert_wal(pg, 1500);
    REQUIRE_MESSAGE(wait_flushed(status, current_lsn(pg), 30s), read_file(log));

    disk.trigger_fs_error();
    for (int i = 0; i < 6 && child.running(); ++i) {
        insert_wal(pg, 300);
        pg.sql("select pg_switch_wal()");
    }
    const int code = child.wait(60s);
    const std::string text = read_file(log);
    CHECK_MESSAGE(code == 1, text);
    CHECK_MESSAGE(text.find(wal + "/") != std::string::npos, text);
    CHECK_MESSAGE((text.find("Read-only file system") != std::string::npos ||
                   text.find("Input/output error") != std::string::npos),
                  text);

    disk.umount();
    CHECK(disk.fsck() <= 1);
    disk.mount();
    const XLogRecPtr endpos = current_lsn(pg);
    auto again = run(receive_argv(pg, wal, {"--slot", "faultdisk", "--status-file", status, "--endpos",
                                            format_lsn(endpos)}));
    CHECK_MESSAGE(again.exit_code == 0, again.output);
    disk.umount();
    disk.mount();
    auto cmp = compare_with_server(wal, pg.wal_dir(), endpos, kSeg);
    CHECK_MESSAGE(cmp.problems.empty(), problems_text(cmp));
    CHECK(cmp.complete >= 1);
    pg.sql("select pg_drop_replication_slot('faultdisk')");
}
