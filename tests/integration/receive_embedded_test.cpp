// The receiver as a library (what `understudy standby` will embed): run on its own thread, fed an
// apply position that shows up in the primary's pg_stat_replication.replay_lsn, observed through
// flushed_lsn(), stopped with request_stop().
#include <thread>

#include "receiver/walreceiver.h"
#include "tests/integration/receive_helpers.h"

using namespace understudy;
using namespace understudy::testing;
using namespace understudy::testing::receive;

TEST_CASE("WalReceiver on a thread: apply position reaches the primary, flushed_lsn advances, request_stop ends it") {
    PgCluster pg;
    TempDir dir("understudy-recv");
    receiver::ReceiverOptions opts;
    opts.conninfo = pg.conninfo();
    opts.wal_dir = dir.path() + "/wal";
    opts.handle_signals = false;
    opts.application_name = "embedded";
    receiver::WalReceiver rcv(opts);
    Result<void> result = make_error("not run");
    std::thread t([&] { result = rcv.run(); });

    REQUIRE(wait_until([&] { return pg.sql("select count(*) from pg_stat_replication where application_name = 'embedded'") == "1"; }, 30s));
    pg.sql("create table t as select generate_series(1, 1000) x");
    XLogRecPtr target = current_lsn(pg);
    REQUIRE(wait_until([&] { return rcv.flushed_lsn() >= target; }, 30s));
    CHECK(rcv.received_lsn() >= target);

    // Until told, apply is reported as 0 (replay_lsn stays NULL/0); then the replayer's position.
    XLogRecPtr applied = target - 16;
    rcv.set_apply_lsn(applied);
    CHECK(wait_until([&] {
        return pg.sql("select coalesce(replay_lsn::text, '') from pg_stat_replication where application_name = 'embedded'") ==
               format_lsn(applied);
    }, 10s));

    rcv.request_stop();
    t.join();
    CHECK_MESSAGE(result.ok(), (result.ok() ? "" : result.message()));
    rcv.wake_for_reply();  // harmless after the loop ended
}
