// Describe routines of the core resource managers against pg_waldump, on the record types that
// tests/workloads/all_rmgrs.sql cannot make from one SQL session (the same steps as
// tests/workloads/desc_core_extras.sh, on the PgCluster fixture):
//   1. commit with apply_feedback; prepare, commit prepared and abort prepared with a replication
//      origin; PREPARE with rels to drop at commit, dropped stats and a relcache init file
//      invalidation; VACUUM FULL of a shared catalog; RUNNING_XACTS with subxid overflow (a second
//      session); 2100 multixacts (ZERO_OFF_PAGE); FPW_CHANGE; PARAMETER_CHANGE and
//      CHECKPOINT_SHUTDOWN (restart); MultiXact TRUNCATE_ID (VACUUM FREEZE of every database);
//   2. after pg_resetwal -x: CLOG TRUNCATE and CommitTs TRUNCATE; OVERWRITE_CONTRECORD (a crash
//      while a record crosses into a segment that is then removed);
//   3. a standby of that cluster, promoted: END_OF_RECOVERY on timeline 2.
// Each part's WAL is dumped by both tools (text and -b) from its start to the end of the WAL:
// zero differing lines, and every record type listed must be there.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "tests/integration/waldump_common.h"
#include "tests/support/pg_cluster.h"

using namespace understudy::testing;
using namespace understudy::testing::waldump;
namespace fs = std::filesystem;

