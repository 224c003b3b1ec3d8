#include "tests/integration/replay_standby_common.h"

#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <vector>

#include <libpq-fe.h>

#include "redo/rmgr.h"
#include "redo/storage/mask.h"
#include "tests/integration/replay_common.h"
#include "tests/support/files.h"
#include "tests/support/process.h"

namespace understudy::testing::replay {

namespace {

namespace fsys = std::filesystem;
constexpr std::size_t kBlcksz = 8192;

// A server of the primary's version (`bindir`'s pg_ctl) on a data directory we made ourselves;
// stopped (immediate) if the test fails before it is stopped cleanly. Queried with 15's psql,
// which talks to every version.
class Recovery {
public:
    Recovery(std::string bindir, std::string data_dir, int port)
        : bindir_(std::move(bindir)), data_dir_(std::move(data_dir)), port_(port) {}
    Recovery(const Recovery&) = delete;
    Recovery& operator=(const Recovery&) = delete;
    ~Recovery() {
        if (running_) run(as_postgres({bindir_ + "/pg_ctl", "-D", data_dir_, "-m", "immediate", "-w", "stop"}));
    }
    void start() {
        auto r = run(as_postgres({bindir_ + "/pg_ctl", "-D", data_dir_, "-l", data_dir_ + "/../recovery.log", "-w",
                                  "-t", "300", "start"}));
        REQUIRE_MESSAGE(r.exit_code == 0, r.output, waldump::read_file(data_dir_ + "/../recovery.log"));
        running_ = true;
    }
    void stop() {
        auto r = run(as_postgres({bindir_ + "/pg_ctl", "-D", data_dir_, "-m", "fast", "-w", "-t", "300", "stop"}));
        REQUIRE_MESSAGE(r.exit_code == 0, r.output);
        running_ = false;
    }
    std::string sql(const std::string& q) const {
        auto r = run(as_postgres({pg_tool("psql"), "-X", "-At", "-h", "127.0.0.1", "-p", std::to_string(port_), "-U",
                                  "postgres", "-d", "postgres", "-c", q}));
        if (r.exit_code != 0) return "";
        while (!r.output.empty() && r.output.back() == '\n') r.output.pop_back();
        return r.output;
    }

private:
    std::string bindir_;
    std::string data_dir_;
    int port_;
    bool running_ = false;
};

// One libpq session, kept open: a non-exclusive backup lasts as long as the session that
// started it.
class Session {
public:
    explicit Session(const std::string& conninfo) : conn_(PQconnectdb(conninfo.c_str())) {
        if (PQstatus(conn_) != CONNECTION_OK)
            throw std::runtime_error(std::string("connect failed: ") + PQerrorMessage(conn_));
    }
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;
    ~Session() { PQfinish(conn_); }
    // The fields of the first row of `q`'s result (none for a command).
    std::vector<std::string> row(const std::string& q) {
        std::unique_ptr<PGresult, decltype(&PQclear)> res(PQexec(conn_, q.c_str()), PQclear);
        const auto st = PQresultStatus(res.get());
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
            throw std::runtime_error("SQL failed: " + q + ": " + PQresultErrorMessage(res.get()));
        std::vector<std::string> out;
        if (PQntuples(res.get()) > 0)
            for (int c = 0; c < PQnfields(res.get()); ++c) out.emplace_back(PQgetvalue(res.get(), 0, c));
        return out;
    }

private:
    PGconn* conn_;
};

// Copies the data directory of a running server (`top`: `from` is the data directory) as a
// base backup does, leaving out what basebackup.c's excludeDirContents and excludeFiles list
// (14 to 18): the contents of the data directory's pg_wal (its archive_status directory is
// made), of pg_stat_tmp, pg_replslot, pg_dynshmem, pg_notify, pg_serial, pg_snapshots and
// pg_subtrans; postgresql.auto.conf.tmp, current_logfiles.tmp, backup_label, tablespace_map,
// backup_manifest, postmaster.pid and .opts; pg_internal.init* (relcache init files) and
// pgsql_tmp* (temporary files). Unlogged relations are copied whole (pg_basebackup copies only
// their init fork; they are not compared). Symbolic links (pg_tblspc) are copied as links. A
// file the server removes while we copy is left out, as pg_basebackup leaves it out; a file that
// changes is copied as it is read (WAL replay from the backup's start repairs it).
void copy_tree(const fsys::path& from, const fsys::path& to, bool top) {
    static const std::set<std::string> kExcludeDirContents = {"pg_stat_tmp", "pg_replslot", "pg_dynshmem",
                                                              "pg_notify",   "pg_serial",   "pg_snapshots",
                                                              "pg_subtrans"};
    static const std::set<std::string> kExcludeFiles = {
        "postgresql.auto.conf.tmp", "current_logfiles.tmp", "backup_label",   "tablespace_map",
        "backup_manifest",          "postmaster.pid",       "postmaster.opts"};
    std::error_code ec;
    fsys::create_directory(to, from, ec);
    REQUIRE_MESSAGE(!ec, "mkdir ", to.string(), ": ", ec.message());
    for (const auto& e : fsys::directory_iterator(from)) {
        const std::string name = e.path().filename().string();
        const fsys::path dest = to / name;
        if (name.rfind("pgsql_tmp", 0) == 0 || name.rfind("pg_internal.init", 0) == 0) continue;
        const auto st = e.symlink_status(ec);
        if (ec) {  // removed meanwhile
            ec.clear();
            continue;
        }
        if (fsys::is_symlink(st)) {
            fsys::copy_symlink(e.path(), dest, ec);
        } else if (fsys::is_directory(st)) {
            if (kExcludeDirContents.count(name) != 0 || (top && name == "pg_wal")) {
                fsys::create_directory(dest, e.path(), ec);
                if (!ec && name == "pg_wal") fsys::create_directory(dest / "archive_status", e.path(), ec);
            } else if (fsys::exists(e.path())) {
                copy_tree(e.path(), dest, false);
            }
        } else if (fsys::is_regular_file(st)) {
            if (kExcludeFiles.count(name) != 0) continue;
            fsys::copy_file(e.path(), dest, ec);
            if (ec && !fsys::exists(e.path())) ec.clear();  // removed meanwhile
        }
        REQUIRE_MESSAGE(!ec, "copy ", e.path().string(), ": ", ec.message());
    }
}

// A base backup of `pg` (PostgreSQL `major`) into `backup`, without WAL. 15: pg_basebackup
// (-X none). Other versions (15's pg_basebackup refuses a newer
// server): the low-level API in one session, non-exclusive (14: pg_start_backup(label, fast,
// false) / pg_stop_backup(false, wait_for_archive); 15 and later: pg_backup_start(label, fast) /
// pg_backup_stop(wait_for_archive)), the data directory copied in between (copy_tree), then the
// backup_label and tablespace_map the stop function returns written into the copy. Owned by
// postgres, mode 0700.
void take_base_backup(const PgCluster& pg, int major, const std::string& backup) {
    if (major == 15) {
        auto bb = run(as_postgres({pg_tool("pg_basebackup"), "-D", backup, "-h", "127.0.0.1", "-p",
                                   std::to_string(pg.port()), "-U", "postgres", "-X", "none", "--checkpoint=fast",
                                   "--no-sync"}));
        REQUIRE_MESSAGE(bb.exit_code == 0, bb.output);
        return;
    }
    Session s(pg.conninfo());
    s.row(major == 14 ? "select pg_start_backup('understudy replay_standby', true, false)"
                      : "select pg_backup_start('understudy replay_standby', true)");
    copy_tree(pg.data_dir(), backup, true);
    const auto stop = s.row(major == 14 ? "select lsn, labelfile, spcmapfile from pg_stop_backup(false, false)"
                                        : "select lsn, labelfile, spcmapfile from pg_backup_stop(false)");
    REQUIRE(stop.size() == 3);
    REQUIRE(stop[1].rfind("START WAL LOCATION: ", 0) == 0);
    std::ofstream(backup + "/backup_label") << stop[1];
    if (!stop[2].empty()) std::ofstream(backup + "/tablespace_map") << stop[2];
    REQUIRE(run({"chown", "-R", "postgres:", backup}).exit_code == 0);
    fsys::permissions(backup, fsys::perms::owner_all, fsys::perm_options::replace);
}

// Pages of one fork present in both directories, masked with `mask` (or just LSN and
// checksum), compared.
void compare_fork(const std::string& a, const std::string& b, MaskFn mask, bool vm, const std::string& what,
                  const std::string& kind, PageComparison& c) {
    if (!fsys::exists(a) || !fsys::exists(b)) return;
    std::string pa = read_file(a), pb = read_file(b);
    const std::size_t n = std::min(pa.size(), pb.size()) / kBlcksz;
    for (std::size_t blk = 0; blk < n; ++blk) {
        auto* x = reinterpret_cast<std::uint8_t*>(pa.data() + blk * kBlcksz);
        auto* y = reinterpret_cast<std::uint8_t*>(pb.data() + blk * kBlcksz);
        if (mask != nullptr) {
            mask(x, static_cast<BlockNumber>(blk));
            mask(y, static_cast<BlockNumber>(blk));
        } else {
            storage::mask_page_lsn_and_checksum(x);
            storage::mask_page_lsn_and_checksum(y);
        }
        if (vm) {
            ++c.vm_pages;
        } else {
            ++c.pages;
            ++c.pages_by_kind[kind];
        }
        if (std::memcmp(x, y, kBlcksz) != 0) {
            ++c.differing;
            if (c.first.size() < 2000) {
                auto off = storage::first_page_difference(x, y);
                c.first += kind + " " + what + " block " + std::to_string(blk) + " offset " +
                           std::to_string(off.value_or(0)) + "\n";
            }
        }
    }
}

}  // namespace

std::string backup_label_field(const std::string& dir, const std::string& field) {
    std::istringstream in(waldump::read_file(dir + "/backup_label"));
    for (std::string line; std::getline(in, line);)
        if (line.rfind(field + ": ", 0) == 0) {
            std::string v = line.substr(field.size() + 2);
            return v.substr(0, v.find(' '));
        }
    throw std::runtime_error("no " + field + " in backup_label");
}

std::map<std::string, std::string> relation_kinds(const PgCluster& pg) {
    std::map<std::string, std::string> out;
    std::istringstream dbs(pg.sql("select datname from pg_database where datallowconn"));
    for (std::string db; std::getline(dbs, db);) {
        std::istringstream rows(pg.sql(
            "select pg_relation_filepath(c.oid), c.relkind, coalesce(a.amname, '') from pg_class c "
            "left join pg_am a on a.oid = c.relam where pg_relation_filepath(c.oid) is not null "
            "and c.relpersistence = 'p'",
            db));
        for (std::string row; std::getline(rows, row);) {
            auto p1 = row.find('|'), p2 = row.rfind('|');
            const std::string path = row.substr(0, p1), relkind = row.substr(p1 + 1, p2 - p1 - 1),
                              am = row.substr(p2 + 1);
            if (relkind == "S") out[path] = "sequence";
            else if (!am.empty()) out[path] = am;
        }
    }
    return out;
}

std::string mask_rmgr_of(const std::string& kind) {
    static const std::map<std::string, std::string> rmgrs = {
        {"heap", "Heap"},     {"sequence", "Sequence"}, {"btree", "Btree"}, {"hash", "Hash"},  {"gin", "Gin"},
        {"gist", "Gist"},     {"spgist", "SPGist"},     {"brin", "BRIN"},   {"bloom", "Generic"},
    };
    auto it = rmgrs.find(kind);
    return it != rmgrs.end() ? it->second : std::string();
}

StandbyRecovery recover_with_both(PgCluster& pg, const TempDir& work, const std::function<void()>& workload,
                                  int major) {
    StandbyRecovery out;
    const std::string backup = work.path() + "/backup";
    take_base_backup(pg, major, backup);
    const std::string start = backup_label_field(backup, "START WAL LOCATION");

    workload();
    pg.sql("CHECKPOINT");  // the standby's shutdown restartpoint needs a checkpoint to restart at
    out.target = pg.sql("select pg_current_wal_insert_lsn()");
    pg.sql("select pg_logical_emit_message(false, 'after', 'target')");  // WAL past the target
    const std::string wal = work.path() + "/wal";
    switch_and_copy_wal(pg, wal);
    run({"chown", "-R", "postgres", wal});
    out.kinds = relation_kinds(pg);

    // PostgreSQL: targeted archive recovery of a copy of the backup.
    out.pg_dir = work.path() + "/pg";
    REQUIRE(run(as_postgres({"cp", "-a", backup, out.pg_dir})).exit_code == 0);
    const int port = free_port();
    {
        std::ofstream conf(out.pg_dir + "/postgresql.auto.conf", std::ios::app);
        conf << "port = " << port << "\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '"
             << work.path() << "'\nrestore_command = 'cp " << wal << "/%f \"%p\"'\nrecovery_target_lsn = '"
             << out.target << "'\nrecovery_target_inclusive = off\nrecovery_target_action = 'pause'\n"
             << "hot_standby = on\narchive_mode = off\n"
             // A workload's restart may raise max_wal_senders (PARAMETER_CHANGE): a hot standby
             // with a lower setting pauses recovery there ("insufficient parameter settings").
             << "max_wal_senders = 20\n";
    }
    REQUIRE(run(as_postgres({"touch", out.pg_dir + "/recovery.signal"})).exit_code == 0);
    Recovery rec(major == 15 ? pg_bindir() : pg_version_bindir(major), out.pg_dir, port);
    rec.start();
    const bool paused = wait_until([&] { return rec.sql("select pg_get_wal_replay_pause_state()") == "paused"; },
                                   std::chrono::seconds(300), std::chrono::milliseconds(200));
    REQUIRE_MESSAGE(paused, waldump::read_file(work.path() + "/recovery.log"));
    out.pg_replayed = rec.sql("select pg_last_wal_replay_lsn()");
    if (out.pg_replayed != out.target) {
        auto log = waldump::read_file(work.path() + "/recovery.log");
        MESSAGE("PostgreSQL paused at ", out.pg_replayed, " before the target ", out.target, "; its log ends:\n",
                log.substr(log.size() > 3000 ? log.size() - 3000 : 0));
    }
    rec.stop();

    // understudy: a copy of the same backup, from the backup's start to the same target.
    out.us_dir = work.path() + "/us";
    REQUIRE(run({"cp", "-a", backup, out.us_dir}).exit_code == 0);
    const std::string report = work.path() + "/report.json";
    auto r = run_replay({"--wal-dir", wal, "--data-dir", out.us_dir, "--start", start, "--end", out.target,
                         "--report", report},
                        work.path());
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    out.report = read_json(report);
    return out;
}

PageComparison compare_relations(const StandbyRecovery& r, const std::set<std::string>& kinds) {
    PageComparison c;
    for (const auto& [path, kind] : r.kinds) {
        if (kinds.count(kind) == 0) continue;
        const std::string rm = mask_rmgr_of(kind);
        REQUIRE_MESSAGE(!rm.empty(), "no mask for relation kind ", kind);
        const RmgrInfo* info = find_rmgr_by_name(rm);
        REQUIRE(info != nullptr);
        const std::size_t before = c.pages;
        compare_fork(r.pg_dir + "/" + path, r.us_dir + "/" + path, info->mask, false, path, kind, c);
        if (kind == "heap")
            compare_fork(r.pg_dir + "/" + path + "_vm", r.us_dir + "/" + path + "_vm", nullptr, true, path + "_vm",
                         kind, c);
        c.relations += c.pages > before;
    }
    return c;
}

}  // namespace understudy::testing::replay
