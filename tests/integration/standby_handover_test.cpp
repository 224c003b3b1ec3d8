// Hand-over from `understudy standby --base-backup` to a real PostgreSQL (issue 14; 14-18): a primary
// under pgbench load, our standby keeping a *full* data directory (the backup's files, pg_control
// rewritten at every restartpoint, backup_label renamed backup_label.old at the backup's end);
// after SIGTERM, `understudy lag --dir` says the directory is full and a server can start, and
// pg_controldata agrees with it; `pg_ctl start -D DIR/data` as postgres (the directory chowned
// to postgres, 0700) starts a hot standby that reaches consistency and streams from the primary
// (pg_stat_replication shows it); `pg_ctl promote` makes it writable; pgbench's row counts equal
// the primary's, every database's catalogs (pg_class, pg_attribute, pg_type rows) and pg_dump
// (14, 15: 15's pg_dump refuses newer servers) equal the primary's at the same LSN, pg_amcheck
// --heapallindexed over every database is clean. The load runs with understudy as the
// synchronous standby under remote_apply. Runs on 15: plain; a --data-checksums primary
// (pg_checksums --check after the hand-over); understudy killed with SIGKILL during the backup
// and again mid-replay, restarted each time. Then a 16, a 14, a 17 and an 18 primary (18's initdb turns data
// checksums on), plain.
#include <csignal>
#include <filesystem>
#include <regex>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "tests/integration/standby_helpers.h"
#include "tests/support/files.h"

using namespace understudy;
using namespace understudy::testing;
using namespace std::chrono_literals;

namespace {

// "Latest checkpoint location:           0/5000060" -> "0/5000060"
std::string controldata_field(const std::string& text, const std::string& name) {
    std::smatch m;
    if (!std::regex_search(text, m, std::regex(name + ":\\s+([^\\n]+)"))) return "";
    return m[1].str();
}

// The first line where two texts differ, with its number, for a failure message.
std::string first_difference(const std::string& a, const std::string& b) {
    std::size_t line = 1, start = 0;
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
        if (a[i] != b[i]) {
            const auto end_a = a.find('\n', start), end_b = b.find('\n', start);
            return fmt::format("first difference at line {}:\nprimary: {}\nstandby: {}", line,
                               a.substr(start, end_a - start), b.substr(start, end_b - start));
        }
        if (a[i] == '\n') {
            ++line;
            start = i + 1;
        }
    }
    return fmt::format("one is a prefix of the other ({} vs {} bytes)", a.size(), b.size());
}