namespace {

void write_file(const std::string& path, const std::string& text) {
    std::ofstream f(path);
    f << text;
}

// Runs a SQL script with psql in one session (statements split as psql does).
void psql_file(const PgCluster& pg, const std::string& path) {
    auto r = pg.client("psql", {"-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", "postgres", "-f", path});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
}

// A psql session running `path` in the background (it waits for a row in table flag).
Child psql_background(const PgCluster& pg, const std::string& path, const std::string& log) {
    return Child::spawn({pg_tool("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
                         std::to_string(pg.port()), "-U", "postgres", "-d", "postgres", "-f", path},
                        log);
}

void copy_wal(const PgCluster& pg, const std::string& to) {
    fs::copy(pg.wal_dir(), to, fs::copy_options::recursive);
}

// "desc: TYPE" of each record line of pg_waldump's output, as "Rmgr/TYPE".
std::set<std::string> record_types(const std::string& dump_path) {
    static const std::regex re(R"(^rmgr: (\S+) .*, desc: (\S+))");
    std::set<std::string> out;
    std::istringstream in(read_file(dump_path));
    std::string line;
    std::smatch m;
    while (std::getline(in, line))
        if (std::regex_search(line, m, re)) out.insert(std::string(m[1]) + "/" + std::string(m[2]));
    return out;
}

// Both tools over the WAL in `dir` from `start` to its end, text and -b: identical output, and
// the record types `expected` are all present. Returns pg_waldump's text output.
std::string check_part(const std::string& name, const std::string& dir, const std::string& start,
                       const std::string& tli, const std::vector<std::string>& expected, const std::string& work) {
    std::string text;
    for (std::string mode : {"", "-b"}) {
        std::vector<std::string> args = {"-p", dir, "-s", start, "-t", tli};
        if (!mode.empty()) args.push_back(mode);
        auto c = compare_waldump(args, work);
        MESSAGE(name << " mode '" << mode << "': " << c.pg_lines << " lines, " << c.differing_lines
                     << " differing");
        INFO(c.report());
        CHECK(c.pg_lines > 5);
        CHECK(c.identical());
        if (mode.empty()) {
            text = read_file(c.pg.out_path);
            auto types = record_types(c.pg.out_path);
            for (const auto& t : expected) {
                INFO(name << ": record type " << t << " expected in the WAL");
                CHECK(types.count(t) == 1);
            }
        }
    }
    return text;
}

// The description variants a part was written for are in pg_waldump's output.
void check_variants(const std::string& name, const std::string& text, const std::vector<std::string>& needles) {
    for (const auto& n : needles) {
        INFO(name << ": pg_waldump output expected to contain: " << n);
        CHECK(text.find(n) != std::string::npos);
    }
}

const char* kPart1Sql = R"SQL(
CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'x' FROM generate_series(1, 10) g;
CREATE TABLE flag (phase int);
SET synchronous_commit = remote_apply;
INSERT INTO t VALUES (100, 'remote_apply');
RESET synchronous_commit;
SELECT pg_replication_origin_create('dc_origin');
SELECT pg_replication_origin_session_setup('dc_origin');
BEGIN;
SELECT pg_replication_origin_xact_setup('0/AABBCCDD', '2026-01-02 03:04:05.123456+00');
INSERT INTO t VALUES (101, 'origin commit');
COMMIT;
BEGIN;
SELECT pg_replication_origin_xact_setup('0/AABBCCFF', '2026-01-02 03:04:07+00');
INSERT INTO t VALUES (103, 'origin prepare');
PREPARE TRANSACTION 'dc_origin_prep';
COMMIT PREPARED 'dc_origin_prep';
BEGIN;
SELECT pg_replication_origin_xact_setup('0/AABBCD00', '2026-01-02 03:04:08+00');
INSERT INTO t VALUES (104, 'origin abort prepared');
PREPARE TRANSACTION 'dc_origin_prep2';
ROLLBACK PREPARED 'dc_origin_prep2';
SELECT pg_replication_origin_session_reset();
CREATE TABLE dc_drop_me (a int);
CREATE ROLE dc_role;
BEGIN;
DROP TABLE dc_drop_me;
GRANT SELECT ON pg_class TO dc_role;
PREPARE TRANSACTION 'dc_prep_rels';
COMMIT PREPARED 'dc_prep_rels';
VACUUM FULL pg_shdescription;
)SQL";

// More subtransactions than PGPROC caches (64), open across a CHECKPOINT.
const char* kOverflowSql = R"SQL(
BEGIN;
INSERT INTO t VALUES (1000, 'overflow');
DO $$ BEGIN FOR i IN 1..70 LOOP
  BEGIN INSERT INTO t VALUES (1000 + i, 'sub'); EXCEPTION WHEN others THEN RAISE; END;
END LOOP; END $$;
DO $$ BEGIN WHILE NOT EXISTS (SELECT 1 FROM flag WHERE phase = 1) LOOP PERFORM pg_sleep(0.05); END LOOP; END $$;
COMMIT;
)SQL";

// A share lock held while 2100 other transactions lock the same row: 2100 multixacts.
const char* kLockHolderSql = R"SQL(
BEGIN;
SELECT 1 FROM t WHERE id = 1 FOR SHARE;
DO $$ BEGIN WHILE NOT EXISTS (SELECT 1 FROM flag WHERE phase = 2) LOOP PERFORM pg_sleep(0.05); END LOOP; END $$;
COMMIT;
)SQL";

// Fill the current segment up to less than two pages (as PostgreSQL's
// src/test/recovery/t/026_overwrite_contrecord.pl does).
const char* kFillSegmentSql = R"SQL(
CREATE TABLE filler (a int, b text);
DO $$
DECLARE
  segsize int := setting::int FROM pg_settings WHERE name = 'wal_segment_size';
  remain int;
BEGIN
  LOOP
    INSERT INTO filler SELECT g, repeat(md5(g::text), (random() * 60 + 1)::int) FROM generate_series(1, 10) g;
    remain := segsize - (pg_current_wal_insert_lsn() - '0/0') % segsize;
    EXIT WHEN remain < 2 * 8192;
  END LOOP;
END $$;
)SQL";

bool flag_seen_by_waiter(const PgCluster& pg) {
    // The waiting session is inside its loop once it has taken its lock / subtransactions.
    return pg.sql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(0.05)%' AND pid <> "
                  "pg_backend_pid()") == "1";
}

}  // namespace

