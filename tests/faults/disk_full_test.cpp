// Disk faults on a size-limited tmpfs the test mounts: `understudy receive` filling it up while
// streaming, and a read-only remount while stopped (`understudy standby`'s cases are in
// disk_full_standby_test.cpp).
// Expected: exit 1 with an error naming the file and the errno text; no complete segment that
// is not the primary's, byte for byte; nothing changed on a read-only directory; after space is
// freed (the tmpfs made larger) a restart resumes with no gap: segments byte-identical to the
// primary's. Skips (77) where a tmpfs cannot be
// mounted.
#include <signal.h>
#include <sys/statvfs.h>

#include <map>

#include "tests/faults/disk_helpers.h"
#include "tests/integration/standby_helpers.h"

using namespace understudy;
using namespace understudy::testing;
using namespace understudy::testing::receive;
using namespace understudy::testing::standby;
using namespace understudy::testing::disk;

namespace {

constexpr std::uint32_t kSeg = 1u << 20;

// name -> contents of every file in `dir`.
std::map<std::string, std::string> snapshot(const std::string& dir) {
    std::map<std::string, std::string> out;
    for (auto& e : sfs::directory_iterator(dir)) out[e.path().filename().string()] = read_file(e.path().string());
    return out;
}


}  // namespace

TEST_CASE("receive on a filling file system: exit 1 naming the segment; after space is freed a restart resumes with no gap") {
    skip_unless_mountable(false);
    PgCluster pg(one_mb_segments());
    pg.sql("create table filler(x text)");
    TempDir dir("understudy-fault-full");
    Tmpfs mnt(dir.path() + "/mnt", "5m");
    const std::string wal = mnt.path() + "/wal";
    const std::string status = dir.path() + "/status.json";
    const std::string log = dir.path() + "/receive.log";
    auto child = Child::spawn(receive_argv(pg, wal, {"--slot", "faultdisk", "--create-slot", "--status-file", status,
                                                     "--status-interval", "1", "-v"}),
                              log);
    REQUIRE_MESSAGE(walsender_connected(pg), read_file(log));
    // 5 MB hold four 1 MB segments and the preallocated next one: ten switches fill it.
    for (int i = 0; i < 10 && child.running(); ++i)
        pg.sql("insert into filler select repeat('x', 1000) from generate_series(1, 300); select pg_switch_wal()");
    const int code = child.wait(60s);
    const std::string text = read_file(log);
    CHECK_MESSAGE(code == 1, text);
    CHECK_MESSAGE(text.find("No space left on device") != std::string::npos, text);
    CHECK_MESSAGE(text.find("\"" + wal + "/0000000100000000000000") != std::string::npos, text);
    CHECK_MESSAGE(text.find("reconnecting") == std::string::npos, text);  // a full disk is not a network fault
    const XLogRecPtr flushed = status_flushed(status);
    CHECK(flushed > 0);
    auto problems = check_received(wal, pg.wal_dir(), flushed);
    CHECK_MESSAGE(problems.empty(), join(problems));

    mnt.resize("64m");
    const XLogRecPtr endpos = current_lsn(pg);
    auto again = run(receive_argv(pg, wal, {"--slot", "faultdisk", "--status-file", status, "--endpos",
                                            format_lsn(endpos)}));
    CHECK_MESSAGE(again.exit_code == 0, again.output);
    auto cmp = compare_with_server(wal, pg.wal_dir(), endpos, kSeg);
    CHECK_MESSAGE(cmp.problems.empty(), problems_text(cmp));
    CHECK(cmp.complete >= 3);
    pg.sql("select pg_drop_replication_slot('faultdisk')");
}

TEST_CASE("receive on a read-only file system: exit 1 naming the directory, nothing changed; read-write again, it resumes with no gap") {
    skip_unless_mountable(false);
    PgCluster pg(one_mb_segments());
    pg.sql("create table filler(x text)");
    TempDir dir("understudy-fault-ro");
    Tmpfs mnt(dir.path() + "/mnt", "32m");
    const std::string wal = mnt.path() + "/wal";
    pg.sql("insert into filler select repeat('x', 1000) from generate_series(1, 1000)");
    XLogRecPtr endpos = current_lsn(pg);
    auto first = run(receive_argv(pg, wal, {"--slot", "faultdisk", "--create-slot", "--endpos", format_lsn(endpos)}));
    REQUIRE_MESSAGE(first.exit_code == 0, first.output);

    pg.sql("insert into filler select repeat('x', 1000) from generate_series(1, 1000)");
    endpos = current_lsn(pg);
    mnt.remount("ro");
    const auto before = snapshot(wal);
    auto refused = run(receive_argv(pg, wal, {"--slot", "faultdisk", "--endpos", format_lsn(endpos)}));
    CHECK_MESSAGE(refused.exit_code == 1, refused.output);
    CHECK_MESSAGE(refused.output.find("\"" + wal + "\"") != std::string::npos, refused.output);
    CHECK_MESSAGE(refused.output.find("Read-only file system") != std::string::npos, refused.output);
    CHECK(snapshot(wal) == before);

    mnt.remount("rw");
    auto again = run(receive_argv(pg, wal, {"--slot", "faultdisk", "--endpos", format_lsn(endpos)}));
    CHECK_MESSAGE(again.exit_code == 0, again.output);
    auto cmp = compare_with_server(wal, pg.wal_dir(), endpos, kSeg);
    CHECK_MESSAGE(cmp.problems.empty(), problems_text(cmp));
    CHECK(cmp.complete >= 1);
    pg.sql("select pg_drop_replication_slot('faultdisk')");
}
