// Bad input to `understudy receive`: each a one-line clear error with the right exit status,
// no password in the output, and nothing in the WAL directory damaged. Also --slot/--create-slot
// and a slot whose WAL is gone.
#include <signal.h>
#include <sys/stat.h>

#include <map>
#include <thread>

#include "tests/integration/receive_helpers.h"

using namespace understudy;
using namespace understudy::testing;
using namespace understudy::testing::receive;

namespace {

// name -> contents of every file in a directory (to prove it was not touched).
std::map<std::string, std::string> snapshot(const std::string& dir) {
    std::map<std::string, std::string> out;
    if (!sfs::exists(dir)) return out;
    for (auto& e : sfs::directory_iterator(dir)) out[e.path().filename().string()] = read_file(e.path().string());
    return out;
}

std::size_t line_count(const std::string& s) {
    std::size_t n = 0;
    for (char c : s) n += c == '\n';
    return n;
}

RunResult run_receive(const std::string& conninfo, const std::string& wal, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {understudy_bin(), "receive", "--primary", conninfo, "--wal-dir", wal};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run(argv);
}

}  // namespace

TEST_CASE("unreachable primary: one-line error, exit 1 with --no-loop; retries with backoff otherwise") {
    TempDir dir("understudy-recv");
    const std::string wal = dir.path() + "/wal";
    const std::string conninfo = "host=127.0.0.1 port=" + std::to_string(free_port()) + " user=postgres password=hunter2";
    auto r = run_receive(conninfo, wal, {"--no-loop"});
    CHECK(r.exit_code == 1);
    CHECK(line_count(r.output) == 1);
    CHECK(r.output.find("could not connect to the primary") != std::string::npos);
    CHECK(r.output.find("hunter2") == std::string::npos);
    CHECK(snapshot(wal).empty());

    auto looping = Child::spawn({understudy_bin(), "receive", "--primary", conninfo, "--wal-dir", wal},
                                dir.path() + "/loop.log");
    std::this_thread::sleep_for(2500ms);
    CHECK(looping.running());
    looping.signal(SIGTERM);
    CHECK(looping.wait(10s) == 0);
    std::string log = read_file(dir.path() + "/loop.log");
    CHECK(log.find("reconnecting in 0.5 s") != std::string::npos);
    CHECK(log.find("reconnecting in 1.0 s") != std::string::npos);  // the backoff grows
    CHECK(log.find("hunter2") == std::string::npos);
}

TEST_CASE("wrong password and non-replication user: one-line error, exit 1 even in loop mode, no password shown") {
    PgOptions o;
    o.hba = {"host all pwuser 127.0.0.1/32 scram-sha-256", "host replication pwuser 127.0.0.1/32 scram-sha-256"};
    PgCluster pg(o);
    pg.sql("create role pwuser login replication password 'right-secret'");
    pg.sql("create role plainuser login");
    TempDir dir("understudy-recv");
    const std::string wal = dir.path() + "/wal";
    const std::string base = "host=127.0.0.1 port=" + std::to_string(pg.port());

    auto bad = run_receive(base + " user=pwuser password=wrong-secret", wal);
    CHECK(bad.exit_code == 1);
    CHECK(line_count(bad.output) == 1);
    CHECK(bad.output.find("password authentication failed for user \"pwuser\"") != std::string::npos);
    CHECK(bad.output.find("wrong-secret") == std::string::npos);

    auto uri = run_receive("postgresql://pwuser:wrong-secret@127.0.0.1:" + std::to_string(pg.port()) + "/postgres", wal, {"-v"});
    CHECK(uri.exit_code == 1);
    CHECK(uri.output.find("password authentication failed") != std::string::npos);
    CHECK(uri.output.find("wrong-secret") == std::string::npos);

    auto plain = run_receive(base + " user=plainuser", wal);
    CHECK(plain.exit_code == 1);
    CHECK(line_count(plain.output) == 1);
    CHECK(plain.output.find("must be superuser or replication role") != std::string::npos);
    CHECK(snapshot(wal).empty());

    // The right password works (libpq's own password handling), and is not printed with -vv.
    XLogRecPtr endpos = current_lsn(pg);
    auto good = run_receive(base + " user=pwuser password=right-secret", wal, {"--endpos", format_lsn(endpos), "-vv"});
    CHECK_MESSAGE(good.exit_code == 0, good.output);
    CHECK(good.output.find("right-secret") == std::string::npos);
    CHECK(good.output.find("password=***") != std::string::npos);
}

