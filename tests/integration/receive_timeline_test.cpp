// Timeline switch: understudy streams from a PostgreSQL standby that is then promoted; it stores
// 00000002.history, keeps timeline 1's tail, follows onto timeline 2, and its files match.
#include <signal.h>

#include "tests/integration/receive_helpers.h"

using namespace understudy;
using namespace understudy::testing;
using namespace understudy::testing::receive;

TEST_CASE("streaming from a standby that is promoted: understudy follows onto timeline 2") {
    PgCluster primary(one_mb_segments());
    primary.sql("create table t(x int, pad text); insert into t select g, repeat('p', 200) from generate_series(1, 5000) g");
    auto standby = PgCluster::standby_of(primary);
    XLogRecPtr p = current_lsn(primary);
    REQUIRE(wait_until([&] { return lsn_of(standby.sql("select pg_last_wal_replay_lsn()")) >= p; }, 30s));

    TempDir dir("understudy-recv");
    const std::string wal = dir.path() + "/wal";
    const std::string status = dir.path() + "/status.json";
    const std::string log = dir.path() + "/receive.log";
    auto rcv = Child::spawn(receive_argv(standby, wal, {"--status-file", status, "--status-interval", "1", "-v"}), log);
    primary.sql("insert into t select g, repeat('q', 200) from generate_series(1, 5000) g");
    p = current_lsn(primary);
    REQUIRE_MESSAGE(wait_flushed(status, p), read_file(log));
    CHECK((*read_status(status))["timeline"] == 1);

    primary.stop();
    standby.promote();
    REQUIRE(wait_until([&] { return standby.sql("select pg_is_in_recovery()") == "f"; }, 30s));
    REQUIRE(standby.sql("select substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)") == "00000002");
    standby.sql("insert into t select g, repeat('r', 200) from generate_series(1, 5000) g");
    standby.sql("select pg_switch_wal()");
    standby.sql("insert into t select g, repeat('s', 200) from generate_series(1, 2000) g");
    XLogRecPtr target = current_lsn(standby);
    REQUIRE_MESSAGE(wait_until([&] {
                        auto st = read_status(status);
                        return st && (*st)["timeline"] == 2 && status_flushed(status) >= target;
                    }, 60s),
                    read_file(log));
    rcv.signal(SIGINT);
    CHECK(rcv.wait(30s) == 0);

    // The history file is the promoted server's.
    REQUIRE(sfs::exists(wal + "/00000002.history"));
    CHECK(read_file(wal + "/00000002.history") == read_file(standby.wal_dir() + "/00000002.history"));
    // Timeline 1's tail is kept as .partial, timeline 2 starts at the switch segment.
    std::string history = read_file(wal + "/00000002.history");
    XLogRecPtr switch_lsn = lsn_of(history.substr(history.find('\t') + 1, history.find('\t', history.find('\t') + 1) - history.find('\t') - 1));
    XLogSegNo switch_seg = lsn_to_segno(switch_lsn, 1u << 20);
    CHECK(sfs::exists(wal + "/" + segment_file_name(1, switch_seg, 1u << 20) + ".partial"));
    CHECK((sfs::exists(wal + "/" + segment_file_name(2, switch_seg, 1u << 20)) ||
           sfs::exists(wal + "/" + segment_file_name(2, switch_seg, 1u << 20) + ".partial")));

    auto cmp = compare_with_server(wal, standby.wal_dir(), status_flushed(status), 1u << 20);
    CHECK_MESSAGE(cmp.problems.empty(), problems_text(cmp) << read_file(log));
    CHECK(cmp.complete >= 2);
    CHECK(cmp.partial >= 2);  // timeline 1's tail and timeline 2's current segment
    CHECK(read_file(log).find("following timeline 2") != std::string::npos);
}
