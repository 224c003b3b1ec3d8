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

// tests/workloads/<name>: the SQL this test shares with tests/workloads/desc_core_extras.sh.
std::string workload(const std::string& name) { return source_root() + "/tests/workloads/" + name; }

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
    psql_file(pg, workload("desc_core_part1.sql"));

    // More subtransactions than PGPROC caches (64), open across a CHECKPOINT.
    {
        Child session = psql_background(pg, workload("desc_core_subxid_overflow.sql"), w + "/overflow.log");
        REQUIRE(wait_until([&] { return flag_seen_by_waiter(pg); }, std::chrono::seconds(60)));
        pg.sql("CHECKPOINT");
        pg.sql("INSERT INTO flag VALUES (1)");
        REQUIRE(session.wait(std::chrono::seconds(60)) == 0);
    }
    // A share lock held while 2100 other transactions lock the same row: 2100 multixacts.
    {
        Child session = psql_background(pg, workload("desc_core_lock_holder.sql"), w + "/holder.log");
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
    psql_file(pg, workload("desc_core_fill_segment.sql"));
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
