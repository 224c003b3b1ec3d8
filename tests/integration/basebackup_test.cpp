// `understudy basebackup` against a real PostgreSQL 15 (issue 14): on an idle primary our
// relation files (base/, global/ except pg_control) are byte-identical to `pg_basebackup -Xnone`'s,
// PG15's `pg_verifybackup -n` accepts our directory with its manifest, files are 0600 and
// directories 0700; a tablespace mapped with --tablespace-mapping lands in NEW with
// pg_tblspc/OID linking to it; a role without REPLICATION, a walsender terminated mid-backup
// (pg_terminate_backend) and a kill -9 of understudy are clear errors that leave no directory that
// looks complete, and the next run into the same --dir succeeds. `understudy standby
// --base-backup` takes the backup, writes standby.signal and primary_conninfo as pg_basebackup -R,
// then streams and replays from the backup's start.
#include <sys/stat.h>

#include <csignal>
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "tests/integration/standby_helpers.h"
#include "tests/support/files.h"

using namespace understudy;
using namespace understudy::testing;
using namespace std::chrono_literals;
namespace sfs = std::filesystem;

namespace {

std::vector<std::string> basebackup_argv(const std::string& conninfo, const std::string& dir,
                                         std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {understudy_bin(), "basebackup", "--primary", conninfo, "--dir", dir,
                                     "--checkpoint", "fast", "--progress", "plain"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
}

// Every regular file under root/sub, by path relative to root.
std::map<std::string, std::string> files_under(const std::string& root, const std::string& sub) {
    std::map<std::string, std::string> out;
    for (const auto& e : sfs::recursive_directory_iterator(root + "/" + sub))
        if (e.is_regular_file()) out[sfs::relative(e.path(), root).string()] = read_file(e.path().string());
    return out;
}

// Paths whose bytes differ or that only one side has.
std::vector<std::string> differing(const std::map<std::string, std::string>& a, const std::map<std::string, std::string>& b) {
    std::vector<std::string> out;
    for (const auto& [path, bytes] : a) {
        auto it = b.find(path);
        if (it == b.end()) out.push_back(path + " (only ours)");
        else if (it->second != bytes) out.push_back(path + " (bytes differ)");
    }
    for (const auto& [path, bytes] : b)
        if (!a.contains(path)) out.push_back(path + " (only pg_basebackup's)");
    return out;
}

// Files and directories whose mode is not 0600 / 0700 (symbolic links are not followed).
std::vector<std::string> bad_modes(const std::string& root) {
    std::vector<std::string> bad;
    for (const auto& e : sfs::recursive_directory_iterator(root)) {
        struct stat st {};
        if (::lstat(e.path().c_str(), &st) != 0 || S_ISLNK(st.st_mode)) continue;
        const unsigned want = S_ISDIR(st.st_mode) ? 0700u : 0600u;
        if ((st.st_mode & 0777) != want) bad.push_back(fmt::format("{} {:o}", e.path().string(), st.st_mode & 0777));
    }
    return bad;
}

bool exists(const std::string& p) {
    std::error_code ec;
    return sfs::exists(sfs::symlink_status(p, ec));
}

std::string slot_count(const PgCluster& pg, const std::string& slot) {
    return pg.sql("select count(*) from pg_replication_slots where slot_name = '" + slot + "'");
}

}  // namespace

TEST_CASE("basebackup: relation files identical to pg_basebackup's, pg_verifybackup accepts it, a tablespace mapped; "
          "no replication permission, a terminated walsender and kill -9 leave nothing that looks complete") {
    PgOptions popts;
    popts.conf = {"autovacuum = off"};  // an idle primary: nothing rewrites pages between the two backups
    PgCluster pg(popts);
    pg.sql("create table t(id int primary key, v text)");
    pg.sql("insert into t select g, repeat('x', 100) from generate_series(1, 20000) g");
    pg.sql("checkpoint");
    TempDir work("understudy-basebackup");
    const std::string ours = work.path() + "/ours";
    const std::string theirs = work.path() + "/pgb";

    // 1. Ours, then pg_basebackup's of the same idle primary.
    const auto t0 = std::chrono::steady_clock::now();
    RunResult r = run(basebackup_argv(pg.conninfo(), ours));
    const double ours_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK(r.output.find("manifest verified") != std::string::npos);
    CHECK(r.output.find("base backup: ") != std::string::npos);  // progress lines
    CHECK(slot_count(pg, "understudy") == "1");
    const auto t1 = std::chrono::steady_clock::now();
    RunResult p = run({pg_tool("pg_basebackup"), "-h", "127.0.0.1", "-p", std::to_string(pg.port()), "-U", "postgres",
                       "-D", theirs, "-Xnone", "-c", "fast"});
    const double theirs_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
    INFO(p.output);
    REQUIRE(p.exit_code == 0);
    MESSAGE(fmt::format("idle primary: understudy basebackup {:.2f} s, pg_basebackup -Xnone {:.2f} s (shared machine)",
                        ours_s, theirs_s));
    auto our_rel = files_under(ours + "/data", "base");
    auto their_rel = files_under(theirs, "base");
    for (auto& [k, v] : files_under(ours + "/data", "global")) our_rel[k] = v;
    for (auto& [k, v] : files_under(theirs, "global")) their_rel[k] = v;
    our_rel.erase("global/pg_control");
    their_rel.erase("global/pg_control");
    CHECK(our_rel.size() > 500);
    const auto diff = differing(our_rel, their_rel);
    INFO(fmt::format("{}", fmt::join(diff, ", ")));
    CHECK(diff.empty());
    MESSAGE(fmt::format("{} relation files compared with pg_basebackup's: {} differ", our_rel.size(), diff.size()));
    RunResult v = run({pg_tool("pg_verifybackup"), "-n", ours + "/data"});
    INFO(v.output);
    CHECK(v.exit_code == 0);
    CHECK(bad_modes(ours + "/data").empty());
    CHECK(!exists(ours + "/data.partial"));

    // 2. A directory already holding a backup is refused.
    r = run(basebackup_argv(pg.conninfo(), ours));
    CHECK(r.exit_code == 1);
    CHECK(r.output.find("already holds a data directory") != std::string::npos);

    // 3. A role without REPLICATION: refused with the reason, nothing left (also with --no-slot,
    //    where the replication connection itself is refused).
    pg.sql("create role norepl login");
    const std::string denied = work.path() + "/denied";
    for (const char* extra : {"--slot=norepl_slot", "--no-slot"}) {
        r = run(basebackup_argv(pg.conninfo("norepl"), denied, {extra}));
        INFO(r.output);
        CHECK(r.exit_code == 1);
        CHECK(r.output.find("REPLICATION attribute") != std::string::npos);
        CHECK(!exists(denied + "/data"));
        CHECK(!exists(denied + "/data.partial"));
    }
    CHECK(slot_count(pg, "norepl_slot") == "0");

    // 4. A tablespace, then the walsender terminated mid-backup (MAX_RATE keeps it streaming
    //    long enough to be caught): a clear error, no data or data.partial, the mapped tablespace
    //    directory and the slot this run created removed.
    const std::string ts_old = pg.base_dir() + "/ts_old";
    REQUIRE(run(as_postgres({"mkdir", "-m", "0700", ts_old})).exit_code == 0);
    pg.sql("create tablespace ts1 location '" + ts_old + "'");
    pg.sql("create table in_ts(id int, v text) tablespace ts1");
    pg.sql("insert into in_ts select g, repeat('y', 200) from generate_series(1, 5000) g");
    pg.sql("checkpoint");
    const std::string oid = pg.sql("select oid from pg_tablespace where spcname = 'ts1'");
    const std::string cut = work.path() + "/cut";
    const std::string ts_new = work.path() + "/ts_new";
    {
        Child bb = Child::spawn(basebackup_argv(pg.conninfo(), cut,
                                                {"--slot=cut_slot", "--max-rate=1024", "-T", ts_old + "=" + ts_new}),
                                work.path() + "/cut.log");
        const bool streaming = wait_until(
            [&] {
                return pg.sql("select count(*) from pg_stat_progress_basebackup where phase = 'streaming database "
                              "files' and backup_streamed > 1000000") == "1";
            },
            60s, 20ms);
        REQUIRE(streaming);
        CHECK(exists(cut + "/data.partial"));
        pg.sql("select pg_terminate_backend(pid) from pg_stat_progress_basebackup");
        const int rc = bb.wait(30s);
        const std::string log = read_file(work.path() + "/cut.log");
        INFO(log);
        CHECK(rc == 1);
        CHECK(log.find("take the backup again") != std::string::npos);
        CHECK(!exists(cut + "/data"));
        CHECK(!exists(cut + "/data.partial"));
        CHECK(!exists(ts_new));
        CHECK(slot_count(pg, "cut_slot") == "0");
    }

    // 5. kill -9 mid-backup: DIR/data.partial stays (never DIR/data); the next run removes it and
    //    completes, with the tablespace mapped.
    {
        const std::string mapped = work.path() + "/ts_mapped";
        Child bb = Child::spawn(basebackup_argv(pg.conninfo(), cut, {"--slot=cut_slot", "--max-rate=1024"}),
                                work.path() + "/kill.log");
        REQUIRE(wait_until([&] { return exists(cut + "/data.partial/base"); }, 60s, 20ms));
        bb.kill9();
        CHECK(bb.wait(10s) == 128 + SIGKILL);
        CHECK(exists(cut + "/data.partial"));
        CHECK(!exists(cut + "/data"));

        r = run(basebackup_argv(pg.conninfo(), cut, {"--slot=cut_slot", "-T", ts_old + "=" + mapped}));
        INFO(r.output);
        REQUIRE(r.exit_code == 0);
        CHECK(r.output.find("unfinished base backup") != std::string::npos);
        CHECK(!exists(cut + "/data.partial"));
        const std::string link = cut + "/data/pg_tblspc/" + oid;
        REQUIRE(sfs::is_symlink(link));
        CHECK(sfs::read_symlink(link).string() == mapped);
        CHECK(read_file(cut + "/data/tablespace_map") == oid + " " + mapped + "\n");
        // The table's file in the tablespace equals the primary's (idle, checkpointed).
        const std::string rel = pg.sql("select pg_relation_filepath('in_ts')");  // pg_tblspc/OID/PG_15_.../DB/REL
        const std::string ours_rel = read_file(cut + "/data/" + rel);
        CHECK(ours_rel.size() > 100000);
        CHECK(ours_rel == read_file(pg.data_dir() + "/" + rel));
        // The manifest covers the tablespace's files; tablespace_map was rewritten for NEW, so
        // its manifest entry (the server's original) is left out of this check.
        v = run({pg_tool("pg_verifybackup"), "-n", "-i", "tablespace_map", cut + "/data"});
        INFO(v.output);
        CHECK(v.exit_code == 0);
        CHECK(bad_modes(cut + "/data").empty());
        CHECK(bad_modes(mapped).empty());
    }
    pg.sql("select pg_drop_replication_slot(slot_name) from pg_replication_slots");
}

TEST_CASE("standby --base-backup: backup, recovery configuration as pg_basebackup -R, streaming and replay from the "
          "backup's start") {
    PgCluster pg;
    pg.sql("create table t(id int primary key, v text)");
    pg.sql("insert into t select g, 'before' from generate_series(1, 5000) g");
    TempDir work("understudy-basebackup-standby");
    const std::string dir = work.path() + "/sb";
    Child sb = Child::spawn(standby::standby_argv(pg, dir, {"--base-backup", "--checkpoint", "fast", "--progress", "plain"}),
                            work.path() + "/standby.log");
    REQUIRE(standby::wait_streaming(pg));
    pg.sql("insert into t select g, 'after' from generate_series(5001, 6000) g");
    const XLogRecPtr target = receive::current_lsn(pg);
    const bool caught_up = wait_until([&] { return standby::caught_up_on(dir + "/status.json", target, 1); }, 60s, 100ms);
    const std::string log = read_file(work.path() + "/standby.log");
    INFO(log);
    CHECK(caught_up);
    sb.signal(SIGTERM);
    CHECK(sb.wait(30s) == 0);

    // Caught up past the backup's end: the replayer renamed backup_label to backup_label.old, as
    // the startup process does once XLOG_BACKUP_END is replayed.
    CHECK(!exists(dir + "/data/backup_label"));
    auto label = read_file(dir + "/data/backup_label.old");
    REQUIRE(!label.empty());
    CHECK(log.find("base backup in") != std::string::npos);
    CHECK(log.find("backup end reached at") != std::string::npos);
    // Replay started at the backup's start (backup_label's START WAL LOCATION).
    const std::string start = label.substr(20, label.find(' ', 20) - 20);
    CHECK(log.find("standby from a base backup: starting at its start " + start) != std::string::npos);
    CHECK(exists(dir + "/data/standby.signal"));
    const std::string autoconf = read_file(dir + "/data/postgresql.auto.conf");
    CHECK(autoconf.find(fmt::format("primary_conninfo = 'user=postgres") ) != std::string::npos);
    CHECK(autoconf.find(fmt::format("port={}", pg.port())) != std::string::npos);
    CHECK(autoconf.find("primary_slot_name = 'understudy'") != std::string::npos);
    CHECK(autoconf.find("password") == std::string::npos);
    CHECK(!exists(dir + "/data.partial"));
    // The backup's files are there (not only the pages WAL brought): the table's whole file.
    const std::string rel = pg.sql("select pg_relation_filepath('t')");
    CHECK(read_file(dir + "/data/" + rel).size() >= 8192 * 30);
    pg.sql("select pg_drop_replication_slot('understudy')");
}

TEST_CASE("basebackup and standby --base-backup of a primary with wal_level = minimal: refused with the setting to "
          "change, nothing written") {
    // wal_level = minimal needs max_wal_senders = 0: no replication connection is possible, so the
    // refusal must come from the SQL connection's look at the settings, before any slot or file.
    PgCluster pg(PgOptions{.conf = {"wal_level = minimal", "max_wal_senders = 0"}});
    REQUIRE(pg.sql("show wal_level") == "minimal");
    TempDir work("understudy-basebackup-minimal");
    const std::string dir = work.path() + "/bb";
    auto r = run(basebackup_argv(pg.conninfo(), dir));
    INFO(r.output);
    CHECK(r.exit_code == 1);
    CHECK(r.output.find("wal_level = minimal") != std::string::npos);
    CHECK(r.output.find("set wal_level = replica") != std::string::npos);
    CHECK(!exists(dir + "/data"));
    CHECK(!exists(dir + "/data.partial"));

    const std::string sdir = work.path() + "/sb";
    auto s = run(standby::standby_argv(pg, sdir, {"--base-backup", "--checkpoint", "fast"}));
    INFO(s.output);
    CHECK(s.exit_code == 1);
    CHECK(s.output.find("wal_level = minimal") != std::string::npos);
    CHECK(!exists(sdir + "/data"));
    CHECK(!exists(sdir + "/data.partial"));
    CHECK(pg.sql("select count(*) from pg_replication_slots") == "0");
}
