// `understudy receive` against a real PostgreSQL 15: byte-identical segments across segment
// switches under load (1 MB and 16 MB segments), --endpos, --status-file, pg_stat_replication.
#include <signal.h>

#include "tests/integration/receive_helpers.h"

using namespace understudy;
using namespace understudy::testing;
using namespace understudy::testing::receive;

TEST_CASE("received segments are byte-identical to pg_wal across segment switches under load (1 MB segments)") {
    PgCluster pg(one_mb_segments());
    pg.pgbench_init(1);
    TempDir dir("understudy-recv");
    const std::string wal = dir.path() + "/wal";
    const std::string status = dir.path() + "/status.json";
    auto child = Child::spawn(receive_argv(pg, wal, {"--status-file", status, "--status-interval", "1", "-v"}),
                              dir.path() + "/receive.log");
    REQUIRE(walsender_connected(pg));
    // 'catchup' until the walsender has sent everything up to the primary's position.
    CHECK(wait_until([&] {
        return pg.sql("select application_name || ' ' || state from pg_stat_replication") == "understudy streaming";
    }, 30s));

    auto bench = pg.pgbench(4, 2);
    REQUIRE_MESSAGE(bench.exit_code == 0, bench.output);
    pg.sql("create table filler(x text)");
    for (int i = 0; i < 6; ++i)  // six segment switches, whatever pgbench managed on a busy machine
        pg.sql("insert into filler select repeat('x', 1000) from generate_series(1, 300); select pg_switch_wal()");
    XLogRecPtr target = current_lsn(pg);
    REQUIRE_MESSAGE(wait_flushed(status, target), read_file(dir.path() + "/receive.log"));

    // The primary sees what the receiver reported.
    auto flush_seen = pg.sql("select flush_lsn >= '" + format_lsn(target) + "'::pg_lsn from pg_stat_replication");
    CHECK(flush_seen == "t");

    child.signal(SIGINT);
    CHECK(child.wait(30s) == 0);
    auto st = read_status(status);
    REQUIRE(st);
    XLogRecPtr flushed = lsn_of((*st)["flushed_lsn"]);
    CHECK(flushed >= target);
    CHECK((*st)["state"] == "stopped");

    auto cmp = compare_with_server(wal, pg.wal_dir(), flushed, 1u << 20);
    CHECK_MESSAGE(cmp.problems.empty(), problems_text(cmp));
    CHECK(cmp.complete >= 5);
    CHECK(cmp.partial == 1);
    CHECK(sfs::exists(wal + "/understudy.ident"));
    CHECK(read_file(dir.path() + "/receive.log").find("error") == std::string::npos);
}

TEST_CASE("--endpos exits 0 with everything up to it flushed; the status file matches the primary (16 MB segments)") {
    PgCluster pg;
    pg.pgbench_init(1);
    auto bench = pg.pgbench(2, 2);
    REQUIRE_MESSAGE(bench.exit_code == 0, bench.output);
    XLogRecPtr endpos = current_lsn(pg);
    TempDir dir("understudy-recv");
    const std::string wal = dir.path() + "/wal";
    const std::string status = dir.path() + "/status.json";
    auto r = run(receive_argv(pg, wal, {"--endpos", format_lsn(endpos), "--status-file", status}));
    REQUIRE_MESSAGE(r.exit_code == 0, r.output);
    CHECK(r.output.empty());  // quiet without -v

    auto st = read_status(status);
    REQUIRE(st);
    CHECK((*st)["system_identifier"] == pg.sql("select system_identifier from pg_control_system()"));
    CHECK((*st)["timeline"] == std::stoi(pg.sql("select timeline_id from pg_control_checkpoint()")));
    CHECK((*st)["flushed_lsn"] == format_lsn(endpos));
    CHECK((*st)["received_lsn"] == format_lsn(endpos));
    XLogRecPtr wal_end = lsn_of((*st)["primary_wal_end_lsn"]);
    CHECK(wal_end >= endpos);
    CHECK(wal_end <= current_lsn(pg));
    CHECK((*st)["wal_segment_size"] == 16 * 1024 * 1024);
    CHECK(std::string((*st)["updated_at"]).ends_with("Z"));

    auto cmp = compare_with_server(wal, pg.wal_dir(), endpos, 16u << 20);
    CHECK_MESSAGE(cmp.problems.empty(), problems_text(cmp));
    CHECK(cmp.partial + cmp.complete >= 1);
    // Nothing past --endpos was written.
    std::string seg = segment_file_name(1, lsn_to_segno(endpos, 16u << 20), 16u << 20);
    std::string partial = read_file(wal + "/" + seg + ".partial");
    REQUIRE(partial.size() == 16u << 20);
    std::size_t off = segment_offset(endpos, 16u << 20);
    CHECK(partial.find_first_not_of('\0', off) == std::string::npos);

    // Running again with the same --endpos has nothing to do and exits 0 at once.
    auto again = run(receive_argv(pg, wal, {"--endpos", format_lsn(endpos)}));
    CHECK_MESSAGE(again.exit_code == 0, again.output);

    // Continuing to a later endpos resumes inside the .partial: no gap, still identical.
    pg.sql("create table t2 as select generate_series(1, 20000) x");
    XLogRecPtr endpos2 = current_lsn(pg);
    auto more = run(receive_argv(pg, wal, {"--endpos", format_lsn(endpos2), "-v"}));
    REQUIRE_MESSAGE(more.exit_code == 0, more.output);
    CHECK(more.output.find("resuming from the files in") != std::string::npos);
    CHECK(more.output.find("at " + format_lsn(endpos)) != std::string::npos);
    auto cmp2 = compare_with_server(wal, pg.wal_dir(), endpos2, 16u << 20);
    CHECK_MESSAGE(cmp2.problems.empty(), problems_text(cmp2));
}