// With `checksums`, the primary is initialised with --data-checksums: every page understudy
// writes must carry the server's checksum (the hand-over server verifies each page it reads, and
// pg_checksums --check reads them all once it has shut down).
// With `kill9`, understudy is killed with SIGKILL during the base backup and again while it
// replays under pgbench, and started again on the same DIR each time: the hand-over afterwards
// must pass all the same.
// `major`: the primary's and the hand-over server's PostgreSQL major version (15: Debian's;
// others from tools/pg_versions.sh, server binaries only: the client tools are 15's, and 15's
// pg_dump refuses a newer server, so the dumps are compared for 14 and 15 and the catalog
// hashes for every version).
void handover(int major, bool checksums, bool kill9 = false) {
    PgOptions opts;
    if (major != 15) opts.bindir = pg_version_bindir(major);
    if (checksums) opts.initdb_args = {"--data-checksums"};
    opts.conf = {"max_prepared_transactions = 5"};
    PgCluster pg(opts);
    REQUIRE(pg.sql("show server_version_num").substr(0, 2) == std::to_string(major));
    // Prepared transactions: one before the base backup (the backup holds its pg_twophase file),
    // committed once understudy streams, so its file must go; two while understudy replays:
    // 'handover_kept' still prepared at the hand-over (the server starts past its PREPARE and
    // must find its file, written at a restartpoint) and 'handover_committed' committed after
    // that restartpoint (its file written, then removed).
    pg.sql("create table twophase(i int)");
    pg.sql("begin; insert into twophase values (1); prepare transaction 'before_backup'");
    pg.sql("checkpoint");  // the file, as the backup's checkpoint would write it anyway
    pg.pgbench_init(1);
    pg.sql("create extension amcheck");  // for pg_amcheck on the hand-over server (it comes with the WAL)
    TempDir logs("understudy-handover-logs");
    TempDir holder("understudy-handover", true);  // DIR; DIR/data is the server's data directory later
    const std::string dir = holder.path();
    Child sb;
    if (kill9) {
        // Killed during the backup first: with a spread checkpoint the primary takes minutes to
        // start it (checkpoint_timeout 5 min, pgbench -i's dirty pages), so DIR/data.partial
        // exists and DIR/data does not when the SIGKILL comes; the restart removes the partial
        // backup and takes a new one.
        sb = Child::spawn(standby::standby_argv(pg, dir, {"--base-backup", "--checkpoint", "spread", "--progress", "plain"}),
                          logs.path() + "/standby.log");
        REQUIRE(wait_until([&] { return std::filesystem::exists(dir + "/data.partial"); }, 30s, 50ms));
        std::this_thread::sleep_for(300ms);
        sb.signal(SIGKILL);
        sb.wait(30s);
        CHECK(std::filesystem::exists(dir + "/data.partial"));
        CHECK(!std::filesystem::exists(dir + "/data"));
    }
    sb = Child::spawn(standby::standby_argv(pg, dir, {"--base-backup", "--checkpoint", "fast", "--progress", "plain"}),
                      logs.path() + "/standby.log");
    REQUIRE(standby::wait_streaming(pg));
    pg.sql("commit prepared 'before_backup'");
    pg.sql("begin; insert into twophase values (2); prepare transaction 'handover_kept'");
    pg.sql("begin; insert into twophase values (3); prepare transaction 'handover_committed'");
    // understudy as the synchronous standby under remote_apply: every commit of the load waits
    // until understudy has applied it.
    pg.sql("alter system set synchronous_standby_names = 'understudy'");
    pg.sql("alter system set synchronous_commit = 'remote_apply'");
    pg.sql("select pg_reload_conf()");
    REQUIRE(wait_until([&] {
        return pg.sql("select count(*) from pg_stat_replication where application_name = 'understudy' and "
                      "sync_state = 'sync'") == "1";
    }, 30s, 100ms));
    auto load = pg.pgbench(8, 2);
    INFO(load.output);
    REQUIRE(load.exit_code == 0);
    // A restartpoint after the load (the primary's checkpoint), then more load past it.
    pg.sql("checkpoint");
    pg.sql("commit prepared 'handover_committed'");
    if (kill9) {
        // Killed mid-replay (1.5 s into 4 s of pgbench), restarted on the same DIR.
        std::vector<std::string> bench = {pg_tool("pgbench"), "-n", "-T", "4", "-c", "2", "-h", "127.0.0.1",
                                          "-p", std::to_string(pg.port()), "-U", "postgres", "postgres"};
        Child writer = Child::spawn(bench, logs.path() + "/pgbench.log");
        std::this_thread::sleep_for(1500ms);
        sb.signal(SIGKILL);
        sb.wait(30s);
        sb = Child::spawn(standby::standby_argv(pg, dir, {"--base-backup", "--checkpoint", "fast", "--progress", "plain"}),
                          logs.path() + "/standby.log");
        CHECK(writer.wait(60s) == 0);
        REQUIRE(standby::wait_streaming(pg));
    }
    auto more = pg.pgbench(2, 2);
    REQUIRE(more.exit_code == 0);
    // Back to asynchronous before understudy stops (the hand-over server takes its place).
    pg.sql("alter system reset synchronous_standby_names");
    pg.sql("alter system reset synchronous_commit");
    pg.sql("select pg_reload_conf()");
    const XLogRecPtr target = receive::current_lsn(pg);
    const bool caught_up = wait_until([&] { return standby::caught_up_on(dir + "/status.json", target, 1); }, 60s, 100ms);
    sb.signal(SIGTERM);
    const int rc = sb.wait(30s);
    const std::string log = read_file(logs.path() + "/standby.log");
    INFO(log);
    REQUIRE(caught_up);
    REQUIRE(rc == 0);
    CHECK(log.find("backup end reached at") != std::string::npos);
    if (kill9) {
        CHECK(log.find("the unfinished base backup of an interrupted run") != std::string::npos);
        CHECK(log.find("exists already (an earlier run's); continuing from it") != std::string::npos);
        CHECK(!std::filesystem::exists(dir + "/data.partial"));
    }
    CHECK(!std::filesystem::exists(dir + "/data/backup_label"));
    CHECK(std::filesystem::exists(dir + "/data/backup_label.old"));
    // pg_twophase holds the file of the transaction still prepared, and only that one.
    std::vector<std::string> twophase_files;
    for (const auto& e : std::filesystem::directory_iterator(dir + "/data/pg_twophase"))
        twophase_files.push_back(e.path().filename().string());
    CHECK_MESSAGE(twophase_files.size() == 1, fmt::format("{}", fmt::join(twophase_files, " ")));
    CHECK(log.find("two-phase state file(s) written to pg_twophase") != std::string::npos);
    CHECK(log.find("1 prepared transaction(s) found in pg_twophase") != std::string::npos);

    // Our view of the directory, and pg_controldata's.
    auto lag = run({understudy_bin(), "lag", "--dir", dir, "--json"});
    INFO(lag.output);
    REQUIRE(lag.exit_code == 0);
    const auto lj = nlohmann::json::parse(lag.output);
    REQUIRE(lj.contains("directory"));
    const auto& d = lj["directory"];
    CHECK(d["mode"] == "full");
    CHECK(d["server_can_start"] == true);
    auto cd = run({pg_tool("pg_controldata"), dir + "/data"});
    INFO(cd.output);
    REQUIRE(cd.exit_code == 0);
    CHECK(controldata_field(cd.output, "Database cluster state") == "in archive recovery");
    CHECK(controldata_field(cd.output, "Latest checkpoint location") == d["control_checkpoint"].get<std::string>());
    CHECK(controldata_field(cd.output, "Latest checkpoint location") == d["last_restartpoint_lsn"].get<std::string>());
    CHECK(controldata_field(cd.output, "Minimum recovery ending location") ==
          d["control_min_recovery_point"].get<std::string>());
    CHECK(d["last_restartpoint_lsn"].get<std::string>() != "0/0");
    // status.json (the final one, written after both threads stopped) says the same.
    auto st = standby::read_status(dir + "/status.json");
    REQUIRE(st);
    REQUIRE((*st)["directory"].is_object());
    CHECK((*st)["directory"]["mode"] == "full");
    CHECK((*st)["directory"]["server_can_start"] == true);
    CHECK((*st)["directory"]["last_restartpoint_lsn"] == d["last_restartpoint_lsn"]);
    CHECK((*st)["directory"]["control_checkpoint"] == d["control_checkpoint"]);
    const std::string text = run({understudy_bin(), "lag", "--dir", dir}).output;
    CHECK(text.find("directory: full") != std::string::npos);
    CHECK(text.find("server can start: yes") != std::string::npos);

    // The hand-over: a real PostgreSQL of the primary's version on DIR/data.
    PgCluster hs = PgCluster::adopt(std::move(holder), PgOptions{.bindir = opts.bindir});
    hs.start();
    const bool consistent = wait_until([&] { return hs.sql("select pg_is_in_recovery()") == "t"; }, 30s, 200ms);
    INFO(hs.server_log());
    REQUIRE(consistent);
    CHECK(hs.server_log().find("consistent recovery state reached") != std::string::npos);
    pg.sql("insert into pgbench_history(tid, bid, aid, delta) values (1, 1, 1, 987654321)");
    const std::string primary_lsn = pg.sql("select pg_current_wal_lsn()");
    const bool streaming = wait_until(
        [&] {
            return pg.sql("select count(*) from pg_stat_replication where state = 'streaming' and replay_lsn >= '" +
                          primary_lsn + "'") != "0";
        },
        60s, 200ms);
    CHECK(streaming);
    CHECK(hs.sql("select count(*) from pgbench_history where delta = 987654321") == "1");
    CHECK(pg.sql("select string_agg(gid, ' ') from pg_prepared_xacts") == "handover_kept");
    for (const char* table : {"pgbench_accounts", "pgbench_branches", "pgbench_tellers", "pgbench_history"}) {
        const std::string q = fmt::format("select count(*) || ' ' || coalesce(sum(hashtext(t::text)), 0) from {} t", table);
        CHECK_MESSAGE(hs.sql(q) == pg.sql(q), table);
    }
    // Every database of the hand-over server equals the primary's at the same LSN (nothing
    // written since): the catalogs' rows (pg_class with relpages, reltuples, relfrozenxid, which
    // vacuum updates in place; pg_attribute; pg_type) and, where 15's pg_dump can read the
    // server (14, 15), pg_dump's whole output.
    const std::string databases = pg.sql("select string_agg(datname, ' ' order by datname) from pg_database where datallowconn");
    CHECK(hs.sql("select string_agg(datname, ' ' order by datname) from pg_database where datallowconn") == databases);
    std::istringstream names(databases);
    int dumped = 0;
    for (std::string db; names >> db; ++dumped) {
        for (const char* catalog : {"pg_class", "pg_attribute", "pg_type"}) {
            const std::string q = fmt::format("select count(*) || ' ' || sum(hashtext(c::text)) from {} c", catalog);
            CHECK_MESSAGE(hs.sql(q, db) == pg.sql(q, db), db << "." << catalog);
        }
        if (major > 15) continue;
        auto dump_primary = pg.client("pg_dump", {"-U", "postgres", "--restrict-key=understudy", db});
        auto dump_standby = hs.client("pg_dump", {"-U", "postgres", "--restrict-key=understudy", db});
        REQUIRE(dump_primary.exit_code == 0);
        REQUIRE(dump_standby.exit_code == 0);
        CHECK_MESSAGE(dump_standby.output == dump_primary.output,
                      db << ": " << first_difference(dump_primary.output, dump_standby.output));
    }
    CHECK(dumped >= 2);  // postgres (the load) and template1
    auto amcheck = hs.client("pg_amcheck", {"-U", "postgres", "--all", "--heapallindexed"});
    INFO(amcheck.output);
    CHECK(amcheck.exit_code == 0);
    hs.promote();
    CHECK(wait_until([&] { return hs.sql("select pg_is_in_recovery()") == "f"; }, 30s, 200ms));
    hs.sql("create table after_promote(i int); insert into after_promote values (1)");
    // The transaction prepared on the old primary is prepared on the promoted server (a hot
    // standby lists none: they become valid at the end of recovery), and it can commit it.
    CHECK(hs.sql("select string_agg(gid, ' ') from pg_prepared_xacts") == "handover_kept");
    hs.sql("commit prepared 'handover_kept'");
    CHECK(hs.sql("select string_agg(i::text, ' ' order by i) from twophase") == "1 2 3");
    CHECK(hs.sql("select count(*) from after_promote") == "1");
    hs.stop();
    if (checksums) {
        CHECK(log.find("data checksums on") != std::string::npos);
        auto ck = run(as_postgres({pg_tool("pg_checksums"), "--check", "-D", dir + "/data"}));
        INFO(ck.output);
        CHECK(ck.exit_code == 0);
        CHECK(ck.output.find("Bad checksums:  0") != std::string::npos);
        MESSAGE("pg_checksums --check on the handed-over directory: " << ck.output);
    }
    pg.sql("select pg_drop_replication_slot('understudy')");
}

}  // namespace

TEST_CASE("standby --base-backup: a full directory a PostgreSQL 15 server starts on, streams, promotes") {
    handover(15, false);
}

TEST_CASE("standby --base-backup with data checksums: the pages understudy writes carry PostgreSQL's checksums") {
    handover(15, true);
}

TEST_CASE("standby --base-backup killed with SIGKILL during the backup and during replay, restarted each time: the "
          "hand-over still passes") {
    handover(15, false, true);
}

TEST_CASE("standby --base-backup of a PostgreSQL 16 primary: a full directory a PostgreSQL 16 server starts on, "
          "streams, promotes") {
    handover(16, false);
}

TEST_CASE("standby --base-backup of a PostgreSQL 14 primary: a full directory a PostgreSQL 14 server starts on, "
          "streams, promotes") {
    handover(14, false);
}

TEST_CASE("standby --base-backup of a PostgreSQL 17 primary: a full directory a PostgreSQL 17 server starts on, "
          "streams, promotes") {
    handover(17, false);
}

TEST_CASE("standby --base-backup of a PostgreSQL 18 primary (initdb's default data checksums): a full directory a "
          "PostgreSQL 18 server starts on, streams, promotes") {
    handover(18, false);
}