TEST_CASE("describe parity of the core rmgrs on restart, 2nd session, pg_resetwal, crash and promotion WAL") {
    TempDir work("understudy-desccore", true);
    const std::string w = work.path();
    PgOptions opts;
    opts.conf = {"wal_level = logical", "max_prepared_transactions = 5", "track_commit_timestamp = on",
                 "autovacuum = off", "fsync = off", "wal_keep_size = 4GB", "max_wal_size = 4GB"};
    PgCluster pg(opts);

    // ---- part 1 ----
    const std::string start1 = pg.sql("SELECT pg_current_wal_insert_lsn()");
    write_file(w + "/part1.sql", kPart1Sql);
    psql_file(pg, w + "/part1.sql");

    write_file(w + "/overflow.sql", kOverflowSql);
    {
        Child session = psql_background(pg, w + "/overflow.sql", w + "/overflow.log");
        REQUIRE(wait_until([&] { return flag_seen_by_waiter(pg); }, std::chrono::seconds(60)));
        pg.sql("CHECKPOINT");
        pg.sql("INSERT INTO flag VALUES (1)");
        REQUIRE(session.wait(std::chrono::seconds(60)) == 0);
    }
    write_file(w + "/holder.sql", kLockHolderSql);
    {
        Child session = psql_background(pg, w + "/holder.sql", w + "/holder.log");
        REQUIRE(wait_until([&] { return flag_seen_by_waiter(pg); }, std::chrono::seconds(60)));
        // One statement: COMMIT inside DO needs the DO outside any transaction block.
        pg.sql("DO $$ BEGIN FOR i IN 1..2100 LOOP PERFORM 1 FROM t WHERE id = 1 FOR SHARE; COMMIT; END LOOP; END $$");
        pg.sql("INSERT INTO flag VALUES (2)");
        REQUIRE(session.wait(std::chrono::seconds(60)) == 0);
    }
    pg.sql("SELECT pg_create_restore_point('dc_restore_point')");
    pg.sql("ALTER SYSTEM SET full_page_writes = off");
    pg.sql("SELECT pg_reload_conf()");
    std::this_thread::sleep_for(std::chrono::seconds(1));
    pg.sql("CHECKPOINT");
    pg.sql("ALTER SYSTEM RESET full_page_writes");
    pg.sql("SELECT pg_reload_conf()");
    std::this_thread::sleep_for(std::chrono::seconds(1));
    pg.sql("ALTER SYSTEM SET max_connections = 60");
    pg.sql("ALTER SYSTEM SET max_locks_per_transaction = 70");
    pg.restart();
    pg.sql("ALTER SYSTEM RESET max_connections");
    pg.sql("ALTER SYSTEM RESET max_locks_per_transaction");
    pg.sql("UPDATE pg_database SET datallowconn = true WHERE datname = 'template0'");
    {
        auto r = pg.client("vacuumdb", {"--all", "--freeze", "-q"});
        INFO(r.output);
        REQUIRE(r.exit_code == 0);
    }
    pg.stop();
    copy_wal(pg, w + "/wal1");

    // ---- part 2 ----
    {
        auto r = run(as_postgres({pg_tool("pg_resetwal"), "-x", "2097152", "-D", pg.data_dir()}));
        INFO(r.output);
        REQUIRE(r.exit_code == 0);
        r = run(as_postgres({"dd", "if=/dev/zero", "of=" + pg.data_dir() + "/pg_xact/0002", "bs=8192", "count=32",
                             "status=none"}));
        REQUIRE(r.exit_code == 0);
    }
    pg.start();
    const std::string start2 = pg.sql("SELECT pg_current_wal_insert_lsn()");
    pg.sql("CHECKPOINT");
    {
        auto r = pg.client("vacuumdb", {"--all", "--freeze", "-q"});
        INFO(r.output);
        REQUIRE(r.exit_code == 0);
    }
    write_file(w + "/fill.sql", kFillSegmentSql);
    psql_file(pg, w + "/fill.sql");
    const std::string init_file = pg.sql("SELECT pg_walfile_name(pg_current_wal_insert_lsn())");
    pg.sql("SELECT pg_logical_emit_message(true, 'dc', repeat('xyzxz', 123456))");
    const std::string end_file = pg.sql("SELECT pg_walfile_name(pg_current_wal_insert_lsn())");
    REQUIRE(init_file != end_file);
    pg.stop("immediate");
    fs::remove(pg.wal_dir() + "/" + end_file);
    pg.start();
    pg.sql("INSERT INTO t VALUES (5000, 'after overwrite')");
    pg.sql("CHECKPOINT");

    // ---- part 3 ----
    std::string switch_lsn;
    {
        PgCluster standby = PgCluster::standby_of(pg);
        pg.sql("INSERT INTO t VALUES (6000, 'before promote')");
        REQUIRE(wait_until([&] { return standby.sql("SELECT count(*) FROM t WHERE id = 6000") == "1"; },
                           std::chrono::seconds(60)));
        standby.promote();
        REQUIRE(wait_until([&] { return standby.sql("SELECT pg_is_in_recovery()") == "f"; },
                           std::chrono::seconds(60)));
        standby.sql("INSERT INTO t VALUES (7000, 'promoted')");
        standby.sql("CHECKPOINT");
        std::istringstream history(read_file(standby.wal_dir() + "/00000002.history"));
        std::string tli;
        history >> tli >> switch_lsn;
        REQUIRE(tli == "1");
        standby.stop();
        copy_wal(standby, w + "/wal3");
    }
    pg.stop();
    copy_wal(pg, w + "/wal2");

    const std::string text1 =
        check_part("part 1", w + "/wal1", start1, "1",
                   {"XLOG/CHECKPOINT_SHUTDOWN", "XLOG/PARAMETER_CHANGE", "XLOG/FPW_CHANGE", "XLOG/RESTORE_POINT",
                    "Transaction/COMMIT", "Transaction/PREPARE", "Transaction/COMMIT_PREPARED",
                    "Transaction/ABORT_PREPARED", "Transaction/ASSIGNMENT", "Transaction/INVALIDATION",
                    "MultiXact/ZERO_OFF_PAGE", "MultiXact/ZERO_MEM_PAGE", "MultiXact/CREATE_ID",
                    "MultiXact/TRUNCATE_ID", "Standby/RUNNING_XACTS", "Standby/LOCK", "Standby/INVALIDATIONS",
                    "RelMap/UPDATE", "Storage/CREATE", "CommitTs/ZEROPAGE"},
                   w);
    check_variants("part 1", text1,
                   {"; apply_feedback", "; origin: node 1, lsn 0/AABBCCDD, at ", "; origin: node 1, lsn 0/AABBCCFF, at ",
                    "; origin: node 1, lsn 0/AABBCD00, at ", "; rels(commit): ", "; commit dropped stats: ",
                    "; relcache init file inval dbid ", "; subxid ovf", "desc: UPDATE database 0 tablespace 1664",
                    "desc: CREATE global/", "FPW_CHANGE false", "FPW_CHANGE true",
                    "PARAMETER_CHANGE max_connections=60 ", "RESTORE_POINT dc_restore_point"});
    check_part("part 2", w + "/wal2", start2, "1",
               {"CLOG/TRUNCATE", "CLOG/ZEROPAGE", "CommitTs/TRUNCATE", "XLOG/OVERWRITE_CONTRECORD",
                "XLOG/CHECKPOINT_ONLINE"},
               w);
    check_part("part 3", w + "/wal3", switch_lsn, "2", {"XLOG/END_OF_RECOVERY"}, w);
}