TEST_CASE("a directory holding another system's WAL is refused and left untouched") {
    PgCluster a;
    PgCluster b;
    TempDir dir("understudy-recv");
    const std::string wal = dir.path() + "/wal";
    auto first = run_receive(a.conninfo(), wal, {"--endpos", format_lsn(current_lsn(a))});
    REQUIRE_MESSAGE(first.exit_code == 0, first.output);
    auto before = snapshot(wal);
    REQUIRE(before.size() >= 2);

    auto r = run_receive(b.conninfo(), wal);
    CHECK(r.exit_code == 1);
    CHECK(line_count(r.output) == 1);
    CHECK(r.output.find("holds WAL of database system " + a.sql("select system_identifier from pg_control_system()")) !=
          std::string::npos);
    CHECK(r.output.find("but the primary is system " + b.sql("select system_identifier from pg_control_system()")) !=
          std::string::npos);
    CHECK(snapshot(wal) == before);

    // Without the ident file (e.g. segments copied in by hand), the segment header tells.
    TempDir dir2("understudy-recv");
    std::string seg = b.sql("select pg_walfile_name(pg_current_wal_lsn())");
    sfs::copy_file(b.wal_dir() + "/" + seg, dir2.path() + "/" + seg);
    auto before2 = snapshot(dir2.path());
    auto r2 = run_receive(a.conninfo(), dir2.path());
    CHECK(r2.exit_code == 1);
    CHECK(r2.output.find("(segment " + seg + ")") != std::string::npos);
    CHECK(snapshot(dir2.path()) == before2);
}

TEST_CASE("unwritable --wal-dir and malformed options") {
    PgCluster pg;
    TempDir dir("understudy-recv");
    std::ofstream(dir.path() + "/plainfile") << "not a directory";
    auto r = run_receive(pg.conninfo(), dir.path() + "/plainfile/wal");
    CHECK(r.exit_code == 1);
    CHECK(line_count(r.output) == 1);
    CHECK(r.output.find("plainfile/wal") != std::string::npos);
    CHECK(read_file(dir.path() + "/plainfile") == "not a directory");

    // As an unprivileged user, a root-owned directory is not writable.
    const std::string rootdir = dir.path() + "/rootonly";
    sfs::create_directory(rootdir);
    ::chmod(dir.path().c_str(), 0755);
    ::chmod(rootdir.c_str(), 0755);
    auto as_nobody = run({"runuser", "-u", "nobody", "--", understudy_bin(), "receive", "--primary", pg.conninfo(),
                          "--wal-dir", rootdir});
    if (as_nobody.output.find("Permission denied") != std::string::npos &&
        as_nobody.output.find("not writable") == std::string::npos) {
        MESSAGE("skipped the nobody case: the binary is not executable by nobody here: " << as_nobody.output);
    } else {
        CHECK(as_nobody.exit_code == 1);
        CHECK(line_count(as_nobody.output) == 1);
        CHECK(as_nobody.output.find("is not writable") != std::string::npos);
        CHECK(snapshot(rootdir).empty());
    }

    auto endpos = run_receive(pg.conninfo(), dir.path() + "/wal", {"--endpos", "0/XYZ"});
    CHECK(endpos.exit_code == 2);
    CHECK(endpos.output.find("invalid --endpos \"0/XYZ\"") != std::string::npos);
    CHECK_FALSE(sfs::exists(dir.path() + "/wal"));
    auto noslot = run_receive(pg.conninfo(), dir.path() + "/wal", {"--create-slot"});
    CHECK(noslot.exit_code == 2);
    auto missing = run({understudy_bin(), "receive", "--wal-dir", dir.path() + "/wal"});
    CHECK(missing.exit_code == 2);
    auto badconn = run_receive("host=127.0.0.1 port=notaport = =", dir.path() + "/wal");
    CHECK(badconn.exit_code == 1);
    CHECK(line_count(badconn.output) == 1);
}

TEST_CASE("--slot and --create-slot: the slot is created, used and advanced") {
    PgCluster pg;
    TempDir dir("understudy-recv");
    const std::string wal = dir.path() + "/wal";
    auto absent = run_receive(pg.conninfo(), wal, {"--slot", "understudy_slot"});
    CHECK(absent.exit_code == 1);
    CHECK(absent.output.find("replication slot \"understudy_slot\" does not exist") != std::string::npos);
    CHECK(absent.output.find("--create-slot") != std::string::npos);

    XLogRecPtr endpos1 = current_lsn(pg);
    auto created = run_receive(pg.conninfo(), wal, {"--slot", "understudy_slot", "--create-slot", "--endpos", format_lsn(endpos1), "-v"});
    REQUIRE_MESSAGE(created.exit_code == 0, created.output);
    CHECK(created.output.find("created physical replication slot") != std::string::npos);
    CHECK(pg.sql("select slot_type from pg_replication_slots where slot_name = 'understudy_slot'") == "physical");

    pg.sql("create table t as select generate_series(1, 10000) x");
    XLogRecPtr endpos2 = current_lsn(pg);
    auto again = run_receive(pg.conninfo(), wal, {"--slot", "understudy_slot", "--create-slot", "--endpos", format_lsn(endpos2)});
    REQUIRE_MESSAGE(again.exit_code == 0, again.output);
    XLogRecPtr restart = lsn_of(pg.sql("select restart_lsn from pg_replication_slots where slot_name = 'understudy_slot'"));
    CHECK(restart >= endpos1);
    auto cmp = compare_with_server(wal, pg.wal_dir(), endpos2, 16u << 20);
    CHECK_MESSAGE(cmp.problems.empty(), problems_text(cmp));
}

TEST_CASE("a slot whose WAL is gone: the error says so and what to do") {
    PgOptions o = one_mb_segments();
    o.conf = {"wal_keep_size = 0", "max_slot_wal_keep_size = 2MB"};
    PgCluster pg(o);
    TempDir dir("understudy-recv");
    const std::string wal = dir.path() + "/wal";
    auto first = run_receive(pg.conninfo(), wal, {"--slot", "lost_slot", "--create-slot", "--endpos", format_lsn(current_lsn(pg))});
    REQUIRE_MESSAGE(first.exit_code == 0, first.output);
    pg.sql("create table big(x text)");
    for (int i = 0; i < 8; ++i) pg.sql("insert into big select repeat('z', 500) from generate_series(1, 1000); select pg_switch_wal()");
    pg.sql("checkpoint");
    REQUIRE(wait_until([&] {
        pg.sql("checkpoint");
        return pg.sql("select wal_status from pg_replication_slots where slot_name = 'lost_slot'") == "lost";
    }, 30s));
    auto before = snapshot(wal);
    auto r = run_receive(pg.conninfo(), wal, {"--slot", "lost_slot"});
    CHECK(r.exit_code == 1);
    CHECK(line_count(r.output) == 1);
    CHECK(r.output.find("no longer has the WAL") != std::string::npos);
    CHECK(r.output.find("has already been removed") != std::string::npos);
    CHECK(r.output.find("--create-slot") != std::string::npos);
    MESSAGE("error shown: " << r.output);
    // The stop record may be rewritten; WAL segments are untouched.
    auto after = snapshot(wal);
    for (auto& [name, contents] : before)
        if (name.size() >= 24 && name.find("understudy") == std::string::npos) CHECK(after[name] == contents);
}
